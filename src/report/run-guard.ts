/**
 * The run guard: judges a cucumber-js run from its messages (NDJSON) and fails it when it proves nothing
 * or contradicts the known issues: no scenario ran (a mistyped tag expression exits 0 otherwise), a
 * scenario ended undefined, pending, ambiguous or failed (unless it is a known issue of the runtime
 * under test and failed the known way), or skipped without a stated reason, or a known issue passed
 * (fixed upstream? remove the expectation). A skip states its reason with a log attachment starting
 * "Skipped:". Known issues: expectations/known-issues.json, or KNOWN_ISSUES (a path; `none` applies none).
 * Applied to every cucumber-js run by support/run-guard-plugin.cjs, and by scripts/check-run.ts to a file.
 */
import { resolve } from 'node:path'
import { loadKnownIssues, type KnownIssue } from './known-issues'
import { readRunMessages } from './run-messages'
import { judgeScenarios } from './verdict'

interface RunVerdict {
  readonly ok: boolean
  readonly scenarios: number
  readonly passed: number
  readonly knownIssues: number
  /** Skipped with a stated reason (a capability the runtime lacks, an interrupted run): ran, never passed. */
  readonly skipped: number
  readonly problems: readonly string[]
  /** The messages end with the run's end (not cut short by a crash or a kill). */
  readonly finished: boolean
}

interface GuardOptions {
  readonly knownIssues?: readonly KnownIssue[]
  readonly knownIssuesSource?: string
}

export function judgeRun(ndjson: string, source = 'the message file', options: GuardOptions = {}): RunVerdict {
  const run = readRunMessages(ndjson)
  const j = judgeScenarios(run, options, source)
  return {
    ok: j.ok,
    scenarios: j.ran,
    passed: j.passed,
    knownIssues: j.knownIssues,
    skipped: run.scenarios.filter((s) => s.status === 'SKIPPED').length,
    problems: j.problems,
    finished: run.finished,
  }
}

/** The known issues file the guard and the summary apply: KNOWN_ISSUES, else the checked-in one. */
function knownIssuesPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = explicit ?? env.KNOWN_ISSUES ?? resolve(__dirname, '..', '..', 'expectations', 'known-issues.json')
  return chosen === 'none' ? undefined : resolve(chosen)
}

export function guardOptions(explicit?: string, env: NodeJS.ProcessEnv = process.env): GuardOptions {
  const path = knownIssuesPath(explicit, env)
  return path ? { knownIssues: loadKnownIssues(path), knownIssuesSource: path } : {}
}

/**
 * One line for the console: "15 scenarios ran, 12 passed and 1 failed as known issues, 2 skipped with a stated
 * reason (not passes)". A skip is never called a pass: "all passed" only when every scenario did.
 */
export function describeVerdict(v: RunVerdict): string {
  const known = v.knownIssues ? `, ${v.knownIssues} known issues` : ''
  const skipped = v.skipped ? `, ${v.skipped} skipped with a stated reason (not passes)` : ''
  if (!v.ok) return `run guard: FAILED (${v.passed} of ${v.scenarios} scenarios passed${known}${skipped})`
  const how = v.knownIssues
    ? `${v.passed} passed and ${v.knownIssues} failed as known issues`
    : v.skipped
      ? `${v.passed} passed`
      : 'all passed'
  return `run guard: ${v.scenarios} scenarios ran, ${how}${skipped}`
}

/**
 * The suite's exit status from cucumber-js's and the guard's: the guard's failure; cucumber's
 * exit 1 when the only failures are known issues the guard accepted; otherwise cucumber's.
 */
export function suiteExitCode(cucumberCode: number, verdict: RunVerdict): number {
  if (!verdict.ok) return cucumberCode || 1
  if (cucumberCode === 1 && verdict.knownIssues > 0 && verdict.finished) return 0
  return cucumberCode
}
