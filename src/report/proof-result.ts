/**
 * The defect proof's last result, as the summary quotes it: "this suite's checks catch N of N
 * injected faults". Read from the proof.json that `npm run prove` writes (scripts/prove.ts); a
 * fault counts as caught when some scenario failed because of it and none missed it or failed for
 * another reason than the catch matrix says.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

export interface ProofSummary {
  readonly caught: number
  readonly injected: number
  /** The whole proof held: every fault caught where the matrix says, the healthy run passed. */
  readonly ok: boolean
  /** The faults not caught. */
  readonly missed: readonly string[]
  /** ISO time proof.json was written. */
  readonly writtenAt: string
  /** proof.html relative to the summary, when it is there. */
  readonly href?: string
  /** The proof's second half: correct variations of refbox under which every scenario stayed green. */
  readonly variations?: { readonly green: number; readonly total: number }
}

interface ProofJson {
  readonly ok?: unknown
  readonly runs?: ReadonlyArray<{ defect: string | null }>
  readonly cells?: ReadonlyArray<{ defect: string | null; verdict: string }>
  readonly variations?: { readonly cells?: ReadonlyArray<{ variation: string; verdict: string }> }
}

/** The proof beside the summary (or at `path`); none when there is no proof.json or it is not one. */
export function readProof(path: string, summaryDir: string): ProofSummary | undefined {
  if (!existsSync(path)) return undefined
  let raw: ProofJson
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as ProofJson
  } catch {
    return undefined
  }
  if (!Array.isArray(raw.runs) || !Array.isArray(raw.cells)) return undefined
  const html = join(dirname(path), 'proof.html')
  return {
    ...proofCounts(raw.runs, raw.cells, raw.ok === true),
    writtenAt: statSync(path).mtime.toISOString(),
    ...(raw.variations?.cells ? { variations: variationCounts(raw.variations.cells) } : {}),
    ...(existsSync(html) ? { href: relative(summaryDir, html) || 'proof.html' } : {}),
  }
}

export function proofCounts(
  runs: ReadonlyArray<{ defect: string | null }>,
  cells: ReadonlyArray<{ defect: string | null; verdict: string }>,
  ok: boolean,
): Pick<ProofSummary, 'caught' | 'injected' | 'ok' | 'missed'> {
  const defects = [...new Set(runs.map((r) => r.defect).filter((d): d is string => d !== null))]
  const missed = defects.filter((d) => {
    const verdicts = cells.filter((c) => c.defect === d).map((c) => c.verdict)
    return !verdicts.includes('caught') || verdicts.some((v) => v === 'missed' || v === 'wrong-reason')
  })
  return { caught: defects.length - missed.length, injected: defects.length, ok, missed }
}

/** A variation stays green when none of its scenarios broke or went missing. */
export function variationCounts(cells: ReadonlyArray<{ variation: string; verdict: string }>): {
  green: number
  total: number
} {
  const names = [...new Set(cells.map((c) => c.variation))]
  const broke = new Set(
    cells.filter((c) => c.verdict === 'broke' || c.verdict === 'did-not-run').map((c) => c.variation),
  )
  return { green: names.filter((n) => !broke.has(n)).length, total: names.length }
}
