/**
 * The selected proof must give the exhaustive proof's verdict on every defect and scenario: a cell
 * "not affected (site not reached)" stands for the pass the exhaustive run saw.
 */
import type { Cell } from './compare'

export interface ProofSummary {
  readonly ok: boolean
  readonly cells: readonly Cell[]
}

const verdictOf = (c: Cell): string => (c.verdict === 'not-affected' ? 'passed' : c.verdict)
const keyOf = (c: Pick<Cell, 'defect' | 'scenario'>) => `${c.defect ?? 'healthy'}\0${c.scenario}`

/** Every disagreement, one sentence each; none means both proofs reached the same verdict everywhere. */
export function compareProofModes(exhaustive: ProofSummary, selected: ProofSummary): string[] {
  const problems: string[] = []
  if (exhaustive.ok !== selected.ok)
    problems.push(
      `the exhaustive proof ${exhaustive.ok ? 'passed' : 'failed'}, the selected one ` +
        `${selected.ok ? 'passed' : 'failed'}`,
    )
  const sel = new Map(selected.cells.map((c) => [keyOf(c), c]))
  for (const e of exhaustive.cells) {
    const s = sel.get(keyOf(e))
    sel.delete(keyOf(e))
    const where = `${e.defect ?? 'healthy'} x "${e.scenario}"`
    if (!s) problems.push(`${where}: only in the exhaustive proof`)
    else if (verdictOf(s) !== verdictOf(e)) problems.push(`${where}: exhaustive ${e.verdict}, selected ${s.verdict}`)
  }
  for (const s of sel.values()) problems.push(`${s.defect ?? 'healthy'} x "${s.scenario}": only in the selected proof`)
  return problems
}
