/**
 * The one-glance summary of a run, as data: the runtime under test, the verdict, and one row per
 * scenario grouped by feature and guarantee (`Rule`), with its status and reason, the headline
 * number against its threshold in plain words, what changed since the previous run, and a link
 * into the full cucumber report. Its JSON form is the summary's twin (summary.json), which the
 * next run's trend reads back; the charts go only to the HTML page.
 */
import { describeNeed, type Check, type Figure, formatValue, OUTCOME_PREFIX } from '../evidence/checks'
import { guaranteeOf, type Severity } from './catalogue'
import { plainHeadline } from './plain-words'
import type { ProofSummary } from './proof-result'
import type { RunRecord, ScenarioRecord } from './run-messages'
import { kvmWords, pageTitle, type RuntimeFacts } from './runtime-facts'
import {
  comparePair,
  keyOf,
  type ScenarioTrend,
  type SuiteChanges,
  type TrendPoint,
  type TrendThresholds,
} from './trend'
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
  /** From the guarantee catalogue (src/report/catalogue.ts); absent: "no severity recorded", shown last. */
  readonly severity?: Severity
  /** The guarantee's place in the catalogue (1 = first). */
  readonly order?: number
  /** Host paths and hashes taken out of the headline, and the runtime's own words. */
  readonly details?: readonly string[]
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

/** A guarantee as the page heads its rows: from the catalogue, or only its title when it is missing there. */
export interface GuaranteeHeading {
  readonly rule: string
  readonly feature: string
  readonly severity?: Severity
  readonly order?: number
  readonly forUsers?: string
  readonly whyThreshold?: string
}

export interface SummaryData {
  readonly schema: typeof SUMMARY_SCHEMA
  readonly title: string
  /** refbox tests the suite itself: its result says nothing about BoxLite. */
  readonly selfTest: boolean
  /** Who was tested, in words: "refbox 0.1.0 (cli driver; Linux 6.1.0 x86_64, /dev/kvm ...)". */
  readonly who: string
  readonly runtime?: RuntimeFacts
  /** More than one runtime announced itself in these messages. */
  readonly mixedRuntimes: readonly string[]
  readonly startedAt?: string
  readonly seconds?: number
  readonly verdict: {
    readonly ok: boolean
    /** "Passed", "Failed", "Passed with known issues", "Defect injected". */
    readonly word: string
    /** The verdict with who was tested in it. */
    readonly sentence: string
    readonly problems: readonly string[]
  }
  readonly counts: Readonly<Record<RowStatus, number>>
  readonly knownIssues: {
    readonly source?: string
    readonly applicable: ReadonlyArray<{ reason: string; link: string; scenarios: readonly string[] }>
  }
  readonly previous?: PreviousRun & { readonly flagged: number; readonly suite: SuiteChanges }
  /** The defect proof's last result (proof.json beside the summary). */
  readonly proof?: ProofSummary
  /** In severity order, the order of `rows`. */
  readonly guarantees: readonly GuaranteeHeading[]
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
  readonly proof?: ProofSummary
}

export function buildSummary(input: SummaryInput): SummaryData {
  const { run, judgement } = input
  const href = input.reportHref ?? 'cucumber-report.html'
  let rows: SummaryRow[] = bySeverity(judgement.rows.map((j) => rowOf(j, href)))
  let previous: SummaryData['previous']
  if (input.previous) {
    const { trends, suite } = comparePair(rows, input.previous.data.rows, input.thresholds)
    rows = rows.map((r) => ({ ...r, trend: trends.get(keyOf(r)) }))
    const flagged = rows.reduce((n, r) => n + (r.trend?.changes.filter((c) => c.flagged).length ?? 0), 0)
    const was = input.previous.data.runtime
    previous = {
      source: input.previous.source,
      runtime: was ? `${was.description} via ${was.driver}` : undefined,
      startedAt: input.previous.data.startedAt,
      flagged,
      suite,
    }
  }
  const counts = { passed: 0, failed: 0, 'known-issue': 0, 'not-run': 0 }
  for (const r of rows) counts[r.status]++
  const word = verdictWord(judgement, counts, input.injectedDefect)
  const who = whoWasTested(run.runtime)
  const detail = verdictSentence(judgement, counts, run.runtime, input.injectedDefect)
  return {
    schema: SUMMARY_SCHEMA,
    title: pageTitle('summary', run.runtime),
    selfTest: run.runtime?.runtime === 'refbox',
    who,
    runtime: run.runtime,
    mixedRuntimes: run.runtimes.length > 1 ? run.runtimes : [],
    startedAt: run.runtime?.startedAt ?? run.startedAt,
    seconds: run.seconds,
    verdict: {
      ok: judgement.ok,
      word,
      sentence: `${word} ${word === INJECTED ? 'into' : 'on'} ${who}: ${detail}`,
      problems: judgement.problems,
    },
    counts,
    knownIssues: {
      source: input.knownIssuesSource,
      applicable: judgement.applicable.map(({ reason, link, scenarios }) => ({ reason, link, scenarios })),
    },
    ...(previous ? { previous } : {}),
    ...(input.proof ? { proof: input.proof } : {}),
    guarantees: headings(rows),
    rows,
  }
}

/** "refbox 0.1.0 (cli driver; Linux x86_64 host, /dev/kvm present but cannot boot a guest)" */
export function whoWasTested(f: RuntimeFacts | undefined): string {
  if (!f) return 'an unknown runtime (no scenario announced it)'
  const name = f.runtime === 'boxlite' ? 'BoxLite' : f.runtime
  return `${name} ${f.version} (${f.driver} driver; Linux ${f.host.arch} host, ${kvmWords(f.host.kvm)})`
}

/** Guarantees in catalogue order (host and neighbours, data, cost); rules the catalogue lacks last, in run order. */
export function bySeverity<T extends { rule: string; order?: number }>(rows: readonly T[]): T[] {
  return rows
    .map((row, i) => ({ row, i, order: row.order ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.order - b.order || a.i - b.i)
    .map((x) => x.row)
}

function headings(rows: readonly SummaryRow[]): GuaranteeHeading[] {
  const seen = new Map<string, GuaranteeHeading>()
  for (const r of rows) {
    if (seen.has(r.rule)) continue
    const g = guaranteeOf(r.rule)
    seen.set(
      r.rule,
      g
        ? {
            rule: r.rule,
            feature: r.feature,
            severity: g.severity,
            order: g.order,
            forUsers: g.forUsers,
            whyThreshold: g.whyThreshold,
          }
        : { rule: r.rule, feature: r.feature },
    )
  }
  return [...seen.values()]
}

const INJECTED = 'Defect injected on purpose'

function verdictWord(j: RunJudgement, counts: Record<RowStatus, number>, injected: boolean | undefined): string {
  if (!j.ok) return 'Failed'
  if (injected) return INJECTED
  return counts['known-issue'] ? 'Passed with known issues' : 'Passed'
}

function rowOf(j: JudgedScenario, href: string): SummaryRow {
  const r = j.record
  const g = guaranteeOf(r.rule)
  const headline = headlineOf(r)
  return {
    uri: r.uri,
    name: r.name,
    feature: r.feature,
    rule: r.rule,
    status: j.status,
    ...(j.reason ? { reason: j.reason } : {}),
    ...(j.link ? { link: j.link } : {}),
    ...(j.problem ? { problem: j.problem } : {}),
    ...(g ? { severity: g.severity, order: g.order } : {}),
    ...(headline ? { headline: headline.headline } : {}),
    ...(headline?.details.length ? { details: headline.details } : {}),
    steps: r.steps,
    figures: figuresOf(r.checks),
    reportHref: `${href}#scenario=${encodeURIComponent(r.name)}`,
    ...(r.seconds !== undefined ? { seconds: r.seconds } : {}),
  }
}

/**
 * The check that failed, else the outcome the scenario named, else its (last) headline check, else
 * its last check, else its check lines; host paths and hashes moved to the details.
 */
export function headlineOf(r: ScenarioRecord): { headline: Headline; details: string[] } | undefined {
  const raw = rawHeadline(r)
  if (!raw) return undefined
  const plain = plainHeadline(raw.said)
  const needs = raw.needs ? plainHeadline(raw.needs) : undefined
  return {
    headline: { ...raw, said: plain.text, ...(needs ? { needs: needs.text } : {}) },
    details: [...plain.details, ...(needs?.details ?? [])],
  }
}

function rawHeadline(r: ScenarioRecord): Headline | undefined {
  const failedCheck = r.checks.find((c) => !c.passed)
  const outcome = r.logs.find((l) => l.startsWith(OUTCOME_PREFIX))
  const failedLine = r.checkLines.find((l) => l.startsWith('✘'))
  if (outcome && !failedCheck && !failedLine) return { said: outcome.slice(OUTCOME_PREFIX.length), passed: true }
  const chosen = failedCheck ?? r.checks.filter((c) => c.headline).at(-1) ?? r.checks.at(-1)
  if (chosen) {
    const detail = chosen.headline?.detail ? ` (${chosen.headline.detail})` : ''
    return {
      said: `${chosen.headline?.name ?? chosen.what}: ${formatValue(chosen.measured, chosen.unit)}${detail}`,
      needs: describeNeed(chosen),
      passed: chosen.passed,
    }
  }
  // No number: the yes/no checks it logged, the failed one alone.
  const lines = failedLine ? [failedLine] : r.checkLines.slice(0, 3)
  if (!lines.length) return undefined
  return { said: lines.map((l) => l.replace(/^[✔✘] /, '')).join('; '), passed: !failedLine }
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
  // A skip that states its reason (a capability the runtime lacks) is told apart from a scenario left out.
  const skipped = j.rows.filter((r) => r.status === 'not-run' && r.record.status === 'SKIPPED').length
  const left = counts['not-run'] - skipped
  const notRun = (skipped ? `; ${skipped} skipped, each with its reason below` : '') + (left ? `; ${left} not run` : '')
  if (!j.ok)
    return (
      `${j.problems.length} problem${j.problems.length === 1 ? '' : 's'} (listed below); ` +
      `${counts.passed} of ${j.ran} scenarios passed${notRun}.`
    )
  if (injected) {
    const failed = `${counts.failed} scenario${counts.failed === 1 ? '' : 's'}`
    return (
      `${failed} failed where the catch matrix expects (npm run prove also checks why), ` +
      `${counts.passed} passed${notRun}.`
    )
  }
  if (counts['known-issue']) {
    const of = `${runtime?.runtime} ${runtime?.version}`
    return `${counts.passed} scenarios passed, ${counts['known-issue']} failed as known issues of ${of}${notRun}.`
  }
  return `all ${counts.passed} scenarios that ran passed${notRun}.`
}
