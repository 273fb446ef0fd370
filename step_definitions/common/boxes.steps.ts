/** Boxes coming up, staying up, and keeping what they were given. Assertions: see ./judge.ts. */
import { Given, Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { formatBytes, KiB } from '../../src/evidence/units'
import type { FileFingerprint } from '../../src/guest/measure'
import { budget } from '../../support/step-budget'
import { CALL } from '../../support/timeouts'
import type { DiskWorld } from '../../support/world'
import { expectFillEndedWithEnospc, expectRunning, expectServing, expectWriteAndReadBack } from './judge'

/** Status, then `echo alive` retried over the window, then a write. */
const SERVING = (window: number) => CALL.quickProbe + window + CALL.aliveTry + CALL.quickProbe

Given('a running box', budget(CALL.createBox), async function (this: DiskWorld) {
  await this.boxes.start('box')
})

Given(
  'two running boxes, a victim and a bystander',
  budget(2 * CALL.createBox + CALL.probe),
  async function (this: DiskWorld) {
    await this.boxes.start('victim')
    await this.boxes.start('bystander')
    await this.rootfs.space('bystander') // its starting free space
  },
)

Then(
  "the box's rootfs is an ext4 filesystem between {size} and {size}",
  budget(CALL.probe),
  async function (this: DiskWorld, min: number, max: number) {
    const space = await this.rootfs.space('box')
    expect(space.fsType, 'the filesystem type of / inside the box').to.equal('ext4')
    this.checks.verify('size of / inside the box', space.totalKiB * KiB, '>=', min, 'bytes')
    this.checks.verify('size of / inside the box', space.totalKiB * KiB, '<', max, 'bytes', {
      name: 'size of / inside the box',
      needs: `at least ${formatBytes(min)} and less than ${formatBytes(max)}`,
    })
  },
)

Then(
  '{box} is still running and serving commands within {duration}',
  budget((_: string, window: number) => SERVING(window)),
  async function (this: DiskWorld, role: string, window: number) {
    await expectServing(this, role, window)
  },
)

Then(
  'both boxes are still running and serving commands within {duration}',
  budget((window: number) => 2 * SERVING(window)),
  async function (this: DiskWorld, window: number) {
    await expectServing(this, 'victim', window)
    await expectServing(this, 'bystander', window)
  },
)

Then('the files that came with the image are unchanged', budget(CALL.fingerprint), async function (this: DiskWorld) {
  const { before, now } = await this.serving.imageFilesNow('box')
  for (const [path, was] of before) {
    expect(was, `${path} is not in the image, so it cannot serve as a witness`).to.not.equal('missing')
    expect(now.get(path), `${path} (from the image) changed or became unreadable`).to.deep.equal(was)
  }
  this.log(`✔ unchanged: ${[...before.keys()].join(', ')}`)
})

Then(
  '{box} can still write to its memory-backed \\/tmp',
  budget(CALL.probe + CALL.quickProbe),
  async function (this: DiskWorld, role: string) {
    const space = await this.rootfs.space(role)
    expect(space.tmpFsType, '/tmp is not a memory-backed tmpfs').to.equal('tmpfs')
    await expectWriteAndReadBack(this, role, '/tmp/probe', 'tmpfs-still-writes')
  },
)

Then(
  '{box} can still write a new file to its rootfs and read it back',
  budget(CALL.quickProbe),
  async function (this: DiskWorld, role: string) {
    await expectWriteAndReadBack(this, role, '/probe', 'recovered')
  },
)

Given(
  'the box has filled its rootfs',
  budget(CALL.probe + 2 * CALL.quickProbe + CALL.fill + CALL.fingerprint),
  async function (this: DiskWorld) {
    await this.restart.writeKeepsake('box')
    await this.filling.fill('box')
    expectFillEndedWithEnospc(this, 'box')
    await this.restart.freshenAndFingerprint('box')
  },
)

When('the box is stopped and started again', budget(CALL.stop + CALL.start), async function (this: DiskWorld) {
  await this.restart.stopAndStart('box')
})

Then('the box is running again', budget(CALL.quickProbe), async function (this: DiskWorld) {
  expect(this.calls.examine(this.restart.stop).exitCode, 'stopping the box with a full rootfs failed').to.equal(0)
  expect(this.calls.examine(this.restart.start).exitCode, 'starting the box with a full rootfs failed').to.equal(0)
  await expectRunning(this, 'box')
})

Then(
  'everything it wrote before the stop is still there, byte for byte',
  budget(CALL.fingerprint),
  async function (this: DiskWorld) {
    const { before, after } = await this.restart.fingerprintsNow('box')
    for (const [path, was] of before) {
      const now = after.get(path)
      expect(now, `${path} is gone after the restart`).to.not.equal('missing')
      expect(now, `${path} changed across the restart (size and SHA-256 before: ${JSON.stringify(was)})`).to.deep.equal(
        was,
      )
      this.log(
        `✔ ${path}: ${(was as FileFingerprint).bytes} bytes, sha256 ${(was as FileFingerprint).sha256.slice(0, 16)}… unchanged`,
      )
    }
  },
)

Then(
  'new files on its rootfs still fail with "No space left on device"',
  budget(CALL.oneBlockWrite),
  async function (this: DiskWorld) {
    const r = await this.restart.tryNewWrite('box')
    expect(r.stdout, 'a new write on the full rootfs did not fail with "No space left on device"').to.match(
      /No space left on device/,
    )
  },
)
