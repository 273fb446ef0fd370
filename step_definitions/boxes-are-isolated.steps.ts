/**
 * features/boxes-are-isolated.feature: a box filling its rootfs takes nothing from its neighbour.
 * Assertions: see ./common/judge.ts.
 */
import { Then, When } from '@cucumber/cucumber'
import { KiB } from '../src/evidence/units'
import { budget } from '../support/step-budget'
import { CALL, WAIT, servingBudget } from '../support/timeouts'
import type { DiskWorld } from '../support/world'
import { expectSays, expectServing } from './common/judge'

Then(
  'both boxes are still running and serving commands within {duration}',
  budget((window: number) => 2 * servingBudget(window)),
  async function (this: DiskWorld, window: number) {
    await expectServing(this, 'victim', window)
    await expectServing(this, 'bystander', window)
  },
)

Then(
  "the bystander's free space has shrunk by at most {size}",
  budget(CALL.probe),
  async function (this: DiskWorld, slack: number) {
    const before = this.tasks.rootfs.startFreeBytes('bystander')
    const now = await this.tasks.rootfs.space('bystander')
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
    const run = await this.tasks.neighbours.fillWhileBystanderAppends('victim', 'bystander')
    this.outcomes.record('background fill', 'victim', run)
  },
)

Then(
  "the bystander appended more than {int} lines, at least {int} per second, while the victim's fill was still running",
  function (this: DiskWorld, lines: number, perSecond: number) {
    const run = this.outcomes.get('background fill', 'victim')
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
  const run = this.outcomes.get('background fill', 'victim')
  expectSays('out-of-space', run.fillError, 'the victim\'s background fill did not end with "No space left on device"')
})
