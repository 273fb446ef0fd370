/**
 * Reads a cucumber-js message (NDJSON) stream into what the reports need, per scenario of the
 * run's features: its feature and guarantee (`Rule`), how it ended (only the last attempt of a
 * retried scenario counts), why it was skipped, its measured checks, charts and check lines; and
 * the runtime facts the scenarios announced. Scenarios the tag expression left out are kept too.
 */
import type { Check } from '../evidence/checks'
import { FACTS_ATTACHMENT, type RuntimeFacts } from './runtime-facts'

/** A cucumber step status, or NOT_SELECTED (left out by tags/paths) or NOT_STARTED (the run ended first). */
export type ScenarioStatus =
  'PASSED' | 'FAILED' | 'AMBIGUOUS' | 'UNDEFINED' | 'PENDING' | 'UNKNOWN' | 'SKIPPED' | 'NOT_SELECTED' | 'NOT_STARTED'

export interface ScenarioRecord {
  readonly name: string
  readonly uri: string
  readonly feature: string
  /** The guarantee: the `Rule:` the scenario sits under (the feature's name when it has none). */
  readonly rule: string
  readonly status: ScenarioStatus
  /** First failure message (first lines). */
  readonly message?: string
  /** The "Skipped: ..." log line of a scenario that skipped itself. */
  readonly skipReason?: string
  readonly checks: readonly Check[]
  /** SVG charts as base64, in the order attached. */
  readonly charts: readonly string[]
  /** Logged check sentences ("✔ ..."), the headline of scenarios without numbers. */
  readonly checkLines: readonly string[]
  /** Every log line, in order. */
  readonly logs: readonly string[]
  readonly seconds?: number
  /** Its steps' sentences, where the suite states its thresholds. */
  readonly steps: readonly string[]
}

export interface RunRecord {
  readonly scenarios: readonly ScenarioRecord[]
  /** The first scenario's announced facts. */
  readonly runtime?: RuntimeFacts
  /** Every distinct runtime description announced (more than one: the messages mix runs). */
  readonly runtimes: readonly string[]
  readonly startedAt?: string
  readonly seconds?: number
  readonly finished: boolean
}

const SEVERITY = ['FAILED', 'AMBIGUOUS', 'UNDEFINED', 'PENDING', 'UNKNOWN', 'SKIPPED', 'PASSED']
const rank = (s: string) => (SEVERITY.includes(s) ? SEVERITY.indexOf(s) : SEVERITY.indexOf('UNKNOWN'))

interface Timestamp {
  seconds: number
  nanos: number
}
interface Attachment {
  testCaseStartedId?: string
  body: string
  mediaType: string
  fileName?: string
  contentEncoding?: string
}
interface GherkinChild {
  scenario?: { id: string }
  rule?: { name: string; children: GherkinChild[] }
}
interface Envelope {
  gherkinDocument?: { uri: string; feature?: { name: string; children: GherkinChild[] } }
  pickle?: { id: string; name: string; uri: string; astNodeIds?: string[]; steps?: Array<{ text: string }> }
  testCase?: { id: string; pickleId: string }
  testCaseStarted?: { id: string; testCaseId: string; timestamp?: Timestamp }
  testCaseFinished?: { testCaseStartedId: string; timestamp?: Timestamp }
  testStepFinished?: { testCaseStartedId: string; testStepResult: { status: string; message?: string } }
  attachment?: Attachment
  testRunStarted?: { timestamp: Timestamp }
  testRunFinished?: { timestamp: Timestamp }
}

interface Attempt {
  steps: Array<{ status: string; message?: string }>
  attachments: Attachment[]
  started?: Timestamp
  finished?: Timestamp
}

export function readRunMessages(ndjson: string): RunRecord {
  const places = new Map<string, { feature: string; rule: string }>()
  const pickles: NonNullable<Envelope['pickle']>[] = []
  const pickleOfCase = new Map<string, string>()
  const lastAttemptOfPickle = new Map<string, string>()
  const attempts = new Map<string, Attempt>()
  let runStarted: Timestamp | undefined
  let runFinished: Timestamp | undefined

  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue
    const e = JSON.parse(line) as Envelope
    if (e.gherkinDocument?.feature) indexPlaces(e.gherkinDocument.feature, places)
    else if (e.pickle) pickles.push(e.pickle)
    else if (e.testCase) pickleOfCase.set(e.testCase.id, e.testCase.pickleId)
    else if (e.testCaseStarted) {
      attempts.set(e.testCaseStarted.id, { steps: [], attachments: [], started: e.testCaseStarted.timestamp })
      lastAttemptOfPickle.set(pickleOfCase.get(e.testCaseStarted.testCaseId) ?? '', e.testCaseStarted.id)
    } else if (e.testStepFinished)
      attempts.get(e.testStepFinished.testCaseStartedId)?.steps.push(e.testStepFinished.testStepResult)
    else if (e.attachment?.testCaseStartedId)
      attempts.get(e.attachment.testCaseStartedId)?.attachments.push(e.attachment)
    else if (e.testCaseFinished) {
      const a = attempts.get(e.testCaseFinished.testCaseStartedId)
      if (a) a.finished = e.testCaseFinished.timestamp
    } else if (e.testRunStarted) runStarted = e.testRunStarted.timestamp
    else if (e.testRunFinished) runFinished = e.testRunFinished.timestamp
  }

  const selected = new Set(pickleOfCase.values())
  const facts: RuntimeFacts[] = []
  const scenarios = pickles.map((p): ScenarioRecord => {
    const place = places.get(p.astNodeIds?.[0] ?? '') ?? { feature: p.uri, rule: p.uri }
    const steps = (p.steps ?? []).map((s) => s.text)
    const base = { name: p.name, uri: p.uri, ...place, checks: [], charts: [], checkLines: [], logs: [], steps }
    const attempt = attempts.get(lastAttemptOfPickle.get(p.id) ?? '')
    if (!attempt) return { ...base, status: selected.has(p.id) ? 'NOT_STARTED' : 'NOT_SELECTED' }
    const status = (attempt.steps.map((s) => s.status).sort((a, b) => rank(a) - rank(b))[0] ??
      'UNKNOWN') as ScenarioStatus
    const failure = attempt.steps.find((s) => s.status !== 'PASSED' && s.message)?.message
    const logs = attempt.attachments.filter((a) => a.mediaType === 'text/x.cucumber.log+plain').map((a) => a.body)
    const announced = attempt.attachments.find((a) => a.fileName === FACTS_ATTACHMENT)
    if (announced) facts.push(JSON.parse(announced.body) as RuntimeFacts)
    return {
      ...base,
      status,
      ...(failure ? { message: failure.split('\n').slice(0, 6).join('\n') } : {}),
      ...(status === 'SKIPPED' ? { skipReason: logs.find((l) => /^Skipped:\s*\S/i.test(l)) } : {}),
      checks: attempt.attachments
        .filter((a) => a.fileName === 'measurements.json')
        .flatMap((a) => JSON.parse(a.body) as Check[]),
      charts: attempt.attachments.filter((a) => a.mediaType === 'image/svg+xml').map((a) => toBase64(a)),
      checkLines: logs.filter((l) => /^[✔✘] /.test(l)),
      logs,
      seconds:
        attempt.started && attempt.finished ? toSeconds(attempt.finished) - toSeconds(attempt.started) : undefined,
    }
  })
  return {
    scenarios,
    runtime: facts[0],
    runtimes: [...new Set(facts.map((f) => `${f.description} via ${f.driver}`))],
    startedAt: runStarted ? new Date(toSeconds(runStarted) * 1000).toISOString() : undefined,
    seconds: runStarted && runFinished ? toSeconds(runFinished) - toSeconds(runStarted) : undefined,
    finished: runFinished !== undefined,
  }
}

function indexPlaces(
  feature: { name: string; children: GherkinChild[] },
  places: Map<string, { feature: string; rule: string }>,
): void {
  for (const child of feature.children) {
    if (child.scenario) places.set(child.scenario.id, { feature: feature.name, rule: feature.name })
    for (const inner of child.rule?.children ?? []) {
      if (inner.scenario) places.set(inner.scenario.id, { feature: feature.name, rule: child.rule!.name })
    }
  }
}

function toBase64(a: Attachment): string {
  return a.contentEncoding === 'BASE64' ? a.body : Buffer.from(a.body, 'utf8').toString('base64')
}

function toSeconds(t: Timestamp): number {
  return t.seconds + t.nanos / 1e9
}
