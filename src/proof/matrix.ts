import { readFileSync } from 'node:fs'

/**
 * The catch matrix: for each injected refbox defect, the scenarios that must fail with it on
 * (every other scenario must pass), and optionally why each must fail (a pattern its failure
 * message must match, so a scenario is credited only for catching the defect for the right reason).
 */
export interface CatchMatrix {
  readonly defects: Readonly<Record<string, DefectExpectation>>
  /** Scenarios that no modelled defect breaks, each with the reason it is still worth having. */
  readonly guardsNothingModelled: Readonly<Record<string, string>>
}

export interface DefectExpectation {
  /** The regression in a real runtime that this defect stands for, in plain words. */
  readonly regression: string
  /** Scenario name -> regular expression its failure message must match ('' = any failure). */
  readonly caughtBy: Readonly<Record<string, string>>
}

export function loadMatrix(path: string): CatchMatrix {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<CatchMatrix>
  if (!raw.defects || typeof raw.defects !== 'object') throw new Error(`${path}: "defects" object missing`)
  for (const [name, d] of Object.entries(raw.defects)) {
    if (!d.regression || !d.caughtBy || typeof d.caughtBy !== 'object')
      throw new Error(`${path}: defect "${name}" needs "regression" and "caughtBy"`)
    for (const [scenario, pattern] of Object.entries(d.caughtBy)) {
      try {
        new RegExp(pattern)
      } catch (err) {
        throw new Error(`${path}: defect "${name}", scenario "${scenario}": bad pattern: ${String(err)}`, {
          cause: err,
        })
      }
    }
  }
  return { defects: raw.defects, guardsNothingModelled: raw.guardsNothingModelled ?? {} }
}

/** For the summary of a run with `defect` on: each scenario that must fail, and why (the regression it stands for). */
export function expectedFailures(matrix: CatchMatrix, defect: string): Record<string, string> {
  const d = matrix.defects[defect]
  return Object.fromEntries(Object.keys(d?.caughtBy ?? {}).map((scenario) => [scenario, `${defect}: ${d.regression}`]))
}
