/**
 * The proof's second half: with each benign refbox variation on (src/refbox/variants.ts), every
 * scenario must stay green. A correct runtime may word its errors, time its lifecycle, lay out its
 * output and keep its own files differently; a scenario that fails then judges refbox's habits,
 * not the guarantee. proof/variations.json names each variation and the only places where a check
 * may instead be reported "not possible on this runtime" (a skip whose stated reason matches).
 */
import { readFileSync } from 'node:fs'

export interface VariationsFile {
  readonly variations: Readonly<Record<string, VariationExpectation>>
}

export interface VariationExpectation {
  /** Why a correct runtime may behave so, in plain words. */
  readonly legitimate: string
  /**
   * Scenario -> pattern its stated skip reason must match: there, a check the variation makes
   * impossible may be reported so instead of passing. Everywhere else the scenario must pass.
   */
  readonly notPossible?: Readonly<Record<string, string>>
}

/** One suite run with a variation on, read with src/report/run-messages.ts. */
export interface VariationRun {
  readonly variation: string
  readonly scenarios: ReadonlyArray<{
    readonly name: string
    /** A cucumber status, or NOT_SELECTED (left out of the run). */
    readonly status: string
    readonly message?: string
    /** The "Skipped: ..." log line of a scenario that skipped itself. */
    readonly skipReason?: string
  }>
  /** Left out: their healthy run never reached the variation's sites. */
  readonly notAffected: readonly string[]
}

export type VariationVerdict =
  | 'green' // passed
  | 'not-affected' // left out of the run; counts as green
  | 'not-possible' // skipped with a stated reason the file allows there
  | 'broke' // failed, or skipped where the file does not allow it, or skipped without a reason
  | 'did-not-run'

export interface VariationCell {
  readonly scenario: string
  readonly variation: string
  readonly verdict: VariationVerdict
  readonly status: string
  readonly message?: string
}

export interface VariationsResult {
  readonly cells: readonly VariationCell[]
  readonly problems: readonly string[]
}

export function loadVariations(path: string): VariationsFile {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<VariationsFile>
  if (!raw.variations || typeof raw.variations !== 'object') throw new Error(`${path}: "variations" object missing`)
  for (const [name, v] of Object.entries(raw.variations)) {
    if (!v.legitimate) throw new Error(`${path}: variation "${name}" needs "legitimate"`)
    for (const [scenario, pattern] of Object.entries(v.notPossible ?? {})) {
      try {
        new RegExp(pattern)
      } catch (err) {
        throw new Error(`${path}: variation "${name}", scenario "${scenario}": bad pattern: ${String(err)}`, {
          cause: err,
        })
      }
    }
  }
  return { variations: raw.variations }
}

/** Judges every variation run: each scenario green, not affected, or not possible where the file allows it. */
export function judgeVariations(
  file: VariationsFile,
  knownVariations: readonly string[],
  scenarios: readonly string[],
  runs: readonly VariationRun[],
): VariationsResult {
  const problems: string[] = []
  const known = new Set(scenarios)
  for (const v of knownVariations)
    if (!file.variations[v]) problems.push(`variation "${v}" has no row in proof/variations.json`)
  for (const [v, e] of Object.entries(file.variations)) {
    if (!knownVariations.includes(v))
      problems.push(`proof/variations.json names variation "${v}", which refbox does not know`)
    for (const s of Object.keys(e.notPossible ?? {}))
      if (!known.has(s))
        problems.push(`proof/variations.json names scenario "${s}" (variation "${v}"), which the suite does not have`)
  }
  const cells: VariationCell[] = []
  for (const run of runs) {
    const allowed = file.variations[run.variation]?.notPossible ?? {}
    const byName = new Map(run.scenarios.map((s) => [s.name, s]))
    const left = new Set(run.notAffected)
    for (const scenario of scenarios) {
      const cell = judgeOne(scenario, run.variation, byName.get(scenario), left.has(scenario), allowed[scenario])
      cells.push(cell)
      if (cell.verdict === 'broke' || cell.verdict === 'did-not-run')
        problems.push(`with variation "${run.variation}": "${scenario}" ${describe(cell)}`)
    }
  }
  return { cells, problems }
}

function judgeOne(
  scenario: string,
  variation: string,
  s: VariationRun['scenarios'][number] | undefined,
  notAffected: boolean,
  allowedSkip: string | undefined,
): VariationCell {
  if (!s || s.status === 'NOT_SELECTED') {
    return notAffected
      ? { scenario, variation, verdict: 'not-affected', status: 'NOT AFFECTED' }
      : { scenario, variation, verdict: 'did-not-run', status: 'MISSING' }
  }
  const base = { scenario, variation, status: s.status }
  if (s.status === 'PASSED') return { ...base, verdict: 'green' }
  if (s.status === 'SKIPPED' && s.skipReason && allowedSkip !== undefined && new RegExp(allowedSkip).test(s.skipReason))
    return { ...base, verdict: 'not-possible', message: s.skipReason }
  const message =
    s.status === 'SKIPPED'
      ? s.skipReason
        ? `${s.skipReason} (proof/variations.json does not allow this check to be skipped here)`
        : 'skipped without a stated reason'
      : s.message
  return { ...base, verdict: 'broke', message }
}

function describe(cell: VariationCell): string {
  if (cell.verdict === 'did-not-run') return 'did not run'
  const lines = (cell.message ?? '(no message)')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const gist = lines.slice(0, 3).join(' / ')
  return `ended ${cell.status} where it must stay green: ${gist.length > 500 ? `${gist.slice(0, 500)}...` : gist}`
}
