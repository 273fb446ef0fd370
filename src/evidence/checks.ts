/**
 * A measured number against its threshold: what the report shows for every claim with a number
 * in it, whether it passed or not.
 */
import { formatBytes } from './units'

export type Rule = '<' | '<=' | '>' | '>=' | '=='
export type Unit = 'bytes' | 'count' | 'seconds' | 'ratio' | 'per-second'

export interface Check {
  readonly what: string
  readonly measured: number
  readonly rule: Rule
  readonly threshold: number
  readonly unit: Unit
  readonly passed: boolean
  /** Set on the check a scenario exists for: the summary page shows it, the trend follows it. */
  readonly headline?: Headline
}

/** How the summary page words a headline check, and the numbers the trend compares run to run. */
export interface Headline {
  /** Stable name of the measured number across runs (`what` may contain measured values). */
  readonly name: string
  /** Context for the measured value in plain words, e.g. "of 216.3 MiB growth, in 2.1 s". */
  readonly detail?: string
  /** What the scenario needs, when the rule and threshold alone do not say it ("between 50 MiB and 2 GiB"). */
  readonly needs?: string
  /** Further numbers behind the value (e.g. how long it took), followed by the trend. */
  readonly figures?: readonly Figure[]
}

export interface Figure {
  readonly name: string
  readonly value: number
  readonly unit: Unit
}

export function judge(
  what: string,
  measured: number,
  rule: Rule,
  threshold: number,
  unit: Unit,
  headline?: Headline,
): Check {
  const passed =
    rule === '<'
      ? measured < threshold
      : rule === '<='
        ? measured <= threshold
        : rule === '>'
          ? measured > threshold
          : rule === '>='
            ? measured >= threshold
            : measured === threshold
  return {
    what,
    measured,
    rule,
    threshold,
    unit,
    passed: Number.isFinite(measured) && passed,
    ...(headline ? { headline } : {}),
  }
}

const SYMBOL: Record<Rule, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '==': '=' }
const WORDS: Record<Rule, string> = {
  '<': 'less than',
  '<=': 'at most',
  '>': 'more than',
  '>=': 'at least',
  '==': 'exactly',
}

/**
 * The log line a scenario writes when more than one outcome is correct, naming the one it saw
 * ("Outcome: rebuilt from its image, data lost, runtime said so"); the summary's headline.
 */
export const OUTCOME_PREFIX = 'Outcome: '

/** "at least 90.0 %": the threshold as a person says it ("none" for at most nothing). */
export function describeNeed(c: Check): string {
  if (c.headline?.needs) return c.headline.needs
  if (c.threshold === 0 && (c.rule === '<=' || c.rule === '==')) return 'none'
  return `${WORDS[c.rule]} ${formatValue(c.threshold, c.unit)}`
}

export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case 'bytes':
      return formatBytes(value)
    case 'seconds':
      // "0.0 s" reads as "did not happen"; a measured instant is under a tenth of a second.
      return value > 0 && value < 0.05 ? 'under 0.1 s' : `${value.toFixed(1)} s`
    case 'ratio':
      return `${(value * 100).toFixed(1)} %`
    case 'per-second':
      return `${value.toFixed(1)}/s`
    case 'count':
      return String(value)
  }
}

/** "✔ growth: 112.0 MiB ≥ 50.0 MiB" (✘ when it failed). */
export function describeCheck(c: Check): string {
  const mark = c.passed ? '✔' : '✘'
  return `${mark} ${c.what}: ${formatValue(c.measured, c.unit)} ${SYMBOL[c.rule]} ${formatValue(c.threshold, c.unit)}`
}

/** The scenario's numbers as a plain table for the report. */
export function checksTable(checks: readonly Check[]): string {
  const rows = checks.map((c) => [
    c.passed ? 'pass' : 'FAIL',
    c.what,
    formatValue(c.measured, c.unit),
    `${SYMBOL[c.rule]} ${formatValue(c.threshold, c.unit)}`,
  ])
  const head = ['result', 'measured quantity', 'value', 'threshold']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd()
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}
