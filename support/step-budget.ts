/**
 * A step states its time budget once, next to its sentence: the per-call limits it uses and the
 * waits the sentence states, e.g. `budget((times) => times * CYCLE)` or
 * `budget((fraction, window) => window)`. The budget, plus a margin and times TIMEOUT_FACTOR, is
 * the step's deadline. Cucumber's own timeout cannot see the sentence's arguments, so for these
 * steps it is off and the World enforces the deadline: past it, the calls in flight are ended and
 * the step fails naming its budget. Nothing shortens a window the sentence states.
 */
import { setDefinitionFunctionWrapper } from '@cucumber/cucumber'
import { timeoutFactor } from '../src/settings'

/** Added to every budget: the step's own work between calls. */
export const STEP_MARGIN_SECONDS = 30

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Seconds = (...args: any[]) => number

export interface BudgetOptions {
  readonly timeout: -1
  readonly wrapperOptions: { readonly budgetSeconds: Seconds }
}

/** Step options: the budget in seconds (unscaled), fixed or from the sentence's arguments. */
export function budget(seconds: number | Seconds): BudgetOptions {
  return { timeout: -1, wrapperOptions: { budgetSeconds: typeof seconds === 'number' ? () => seconds : seconds } }
}

/** The deadline of a step with this budget, in ms. */
export function deadlineMs(budgetSeconds: number, factor = timeoutFactor()): number {
  return Math.round((budgetSeconds + STEP_MARGIN_SECONDS) * factor * 1000)
}

/** What a World must offer for its steps' deadlines to be enforced. */
export interface Interruptible {
  /** Ends the scenario's runtime calls in flight (the driver stays usable for cleanup). */
  interruptCalls(): Promise<void>
}

/**
 * Runs `body` within `ms`; past it, ends the calls in flight and rejects naming the budget. The
 * body is left to settle on its own: the After hook removes the boxes either way.
 */
export async function withinDeadline<T>(
  ms: number,
  budgetSeconds: number,
  world: Interruptible,
  body: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void world.interruptCalls()
      reject(
        new Error(
          `the step did not finish within its budget of ${(ms / 1000).toFixed(0)} s (its calls' limits and stated waits: ${budgetSeconds} s, plus ${STEP_MARGIN_SECONDS} s, times TIMEOUT_FACTOR)`,
        ),
      )
    }, ms)
  })
  try {
    return await Promise.race([body(), expired])
  } finally {
    clearTimeout(timer)
  }
}

/** Makes cucumber run every step that states a budget within its deadline (support/register-world.ts). */
export function enforceStepBudgets(): void {
  setDefinitionFunctionWrapper(function (fn: (...args: unknown[]) => unknown, options?: { budgetSeconds?: Seconds }) {
    const seconds = options?.budgetSeconds
    if (!seconds) return fn
    return function (this: Interruptible, ...args: unknown[]) {
      const s = seconds(...args)
      return withinDeadline(deadlineMs(s), s, this, async () => fn.apply(this, args))
    }
  })
}
