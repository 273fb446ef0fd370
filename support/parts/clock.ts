/**
 * The scenario's time: every per-call limit and every wait the suite states (support/timeouts.ts,
 * and the "within N seconds" of a sentence) scaled by TIMEOUT_FACTOR, and the deadline of the
 * running step, which the step states once (support/step-budget.ts).
 */
export class Clock {
  constructor(readonly factor: number) {}

  /** Seconds scaled by TIMEOUT_FACTOR. */
  seconds(seconds: number): number {
    return seconds * this.factor
  }

  ms(seconds: number): number {
    return Math.round(this.seconds(seconds) * 1000)
  }
}
