/** Filling a rootfs (bytes or inodes), racing on it, deleting from it. */
import { Given, Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { KiB } from '../src/evidence/units'
import { CALL, WAIT, stepBudget } from '../support/timeouts'
import type { DiskWorld } from '../support/world'

const FILL_BUDGET = stepBudget(CALL.probe, CALL.fill)

When('{box} fills its rootfs', { timeout: FILL_BUDGET }, async function (this: DiskWorld, role: string) {
  this.sampleStartFootprint(role)
  await this.fillRootfs(role)
})

When('{box} fills its rootfs until "No space left on device"', { timeout: FILL_BUDGET }, async function (this: DiskWorld, role: string) {
  this.sampleStartFootprint(role)
  await this.fillRootfsCompletely(role)
})

When('{box} fills its rootfs again until "No space left on device"', { timeout: FILL_BUDGET }, async function (this: DiskWorld, role: string) {
  await this.fillRootfsCompletely(role)
})

Then('the fill stops with "No space left on device"', function (this: DiskWorld) {
  this.expectFillEndedWithEnospc('box')
})

Then('the fill stops with "No space left on device" and less than {size} is left free', { timeout: stepBudget(CALL.probe) }, async function (this: DiskWorld, limit: number) {
  this.expectFillEndedWithEnospc('box')
  const space = await this.rootfsSpace('box')
  this.verify('free space on the full rootfs', space.availKiB * KiB, '<', limit, 'bytes', { name: 'free space on the full rootfs' })
})

When('{int} writers race to fill the rootfs at the same time', { timeout: stepBudget(CALL.probe, CALL.concurrentFill) }, async function (this: DiskWorld, writers: number) {
  await this.fillWithConcurrentWriters('box', writers)
})

Then('all {int} writers stop with "No space left on device" and none of them succeeds', function (this: DiskWorld, writers: number) {
  const { outcomes, record } = this.writers ?? {}
  this.examine(record)
  expect(record!.timedOut, 'the writers did not finish before the timeout').to.equal(false)
  // The script itself must finish cleanly: every writer's error went to its own file, so any
  // stderr or a non-zero exit means the exec or the guest agent broke, not a writer.
  expect(record!.exitCode, `the exec running the writers failed:\n${record!.stderr}`).to.equal(0)
  expect(record!.stderr.trim(), 'the exec running the writers printed errors of its own').to.equal('')
  this.verify('writers that reported their exit', outcomes!.filter((w) => w.exitCode !== undefined).length, '==', writers, 'count')
  this.verify('writers that stopped with "No space left on device"', outcomes!.filter((w) => w.enospc).length, '==', writers, 'count', {
    name: 'writers stopped by "No space left on device"',
    needs: `all ${writers}`,
  })
  this.verify('writers that exited 0 (claimed success)', outcomes!.filter((w) => w.exitCode === 0).length, '==', 0, 'count')
})

Then("the bystander's free space has shrunk by at most {size}", { timeout: stepBudget(CALL.probe) }, async function (this: DiskWorld, slack: number) {
  const before = this.startFreeBytes(this.box('bystander'))
  const now = await this.rootfsSpace('bystander')
  this.verify("bystander's free space lost while the victim filled", before - now.availKiB * KiB, '<=', slack, 'bytes', { name: "bystander's free space lost" })
})

When(
  'the victim fills its rootfs in the background while the bystander keeps appending to a log',
  { timeout: stepBudget(4 * CALL.quickProbe, CALL.probe, WAIT.backgroundFill, 3 * CALL.quickProbe) },
  async function (this: DiskWorld) {
    await this.fillWhileBystanderAppends('victim', 'bystander')
  },
)

Then(
  "the bystander appended more than {int} lines, at least {int} per second, while the victim's fill was still running",
  function (this: DiskWorld, lines: number, perSecond: number) {
    const run = this.bystander
    if (!run) throw new Error('the background fill never ran')
    this.verify('readings of the bystander taken while the fill ran', run.samplesDuringFill, '>=', 2, 'count')
    this.verify("lines the bystander appended while the victim's fill ran", run.linesDuringFill, '>', lines, 'count')
    this.verify(
      `bystander's lines per second over the ${run.windowSeconds.toFixed(1)} s of fill observed`,
      run.windowSeconds > 0 ? run.linesDuringFill / run.windowSeconds : 0,
      '>=',
      perSecond,
      'per-second',
      {
        name: "bystander's lines per second during the fill",
        detail: `${run.linesDuringFill} lines in ${run.windowSeconds.toFixed(1)} s`,
        figures: [{ name: 'lines appended during the fill', value: run.linesDuringFill, unit: 'count' }],
      },
    )
    this.verify('commands into the bystander that failed during the fill', run.failedReads, '==', 0, 'count')
  },
)

Then("the victim's fill stopped with \"No space left on device\"", function (this: DiskWorld) {
  const run = this.bystander
  if (!run) throw new Error('the background fill never ran')
  expect(run.fillError, "the victim's background fill did not end with \"No space left on device\"").to.match(/No space left on device/)
})

When('the box creates up to {int} empty files until its rootfs has no inodes left', { timeout: stepBudget(CALL.probe, CALL.inodeLoop) }, async function (this: DiskWorld, cap: number) {
  await this.exhaustInodes('box', cap)
})

Then('more than {int} files were created and the next one failed with "No space left on device"', function (this: DiskWorld, minimum: number) {
  const { result, record, cap } = this.inodes ?? {}
  this.examine(record)
  expect(record!.timedOut, 'the file-creation loop timed out').to.equal(false)
  expect(result!.reachedCap, `the loop reached its safety cap of ${cap} files without running out of inodes`).to.equal(false)
  this.verify('empty files created before inodes ran out', result!.created, '>', minimum, 'count', { name: 'empty files created before inodes ran out' })
  expect(result!.lastError, 'the file creation that stopped the loop did not fail with "No space left on device"').to.match(/No space left on device/)
})

Given('the box has a log file that reads {string}', { timeout: stepBudget(CALL.quickProbe) }, async function (this: DiskWorld, text: string) {
  await this.writeLogFile('box', text)
})

Then('appending {string} to the log file works and it then reads {string} and {string}', { timeout: stepBudget(CALL.quickProbe) }, async function (this: DiskWorld, line: string, first: string, second: string) {
  const content = await this.appendToLogFile('box', line)
  expect(content.split('\n').filter(Boolean), 'the log file after appending').to.deep.equal([first, second])
})

Given('the box has more than {size} free on its rootfs', { timeout: stepBudget(CALL.probe) }, async function (this: DiskWorld, bytes: number) {
  await this.expectFreeSpaceAbove('box', bytes)
})

When('the box deletes the fill', { timeout: stepBudget(CALL.deleteAndSync) }, async function (this: DiskWorld) {
  await this.deleteFiles('box', ['/fill'])
})

Then('the free space is back to within {size} of where it started', { timeout: stepBudget(CALL.probe) }, async function (this: DiskWorld, slack: number) {
  expect(this.examine(this.deletion).exitCode, `deleting the fill on the full rootfs failed:\n${this.deletion?.stderr}`).to.equal(0)
  const start = this.startFreeBytes(this.box('box'))
  const now = await this.rootfsSpace('box')
  this.verify('free space still missing after the delete', start - now.availKiB * KiB, '<=', slack, 'bytes', { name: 'free space still missing after the delete' })
})

When('the box fills its rootfs and deletes the fill {int} times', { timeout: stepBudget(3 * (2 * CALL.probe + CALL.probe + CALL.fill + CALL.deleteAndSync)) }, async function (this: DiskWorld, times: number) {
  await this.fillAndDeleteCycles('box', times)
})

Then('each fill left less than {size} free and each delete gave it back to within {size}', function (this: DiskWorld, fullLimit: number, slack: number) {
  const start = this.startFreeBytes(this.box('box'))
  const { done, requested } = this.cycles ?? { done: [], requested: 0 }
  this.verify('fill-and-delete cycles completed', done.length, '==', requested, 'count', { name: 'fill-and-delete cycles completed', needs: `all ${requested}` })
  done.forEach((c, i) => {
    expect(c.fill.output, `fill ${i + 1} did not end with "No space left on device"`).to.match(/No space left on device/)
    this.verify(`free space after fill ${i + 1}`, c.freeWhenFullKiB * KiB, '<', fullLimit, 'bytes')
    this.verify(`exit status of delete ${i + 1}`, c.deleteExit, '==', 0, 'count')
    this.verify(`free space still missing after delete ${i + 1}`, start - c.freeAfterDeleteKiB * KiB, '<=', slack, 'bytes')
  })
})
