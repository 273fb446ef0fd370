/**
 * One judgement of a run, shared by the run guard (its exit status) and the summary (its rows):
 * each scenario is passed, failed, a known issue or not run, with the reason in words, and the
 * run fails on anything that proves nothing or contradicts the expectations: no scenario ran, a
 * failure nobody expected, a skip without a reason, a known issue that passed or failed another way.
 */
import { failsTheKnownWay, issueOf, issuesFor, type KnownIssue } from './known-issues'
import type { RunRecord, ScenarioRecord } from './run-messages'

export type RowStatus = 'passed' | 'failed' | 'known-issue' | 'not-run'

export interface JudgedScenario {
  readonly record: ScenarioRecord
  readonly status: RowStatus
  /** Why, in words: the failure, the skip reason, the known issue, or what the proof expects. */
  readonly reason?: string
  /** The upstream link of a known issue. */
  readonly link?: string
  /** Set when this scenario makes the run fail. */
  readonly problem?: string
}

interface JudgeOptions {
  /** Every entry of the known-issues file; those of the announced runtime and version apply. */
  readonly knownIssues?: readonly KnownIssue[]
  /** Where they came from, for messages. */
  readonly knownIssuesSource?: string
  /** The proof's expectations for a run with an injected defect: scenario name -> why it must fail. */
  readonly expectedFailures?: Readonly<Record<string, string>>
}

export interface RunJudgement {
  readonly ok: boolean
  readonly rows: readonly JudgedScenario[]
  readonly problems: readonly string[]
  /** The known issues that applied to this runtime. */
  readonly applicable: readonly KnownIssue[]
  readonly ran: number
  readonly passed: number
  readonly knownIssues: number
}

export function judgeScenarios(run: RunRecord, options: JudgeOptions = {}, source = 'the message file'): RunJudgement {
  const applicable = run.runtime ? issuesFor(options.knownIssues ?? [], run.runtime.runtime, run.runtime.version) : []
  const file = options.knownIssuesSource ?? 'the known issues file'
  const on = run.runtime ? `${run.runtime.runtime} ${run.runtime.version}` : ''
  const rows = run.scenarios.map((s) =>
    judgeOne(s, issueOf(applicable, s.name), options.expectedFailures?.[s.name], file, on),
  )
  const ran = run.scenarios.filter((s) => s.status !== 'NOT_SELECTED' && s.status !== 'NOT_STARTED').length
  const problems = rows.filter((r) => r.problem).map((r) => `${r.record.uri}: "${r.record.name}" ${r.problem}`)
  if (ran === 0) problems.unshift(`${source}: no scenario ran; check the tag expression (--tags) and the feature paths`)
  return {
    ok: problems.length === 0,
    rows,
    problems,
    applicable,
    ran,
    passed: rows.filter((r) => r.status === 'passed').length,
    knownIssues: rows.filter((r) => r.status === 'known-issue').length,
  }
}

/**
 * The failure's first line as a reader wants it: without chai's "AssertionError:" and "expected false to equal true".
 */
function firstLine(message: string | undefined): string {
  return (message ?? '(no message)')
    .split('\n')[0]
    .replace(/^AssertionError: /, '')
    .replace(/: expected false to equal true$/, '')
}

function judgeOne(
  s: ScenarioRecord,
  issue: KnownIssue | undefined,
  expected: string | undefined,
  file: string,
  on: string,
): JudgedScenario {
  const first = firstLine(s.message)
  switch (s.status) {
    case 'PASSED':
      if (issue) {
        const problem =
          `passed, but ${file} expects it to fail on ${on} (${issue.reason}): fixed upstream? remove ` +
          `the expectation`
        return {
          record: s,
          status: 'passed',
          reason: 'expected to fail (known issue), but passed: fixed upstream? remove the expectation',
          link: issue.link,
          problem,
        }
      }
      if (expected)
        return {
          record: s,
          status: 'passed',
          reason: `the proof expects this defect to make it fail: ${expected}`,
          problem: 'passed, but the proof expects it to fail',
        }
      return { record: s, status: 'passed' }
    case 'NOT_SELECTED':
      return { record: s, status: 'not-run', reason: 'not selected by the tag expression or paths of this run' }
    case 'NOT_STARTED':
      return {
        record: s,
        status: 'not-run',
        reason: 'the run ended before it started',
        problem: 'never started: the run ended before it',
      }
    case 'SKIPPED':
      return s.skipReason
        ? { record: s, status: 'not-run', reason: s.skipReason.replace(/^Skipped:\s*/i, '') }
        : {
            record: s,
            status: 'not-run',
            reason: 'skipped without a stated reason',
            problem: 'was skipped without a stated reason',
          }
    case 'FAILED':
      if (issue && failsTheKnownWay(issue, s.message))
        return { record: s, status: 'known-issue', reason: issue.reason, link: issue.link }
      if (issue) {
        const problem = `failed, but not the known way (${file} expects /${issue.failureMatches}/ on ${on}): ${first}`
        return { record: s, status: 'failed', reason: first, problem }
      }
      if (expected)
        return { record: s, status: 'failed', reason: `as the proof expects: ${expected}. Failed with: ${first}` }
      return { record: s, status: 'failed', reason: first, problem: `is FAILED: ${first}` }
    default:
      return {
        record: s,
        status: 'failed',
        reason: `${s.status.toLowerCase()}: ${first}`,
        problem: `is ${s.status}${s.message ? `: ${first}` : ''}`,
      }
  }
}
