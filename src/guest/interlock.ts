/**
 * The safety interlock. A fill or an inode exhaustion may only ever run against a disk that was
 * just proven to be small: if `/` in the "box" were the host's own filesystem (a broken runtime,
 * an exec that escaped its chroot), a fill would write until the host disk is full, and an inode
 * loop would create millions of files on it. This happened once (85 GB, 10 million files).
 *
 * So: measure `/` from inside the box, refuse unless its total is below the bound, derive every
 * write cap from the proven total, and have each write script re-check the bound in the same
 * shell before its first byte (./probes).
 */
import type { CommandRecord } from '../drivers/types'
import { formatBytes, GiB, KiB } from '../evidence/units'
import type { FillBudget } from './bound'
import { fileFingerprints, type Fingerprints, rootfsSpace, type RootfsSpace } from './measure'

/** The largest rootfs the suite will ever fill, whatever a scenario or the environment asks. */
export const HARD_ROOTFS_LIMIT_BYTES = 2 * GiB
/** Room for filesystem accounting on top of the proven total, so a fill still ends in ENOSPC. */
const FILL_MARGIN_MIB = 16
/** No inode loop runs longer than this many files. */
export const INODE_SAFETY_CAP = 500_000

export class UnboundedRootfsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UnboundedRootfsError'
  }
}

/** Runs `sh -c script` in the box under test. */
type GuestExec = (script: string, timeoutSeconds: number) => Promise<CommandRecord>

/** Pure decision: a budget for a rootfs of this size under this bound, or a refusal. */
export function fillBudgetFor(space: Pick<RootfsSpace, 'totalKiB'>, limitBytes: number): FillBudget {
  const limit = Math.min(limitBytes, HARD_ROOTFS_LIMIT_BYTES)
  const limitKiB = Math.floor(limit / KiB)
  if (!Number.isFinite(space.totalKiB) || space.totalKiB <= 0) {
    throw new UnboundedRootfsError('refusing to fill: the size of / inside the box could not be read')
  }
  if (space.totalKiB >= limitKiB) {
    throw new UnboundedRootfsError(
      `refusing to fill: / inside the box is ${formatBytes(space.totalKiB * KiB)}, not below the ` +
        `${formatBytes(limit)} bound; ` +
        'it may be the host filesystem or an unbounded disk, so nothing was written',
    )
  }
  return { limitKiB, totalKiB: space.totalKiB, capMiB: Math.ceil(space.totalKiB / 1024) + FILL_MARGIN_MIB }
}

export interface BoundProof {
  readonly budget: FillBudget
  readonly space: RootfsSpace
  /** Fingerprints of the files in `baselineFiles`, taken in the same call. */
  readonly baseline: Fingerprints
  readonly record: CommandRecord
}

/**
 * Measures `/` inside the box (reading only) and returns the budget every later write must stay
 * within, or throws UnboundedRootfsError when `/` is not below `limitBytes`. The same call
 * fingerprints `baselineFiles`, so later steps can tell whether the image's files changed.
 */
export async function proveBoundedRootfs(
  exec: GuestExec,
  opts: { limitBytes: number; baselineFiles: readonly string[]; timeoutSeconds: number },
): Promise<BoundProof> {
  const fingerprints = fileFingerprints(opts.baselineFiles)
  const record = await exec(`${rootfsSpace.script}; ${fingerprints.script}`, opts.timeoutSeconds)
  const space = rootfsSpace.parse(record)
  const budget = fillBudgetFor(space, opts.limitBytes)
  return { budget, space, baseline: fingerprints.parse(record), record }
}
