/**
 * Small synthetic cucumber message (NDJSON) streams for the report tests: one feature with rules,
 * scenarios that pass, fail, skip or are left out, with the attachments the suite writes
 * (runtime facts, measurements.json, a chart, log lines).
 */
import type { Check } from '../../src/evidence/checks'
import { FACTS_ATTACHMENT, type RuntimeFacts } from '../../src/report/runtime-facts'

export interface SyntheticScenario {
  readonly name: string
  readonly rule: string
  /** PASSED, FAILED, SKIPPED, UNDEFINED, or NOT_SELECTED (no test case). */
  readonly status: string
  readonly message?: string
  readonly checks?: readonly Check[]
  readonly logs?: readonly string[]
  readonly chart?: boolean
  /** Its steps' sentences (where thresholds are stated). */
  readonly steps?: readonly string[]
}

export function runtimeFacts(runtime: string, version: string, driver: 'cli' | 'sdk' = 'cli'): RuntimeFacts {
  return {
    driver,
    runtime,
    version,
    description: `${runtime} ${version}`,
    ...(driver === 'cli' ? { binary: `/usr/bin/${runtime}` } : {}),
    image: 'alpine:latest',
    host: { kernel: '6.1.0', arch: 'x86_64', kvm: 'boots' },
    suiteRevision: 'abc123',
    startedAt: '2026-01-02T03:04:05.000Z',
    preflight: { ok: true, seconds: 12.5 },
  }
}

export function syntheticRun(
  facts: RuntimeFacts | undefined,
  scenarios: readonly SyntheticScenario[],
  uri = 'features/x.feature',
): string {
  const rules = [...new Set(scenarios.map((s) => s.rule))]
  const envelopes: object[] = [
    {
      gherkinDocument: {
        uri,
        feature: {
          name: 'Feature X',
          children: rules.map((rule) => ({
            rule: {
              name: rule,
              children: scenarios.filter((s) => s.rule === rule).map((s) => ({ scenario: { id: `ast-${s.name}` } })),
            },
          })),
        },
      },
    },
    ...scenarios.map((s, i) => ({
      pickle: {
        id: `p${i}`,
        name: s.name,
        uri,
        astNodeIds: [`ast-${s.name}`],
        steps: (s.steps ?? []).map((text) => ({ text })),
      },
    })),
    { testRunStarted: { timestamp: { seconds: 1000, nanos: 0 } } },
  ]
  scenarios.forEach((s, i) => {
    if (s.status === 'NOT_SELECTED') return
    const start = `s${i}`
    envelopes.push(
      { testCase: { id: `c${i}`, pickleId: `p${i}` } },
      { testCaseStarted: { id: start, testCaseId: `c${i}`, attempt: 0, timestamp: { seconds: 1000 + i, nanos: 0 } } },
    )
    const attach = (body: string, mediaType: string, fileName?: string, contentEncoding = 'IDENTITY') =>
      envelopes.push({
        attachment: { testCaseStartedId: start, body, mediaType, contentEncoding, ...(fileName ? { fileName } : {}) },
      })
    if (facts) attach(JSON.stringify(facts), 'application/json', FACTS_ATTACHMENT)
    for (const line of s.logs ?? []) attach(line, 'text/x.cucumber.log+plain')
    if (s.checks) attach(JSON.stringify(s.checks), 'application/json', 'measurements.json')
    if (s.chart)
      attach(
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>').toString('base64'),
        'image/svg+xml',
        'host-footprint.svg',
        'BASE64',
      )
    envelopes.push({
      testStepFinished: {
        testCaseStartedId: start,
        testStepResult: { status: s.status, ...(s.message ? { message: s.message } : {}) },
      },
    })
    envelopes.push({ testCaseFinished: { testCaseStartedId: start, timestamp: { seconds: 1001 + i, nanos: 0 } } })
  })
  envelopes.push({ testRunFinished: { timestamp: { seconds: 1100, nanos: 0 }, success: true } })
  return envelopes.map((e) => JSON.stringify(e)).join('\n')
}

/** The three @discard scenarios and their known failure message on a runtime without discard. */
export const DISCARD_SCENARIOS = [
  'Filling, deleting and filling again shrinks the disk after the delete and never grows it beyond 1.6 times one fill',
  "Deleting a 200 MiB file shrinks the box's disk on the host back to within 30 MiB of its start",
  "Deleting 4000 small files shrinks the box's disk on the host back to within 30 MiB of its start",
]
export const NO_DISCARD_MESSAGE =
  "AssertionError: ✘ the box's disk above its start, 15.0 s after the delete: 200.0 MiB ≤ 30.0 MiB"
