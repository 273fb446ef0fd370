/** Many boxes of one home filling their rootfs at the same time. */
import { Given, Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { named } from '../support/parts/boxes'
import { budget } from '../support/step-budget'
import { CALL, WAIT, servingBudget } from '../support/timeouts'
import type { DiskWorld } from '../support/world'
import { expectSays, expectServing } from './common/judge'

Given(
  "{int} running boxes at the suite's default memory, each with a {int} KiB file fingerprinted",
  budget((n: number) => n * (CALL.createBox + CALL.probe + CALL.quickProbe + CALL.fingerprint)),
  async function (this: DiskWorld, count: number, kib: number) {
    this.outcomes.record('crowd', 'crowd', await this.tasks.crowd.startMany(count, kib))
  },
)

When(
  'all {int} boxes fill their rootfs at the same time in the background',
  budget((n: number) => n * (CALL.probe + CALL.quickProbe) + WAIT.backgroundFill + n * 3 * CALL.quickProbe),
  async function (this: DiskWorld, count: number) {
    const crowd = this.outcomes.get('crowd', 'crowd')
    expect(crowd.roles.length, 'boxes in the crowd').to.equal(count)
    this.outcomes.record('crowd fills', 'crowd', await this.tasks.crowd.fillAll(crowd))
  },
)

Then('every fill ends with "No space left on device"', budget(0), function (this: DiskWorld) {
  const { fills } = this.outcomes.get('crowd fills', 'crowd')
  for (const fill of fills) {
    expectSays('out-of-space', fill.error, `${named(fill.role)}'s fill did not end with "No space left on device"`)
  }
  this.log(`✔ all ${fills.length} fills ended with "No space left on device"`)
})

Then(
  "each box's disk on the host grew by at most the size of its rootfs plus {size}, and the home by at most {int} " +
    'times that',
  budget(0),
  function (this: DiskWorld, margin: number, times: number) {
    const { fills, homeGrowth } = this.outcomes.get('crowd fills', 'crowd')
    for (const fill of fills)
      this.checks.verify(
        `growth of ${named(fill.role)}'s disk on the host`,
        fill.diskGrowth,
        '<=',
        fill.rootfsBytes + margin,
        'bytes',
      )
    const bound = Math.max(...fills.map((f) => f.rootfsBytes + margin))
    this.checks.verify('growth of the whole home on the host', homeGrowth, '<=', times * bound, 'bytes')
  },
)

Then(
  'all {int} boxes are still running and serving commands within {duration}',
  budget((n: number, window: number) => n * servingBudget(window)),
  async function (this: DiskWorld, count: number, window: number) {
    const { roles } = this.outcomes.get('crowd', 'crowd')
    expect(roles.length, 'boxes in the crowd').to.equal(count)
    for (const role of roles) await expectServing(this, role, window)
  },
)

Then(
  'the {int} KiB file of each of the {int} boxes keeps its SHA-256',
  budget((_: number, n: number) => n * CALL.fingerprint),
  async function (this: DiskWorld, _kib: number, count: number) {
    const crowd = this.outcomes.get('crowd', 'crowd')
    expect(crowd.roles.length, 'boxes in the crowd').to.equal(count)
    for (const { role, before, now } of await this.tasks.crowd.keepsakesNow(crowd)) {
      for (const [path, was] of before)
        expect(now.get(path), `${path} of ${named(role)} changed while the boxes filled`).to.deep.equal(was)
    }
    this.log(`✔ ${crowd.roles.length} files unchanged`)
  },
)
