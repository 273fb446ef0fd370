/** Steps several @host-access features share: a box's disk measured on the host, and its growth. */
import { Given, Then } from '@cucumber/cucumber'
import { budget } from '../../support/step-budget'
import { CALL, WAIT } from '../../support/timeouts'
import { BEFORE_THE_BOX } from '../../support/parts/host-meter'
import type { DiskWorld } from '../../support/world'

Given('a running box whose disk is measured on the host', budget(CALL.createBox), async function (this: DiskWorld) {
  this.host.sampleHome(BEFORE_THE_BOX)
  await this.boxes.start('box')
  this.host.sampleStart('box')
})

Then(
  "the box's disk on the host has grown by at least {size}",
  budget(WAIT.settleGrowth),
  async function (this: DiskWorld, bytes: number) {
    const label = this.outcomes.count('fill', 'box') > 0 ? 'after fill' : 'after writing'
    const growth = await this.tasks.hostDisk.growth('box', bytes, label)
    this.checks.verify("growth of the box's disk on the host", growth, '>=', bytes, 'bytes')
  },
)
