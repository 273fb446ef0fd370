/**
 * Per-call limits, in seconds, as upstream's stress tests use them (docs/reference/upstream-stress-tests.md
 * "Timeouts at a glance"). They are written unscaled; the clock (src/settings.ts) applies TIMEOUT_FACTOR where a
 * call is made (parts/call-ledger.ts, parts/boxes.ts) or a window is polled. A step's budget (./step-budget) is
 * the sum of its calls' limits and stated waits, so a stuck call fails with its own name, never the step's.
 */

export const CALL = {
  createBox: 300,
  fill: 120,
  concurrentFill: 180,
  inodeLoop: 180,
  start: 180,
  copy: 180,
  stop: 60,
  forceRemove: 60,
  deleteAndSync: 30,
  oneBlockWrite: 30,
  cleanupRemove: 30,
  bigWrite: 120,
  fingerprint: 60,
  probe: 20,
  quickProbe: 15,
  aliveTry: 15,
  /** gc reads every box's disk chain; PR #647 gives no budget, a home of a few boxes takes seconds. */
  gc: 120,
} as const

export const WAIT = {
  /** `assert_alive`: retry every 500 ms for 10 s. */
  aliveInterval: 0.5,
  /** Host footprint polls. */
  pollInterval: 0.5,
  /** Leftover processes/mounts may take a moment to go after `rm -f`. */
  leftovers: 10,
  /** Disk growth to reach the host after a synced write. */
  settleGrowth: 15,
  /** A background fill may run this long before it is stopped and the scenario fails. */
  backgroundFill: 300,
} as const

/** What showing that a box still serves may take: its status, `echo alive` retried over the window, then a write. */
export function servingBudget(windowSeconds: number): number {
  return CALL.quickProbe + windowSeconds + CALL.aliveTry + CALL.quickProbe
}
