/**
 * A host that runs out of space (@host-full): the home on a small filesystem of its own. Assertions:
 * see ./common/judge.ts.
 */
import { Given, Then, When } from '@cucumber/cucumber'
import { assert, expect } from 'chai'
import { formatBytes, GiB, MiB } from '../src/evidence/units'
import { says } from '../src/evidence/vocabulary'
import { budget } from '../support/step-budget'
import { SYNCED_WRITE_MIB } from '../support/tasks/host-runs-out-of-space'
import { CALL } from '../support/timeouts'
import type { DiskWorld } from '../support/world'
import { expectRunning, expectSays, expectWriteAndReadBack } from './common/judge'

Given(
  "the scenario's home is on a {size} filesystem of its own",
  budget(4 * 60),
  async function (this: DiskWorld, bytes: number) {
    expect(bytes, 'the filesystem must be smaller than the disk of the box that fills it (1 GiB)').to.be.below(GiB)
    await this.tasks.hostFull.homeOnItsOwnFilesystem(bytes)
  },
)

Given(
  'a running bystander box with a small file whose SHA-256 is recorded',
  budget(CALL.createBox + 2 * CALL.quickProbe + CALL.fingerprint),
  async function (this: DiskWorld) {
    await this.boxes.start('bystander')
    this.outcomes.record('witness file', 'bystander', await this.tasks.hostFull.writeWitness('bystander'))
  },
)

Given(
  'a running victim box that asked for a {size} disk',
  budget(CALL.createBox),
  async function (this: DiskWorld, bytes: number) {
    expect(bytes % GiB, `a disk size is asked for in whole GiB, not ${formatBytes(bytes)}`).to.equal(0)
    await this.boxes.start('victim', { diskSizeGb: bytes / GiB })
  },
)

Then("the home's filesystem has less than {size} free", function (this: DiskWorld, limit: number) {
  const fs = this.tasks.hostFull.describe()
  this.log(
    `the home is ${fs.device} (${formatBytes(fs.sizeBytes)}), backed by ${fs.backing} of ` +
      `${formatBytes(fs.imageBytes)}: the writes stayed inside it`,
  )
  expect(fs.backing, "the home's filesystem is not backed by the scenario's image").to.match(/home-fs\.img$/)
  expect(fs.imageBytes, "the image behind the home's filesystem is not the size it was made").to.equal(fs.plannedBytes)
  this.checks.verify(
    "free space on the home's filesystem after the fill",
    this.tasks.hostFull.homeFreeBytes(),
    '<',
    limit,
    'bytes',
  )
})

Then(
  'the victim\'s synced writes fail with "No space left on device" or an I\\/O error',
  budget(CALL.oneBlockWrite),
  async function (this: DiskWorld) {
    const fill = this.outcomes.get('fill', 'victim')
    expect(
      fill.record.timedOut,
      `the fill on the full host hung until its timeout (${fill.record.durationMs} ms)`,
    ).to.equal(false)
    this.log(`the fill ended with: ${fill.outcome.output.split('\n').slice(-3).join(' | ')}`)
    const write = await this.tasks.hostFull.trySyncedWrite('victim')
    this.log(
      `a flushed ${SYNCED_WRITE_MIB} MiB write then: ` +
        `${`${write.stdout}${write.stderr}`.trim().split('\n').join(' | ')}`,
    )
    expect(write.timedOut, 'a flushed write on the full host hung until its timeout').to.equal(false)
    // `dd_exit=N` is the probe's own marker (the suite's words), not the runtime's.
    expect(write.stdout, 'a flushed write on the full host reported success').to.not.match(/dd_exit=0\b/)
    // What a write on a host out of space may fail with: ENOSPC, EIO, or the read-only remount EIO leads to.
    expectSays(
      ['out-of-space', 'io-error', 'read-only-filesystem'],
      `${write.stdout}\n${write.stderr}`,
      'a flushed write on the full host failed with an unexpected error',
    )
  },
)

Then(
  'the victim still answers commands within {duration}',
  budget((window: number) => CALL.quickProbe + window + CALL.aliveTry),
  async function (this: DiskWorld, window: number) {
    await expectRunning(this, 'victim')
    const { answered, tries, last } = await this.tasks.serving.answerWithin('victim', window)
    expect(
      answered,
      `the victim box did not answer within ${window} s (${tries} tries); last: exit ${last.exitCode} ${last.stderr}`,
    ).to.equal(true)
  },
)

Then(
  "the bystander's small file still has the SHA-256 recorded",
  budget(CALL.fingerprint),
  async function (this: DiskWorld) {
    const before = this.outcomes.get('witness file', 'bystander')
    const now = await this.tasks.hostFull.witnessNow('bystander')
    for (const [path, was] of before) {
      expect(was, `${path} was not written`).to.not.equal('missing')
      expect(now.get(path), `the bystander's ${path} changed while the host was full`).to.deep.equal(was)
    }
  },
)

Then(
  'creating a new box fails with an error that names the lack of space within {int} seconds',
  budget((window: number) => window),
  async function (this: DiskWorld, window: number) {
    const { error, said, timedOut, seconds, window: limit } = await this.tasks.hostFull.tryNewBox('second', window)
    assert.isDefined(error, 'a new box started on a host with no space left')
    this.log(`creating a box on the full host failed after ${seconds.toFixed(1)} s`)
    // The call's own record says whether it ran into its limit; without one, the suite's message does.
    const hung = timedOut ?? says('timed-out', error)
    expect(hung, `creating a box on the full host hung until its timeout:\n${error}`).to.equal(false)
    // Any wording, on any line: a runtime may print a context line before the cause, or refuse up front.
    const line = expectSays('out-of-space', said || error, 'the error does not say the host is out of space')
    this.log(`✔ the runtime said: ${line}`)
    this.checks.verify('seconds until creating a box on the full host failed', seconds, '<=', limit, 'seconds')
  },
)

When('the victim is force-removed', budget(CALL.forceRemove), async function (this: DiskWorld) {
  this.outcomes.record('force-removal', 'victim', await this.tasks.lifecycle.forceRemove('victim'))
})

Then(
  'within {duration} a new box starts and can write a file to its rootfs and read it back',
  budget((window: number) => window + CALL.createBox + CALL.quickProbe),
  async function (this: DiskWorld, window: number) {
    const removal = this.outcomes.get('force-removal', 'victim').record
    expect(removal.exitCode, `force-removing the victim on the full host failed:\n${removal.stderr}`).to.equal(0)
    const { role, tries, seconds, lastError } = await this.tasks.hostFull.startNewcomerWithin('newcomer', window)
    this.log(
      `the home's filesystem has ${formatBytes(this.tasks.hostFull.homeFreeBytes())} free again ` +
        `(${(this.tasks.hostFull.homeFreeBytes() / MiB).toFixed(0)} MiB)`,
    )
    assert.isDefined(
      role,
      `could not start the newcomer box within ${window} s of the removal (${tries} tries); the last try: ${lastError}`,
    )
    this.log(`✔ a new box started ${seconds.toFixed(1)} s after the removal, at try ${tries}`)
    await expectWriteAndReadBack(this, role, '/probe', 'recovered')
  },
)
