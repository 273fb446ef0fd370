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
}

export function judge(what: string, measured: number, rule: Rule, threshold: number, unit: Unit): Check {
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
  return { what, measured, rule, threshold, unit, passed: Number.isFinite(measured) && passed }
}

const SYMBOL: Record<Rule, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '==': '=' }

export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case 'bytes':
      return formatBytes(value)
    case 'seconds':
      return `${value.toFixed(1)} s`
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
  return `${c.passed ? '✔' : '✘'} ${c.what}: ${formatValue(c.measured, c.unit)} ${SYMBOL[c.rule]} ${formatValue(c.threshold, c.unit)}`
}

/** The scenario's numbers as a plain table for the report. */
export function checksTable(checks: readonly Check[]): string {
  const rows = checks.map((c) => [c.passed ? 'pass' : 'FAIL', c.what, formatValue(c.measured, c.unit), `${SYMBOL[c.rule]} ${formatValue(c.threshold, c.unit)}`])
  const head = ['result', 'measured quantity', 'value', 'threshold']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}
