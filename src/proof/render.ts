import type { CatchMatrix } from './matrix'
import type { Cell, CellVerdict, ProofResult } from './compare'
import type { VariationCell, VariationsFile, VariationsResult, VariationVerdict } from './variations'

/** The proof's second half: each benign variation, and whether every scenario stayed green. */
export interface VariationsReport {
  readonly file: VariationsFile
  readonly result: VariationsResult
  readonly runs: ReadonlyArray<{
    readonly variation: string
    readonly reportHref?: string
    readonly seconds: number
    readonly scenariosRun: number
  }>
  readonly wallSeconds: number
}

/** Where one run's own report lives, relative to the proof report. */
export interface RunLink {
  readonly defect: string | null
  /** Absent when the run was not needed: no scenario reached the defect's sites. */
  readonly reportHref?: string
  readonly seconds: number
  /** Scenarios the run included. */
  readonly scenariosRun: number
}

interface ProofReportInput {
  readonly matrix: CatchMatrix
  readonly result: ProofResult
  readonly runs: readonly RunLink[]
  /** Scenario name -> feature file, to group the rows. */
  readonly featureOf: ReadonlyMap<string, string>
  readonly wallSeconds: number
  /** `selected`: each defect ran only against the scenarios that reached its sites. */
  readonly mode: 'exhaustive' | 'selected'
  /** Absent when only the defect half ran. */
  readonly variations?: VariationsReport
}

const VARIATION_SYMBOL: Record<VariationVerdict, string> = {
  green: '·',
  'not-affected': '–',
  'not-possible': 'not possible',
  broke: 'BROKE',
  'did-not-run': 'DID NOT RUN',
}

const variationCell = (v: VariationsReport, scenario: string, variation: string): VariationCell | undefined =>
  v.result.cells.find((c) => c.scenario === scenario && c.variation === variation)

function variationsSentence(v: VariationsReport): string {
  const n = v.result.problems.length
  const runs = v.runs.reduce((sum, r) => sum + r.scenariosRun, 0)
  const how = `${v.runs.length} variations, ${runs} scenario runs; ${Math.round(v.wallSeconds)} s`
  return n === 0
    ? `Every scenario stays green under every benign variation (${how}).`
    : `${n} scenario(s) did not stay green under a benign variation (${how}).`
}

const SYMBOL: Record<CellVerdict, string> = {
  passed: '·',
  'not-affected': '–',
  caught: 'caught',
  missed: 'MISSED',
  'wrong-reason': 'WRONG REASON',
  'unexpected-failure': 'UNEXPECTED FAIL',
  'did-not-run': 'DID NOT RUN',
}

const columns = (input: ProofReportInput) => input.runs.map((r) => r.defect)
const cellOf = (input: ProofReportInput, scenario: string, defect: string | null): Cell | undefined =>
  input.result.cells.find((c) => c.scenario === scenario && c.defect === defect)
const columnName = (defect: string | null) => defect ?? 'healthy'

function groupedScenarios(input: ProofReportInput): Array<[string, string[]]> {
  const groups = new Map<string, string[]>()
  for (const s of input.result.scenarios) {
    const feature = input.featureOf.get(s) ?? '(unknown feature)'
    groups.set(feature, [...(groups.get(feature) ?? []), s])
  }
  return [...groups]
}

export function renderJson(input: ProofReportInput): string {
  return JSON.stringify(
    {
      ok: input.result.problems.length === 0,
      mode: input.mode,
      wallSeconds: input.wallSeconds,
      problems: input.result.problems,
      runs: input.runs,
      cells: input.result.cells,
      variations: input.variations && {
        ok: input.variations.result.problems.length === 0,
        wallSeconds: input.variations.wallSeconds,
        problems: input.variations.result.problems,
        runs: input.variations.runs,
        cells: input.variations.result.cells,
      },
    },
    null,
    2,
  )
}

export function renderMarkdown(input: ProofReportInput): string {
  const cols = columns(input)
  const lines = [
    '# Proof: every guarantee catches the regression it exists for',
    '',
    verdictSentence(input),
    '',
    `\`caught\`: failed because of the defect, as it must; \`·\`: passed; ` +
      `\`–\`: ${NOT_AFFECTED_TEXT}, left out of that run, counts as passed.`,
    '',
    `| Scenario | ${cols.map(columnName).join(' | ')} |`,
    `|---|${cols.map(() => '---').join('|')}|`,
  ]
  for (const [feature, scenarios] of groupedScenarios(input)) {
    lines.push(`| **${feature}** |${cols.map(() => ' ').join('|')}|`)
    for (const s of scenarios)
      lines.push(`| ${s} | ${cols.map((d) => SYMBOL[cellOf(input, s, d)?.verdict ?? 'did-not-run']).join(' | ')} |`)
  }
  lines.push('', '## Defects', '')
  for (const [name, d] of Object.entries(input.matrix.defects)) lines.push(`- \`${name}\`: ${d.regression}`)
  const unguarded = Object.entries(input.matrix.guardsNothingModelled)
  if (unguarded.length) {
    lines.push('', '## Scenarios no modelled defect breaks', '')
    for (const [s, why] of unguarded) lines.push(`- ${s}: ${why}`)
  }
  if (input.result.problems.length) {
    lines.push('', '## Problems', '')
    for (const p of input.result.problems) lines.push(`- ${p}`)
  }
  const v = input.variations
  if (v) {
    const names = v.runs.map((r) => r.variation)
    lines.push('', '## Second half: benign variations stay green', '', variationsSentence(v), '')
    lines.push(`| Scenario | ${names.join(' | ')} |`, `|---|${names.map(() => '---').join('|')}|`)
    for (const s of input.result.scenarios)
      lines.push(
        `| ${s} | ` +
          `${names.map((n) => VARIATION_SYMBOL[variationCell(v, s, n)?.verdict ?? 'did-not-run']).join(' | ')} |`,
      )
    lines.push('')
    for (const [name, e] of Object.entries(v.file.variations)) lines.push(`- \`${name}\`: ${e.legitimate}`)
    if (v.result.problems.length) {
      lines.push('', '### Did not stay green', '')
      for (const p of v.result.problems) lines.push(`- ${p}`)
    }
  }
  return lines.join('\n') + '\n'
}

export function renderHtml(input: ProofReportInput): string {
  const cols = columns(input)
  const head = cols
    .map((d) => {
      const run = input.runs.find((r) => r.defect === d)
      const why = d ? (input.matrix.defects[d]?.regression ?? '') : 'no defect injected: everything must pass'
      const name = run?.reportHref ? `<a href="${esc(run.reportHref)}">${esc(columnName(d))}</a>` : esc(columnName(d))
      return `<th title="${esc(why)}">${name}</th>`
    })
    .join('')
  const body = groupedScenarios(input)
    .map(([feature, scenarios]) => {
      const rows = scenarios.map((s) => {
        const cells = cols
          .map((d) => {
            const c = cellOf(input, s, d)
            const v = c?.verdict ?? 'did-not-run'
            const text = v === 'not-affected' ? NOT_AFFECTED_TEXT : c?.message
            const title = text ? ` title="${esc(text)}"` : ''
            return `<td class="${v}"${title}>${esc(SYMBOL[v])}</td>`
          })
          .join('')
        return `<tr><th scope="row">${esc(s)}</th>${cells}</tr>`
      })
      return `<tr class="feature"><th colspan="${cols.length + 1}">${esc(feature)}</th></tr>${rows.join('')}`
    })
    .join('\n')
  const defects = Object.entries(input.matrix.defects)
    .map(([n, d]) => `<li><code>${esc(n)}</code>: ${esc(d.regression)}</li>`)
    .join('')
  const unguarded = Object.entries(input.matrix.guardsNothingModelled)
    .map(([s, why]) => `<li>${esc(s)}: ${esc(why)}</li>`)
    .join('')
  const problems = input.result.problems.map((p) => `<li>${esc(p)}</li>`).join('')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>boxlite-disk-spec proof</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 8px;text-align:center}
th[scope=row]{text-align:left;font-weight:normal;min-width:26em;max-width:40em}
thead th{font-size:12px}
tr.feature th{background:#eef;text-align:left}
td.caught{background:#c8f0c8;font-weight:bold}td.passed,td.not-affected{color:#999}
td.missed,td.wrong-reason,td.unexpected-failure,td.did-not-run{background:#f6c0c0;font-weight:bold}
td.np{background:#f4ecc0}
.ok{color:#161}.bad{color:#a11}
</style></head><body>
<h1>Proof: every guarantee catches the regression it exists for</h1>
<p class="${input.result.problems.length ? 'bad' : 'ok'}">${esc(verdictSentence(input))}</p>
<p>Each column is one run of the whole suite against the reference runtime: first healthy, then with one
known regression injected. <b>caught</b> means the scenario failed because of that regression, as it must;
<b>·</b> means it passed; <b>–</b> means ${NOT_AFFECTED_TEXT}: its healthy run never reached the code
the regression changes, or the regression changes only files on the host and the scenario is not tagged
@host-access (the suite stops such a scenario from reading them), so it was left out of that run and counts
as passed. Column headers link to that run's full report; hover a header for the regression and a cell for
the failure message.</p>
<table><thead><tr><th>Scenario</th>${head}</tr></thead><tbody>
${body}
</tbody></table>
<h2>The injected regressions</h2><ul>${defects}</ul>
${unguarded ? `<h2>Scenarios no modelled regression breaks</h2><ul>${unguarded}</ul>` : ''}
${problems ? `<h2 class="bad">Problems</h2><ul>${problems}</ul>` : ''}
${input.variations ? variationsHtml(input, input.variations) : ''}
</body></html>
`
}

function variationsHtml(input: ProofReportInput, v: VariationsReport): string {
  const names = v.runs.map((r) => r.variation)
  const head = v.runs
    .map((r) => {
      const why = v.file.variations[r.variation]?.legitimate ?? ''
      const name = r.reportHref ? `<a href="${esc(r.reportHref)}">${esc(r.variation)}</a>` : esc(r.variation)
      return `<th title="${esc(why)}">${name}</th>`
    })
    .join('')
  const body = groupedScenarios(input)
    .map(([feature, scenarios]) => {
      const rows = scenarios.map((s) => {
        const cells = names
          .map((n) => {
            const c = variationCell(v, s, n)
            const verdict = c?.verdict ?? 'did-not-run'
            const text = verdict === 'not-affected' ? VARIATION_NOT_AFFECTED : c?.message
            const red = verdict === 'broke' || verdict === 'did-not-run'
            const cls = red ? 'missed' : verdict === 'not-possible' ? 'np' : 'passed'
            return `<td class="${cls}"${text ? ` title="${esc(text)}"` : ''}>${esc(VARIATION_SYMBOL[verdict])}</td>`
          })
          .join('')
        return `<tr><th scope="row">${esc(s)}</th>${cells}</tr>`
      })
      return `<tr class="feature"><th colspan="${names.length + 1}">${esc(feature)}</th></tr>${rows.join('')}`
    })
    .join('\n')
  const list = Object.entries(v.file.variations)
    .map(([n, e]) => `<li><code>${esc(n)}</code>: ${esc(e.legitimate)}</li>`)
    .join('')
  const problems = v.result.problems.map((p) => `<li>${esc(p)}</li>`).join('')
  return `<h1>Second half: a correct runtime that behaves differently stays green</h1>
<p class="${v.result.problems.length ? 'bad' : 'ok'}">${esc(variationsSentence(v))}</p>
<p>Each column is one run of the suite against the reference runtime with one <b>benign variation</b> on:
behaviour a correct runtime may show (other wordings, timings inside the stated windows, output layouts, its own
files in its home). Every scenario must pass. <b>·</b>: passed; <b>–</b>: not affected (its healthy run never
reached the code the variation changes), counts as passed; <b>not possible</b>: a check the variation makes
impossible was reported so, with its reason, where proof/variations.json allows it; <b>BROKE</b>: the scenario
judged refbox's habit instead of the guarantee.</p>
<table><thead><tr><th>Scenario</th>${head}</tr></thead><tbody>
${body}
</tbody></table>
<h2>The variations, and why each is legitimate</h2><ul>${list}</ul>
${problems ? `<h2 class="bad">Did not stay green</h2><ul>${problems}</ul>` : ''}`
}

const VARIATION_NOT_AFFECTED = "not affected (it never reaches the variation's sites)"

function verdictSentence(input: ProofReportInput): string {
  const n = input.result.problems.length
  const runs = input.runs.length
  const scenarioRuns = input.runs.reduce((sum, r) => sum + r.scenariosRun, 0)
  const how =
    input.mode === 'selected'
      ? `${scenarioRuns} scenario runs, each defect only against the scenarios that reach its sites`
      : `${scenarioRuns} scenario runs, every scenario against every defect`
  return n === 0
    ? `All ${runs} runs match the catch matrix (${how}; ${Math.round(input.wallSeconds)} s).`
    : `${n} difference(s) from the catch matrix across ${runs} runs (${how}; ${Math.round(input.wallSeconds)} s).`
}

const NOT_AFFECTED_TEXT =
  "not affected (it never reaches the defect's sites, or the defect changes only host files and it reads none)"

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
