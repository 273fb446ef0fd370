import type { CatchMatrix } from './matrix'
import type { ScenarioOutcome } from './outcomes'

/** One suite run of the proof: healthy (no defect) or with one defect switched on. */
export interface ProofRun {
  /** `null` for the healthy run. */
  readonly defect: string | null
  readonly outcomes: readonly ScenarioOutcome[]
  /** Scenarios left out of this run because they never reach the defect's sites (src/proof/selection.ts). */
  readonly notAffected?: readonly string[]
}

/** Status of a scenario that was left out of a defect's run: it passes, as the defect's code never runs for it. */
const NOT_AFFECTED = 'NOT AFFECTED'

export type CellVerdict =
  | 'passed' // passed, as expected
  | 'not-affected' // left out: its healthy run never reached the defect's sites; counts as passed
  | 'caught' // failed, as the matrix expects, for the expected reason
  | 'missed' // the matrix expects a failure, the scenario passed
  | 'wrong-reason' // failed as expected, but the failure message does not match the matrix
  | 'unexpected-failure' // failed (or was skipped/undefined) where it should have passed
  | 'did-not-run' // the scenario is missing from the run

export interface Cell {
  readonly scenario: string
  readonly defect: string | null
  readonly verdict: CellVerdict
  readonly status: string
  readonly message?: string
}

export interface ProofResult {
  readonly scenarios: readonly string[]
  readonly cells: readonly Cell[]
  /** Everything that makes the proof fail, one sentence each. */
  readonly problems: readonly string[]
}

const GOOD: ReadonlySet<CellVerdict> = new Set(['passed', 'not-affected', 'caught'])

/** Compares every run with the matrix. Pure: the caller decides how to run and report. */
export function compareWithMatrix(
  matrix: CatchMatrix,
  knownDefects: readonly string[],
  scenarios: readonly string[],
  runs: readonly ProofRun[],
): ProofResult {
  const problems: string[] = []
  const known = new Set(scenarios)

  for (const d of knownDefects) if (!matrix.defects[d]) problems.push(`defect "${d}" has no row in the catch matrix`)
  for (const d of Object.keys(matrix.defects))
    if (!knownDefects.includes(d)) problems.push(`the matrix names defect "${d}", which refbox does not know`)

  const caughtSomething = new Set<string>()
  for (const [defect, e] of Object.entries(matrix.defects)) {
    const names = Object.keys(e.caughtBy)
    if (names.length === 0) problems.push(`defect "${defect}" is caught by no scenario`)
    for (const s of names) {
      if (!known.has(s))
        problems.push(`the matrix names scenario "${s}" (defect "${defect}"), which the suite does not have`)
      caughtSomething.add(s)
    }
  }
  for (const s of Object.keys(matrix.guardsNothingModelled))
    if (!known.has(s)) problems.push(`guardsNothingModelled names scenario "${s}", which the suite does not have`)
  for (const s of scenarios)
    if (!caughtSomething.has(s) && !matrix.guardsNothingModelled[s])
      problems.push(`scenario "${s}" catches no defect and the matrix does not say why`)

  const cells: Cell[] = []
  for (const run of runs) {
    const expected = run.defect ? (matrix.defects[run.defect]?.caughtBy ?? {}) : {}
    const byName = new Map(run.outcomes.map((o) => [o.name, o]))
    for (const s of run.notAffected ?? []) if (!byName.has(s)) byName.set(s, { name: s, uri: '', status: NOT_AFFECTED })
    const label = run.defect ? `with defect "${run.defect}"` : 'in the healthy run'
    for (const scenario of scenarios) {
      const o = byName.get(scenario)
      const cell = judge(scenario, run.defect, o, expected[scenario])
      cells.push(cell)
      if (!GOOD.has(cell.verdict)) problems.push(`${label}: "${scenario}" ${describe(cell)}`)
    }
  }
  return { scenarios, cells, problems }
}

function judge(
  scenario: string,
  defect: string | null,
  o: ScenarioOutcome | undefined,
  expectedPattern: string | undefined,
): Cell {
  const base = { scenario, defect, status: o?.status ?? 'MISSING', message: o?.message }
  if (!o) return { ...base, verdict: 'did-not-run' }
  const failed = o.status !== 'PASSED'
  if (o.status === NOT_AFFECTED) return { ...base, verdict: expectedPattern === undefined ? 'not-affected' : 'missed' }
  if (expectedPattern === undefined) return { ...base, verdict: failed ? 'unexpected-failure' : 'passed' }
  if (!failed) return { ...base, verdict: 'missed' }
  // Only a real failure can catch a defect: skipped or undefined steps prove nothing.
  if (o.status !== 'FAILED') return { ...base, verdict: 'unexpected-failure' }
  if (expectedPattern && !new RegExp(expectedPattern).test(o.message ?? '')) return { ...base, verdict: 'wrong-reason' }
  return { ...base, verdict: 'caught' }
}

function describe(cell: Cell): string {
  switch (cell.verdict) {
    case 'missed':
      return cell.status === NOT_AFFECTED
        ? "was not affected (its healthy run never reached the defect's sites), but the matrix expects it to catch " +
            'this defect'
        : 'passed, but the matrix expects it to catch this defect'
    case 'wrong-reason':
      return `failed for another reason than the matrix expects: ${gist(cell.message)}`
    case 'unexpected-failure':
      return `ended ${cell.status} where it should pass: ${gist(cell.message)}`
    case 'did-not-run':
      return 'did not run'
    default:
      return cell.verdict
  }
}

/** The message's first lines on one line: a list such as "left behind: ..." needs its first items. */
function gist(text: string | undefined): string {
  const lines = (text ?? '(no message)')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const joined = lines.slice(0, 3).join(' / ')
  return joined.length > 500 ? `${joined.slice(0, 500)}...` : joined
}
