/**
 * Where a suite run's time goes: sums the step and hook times of one or more cucumber-js message
 * files by phase (box start, fills, inode loops, polling waits, restart, checks, cleanup), plus what
 * lies outside any scenario (cucumber-js start-up, report writing). A reading aid, not a test.
 *
 *   node -r ts-node/register scripts/time-phases.ts reports/cucumber-messages.ndjson [MORE.ndjson...]
 */
import { existsSync, readFileSync, statSync } from 'node:fs'

/** First match wins; matched against the step text (hooks go by their kind). */
const PHASES: ReadonlyArray<[string, RegExp]> = [
  ['box start', /^(a running box|two running boxes)/],
  ['inode loops', /empty files until/],
  [
    'fills and big writes',
    new RegExp(
      [
        'fills its rootfs',
        'has filled its rootfs',
        'writers race',
        'writes an? ',
        String.raw`writes \d+ files`,
        'copies a file',
        'fill in the background',
      ].join('|'),
    ),
  ],
  [
    'polling waits (host footprint, serving)',
    /within \d+ (seconds|%)|falls back|given back|grown by at least|serving commands/,
  ],
  ['restart', /stopped and started/],
  ['deletes', /deletes/],
]

interface Envelope {
  pickle?: { id: string; steps: Array<{ id: string; text: string }> }
  testCase?: { id: string; pickleId: string; testSteps: Array<{ id: string; pickleStepId?: string; hookId?: string }> }
  hook?: { id: string; type: string }
  testRunStarted?: { timestamp: Timestamp }
  testRunFinished?: { timestamp: Timestamp }
  testCaseStarted?: { id: string; testCaseId: string; timestamp: Timestamp }
  testCaseFinished?: { testCaseStartedId: string; timestamp: Timestamp }
  testStepFinished?: { testCaseStartedId: string; testStepId: string; testStepResult: { duration: Timestamp } }
}
interface Timestamp {
  seconds: number
  nanos: number
}
const sec = (t: Timestamp) => t.seconds + t.nanos / 1e9

function phasesOf(ndjson: string, totals: Map<string, number>): { wall: number; inScenarios: number } {
  const stepText = new Map<string, string>()
  const hookType = new Map<string, string>()
  const stepLabel = new Map<string, string>()
  let wall = 0
  let runStart = 0
  let inScenarios = 0
  const caseStart = new Map<string, number>()
  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue
    const e = JSON.parse(line) as Envelope
    if (e.pickle) for (const s of e.pickle.steps) stepText.set(s.id, s.text)
    else if (e.hook) hookType.set(e.hook.id, e.hook.type)
    else if (e.testCase)
      for (const s of e.testCase.testSteps)
        stepLabel.set(
          s.id,
          s.pickleStepId
            ? phaseOf(stepText.get(s.pickleStepId) ?? '')
            : hookType.get(s.hookId ?? '') === 'AFTER_TEST_CASE'
              ? 'cleanup and evidence (After hooks)'
              : 'fresh home (Before hooks)',
        )
    else if (e.testRunStarted) runStart = sec(e.testRunStarted.timestamp)
    else if (e.testRunFinished) wall = sec(e.testRunFinished.timestamp) - runStart
    else if (e.testCaseStarted) caseStart.set(e.testCaseStarted.id, sec(e.testCaseStarted.timestamp))
    else if (e.testCaseFinished)
      inScenarios += sec(e.testCaseFinished.timestamp) - (caseStart.get(e.testCaseFinished.testCaseStartedId) ?? 0)
    else if (e.testStepFinished) {
      const label = stepLabel.get(e.testStepFinished.testStepId) ?? 'other'
      totals.set(label, (totals.get(label) ?? 0) + sec(e.testStepFinished.testStepResult.duration))
    }
  }
  return { wall, inScenarios }
}

function phaseOf(text: string): string {
  return PHASES.find(([, re]) => re.test(text))?.[0] ?? 'checks and probes'
}

function main(): void {
  const files = process.argv.slice(2)
  const unreadable = files.find((f) => !existsSync(f) || !statSync(f).isFile())
  if (files.length === 0 || unreadable !== undefined) {
    const why = unreadable === undefined ? 'no file named' : `${unreadable} is not a file`
    console.error(
      `time-phases: ${why}: name one or more cucumber-messages.ndjson files, e.g. reports/cucumber-messages.ndjson`,
    )
    process.exit(2)
  }
  const totals = new Map<string, number>()
  let wall = 0
  let inScenarios = 0
  for (const f of files) {
    const r = phasesOf(readFileSync(f, 'utf8'), totals)
    wall += r.wall
    inScenarios += r.inScenarios
  }
  const stepSum = [...totals.values()].reduce((a, b) => a + b, 0)
  console.log(
    `${files.length} run(s): test run ${wall.toFixed(0)} s from first to last message; scenarios ` +
      `${inScenarios.toFixed(0)} s, steps and hooks ${stepSum.toFixed(0)} s (with --parallel these exceed the wall ` +
      `time)`,
  )
  for (const [phase, s] of [...totals].sort((a, b) => b[1] - a[1]))
    console.log(
      `  ${phase.padEnd(42)} ${s.toFixed(1).padStart(7)} s  ${((100 * s) / stepSum).toFixed(0).padStart(3)} %`,
    )
}

main()
