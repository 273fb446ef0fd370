/**
 * Writes into a box's volume (a directory mounted at a box path). A volume is not the rootfs, so the rootfs
 * interlock alone does not bound it: the fill also re-checks, in the same shell, that the volume's own
 * filesystem is below a bound the caller proved (a small filesystem it made, or a sized volume), refuses
 * otherwise, and writes at most `capMiB` whatever it lands on.
 */
import { says } from '../evidence/vocabulary'
import { shellQuote as q } from '../shell/command'
import { boundCheck, type FillBudget, REFUSED_EXIT } from './bound'
import { type GuestProbe, int, keyValues } from './probe'

export interface VolumeFill {
  /** dd reported running out of space, in any wording. */
  readonly enospc: boolean
  /** A bound check refused to write (nothing was written). */
  readonly refused: boolean
  /** Bytes the fill file holds after the fill (absent when refused or unreadable). */
  readonly bytes?: number
  /** The volume's filesystem size as the box saw it before the fill, in KiB. */
  readonly volumeKiB?: number
  readonly output: string
}

/**
 * Writes zeros to `<dir>/fill` until its filesystem is full or `capMiB` are written, syncs, and reports the bytes
 * written. Refuses before writing unless `/` is below the rootfs budget's bound and `dir`'s filesystem is below
 * `volumeLimitKiB`.
 */
export function fillVolume(
  budget: FillBudget,
  dir: string,
  volumeLimitKiB: number,
  capMiB: number,
): GuestProbe<VolumeFill> {
  if (!Number.isInteger(volumeLimitKiB) || volumeLimitKiB <= 0) throw new Error(`bad volume bound: ${volumeLimitKiB}`)
  if (capMiB > budget.capMiB) throw new Error(`refusing to write ${capMiB} MiB: the proven cap is ${budget.capMiB} MiB`)
  const file = q(`${dir}/fill`)
  return {
    what: `fill the volume at ${dir}`,
    script:
      `${boundCheck(budget.limitKiB)} ` +
      `v=$(df -P ${q(dir)} | awk 'NR==2{print $2}'); echo "volume_kib=$v"; ` +
      `case "$v" in ''|*[!0-9]*) echo "refused: cannot read the size of ${dir}"; exit ${REFUSED_EXIT};; esac; ` +
      `if [ "$v" -ge ${volumeLimitKiB} ]; then echo "refused: ${dir} is $v KiB, not below ${volumeLimitKiB} KiB"; ` +
      `exit ${REFUSED_EXIT}; fi; ` +
      `dd if=/dev/zero of=${file} bs=1M count=${capMiB} 2>&1; echo "dd_exit=$?"; sync; ` +
      `echo "bytes=$(wc -c < ${file})"`,
    parse(record) {
      const all = `${record.stdout}\n${record.stderr}`
      const kv = keyValues(record.stdout)
      return {
        enospc: says('out-of-space', all),
        refused: record.exitCode === REFUSED_EXIT,
        bytes: int(kv.bytes),
        volumeKiB: int(kv.volume_kib),
        output: all.trim(),
      }
    },
  }
}

/** How one write ended: its exit status and what it said. */
export interface WriteTry {
  readonly exitCode?: number
  readonly said: string
}

/** Overwrites `file` and creates `fresh`, each tried on its own, each with what it said. Small writes only. */
export function tryWritesIn(file: string, fresh: string): GuestProbe<{ overwrite: WriteTry; create: WriteTry }> {
  return {
    what: `try to overwrite ${file} and create ${fresh}`,
    script:
      `echo "--- overwrite"; ( echo changed > ${q(file)} ) 2>&1; echo "exit=$?"; ` +
      `echo "--- create"; ( echo new > ${q(fresh)} ) 2>&1; echo "exit=$?"; sync`,
    parse(record) {
      const part = (name: string): WriteTry => {
        const body = record.stdout.split(`--- ${name}\n`)[1]?.split('--- ')[0] ?? ''
        return { exitCode: int(/^exit=(\d+)$/m.exec(body)?.[1]), said: body.replace(/^exit=\d+$/m, '').trim() }
      }
      return { overwrite: part('overwrite'), create: part('create') }
    },
  }
}
