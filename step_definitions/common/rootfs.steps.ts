/** Steps many features share: a box's rootfs measured, filled, written and deleted from. Assertions: see ./judge.ts. */
import { Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { formatBytes, KiB } from '../../src/evidence/units'
import { budget } from '../../support/step-budget'
import { CALL } from '../../support/timeouts'
import type { DiskWorld } from '../../support/world'
import { expectFillEndedWithEnospc } from './judge'

const FILL = CALL.probe + CALL.fill

Then(
  "the box's rootfs is an ext4 filesystem between {size} and {size}",
  budget(CALL.probe),
  async function (this: DiskWorld, min: number, max: number) {
    const space = await this.tasks.rootfs.space('box')
    expect(space.fsType, 'the filesystem type of / inside the box').to.equal('ext4')
    this.checks.verify('size of / inside the box', space.totalKiB * KiB, '>=', min, 'bytes')
    this.checks.verify('size of / inside the box', space.totalKiB * KiB, '<', max, 'bytes', {
      name: 'size of / inside the box',
      needs: `at least ${formatBytes(min)} and less than ${formatBytes(max)}`,
    })
  },
)

When('{box} fills its rootfs', budget(FILL), async function (this: DiskWorld, role: string) {
  this.host.sampleStart(role)
  this.outcomes.record('fill', role, await this.tasks.filling.fill(role))
})

When(
  '{box} fills its rootfs until "No space left on device"',
  budget(FILL),
  async function (this: DiskWorld, role: string) {
    this.host.sampleStart(role)
    this.outcomes.record('fill', role, await this.tasks.filling.fill(role))
    expectFillEndedWithEnospc(this, role)
  },
)

When('the box deletes the fill', budget(CALL.deleteAndSync), async function (this: DiskWorld) {
  this.outcomes.record('delete', 'box', await this.tasks.filling.delete('box', ['/fill']))
})

When(
  'the box writes a {size} file to its rootfs',
  budget(CALL.probe + CALL.bigWrite),
  async function (this: DiskWorld, bytes: number) {
    this.host.sampleStart('box')
    await this.tasks.filling.writeFile('box', '/big', bytes)
  },
)
