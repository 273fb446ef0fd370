/** Waiting for a condition with a deadline, keeping every sample for the evidence. */

export interface PollResult<T> {
  readonly ok: boolean
  /** The last value measured. */
  readonly value: T
  readonly elapsedMs: number
  readonly samples: number
}

/** Measures every `intervalMs` until `ok(value)` or `timeoutMs` passed (always measures at least once). */
export async function pollUntil<T>(
  measure: () => T | Promise<T>,
  ok: (value: T) => boolean,
  opts: { intervalMs: number; timeoutMs: number },
): Promise<PollResult<T>> {
  const started = Date.now()
  let samples = 0
  for (;;) {
    const value = await measure()
    samples++
    const elapsedMs = Date.now() - started
    if (ok(value)) return { ok: true, value, elapsedMs, samples }
    if (elapsedMs + opts.intervalMs > opts.timeoutMs) return { ok: false, value, elapsedMs, samples }
    await sleep(opts.intervalMs)
  }
}

/** Runs `work` while sampling `measure` every `intervalMs`; returns work's result and the largest sample. */
export async function peakDuring<T>(
  measure: () => number,
  intervalMs: number,
  work: Promise<T>,
): Promise<{ result: T; peak: number }> {
  let peak = measure()
  let done = false
  const sampler = (async () => {
    while (!done) {
      await sleep(intervalMs)
      peak = Math.max(peak, measure())
    }
  })()
  try {
    const result = await work
    return { result, peak: Math.max(peak, measure()) }
  } finally {
    done = true
    await sampler
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
