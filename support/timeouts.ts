/**
 * Per-call limits, in seconds, as upstream's stress tests use them (docs/reference/upstream-stress-tests.md "Timeouts at
 * a glance"). Every one is multiplied by TIMEOUT_FACTOR. A step's budget (./step-budget) is the sum of
 * its calls' limits and stated waits, so a stuck call fails with its own name, never the step's.
 */
import { deadlineMs } from './step-budget'

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

/**
 * Cucumber timeout (ms) of a hook that makes the given calls or waits (seconds, unscaled); steps state
 * theirs with budget().
 */
export function hookTimeout(...seconds: number[]): number {
  return deadlineMs(seconds.reduce((a, b) => a + b, 0))
}

/** What showing that a box still serves may take: its status, `echo alive` retried over the window, then a write. */
export function servingBudget(windowSeconds: number): number {
  return CALL.quickProbe + windowSeconds + CALL.aliveTry + CALL.quickProbe
}
