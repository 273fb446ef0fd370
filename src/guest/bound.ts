/**
 * The in-box half of the safety interlock (./interlock is the host half): every script that writes
 * more than a few KiB starts with boundCheck, which re-checks in the same shell that `/` is still
 * below the proven bound and refuses (exit 97) otherwise, before a single byte is written.
 */
import { command, type GuestProbe } from './probe'
import type { CommandRecord } from '../drivers/types'

/** What the interlock proved about `/`: every sized write derives its cap from it. */
export interface FillBudget {
  /** The bound `/` was proven to be below, in KiB (1K-blocks as `df -P` counts them). */
  readonly limitKiB: number
  /** `/`'s total size when proven, in KiB. */
  readonly totalKiB: number
  /** Largest number of MiB any single fill may write: the proven total plus a margin. */
  readonly capMiB: number
}

/** Exit status of a script whose own bound re-check refused to write. */
export const REFUSED_EXIT = 97

/**
 * Written by every guarded write before its first real byte: a small file with real blocks, so a
 * later in-place rewrite can prove that a full rootfs still takes writes (a read-only one will not).
 */
export const CANARY = '/.disk-spec-canary'

/** Re-checks the bound and makes sure the canary exists; `onRefuse` runs before a refusal. */
export function boundCheck(limitKiB: number, onRefuse = ''): string {
  if (!Number.isInteger(limitKiB) || limitKiB <= 0) throw new Error(`bad rootfs bound: ${limitKiB}`)
  return (
    `t=$(df -P / | awk 'NR==2{print $2}'); ` +
    `case "$t" in ''|*[!0-9]*) ${onRefuse} echo "refused: cannot read the size of /"; exit ${REFUSED_EXIT};; esac; ` +
    `if [ "$t" -ge ${limitKiB} ]; then ${onRefuse} echo "refused: / is $t KiB, not below ${limitKiB} KiB"; exit ` +
    `${REFUSED_EXIT}; fi; ` +
    `[ -s ${CANARY} ] || dd if=/dev/zero of=${CANARY} bs=4096 count=16 conv=fsync 2>/dev/null;`
  )
}

/** Only the guarded prelude, before a write the suite does not script (a copy from the host). */
export function ensureCanary(budget: FillBudget): GuestProbe<CommandRecord> {
  return command('make sure the canary exists', `${boundCheck(budget.limitKiB)} [ -s ${CANARY} ]`)
}
