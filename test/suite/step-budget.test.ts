/**
 * A step states its budget once; past it (plus the margin, times TIMEOUT_FACTOR) the calls in flight end and the step
 * fails naming it.
 */
import { strict as assert } from 'node:assert'
import { describe, it } from 'node:test'
import { Clock } from '../../src/settings'
import { budget, deadlineMs, STEP_MARGIN_SECONDS, withinDeadline } from '../../support/step-budget'

describe('step budgets', () => {
  it('a budget may come from the sentence: three cycles cost three times one, a stated window is not capped', () => {
    const cycles = budget((times: number) => times * 100)
    assert.equal(cycles.timeout, -1, "cucumber's own timeout is off: the World enforces the deadline")
    assert.equal(cycles.wrapperOptions.budgetSeconds(3), 300)
    assert.equal(cycles.wrapperOptions.budgetSeconds(7), 700)
    assert.equal(budget((_: number, window: number) => window).wrapperOptions.budgetSeconds(0.9, 600), 600)
    assert.equal(budget(42).wrapperOptions.budgetSeconds(), 42)
  })
  it("the deadline is the budget plus the margin, scaled by the run's clock (TIMEOUT_FACTOR)", () => {
    assert.equal(deadlineMs(100, new Clock(1)), (100 + STEP_MARGIN_SECONDS) * 1000)
    assert.equal(deadlineMs(100, new Clock(2.5)), (100 + STEP_MARGIN_SECONDS) * 2500)
  })
  it('a body within its deadline returns its value and ends nothing', async () => {
    let interrupted = 0
    const value = await withinDeadline(1000, 1, { interruptCalls: async () => void interrupted++ }, async () => 'done')
    assert.equal(value, 'done')
    assert.equal(interrupted, 0)
  })
  it('a body past its deadline: the calls in flight are ended and the step fails naming its budget', async () => {
    let interrupted = 0
    const never = new Promise<never>(() => undefined)
    await assert.rejects(
      withinDeadline(50, 7, { interruptCalls: async () => void interrupted++ }, () => never),
      /the step did not finish within its budget of 0 s \(its calls' limits and stated waits: 7 s/,
    )
    assert.equal(interrupted, 1)
  })
})
