/**
 * Everything that writes more than a few KiB inside a box. Each takes the FillBudget the interlock
 * proved (./interlock), is capped by it, and starts with the in-box bound re-check (./bound).
 */
import { says } from '../evidence/vocabulary'
import { shellQuote as q } from '../shell/command'
import { boundCheck, type FillBudget, REFUSED_EXIT } from './bound'
import { type GuestProbe, int, keyValues, ProbeError, command } from './probe'
import type { CommandRecord } from '../drivers/types'

export interface FillOutcome {
  /** dd reported running out of space (`No space left on device`, in any wording: ../evidence/vocabulary). */
  readonly enospc: boolean
  /** The in-box bound re-check refused to write. */
  readonly refused: boolean
  readonly output: string
}

/** Writes zeros to `path` until the disk is full, or until the budget's cap (which means: not full). */
export function fillRootfs(budget: FillBudget, path = '/fill'): GuestProbe<FillOutcome> {
  return {
    what: 'fill the rootfs',
    script:
      `${boundCheck(budget.limitKiB)} dd if=/dev/zero of=${q(path)} bs=1M count=${budget.capMiB} 2>&1; echo ` +
      `"dd_exit=$?"`,
    parse(record) {
      const all = `${record.stdout}\n${record.stderr}`
      return { enospc: says('out-of-space', all), refused: record.exitCode === REFUSED_EXIT, output: all.trim() }
    },
  }
}

/** Writes exactly `mib` MiB of zeros to `path` and flushes; fails (non-zero) if it does not fit. */
export function writeFileOfSize(budget: FillBudget, path: string, mib: number): GuestProbe<CommandRecord> {
  if (mib > budget.capMiB) throw new Error(`refusing to write ${mib} MiB: the proven cap is ${budget.capMiB} MiB`)
  return command(
    `write a ${mib} MiB file`,
    `${boundCheck(budget.limitKiB)} dd if=/dev/zero of=${q(path)} bs=1M count=${mib} 2>&1 && sync`,
  )
}

/**
 * Writes exactly `mib` MiB of random bytes to `path` and flushes: data no layer of the disk can keep as a hole
 * (zeros can be, so a copy of them may take no space at all).
 */
export function writeRandomFileOfSize(budget: FillBudget, path: string, mib: number): GuestProbe<CommandRecord> {
  if (mib > budget.capMiB) throw new Error(`refusing to write ${mib} MiB: the proven cap is ${budget.capMiB} MiB`)
  return command(
    `write a ${mib} MiB file of random data`,
    `${boundCheck(budget.limitKiB)} dd if=/dev/urandom of=${q(path)} bs=1M count=${mib} 2>&1 && sync`,
  )
}

export interface WriterOutcome {
  readonly index: number
  readonly exitCode: number | undefined
  readonly enospc: boolean
}

/**
 * `writers` dd processes race to fill `/fill1..N`; reports each writer's exit status and error.
 * Each writer keeps its error in memory and prints it as one block, so the report never depends on
 * writing a file (on a full disk, or with /tmp on the rootfs, that write could itself fail).
 */
export function fillRootfsWithConcurrentWriters(budget: FillBudget, writers: number): GuestProbe<WriterOutcome[]> {
  const seq = Array.from({ length: writers }, (_, i) => i + 1).join(' ')
  return {
    what: `${writers} writers fill the rootfs`,
    script:
      `${boundCheck(budget.limitKiB)} ` +
      `for i in ${seq}; do ( err=$(dd if=/dev/zero of=/fill$i bs=1M count=${budget.capMiB} 2>&1 >/dev/null); rc=$?; ` +
      `printf '%s\n' "--- writer $i ---" "$err" "RC=$rc FILE=/fill$i" ) & done; wait`,
    parse(record) {
      const outcomes: WriterOutcome[] = []
      const sections = record.stdout.split(/^--- writer (\d+) ---$/m)
      for (let k = 1; k < sections.length; k += 2) {
        const body = sections[k + 1] ?? ''
        const rc = /RC=(\d+) FILE=/.exec(body)
        outcomes.push({
          index: Number(sections[k]),
          exitCode: rc ? Number(rc[1]) : undefined,
          enospc: says('out-of-space', body),
        })
      }
      return outcomes
    },
  }
}

export interface InodeExhaustion {
  readonly created: number
  readonly reachedCap: boolean
  readonly lastError: string
}

/**
 * Creates empty files with a shell builtin (no process per file) until creation fails or `cap`
 * files exist; reports the count and the error that stopped it. Empty files use no data blocks.
 */
export function exhaustInodes(budget: FillBudget, cap: number, dir = '/inotest'): GuestProbe<InodeExhaustion> {
  return {
    what: 'create empty files until no inode is left',
    script:
      `${boundCheck(budget.limitKiB)} mkdir -p ${q(dir)} && cd ${q(dir)} || exit 1; : > /tmp/last.err; i=0; ` +
      // `true`, not `:`: a failed redirection on a special builtin (`:`) makes sh exit at once.
      `while [ $i -lt ${cap} ] && { true > f$i; } 2>/tmp/last.err; do i=$((i + 1)); done; ` +
      `echo created=$i; if [ $i -ge ${cap} ]; then echo reached_cap=yes; fi; echo "last_err=$(tr '\\n' ' ' < ` +
      `/tmp/last.err)"`,
    parse(record) {
      const kv = keyValues(record.stdout)
      const created = int(kv.created)
      if (created === undefined) throw new ProbeError('inode exhaustion', 'no created=N line', record)
      return { created, reachedCap: kv.reached_cap === 'yes', lastError: (kv.last_err ?? '').trim() }
    },
  }
}

/** Writes `count` files of `bytes` bytes each under `dir` without a process per file, then syncs. */
export function writeSmallFiles(
  budget: FillBudget,
  dir: string,
  count: number,
  bytes: number,
): GuestProbe<CommandRecord> {
  if ((count * bytes) / 2 ** 20 > budget.capMiB)
    throw new Error(`refusing ${count} x ${bytes} bytes: above the proven cap`)
  return command(
    `write ${count} files of ${bytes / 1024} KiB`,
    `${boundCheck(budget.limitKiB)} mkdir -p ${q(dir)} && cd ${q(dir)} || exit 1; ` +
      `s=$(head -c ${bytes} /dev/zero | tr '\\0' x); i=1; ` +
      `while [ $i -le ${count} ]; do printf '%s' "$s" > $i || exit 1; i=$((i + 1)); done; sync`,
  )
}
