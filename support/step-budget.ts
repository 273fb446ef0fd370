/**
 * A step states its time budget once, next to its sentence: the per-call limits it uses and the
 * waits the sentence states, e.g. `budget((times) => times * CYCLE)` or
 * `budget((fraction, window) => window)`; a hook states its own the same way. The budget plus a
 * margin, scaled by the clock (TIMEOUT_FACTOR, src/settings.ts), is the deadline. Cucumber's own
 * timeout cannot see the sentence's arguments or the run's settings, so it is off and the deadline
 * is enforced here for every step and hook (one that states none gets DEFAULT_BUDGET_SECONDS):
 * past it, the calls in flight are ended and the step fails naming its budget. Nothing shortens a
 * window the sentence states.
 */
import { setDefaultTimeout, setDefinitionFunctionWrapper } from '@cucumber/cucumber'
import { type Clock, runSettings, type WorldParameters } from '../src/settings'
import { CALL } from './timeouts'

/** Added to every budget: the step's own work between calls. */
export const STEP_MARGIN_SECONDS = 30

/** The budget of a step or hook that states none: quick judgements and bookkeeping. */
export const DEFAULT_BUDGET_SECONDS = 2 * CALL.probe

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Seconds = (...args: any[]) => number

export interface BudgetOptions {
  readonly timeout: -1
  readonly wrapperOptions: { readonly budgetSeconds: Seconds }
}

/** Step or hook options: the budget in seconds (unscaled), fixed or from the sentence's arguments. */
export function budget(seconds: number | Seconds): BudgetOptions {
  return { timeout: -1, wrapperOptions: { budgetSeconds: typeof seconds === 'number' ? () => seconds : seconds } }
}

/** The deadline of a step with this budget, in ms. */
export function deadlineMs(budgetSeconds: number, clock: Clock): number {
  return clock.ms(budgetSeconds + STEP_MARGIN_SECONDS)
}

/** What a step's or hook's `this` may offer: the World's calls to end when its deadline passes. */
export interface Interruptible {
  /** Ends the scenario's runtime calls in flight (the driver stays usable for cleanup). */
  interruptCalls?(): Promise<void>
}

/** A step's or hook's `this`: the World (its clock), or a BeforeAll/AfterAll context (the world parameters). */
interface Context extends Interruptible {
  readonly clock?: Clock
  readonly parameters?: WorldParameters
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
      void world.interruptCalls?.()
      reject(
        new Error(
          `the step did not finish within its budget of ${(ms / 1000).toFixed(0)} s (its calls' limits and stated ` +
            `waits: ${budgetSeconds} s, plus ${STEP_MARGIN_SECONDS} s, times TIMEOUT_FACTOR)`,
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

/** Makes cucumber run every step and hook within its deadline (support/register-world.ts). */
export function enforceStepBudgets(): void {
  setDefaultTimeout(-1) // every definition is wrapped below
  setDefinitionFunctionWrapper(function (fn: (...args: unknown[]) => unknown, options?: { budgetSeconds?: Seconds }) {
    const seconds = options?.budgetSeconds ?? (() => DEFAULT_BUDGET_SECONDS)
    return function (this: Context, ...args: unknown[]) {
      const s = seconds(...args)
      const clock = this.clock ?? runSettings(this.parameters ?? {}).clock
      // A step may be synchronous or throw: `async` makes either a promise.
      // eslint-disable-next-line @typescript-eslint/require-await -- see above
      return withinDeadline(deadlineMs(s, clock), s, this, async () => fn.apply(this, args))
    }
  })
}
