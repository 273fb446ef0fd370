/**
 * What changed since the previous run, per scenario: its status, and each headline number with its
 * delta ("reclaim time 2.1 s -> 9.8 s"). A number that moved past its threshold
 * (expectations/trend-thresholds.json) is flagged for a reader to look at; it never fails the run.
 */
import { readFileSync } from 'node:fs'
import { type Figure, formatValue, type Unit } from '../evidence/checks'
import { parseSize } from '../evidence/units'
import type { RowStatus } from './verdict'

/** Flag a move when it is at least `atLeast` (in the figure's unit) and, if set, at least `factor` times. */
export interface MoveThreshold {
  readonly factor?: number
  readonly atLeast?: number
}

export interface TrendThresholds {
  readonly byUnit: Readonly<Partial<Record<Unit, MoveThreshold>>>
  readonly byFigure: Readonly<Record<string, MoveThreshold>>
}

/** What the trend needs of a scenario, now and in the previous summary's JSON twin. */
export interface TrendPoint {
  readonly uri: string
  readonly name: string
  readonly status: RowStatus
  readonly figures: readonly Figure[]
  /** Its steps' sentences, where the suite states its thresholds ("… grown by at least 50 MiB"). */
  readonly steps?: readonly string[]
}

/** What changed in the suite itself between two runs: scenarios added or gone, thresholds changed. */
export interface SuiteChanges {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly thresholds: ReadonlyArray<{ readonly scenario: string; readonly from: string; readonly to: string }>
}

/** One run against the run before it: per scenario what changed, and what changed in the suite. */
export interface PairComparison {
  readonly trends: Map<string, ScenarioTrend>
  readonly suite: SuiteChanges
}

export interface Change {
  readonly name: string
  readonly from: string
  readonly to: string
  /** "reclaim time 2.1 s -> 9.8 s" */
  readonly text: string
  readonly flagged: boolean
}

export interface ScenarioTrend {
  /** "passed -> failed", or "new in this run". */
  readonly status?: string
  readonly changes: readonly Change[]
}

export const NO_THRESHOLDS: TrendThresholds = { byUnit: {}, byFigure: {} }

export function loadThresholds(path: string): TrendThresholds {
  let raw: { byUnit?: Record<string, unknown>; byFigure?: Record<string, unknown> }
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as typeof raw
  } catch (err) {
    throw new Error(`trend thresholds file ${path}: ${(err as Error).message.split('\n')[0]}`, { cause: err })
  }
  const read = (entries: Record<string, unknown> | undefined, where: string, unitOf: (key: string) => string) =>
    Object.fromEntries(
      Object.entries(entries ?? {}).map(([key, t]) => [key, threshold(t, `${path}, ${where} "${key}"`, unitOf(key))]),
    )
  return { byUnit: read(raw.byUnit, 'byUnit', (k) => k), byFigure: read(raw.byFigure, 'byFigure', () => '') }
}

function threshold(raw: unknown, where: string, unit: string): MoveThreshold {
  const t = (raw ?? {}) as { factor?: unknown; atLeast?: unknown }
  const factor = t.factor === undefined ? undefined : Number(t.factor)
  if (factor !== undefined && !(factor > 1))
    throw new Error(`${where}: "factor" must be a number above 1, got ${JSON.stringify(t.factor)}`)
  let atLeast: number | undefined
  if (typeof t.atLeast === 'string' && (unit === 'bytes' || unit === '')) atLeast = parseSize(t.atLeast)
  else if (t.atLeast !== undefined) atLeast = Number(t.atLeast)
  if (atLeast !== undefined && !(atLeast >= 0))
    throw new Error(
      `${where}: "atLeast" must be a number of at least 0 (or a size such as "8 MiB"), got ` +
        `${JSON.stringify(t.atLeast)}`,
    )
  return { factor, atLeast }
}

export function moved(before: number, after: number, t: MoveThreshold | undefined): boolean {
  if (!t || before === after) return false
  if (Math.abs(after - before) < (t.atLeast ?? 0)) return false
  if (t.factor === undefined) return true
  const [lo, hi] = [Math.min(Math.abs(before), Math.abs(after)), Math.max(Math.abs(before), Math.abs(after))]
  return lo === 0 || hi / lo >= t.factor
}

/** Per scenario key (`uri` + name) of the current run, what changed since `previous`. */
export function compareRuns(
  current: readonly TrendPoint[],
  previous: readonly TrendPoint[],
  thresholds: TrendThresholds,
): Map<string, ScenarioTrend> {
  const before = new Map(previous.map((p) => [keyOf(p), p]))
  const result = new Map<string, ScenarioTrend>()
  for (const now of current) {
    const was = before.get(keyOf(now))
    if (!was) {
      result.set(keyOf(now), { status: 'new in this run', changes: [] })
      continue
    }
    const changes: Change[] = []
    for (const f of now.figures) {
      const old = was.figures.find((o) => o.name === f.name && o.unit === f.unit)
      if (!old) continue
      const [from, to] = [formatValue(old.value, f.unit), formatValue(f.value, f.unit)]
      if (from === to) continue // unchanged as a reader sees it
      const flagged = moved(old.value, f.value, thresholds.byFigure[f.name] ?? thresholds.byUnit[f.unit])
      changes.push({ name: f.name, from, to, text: `${f.name} ${from} -> ${to}`, flagged })
    }
    result.set(keyOf(now), {
      status: was.status !== now.status ? `${words(was.status)} -> ${words(now.status)}` : undefined,
      changes,
    })
  }
  return result
}

/**
 * The one comparison of two runs, used by the summary's trend column (this run against the last)
 * and by `npm run compare` (each run against the one left of it).
 */
export function comparePair(
  current: readonly TrendPoint[],
  previous: readonly TrendPoint[],
  thresholds: TrendThresholds,
): PairComparison {
  return { trends: compareRuns(current, previous, thresholds), suite: suiteChanges(current, previous) }
}

/**
 * Scenarios added and removed (by feature file and name), and thresholds changed: a step of the
 * same scenario whose sentence now says other numbers (the suite states its thresholds there).
 */
export function suiteChanges(current: readonly TrendPoint[], previous: readonly TrendPoint[]): SuiteChanges {
  const before = new Map(previous.map((p) => [keyOf(p), p]))
  const now = new Set(current.map(keyOf))
  const thresholds: Array<{ scenario: string; from: string; to: string }> = []
  const numbers = (text: string) => text.match(/\d+(?:\.\d+)?/g)?.join(' ') ?? ''
  for (const c of current) {
    const was = before.get(keyOf(c))?.steps ?? []
    const old = new Set(was)
    const changed = (c.steps ?? []).filter((s) => !old.has(s))
    for (const to of changed) {
      // The old sentence it replaced: the one in the same place, if its words match once numbers are set aside.
      const from = was[(c.steps ?? []).indexOf(to)]
      const shape = (t: string) => t.replace(/\d+(?:\.\d+)?/g, '#')
      if (from && shape(from) === shape(to) && numbers(from) !== numbers(to))
        thresholds.push({ scenario: c.name, from, to })
    }
  }
  return {
    added: current.filter((c) => !before.has(keyOf(c))).map((c) => c.name),
    removed: previous.filter((p) => !now.has(keyOf(p))).map((p) => p.name),
    thresholds,
  }
}

export function suiteChangeCount(s: SuiteChanges): number {
  return s.added.length + s.removed.length + s.thresholds.length
}

export function keyOf(p: { uri: string; name: string }): string {
  return `${p.uri}\0${p.name}`
}

const words = (s: RowStatus) => (s === 'known-issue' ? 'known issue' : s === 'not-run' ? 'not run' : s)
