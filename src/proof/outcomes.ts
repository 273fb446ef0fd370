import { readFileSync } from 'node:fs'

/** The result of one scenario in one cucumber-js run, read from its message (NDJSON) output. */
export interface ScenarioOutcome {
  readonly name: string
  readonly uri: string
  /** Worst step status of the scenario's last attempt: PASSED, FAILED, SKIPPED, UNDEFINED, ... */
  readonly status: string
  /** First failure message, if any (trimmed to its first lines). */
  readonly message?: string
}

/** Worst first: a scenario takes the status of its worst step or hook. */
const SEVERITY = ['FAILED', 'AMBIGUOUS', 'UNDEFINED', 'PENDING', 'UNKNOWN', 'SKIPPED', 'PASSED']

interface Envelope {
  pickle?: { id: string; name: string; uri: string; tags?: Array<{ name: string }> }
  testCase?: { id: string; pickleId: string }
  testCaseStarted?: { id: string; testCaseId: string; attempt: number }
  testStepFinished?: { testCaseStartedId: string; testStepResult: { status: string; message?: string } }
}

/** Every scenario the run knew of (run or not), in file order, with its tags (the feature's included). */
export function readScenarios(ndjsonPath: string): Array<{ name: string; uri: string; tags: string[] }> {
  return readFileSync(ndjsonPath, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"pickle"'))
    .map((line) => (JSON.parse(line) as Envelope).pickle)
    .filter((p): p is NonNullable<Envelope['pickle']> => p !== undefined)
    .map(({ name, uri, tags }) => ({ name, uri, tags: (tags ?? []).map((t) => t.name) }))
}

/** Reads every scenario's outcome from a cucumber-js `message` formatter file. */
export function readOutcomes(ndjsonPath: string): ScenarioOutcome[] {
  return parseOutcomes(readFileSync(ndjsonPath, 'utf8'))
}

export function parseOutcomes(ndjson: string): ScenarioOutcome[] {
  const pickles = new Map<string, { name: string; uri: string }>()
  const pickleOfCase = new Map<string, string>()
  // Only the last attempt of a retried scenario counts.
  const lastStartOfCase = new Map<string, string>()
  const stepsOfStart = new Map<string, Array<{ status: string; message?: string }>>()

  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue
    const e = JSON.parse(line) as Envelope
    if (e.pickle) pickles.set(e.pickle.id, { name: e.pickle.name, uri: e.pickle.uri })
    else if (e.testCase) pickleOfCase.set(e.testCase.id, e.testCase.pickleId)
    else if (e.testCaseStarted) {
      lastStartOfCase.set(e.testCaseStarted.testCaseId, e.testCaseStarted.id)
    } else if (e.testStepFinished) {
      const list = stepsOfStart.get(e.testStepFinished.testCaseStartedId) ?? []
      list.push(e.testStepFinished.testStepResult)
      stepsOfStart.set(e.testStepFinished.testCaseStartedId, list)
    }
  }

  const outcomes: ScenarioOutcome[] = []
  for (const [caseId, startId] of lastStartOfCase) {
    const pickle = pickles.get(pickleOfCase.get(caseId) ?? '')
    if (!pickle) continue
    const steps = stepsOfStart.get(startId) ?? []
    const status = steps.map((s) => s.status).sort((a, b) => rank(a) - rank(b))[0] ?? 'UNKNOWN'
    const failure = steps.find((s) => s.status !== 'PASSED' && s.message)?.message
    outcomes.push({ ...pickle, status, message: failure ? firstLines(failure, 6) : undefined })
  }
  return outcomes
}

function rank(status: string): number {
  const i = SEVERITY.indexOf(status)
  return i < 0 ? SEVERITY.indexOf('UNKNOWN') : i
}

function firstLines(text: string, n: number): string {
  return text.split('\n').slice(0, n).join('\n')
}
