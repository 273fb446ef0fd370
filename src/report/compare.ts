/**
 * Releases side by side: several runs' summary.json, guarantees down (in severity order), runs
 * across, each cell the scenario's status and headline number, and what changed in the suite
 * between neighbouring runs (scenarios added or removed, thresholds changed). Each run is held
 * against the run left of it with the same comparison as the summary's trend column
 * (./trend.ts `comparePair`).
 */
import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { guaranteeOf, type Severity } from './catalogue'
import { plainHeadline } from './plain-words'
import { startedWords } from './runtime-facts'
import { bySeverity, SUMMARY_SCHEMA, type SummaryData, type SummaryRow } from './summary-model'
import { comparePair, keyOf, type ScenarioTrend, type SuiteChanges, type TrendThresholds } from './trend'
import type { RowStatus } from './verdict'

export interface RunColumn {
  /** What the column is headed: "BoxLite 0.10.0", or the label given on the command line. */
  readonly label: string
  /** The runtime, driver and start time under the label. */
  readonly sub: string
  readonly source: string
  readonly data: SummaryData
}

export interface CompareCell {
  readonly status: RowStatus
  /** The headline number, "share of the growth given back: 99.6 %". */
  readonly said?: string
  readonly needs?: string
  /** Why it failed, is a known issue or did not run. */
  readonly reason?: string
  /** Against the run left of it (absent in the first column). */
  readonly change?: ScenarioTrend
}

export interface CompareScenario {
  readonly uri: string
  readonly name: string
  /** One per run; absent where that run did not have the scenario. */
  readonly cells: ReadonlyArray<CompareCell | undefined>
}

export interface CompareGuarantee {
  readonly rule: string
  readonly severity?: Severity
  readonly order?: number
  readonly forUsers?: string
  readonly scenarios: readonly CompareScenario[]
}

export interface Comparison {
  readonly runs: readonly RunColumn[]
  readonly guarantees: readonly CompareGuarantee[]
  /** `suite[i]`: what changed in the suite from run i to run i + 1. */
  readonly suite: readonly SuiteChanges[]
}

/** Reads one summary.json; a one-sentence error when it is missing or not a summary. */
export function readSummaryFile(path: string): SummaryData {
  if (!existsSync(path))
    throw new Error(`${path} does not exist: give the summary.json a run wrote (e.g. reports/summary.json)`)
  let data: Partial<SummaryData>
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as Partial<SummaryData>
  } catch {
    throw new Error(`${path} is not JSON: give the summary.json a run wrote (e.g. reports/summary.json)`)
  }
  if (data?.schema !== SUMMARY_SCHEMA || !Array.isArray(data.rows))
    throw new Error(
      `${path} is not a summary.json (no "schema": "${SUMMARY_SCHEMA}" and "rows"): give the one a run wrote`,
    )
  return data as SummaryData
}

/** "BoxLite 0.10.0" from the run itself; `label=path` on the command line overrides it. */
export function columnOf(data: SummaryData, source: string, label?: string): RunColumn {
  const rt = data.runtime
  // refbox names the faults it injects in its description: they tell two refbox runs apart.
  const injected = /injected defects?: ([\w, -]+)/.exec(rt?.description ?? '')?.[1]
  const name = rt
    ? `${rt.runtime === 'boxlite' ? 'BoxLite' : rt.runtime} ${rt.version}${injected ? ` + ${injected.trim()}` : ''}`
    : 'unknown runtime'
  const sub = [rt ? `${rt.driver} driver` : undefined, data.startedAt ? startedWords(data.startedAt) : undefined]
    .filter(Boolean)
    .join(', ')
  return { label: label ?? name, sub, source: `${basename(dirname(source))}/${basename(source)}`, data }
}

export function compareSummaries(runs: readonly RunColumn[], thresholds: TrendThresholds): Comparison {
  if (runs.length === 0) throw new Error('give at least one summary.json')
  const pairs = runs.map((run, i) =>
    i === 0 ? undefined : comparePair(run.data.rows, runs[i - 1].data.rows, thresholds),
  )
  // Every scenario of any run, in the newest run's order first, then those only older runs had.
  const seen = new Map<string, SummaryRow>()
  for (const run of [...runs].reverse()) for (const r of run.data.rows) if (!seen.has(keyOf(r))) seen.set(keyOf(r), r)
  const rows = bySeverity([...seen.values()].map((r) => ({ ...r, order: guaranteeOf(r.rule)?.order ?? r.order })))
  const guarantees: CompareGuarantee[] = []
  for (const r of rows) {
    let g = guarantees.find((x) => x.rule === r.rule)
    if (!g) {
      const c = guaranteeOf(r.rule)
      g = {
        rule: r.rule,
        ...(c
          ? { severity: c.severity, order: c.order, forUsers: c.forUsers }
          : r.severity
            ? { severity: r.severity }
            : {}),
        scenarios: [],
      }
      guarantees.push(g)
    }
    const cells = runs.map((run, i): CompareCell | undefined => {
      const row = run.data.rows.find((x) => keyOf(x) === keyOf(r))
      if (!row) return undefined
      const change = pairs[i]?.trends.get(keyOf(r))
      return {
        status: row.status,
        ...(row.status !== 'passed' && row.reason ? { reason: plainHeadline(row.reason).text } : {}),
        ...(row.headline
          ? { said: row.headline.said, ...(row.headline.needs ? { needs: row.headline.needs } : {}) }
          : {}),
        ...(change ? { change } : {}),
      }
    })
    ;(g.scenarios as CompareScenario[]).push({ uri: r.uri, name: r.name, cells })
  }
  return { runs, guarantees, suite: pairs.slice(1).map((p) => p!.suite) }
}
