/**
 * What a runtime's `gc` says it reclaimed, read from its output (BoxLite PR #647's one line:
 * `Reclaimed|Would reclaim <size> total (<a> orphan box dir(s), <b> orphan base(s), <c> orphan image disk(s))`).
 * Read tolerantly: any size unit, counts in any order, singular or plural, other lines around it (a warning, the dry
 * run's second line). A count the runtime does not state stays undefined, so a check can say what is missing.
 */
import { GiB, KiB, MiB } from './units'

export interface GcReport {
  /** The line that says it. */
  readonly line: string
  /** `Would reclaim`: the runtime says it deleted nothing. */
  readonly dryRun: boolean
  readonly bytes: number
  readonly boxDirs?: number
  readonly bases?: number
  readonly imageDisks?: number
}

const UNIT: Readonly<Record<string, number>> = {
  b: 1,
  byte: 1,
  bytes: 1,
  kb: 1000,
  kib: KiB,
  mb: 1000 ** 2,
  mib: MiB,
  gb: 1000 ** 3,
  gib: GiB,
  tb: 1000 ** 4,
  tib: 1024 * GiB,
}

const SAYS = /\b(reclaimed|would reclaim)\s+(\d+(?:\.\d+)?)\s*(bytes?|[kmgt]i?b|b)\b/i

/** The report in `stdout`, or undefined when no line says what was (or would be) reclaimed. */
export function parseGcReport(stdout: string): GcReport | undefined {
  for (const line of stdout.split('\n')) {
    const m = SAYS.exec(line)
    if (!m) continue
    const count = (noun: RegExp): number | undefined => {
      const c = new RegExp(`(\\d+)\\s+(?:orphan(?:ed)?\\s+)?${noun.source}`, 'i').exec(line)
      return c ? Number(c[1]) : undefined
    }
    return {
      line: line.trim(),
      dryRun: /would/i.test(m[1]),
      bytes: Math.round(Number(m[2]) * UNIT[m[3].toLowerCase()]),
      boxDirs: count(/box dir/),
      bases: count(/base(?!\s*dis)/),
      imageDisks: count(/image disk/),
    }
  }
  return undefined
}

/** How far the stated size may be from the true one: half of the last digit PR #647 prints (0.05 MiB, 0.005 GiB). */
export function roundingSlack(bytes: number): number {
  return bytes >= GiB ? 0.005 * GiB : 0.05 * MiB
}
