/**
 * Steps many features share: boxes coming up, staying up and serving, restarted and removed.
 * Assertions: see ./judge.ts.
 */
import { Given, Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { budget } from '../../support/step-budget'
import { CALL, servingBudget } from '../../support/timeouts'
import type { DiskWorld } from '../../support/world'
import { expectServing, expectWriteAndReadBack } from './judge'

Given('a running box', budget(CALL.createBox), async function (this: DiskWorld) {
  await this.boxes.start('box')
})

Given(
  'two running boxes, a victim and a bystander',
  budget(2 * CALL.createBox + CALL.probe),
  async function (this: DiskWorld) {
    await this.boxes.start('victim')
    await this.boxes.start('bystander')
    await this.tasks.rootfs.space('bystander') // its starting free space
  },
)

Then(
  '{box} is still running and serving commands within {duration}',
  budget((_: string, window: number) => servingBudget(window)),
  async function (this: DiskWorld, role: string, window: number) {
    await expectServing(this, role, window)
  },
)

Then('the files that came with the image are unchanged', budget(CALL.fingerprint), async function (this: DiskWorld) {
  const { before, now } = await this.tasks.serving.imageFilesNow('box')
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
    const space = await this.tasks.rootfs.space(role)
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

When('the box is stopped and started again', budget(CALL.stop + CALL.start), async function (this: DiskWorld) {
  this.outcomes.record('restart', 'box', await this.tasks.lifecycle.stopAndStart('box'))
})

When('the box is force-removed', budget(CALL.forceRemove), async function (this: DiskWorld) {
  this.outcomes.record('force-removal', 'box', await this.tasks.lifecycle.forceRemove('box'))
})
