/**
 * The page of `npm run compare`: guarantees down, runs across, one cell per scenario and run
 * (status, headline number, what moved since the run to its left), then what changed in the
 * suite between the runs. Self-contained like summary.html, and prints to A4 landscape.
 */
import type { Comparison, CompareCell } from './compare'
import { BASE_STYLE, changesWords, esc, SEVERITY_SHORT, SEVERITY_WORDS, STATUS_WORDS, trendHtml } from './summary-html'

const STYLE = `${BASE_STYLE}
h1{font-size:22px;margin:14px 0 4px}.sub{color:#5a6270;margin:0 0 12px}
table{border-collapse:collapse;background:#fff;border:1px solid #dde1e7;width:100%;table-layout:fixed}
th.name-col{width:28%}
th,td{text-align:left;vertical-align:top;padding:7px 10px;border-top:1px solid #e6e9ee;font-size:14px}
thead th{background:#eef1f5;position:sticky;top:0}
thead th .sub{display:block;font-weight:400;font-size:12px;color:#5a6270;margin:0}
thead th .verdict-mini{display:block;font-size:12px;font-weight:700}
tr.severity th{background:#1d2430;color:#fff}tr.severity.data th{background:#3d5a80}
tr.severity.cost th{background:#cfd8e3;color:#1d2430}tr.severity.none th{background:#fde4e4;color:#8a1414}
tr.rule th{background:#f3f6fa;font-weight:700}
tr.rule .means{font-weight:400;font-size:13px;color:#3b4350}
td.name{width:30%}
td.cell .said{font-size:13px;margin-top:3px}td.cell .needs{font-size:12px;color:#5a6270}
td.cell.failed{background:#fff1f1}td.cell.known-issue{background:#fffaf0}td.cell.absent{color:#8a919c}
td.cell .change{font-size:12px;margin-top:3px}
td.cell .reason{font-size:12px;margin-top:3px;color:#8a1414;overflow-wrap:anywhere}
.flag{color:#9a5b00;font-weight:700}.fname{color:#5a6270}.status-change{font-weight:700;color:#8a1414}
.same{color:#8a919c}
.changes{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:10px 16px;margin-top:16px}
.changes h2{font-size:16px;margin:0 0 6px}
@media print{@page{size:A4 landscape}thead th{position:static}tr{break-inside:avoid}}
`

const ONE_RUN = '<h2>One run: nothing to compare the suite with.</h2>'

export function renderCompareHtml(c: Comparison): string {
  const cols = c.runs.length
  const head = c.runs
    .map((r) => {
      const v = r.data.verdict
      const tone = !v.ok ? '#8a1414' : r.data.counts['known-issue'] ? '#6b4a00' : '#145a22'
      const self = r.data.selfTest ? ' · self-test, not BoxLite' : ''
      const n = r.data.counts
      const counts = `${n.passed} passed, ${n.failed} failed, ${n['known-issue']} known issues`
      return (
        `<th class="run"><span>${esc(r.label)}</span><span class="sub">${esc(r.sub)}${esc(self)}</span>` +
        `<span class="verdict-mini" style="color:${tone}">${esc(v.word)}: ${counts}</span>` +
        `<span class="sub">${esc(r.source)}</span></th>`
      )
    })
    .join('')
  const body: string[] = []
  let severity: string | undefined
  for (const g of c.guarantees) {
    const sev = g.severity ?? 'none'
    if (sev !== severity) {
      severity = sev
      body.push(`<tr class="severity ${sev}"><th colspan="${cols + 1}">${esc(SEVERITY_WORDS[sev])}</th></tr>`)
    }
    const means = g.forUsers ? `<div class="means">${esc(g.forUsers)}</div>` : ''
    body.push(
      `<tr class="rule" data-severity="${sev}"><th colspan="${cols + 1}">` +
        `<span class="sev ${sev}">${esc(SEVERITY_SHORT[sev])}</span>${esc(g.rule)}${means}</th></tr>`,
    )
    for (const s of g.scenarios)
      body.push(`<tr class="scenario"><td class="name">${esc(s.name)}</td>${s.cells.map(cellHtml).join('')}</tr>`)
  }
  const changes = c.suite
    .map((s, i) => {
      const items = [
        ...s.added.map((n) => `<li>added: ${esc(n)}</li>`),
        ...s.removed.map((n) => `<li>removed: ${esc(n)}</li>`),
        ...s.thresholds.map((t) => `<li>threshold of "${esc(t.scenario)}": ${esc(t.from)} → ${esc(t.to)}</li>`),
      ]
      const list = items.length ? `<ul>${items.join('')}</ul>` : ''
      return `<h2>${esc(c.runs[i].label)} → ${esc(c.runs[i + 1].label)}: ${esc(changesWords(s))}</h2>${list}`
    })
    .join('')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>boxlite-disk-spec: ${esc(c.runs.map((r) => r.label).join(' vs '))}</title>
<style>${STYLE}</style></head><body><main>
<h1>Guarantees across ${cols} run${cols === 1 ? '' : 's'}: ${esc(c.runs.map((r) => r.label).join(', '))}</h1>
<p class="sub">Each cell: the result and its headline number; below it, what moved since the run to its left.
Times are UTC.</p>
<table id="comparison"><thead><tr><th class="name-col">Guarantee and scenario</th>${head}</tr></thead><tbody>
${body.join('\n')}
</tbody></table>
<section class="changes" id="suite-changes">${changes || ONE_RUN}</section>
</main></body></html>
`
}

function cellHtml(cell: CompareCell | undefined): string {
  if (!cell) return '<td class="cell absent">not in this run</td>'
  const said = cell.said ? `<div class="said">${esc(cell.said)}</div>` : ''
  const needs = cell.needs ? `<div class="needs">needs ${esc(cell.needs)}</div>` : ''
  const reason = cell.reason ? `<div class="reason">${esc(cell.reason.slice(0, 300))}</div>` : ''
  const change = cell.change ? `<div class="change">${trendHtml({ trend: cell.change })}</div>` : ''
  const badge = `<span class="badge s-${cell.status}">${STATUS_WORDS[cell.status]}</span>`
  return `<td class="cell ${cell.status}" data-status="${cell.status}">${badge}${reason}${said}${needs}${change}</td>`
}
