/** Filling a rootfs (bytes or inodes), racing on it, deleting from it. Assertions: see ./common/judge.ts. */
import { Given, Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { KiB } from '../src/evidence/units'
import { budget } from '../support/step-budget'
import { CALL, WAIT } from '../support/timeouts'
import { LOG_FILE } from '../support/tasks/running-out-of-inodes'
import type { DiskWorld } from '../support/world'
import { expectFillEndedWithEnospc } from './common/judge'

const FILL = CALL.probe + CALL.fill
/** One fill-and-delete cycle: the proof, the fill, free space twice, the delete. */
const CYCLE = CALL.probe + CALL.fill + 2 * CALL.probe + CALL.deleteAndSync

When('{box} fills its rootfs', budget(FILL), async function (this: DiskWorld, role: string) {
  this.host.sampleStart(role)
  await this.filling.fill(role)
})

When(
  '{box} fills its rootfs until "No space left on device"',
  budget(FILL),
  async function (this: DiskWorld, role: string) {
    this.host.sampleStart(role)
    await this.filling.fill(role)
    expectFillEndedWithEnospc(this, role)
  },
)

When(
  '{box} fills its rootfs again until "No space left on device"',
  budget(FILL),
  async function (this: DiskWorld, role: string) {
    await this.filling.fill(role)
    expectFillEndedWithEnospc(this, role)
  },
)

Then('the fill stops with "No space left on device"', function (this: DiskWorld) {
  expectFillEndedWithEnospc(this, 'box')
})

Then(
  'the fill stops with "No space left on device" and less than {size} is left free',
  budget(CALL.probe),
  async function (this: DiskWorld, limit: number) {
    expectFillEndedWithEnospc(this, 'box')
    const space = await this.rootfs.space('box')
    this.checks.verify('free space on the full rootfs', space.availKiB * KiB, '<', limit, 'bytes', {
      name: 'free space on the full rootfs',
    })
  },
)

When(
  '{int} writers race to fill the rootfs at the same time',
  budget(CALL.probe + CALL.concurrentFill),
  async function (this: DiskWorld, writers: number) {
    await this.filling.raceWriters('box', writers)
  },
)

Then(
  'all {int} writers stop with "No space left on device" and none of them succeeds',
  function (this: DiskWorld, writers: number) {
    const { outcomes, record } = this.filling.writers ?? {}
    this.calls.examine(record)
    expect(record!.timedOut, 'the writers did not finish before the timeout').to.equal(false)
    // The script itself must finish cleanly: every writer's error went to its own file, so any
    // stderr or a non-zero exit means the exec or the guest agent broke, not a writer.
    expect(record!.exitCode, `the exec running the writers failed:\n${record!.stderr}`).to.equal(0)
    expect(record!.stderr.trim(), 'the exec running the writers printed errors of its own').to.equal('')
    this.checks.verify(
      'writers that reported their exit',
      outcomes!.filter((w) => w.exitCode !== undefined).length,
      '==',
      writers,
      'count',
    )
    this.checks.verify(
      'writers that stopped with "No space left on device"',
      outcomes!.filter((w) => w.enospc).length,
      '==',
      writers,
      'count',
      {
        name: 'writers stopped by "No space left on device"',
        needs: `all ${writers}`,
      },
    )
    this.checks.verify(
      'writers that exited 0 (claimed success)',
      outcomes!.filter((w) => w.exitCode === 0).length,
      '==',
      0,
      'count',
    )
  },
)

Then(
  "the bystander's free space has shrunk by at most {size}",
  budget(CALL.probe),
  async function (this: DiskWorld, slack: number) {
    const before = this.rootfs.startFreeBytes('bystander')
    const now = await this.rootfs.space('bystander')
    this.checks.verify(
      "bystander's free space lost while the victim filled",
      before - now.availKiB * KiB,
      '<=',
      slack,
      'bytes',
      { name: "bystander's free space lost" },
    )
  },
)

When(
  'the victim fills its rootfs in the background while the bystander keeps appending to a log',
  budget(4 * CALL.quickProbe + CALL.probe + WAIT.backgroundFill + 3 * CALL.quickProbe),
  async function (this: DiskWorld) {
    await this.neighbours.fillWhileBystanderAppends('victim', 'bystander')
  },
)

Then(
  "the bystander appended more than {int} lines, at least {int} per second, while the victim's fill was still running",
  function (this: DiskWorld, lines: number, perSecond: number) {
    const run = this.neighbours.run
    if (!run) throw new Error('the background fill never ran')
    this.checks.verify('readings of the bystander taken while the fill ran', run.samplesDuringFill, '>=', 2, 'count')
    this.checks.verify(
      "lines the bystander appended while the victim's fill ran",
      run.linesDuringFill,
      '>',
      lines,
      'count',
    )
    this.checks.verify(
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
    this.checks.verify('commands into the bystander that failed during the fill', run.failedReads, '==', 0, 'count')
  },
)

Then('the victim\'s fill stopped with "No space left on device"', function (this: DiskWorld) {
  const run = this.neighbours.run
  if (!run) throw new Error('the background fill never ran')
  expect(run.fillError, 'the victim\'s background fill did not end with "No space left on device"').to.match(
    /No space left on device/,
  )
})

When(
  'the box creates up to {int} empty files until its rootfs has no inodes left',
  budget(CALL.probe + CALL.inodeLoop),
  async function (this: DiskWorld, cap: number) {
    await this.inodes.exhaust('box', cap)
  },
)

Then(
  'more than {int} files were created and the next one failed with "No space left on device"',
  function (this: DiskWorld, minimum: number) {
    const { result, record, cap } = this.inodes.exhaustion ?? {}
    this.calls.examine(record)
    expect(record!.timedOut, 'the file-creation loop timed out').to.equal(false)
    expect(
      result!.reachedCap,
      `the loop reached its safety cap of ${cap} files without running out of inodes`,
    ).to.equal(false)
    this.checks.verify('empty files created before inodes ran out', result!.created, '>', minimum, 'count', {
      name: 'empty files created before inodes ran out',
    })
    expect(
      result!.lastError,
      'the file creation that stopped the loop did not fail with "No space left on device"',
    ).to.match(/No space left on device/)
  },
)

Given(
  'the box has a log file that reads {string}',
  budget(CALL.quickProbe),
  async function (this: DiskWorld, text: string) {
    await this.inodes.writeLog('box', text)
  },
)

Then(
  'appending {string} to the log file works and it then reads {string} and {string}',
  budget(CALL.quickProbe),
  async function (this: DiskWorld, line: string, first: string, second: string) {
    const r = await this.inodes.appendToLog('box', line)
    expect(r.exitCode, `appending to ${LOG_FILE} failed:\n${r.stdout}${r.stderr}`).to.equal(0)
    expect(r.stdout.split('\n').filter(Boolean), 'the log file after appending').to.deep.equal([first, second])
  },
)

Given(
  'the box has more than {size} free on its rootfs',
  budget(CALL.probe),
  async function (this: DiskWorld, bytes: number) {
    const space = await this.rootfs.markStart('box')
    this.checks.verify("free space on the box's rootfs", space.availKiB * KiB, '>', bytes, 'bytes')
  },
)

When('the box deletes the fill', budget(CALL.deleteAndSync), async function (this: DiskWorld) {
  await this.filling.delete('box', ['/fill'])
})

Then(
  'the free space is back to within {size} of where it started',
  budget(CALL.probe),
  async function (this: DiskWorld, slack: number) {
    const deletion = this.filling.deletion
    expect(
      this.calls.examine(deletion).exitCode,
      `deleting the fill on the full rootfs failed:\n${deletion?.stderr}`,
    ).to.equal(0)
    const start = this.rootfs.startFreeBytes('box')
    const now = await this.rootfs.space('box')
    this.checks.verify('free space still missing after the delete', start - now.availKiB * KiB, '<=', slack, 'bytes', {
      name: 'free space still missing after the delete',
    })
  },
)

When(
  'the box fills its rootfs and deletes the fill {int} times',
  budget((times: number) => times * CYCLE),
  async function (this: DiskWorld, times: number) {
    await this.filling.fillAndDeleteCycles('box', times)
  },
)

Then(
  'each fill left less than {size} free and each delete gave it back to within {size}',
  function (this: DiskWorld, fullLimit: number, slack: number) {
    const start = this.rootfs.startFreeBytes('box')
    const { done, requested } = this.filling.cycles ?? { done: [], requested: 0 }
    this.checks.verify('fill-and-delete cycles completed', done.length, '==', requested, 'count', {
      name: 'fill-and-delete cycles completed',
      needs: `all ${requested}`,
    })
    done.forEach((c, i) => {
      expect(c.fill.output, `fill ${i + 1} did not end with "No space left on device"`).to.match(
        /No space left on device/,
      )
      this.checks.verify(`free space after fill ${i + 1}`, c.freeWhenFullKiB * KiB, '<', fullLimit, 'bytes')
      this.checks.verify(`exit status of delete ${i + 1}`, c.deleteExit, '==', 0, 'count')
      this.checks.verify(
        `free space still missing after delete ${i + 1}`,
        start - c.freeAfterDeleteKiB * KiB,
        '<=',
        slack,
        'bytes',
      )
    })
  },
)
