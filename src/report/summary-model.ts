/**
 * The one-glance summary of a run, as data: the runtime under test, the verdict, and one row per
 * scenario grouped by feature and guarantee (`Rule`), with its status and reason, the headline
 * number against its threshold in plain words, what changed since the previous run, and a link
 * into the full cucumber report. Its JSON form is the summary's twin (summary.json), which the
 * next run's trend reads back; the charts go only to the HTML page.
 */
import { describeNeed, type Check, type Figure, formatValue } from '../evidence/checks'
import type { RunRecord, ScenarioRecord } from './run-messages'
import { pageTitle, type RuntimeFacts } from './runtime-facts'
import { compareRuns, keyOf, type ScenarioTrend, type TrendPoint, type TrendThresholds } from './trend'
import type { JudgedScenario, RowStatus, RunJudgement } from './verdict'

export const SUMMARY_SCHEMA = 'boxlite-disk-spec/summary@1'

export interface Headline {
  /** "share of the growth given back: 99.6 % (of 216.3 MiB, in 2.1 s)" */
  readonly said: string
  /** "at least 90 % within 30 s" */
  readonly needs?: string
  readonly passed: boolean
}

export interface SummaryRow extends TrendPoint {
  readonly feature: string
  readonly rule: string
  readonly reason?: string
  readonly link?: string
  readonly problem?: string
  readonly headline?: Headline
  readonly trend?: ScenarioTrend
  /** The scenario in the full cucumber report. */
  readonly reportHref: string
  readonly seconds?: number
}

export interface PreviousRun {
  readonly source: string
  readonly runtime?: string
  readonly startedAt?: string
}

export interface SummaryData {
  readonly schema: typeof SUMMARY_SCHEMA
  readonly title: string
  readonly runtime?: RuntimeFacts
  /** More than one runtime announced itself in these messages. */
  readonly mixedRuntimes: readonly string[]
  readonly startedAt?: string
  readonly seconds?: number
  readonly verdict: { readonly ok: boolean; readonly sentence: string; readonly problems: readonly string[] }
  readonly counts: Readonly<Record<RowStatus, number>>
  readonly knownIssues: {
    readonly source?: string
    readonly applicable: ReadonlyArray<{ reason: string; link: string; scenarios: readonly string[] }>
  }
  readonly previous?: PreviousRun & { readonly flagged: number }
  readonly rows: readonly SummaryRow[]
}

export interface SummaryInput {
  readonly run: RunRecord
  readonly judgement: RunJudgement
  readonly knownIssuesSource?: string
  /** The previous run's summary.json, for the trend. */
  readonly previous?: { readonly data: Pick<SummaryData, 'rows' | 'runtime' | 'startedAt'>; readonly source: string }
  readonly thresholds: TrendThresholds
  /** Where the full cucumber report is, relative to the summary (default: beside it). */
  readonly reportHref?: string
  /** A run with an injected defect: its failures are expected (by the proof). */
  readonly injectedDefect?: boolean
}

export function buildSummary(input: SummaryInput): SummaryData {
  const { run, judgement } = input
  const href = input.reportHref ?? 'cucumber-report.html'
  let rows: SummaryRow[] = judgement.rows.map((j) => rowOf(j, href))
  let previous: SummaryData['previous']
  if (input.previous) {
    const trends = compareRuns(rows, input.previous.data.rows, input.thresholds)
    rows = rows.map((r) => ({ ...r, trend: trends.get(keyOf(r)) }))
    const flagged = rows.reduce((n, r) => n + (r.trend?.changes.filter((c) => c.flagged).length ?? 0), 0)
    const was = input.previous.data.runtime
    previous = {
      source: input.previous.source,
      runtime: was ? `${was.description} via ${was.driver}` : undefined,
      startedAt: input.previous.data.startedAt,
      flagged,
    }
  }
  const counts = { passed: 0, failed: 0, 'known-issue': 0, 'not-run': 0 }
  for (const r of rows) counts[r.status]++
  return {
    schema: SUMMARY_SCHEMA,
    title: pageTitle('summary', run.runtime),
    runtime: run.runtime,
    mixedRuntimes: run.runtimes.length > 1 ? run.runtimes : [],
    startedAt: run.runtime?.startedAt ?? run.startedAt,
    seconds: run.seconds,
    verdict: {
      ok: judgement.ok,
      sentence: verdictSentence(judgement, counts, run.runtime, input.injectedDefect),
      problems: judgement.problems,
    },
    counts,
    knownIssues: {
      source: input.knownIssuesSource,
      applicable: judgement.applicable.map(({ reason, link, scenarios }) => ({ reason, link, scenarios })),
    },
    ...(previous ? { previous } : {}),
    rows,
  }
}

function rowOf(j: JudgedScenario, href: string): SummaryRow {
  const r = j.record
  return {
    uri: r.uri,
    name: r.name,
    feature: r.feature,
    rule: r.rule,
    status: j.status,
    ...(j.reason ? { reason: j.reason } : {}),
    ...(j.link ? { link: j.link } : {}),
    ...(j.problem ? { problem: j.problem } : {}),
    ...(headlineOf(r) ? { headline: headlineOf(r) } : {}),
    figures: figuresOf(r.checks),
    reportHref: `${href}#scenario=${encodeURIComponent(r.name)}`,
    ...(r.seconds !== undefined ? { seconds: r.seconds } : {}),
  }
}

/** The check that failed, else the scenario's (last) headline check, else its last check, else its check lines. */
function headlineOf(r: ScenarioRecord): Headline | undefined {
  const chosen = r.checks.find((c) => !c.passed) ?? r.checks.filter((c) => c.headline).at(-1) ?? r.checks.at(-1)
  if (chosen) {
    const detail = chosen.headline?.detail ? ` (${chosen.headline.detail})` : ''
    return {
      said: `${chosen.headline?.name ?? chosen.what}: ${formatValue(chosen.measured, chosen.unit)}${detail}`,
      needs: describeNeed(chosen),
      passed: chosen.passed,
    }
  }
  // No number: the yes/no checks it logged, the failed one alone.
  const failed = r.checkLines.find((l) => l.startsWith('✘'))
  const lines = failed ? [failed] : r.checkLines.slice(0, 3)
  return lines.length ? { said: lines.map((l) => l.replace(/^[✔✘] /, '')).join('; '), passed: !failed } : undefined
}

/** The numbers the trend follows: every headline check's value and further figures. */
function figuresOf(checks: readonly Check[]): Figure[] {
  const figures = checks
    .filter((c) => c.headline)
    .flatMap((c) => [{ name: c.headline!.name, value: c.measured, unit: c.unit }, ...(c.headline!.figures ?? [])])
  const seen = new Map<string, number>()
  return figures.map((f) => {
    const n = (seen.get(f.name) ?? 0) + 1
    seen.set(f.name, n)
    return n === 1 ? f : { ...f, name: `${f.name} (${n})` }
  })
}

function verdictSentence(
  j: RunJudgement,
  counts: Record<RowStatus, number>,
  runtime: RuntimeFacts | undefined,
  injected: boolean | undefined,
): string {
  const notRun = counts['not-run'] ? `; ${counts['not-run']} not run` : ''
  if (!j.ok) {
    const problems = `${j.problems.length} problem${j.problems.length === 1 ? '' : 's'}`
    return `Failed: ${problems} (listed below); ${counts.passed} of ${j.ran} scenarios passed${notRun}.`
  }
  if (injected) {
    const failed = `${counts.failed} scenario${counts.failed === 1 ? '' : 's'}`
    const where = 'where the catch matrix expects (npm run prove also checks why)'
    return `This run injects a defect on purpose: ${failed} failed ${where}, ${counts.passed} passed${notRun}.`
  }
  if (counts['known-issue']) {
    const of = `${runtime?.runtime} ${runtime?.version}`
    const known = `${counts['known-issue']} failed as known issues of ${of}`
    return `Passed with known issues: ${counts.passed} scenarios passed, ${known}${notRun}.`
  }
  return `Passed: all ${counts.passed} scenarios that ran passed${notRun}.`
}
