/** Writes whose durability a hard kill puts to the test: one flushed to the disk, one left in the page cache. */
import { shellQuote as q } from '../shell/command'
import { boundCheck, type FillBudget } from './bound'
import { command, type GuestProbe } from './probe'
import type { CommandRecord } from '../drivers/types'

/** `mib` MiB of random data to a new file with `conv=fsync`: it is on the disk when dd exits 0. */
export function writeSyncedFile(budget: FillBudget, path: string, mib: number): GuestProbe<CommandRecord> {
  if (mib > budget.capMiB) throw new Error(`refusing a ${mib} MiB write: the proven cap is ${budget.capMiB} MiB`)
  return command(
    `write ${mib} MiB of random data to ${path} and fsync it`,
    `${boundCheck(budget.limitKiB)} dd if=/dev/urandom of=${q(path)} bs=1M count=${mib} conv=fsync 2>&1`,
  )
}
