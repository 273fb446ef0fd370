/**
 * features/recovering-a-full-box.feature: a full box restarts with its data, and deleting gives the
 * space back. Assertions: see ./common/judge.ts.
 */
import { Given, Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { KiB } from '../src/evidence/units'
import type { FileFingerprint } from '../src/guest/measure'
import { budget } from '../support/step-budget'
import { CALL } from '../support/timeouts'
import type { DiskWorld } from '../support/world'
import { expectFillEndedWithEnospc, expectRunning, expectSays } from './common/judge'

/** One fill-and-delete cycle: the proof, the fill, free space twice, the delete. */
const CYCLE = CALL.probe + CALL.fill + 2 * CALL.probe + CALL.deleteAndSync

Given(
  'the box has filled its rootfs',
  budget(CALL.probe + 2 * CALL.quickProbe + CALL.fill + CALL.fingerprint),
  async function (this: DiskWorld) {
    await this.tasks.recovery.writeKeepsake('box')
    this.outcomes.record('fill', 'box', await this.tasks.filling.fill('box'))
    expectFillEndedWithEnospc(this, 'box')
    const before = await this.tasks.recovery.freshenAndFingerprint('box')
    this.outcomes.record('fingerprints before the stop', 'box', before)
  },
)

Then('the box is running again', budget(CALL.quickProbe), async function (this: DiskWorld) {
  const { stop, start } = this.outcomes.get('restart', 'box')
  expect(stop.exitCode, 'stopping the box with a full rootfs failed').to.equal(0)
  expect(start.exitCode, 'starting the box with a full rootfs failed').to.equal(0)
  await expectRunning(this, 'box')
})

Then(
  'everything it wrote before the stop is still there, byte for byte',
  budget(CALL.fingerprint),
  async function (this: DiskWorld) {
    const before = this.outcomes.get('fingerprints before the stop', 'box')
    const after = await this.tasks.recovery.fingerprintsNow('box', before)
    for (const [path, was] of before) {
      const now = after.get(path)
      expect(now, `${path} is gone after the restart`).to.not.equal('missing')
      expect(now, `${path} changed across the restart (size and SHA-256 before: ${JSON.stringify(was)})`).to.deep.equal(
        was,
      )
      const { bytes, sha256 } = was as FileFingerprint
      this.log(`✔ ${path}: ${bytes} bytes, sha256 ${sha256.slice(0, 16)}… unchanged`)
    }
  },
)

Then(
  'new files on its rootfs still fail with "No space left on device"',
  budget(CALL.oneBlockWrite),
  async function (this: DiskWorld) {
    const r = await this.tasks.recovery.tryNewWrite('box')
    expectSays('out-of-space', r.stdout, 'a new write on the full rootfs did not fail with "No space left on device"')
  },
)

Then(
  'the fill stops with "No space left on device" and less than {size} is left free',
  budget(CALL.probe),
  async function (this: DiskWorld, limit: number) {
    expectFillEndedWithEnospc(this, 'box')
    const space = await this.tasks.rootfs.space('box')
    this.checks.verify('free space on the full rootfs', space.availKiB * KiB, '<', limit, 'bytes', {
      name: 'free space on the full rootfs',
    })
  },
)

Given(
  'the box has more than {size} free on its rootfs',
  budget(CALL.probe),
  async function (this: DiskWorld, bytes: number) {
    const space = await this.tasks.rootfs.markStart('box')
    this.checks.verify("free space on the box's rootfs", space.availKiB * KiB, '>', bytes, 'bytes')
  },
)

Then(
  'the free space is back to within {size} of where it started',
  budget(CALL.probe),
  async function (this: DiskWorld, slack: number) {
    const deletion = this.outcomes.get('delete', 'box')
    expect(deletion.exitCode, `deleting the fill on the full rootfs failed:\n${deletion.stderr}`).to.equal(0)
    const start = this.tasks.rootfs.startFreeBytes('box')
    const now = await this.tasks.rootfs.space('box')
    this.checks.verify('free space still missing after the delete', start - now.availKiB * KiB, '<=', slack, 'bytes', {
      name: 'free space still missing after the delete',
    })
  },
)

When(
  'the box fills its rootfs and deletes the fill {int} times',
  budget((times: number) => times * CYCLE),
  async function (this: DiskWorld, times: number) {
    this.outcomes.record('fill-and-delete cycles', 'box', await this.tasks.recovery.fillAndDeleteCycles('box', times))
  },
)

Then(
  'each fill left less than {size} free and each delete gave it back to within {size}',
  function (this: DiskWorld, fullLimit: number, slack: number) {
    const start = this.tasks.rootfs.startFreeBytes('box')
    const { done, requested } = this.outcomes.get('fill-and-delete cycles', 'box')
    this.checks.verify('fill-and-delete cycles completed', done.length, '==', requested, 'count', {
      name: 'fill-and-delete cycles completed',
      needs: `all ${requested}`,
    })
    done.forEach((c, i) => {
      expectSays('out-of-space', c.fill.output, `fill ${i + 1} did not end with "No space left on device"`)
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
