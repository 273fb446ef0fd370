/**
 * reports/summary.html: one self-contained page (inline CSS, charts as data URIs, no script, no
 * network) for a reader who will not expand anything: what was tested, the verdict, and one row
 * per guarantee and scenario with its status, reason, headline number and change since last run.
 */
import { factFields } from './runtime-facts'
import type { SummaryData, SummaryRow } from './summary-model'
import type { RowStatus } from './verdict'

const STATUS_WORDS: Record<RowStatus, string> = {
  passed: 'passed',
  failed: 'failed',
  'known-issue': 'known issue',
  'not-run': 'not run',
}

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.sub{color:#5a6270;margin:0 0 16px}
.verdict{font-size:18px;font-weight:600;padding:12px 16px;border-radius:8px;margin:0 0 16px}
.verdict.ok{background:#e3f5e6;color:#145a22}.verdict.bad{background:#fde4e4;color:#8a1414}.verdict.expected{background:#fff3d1;color:#5c4200}
.runtime{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:14px 18px;margin:0 0 16px}
.runtime dt{color:#5a6270}.runtime dd{margin:0;font-weight:500;overflow-wrap:anywhere}
.counts{display:flex;gap:10px;flex-wrap:wrap;margin:0 0 8px;padding:0;list-style:none}
.counts li{background:#fff;border:1px solid #dde1e7;border-radius:16px;padding:3px 12px}
.notes li{margin:4px 0}.problems li{color:#8a1414}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #dde1e7;border-radius:8px;overflow:hidden}
th,td{text-align:left;vertical-align:top;padding:9px 12px;border-top:1px solid #e6e9ee}
thead th{background:#eef1f5;font-size:13px;color:#3b4350}
tr.feature th{background:#dfe7f3;font-size:16px;padding-top:12px}
tr.rule th{background:#f3f6fa;font-weight:600;color:#2d3a4d}
tr.rule th small{font-weight:400;color:#5a6270}
td.scenario{width:34%}td.status{width:17%}td.trend{width:17%;font-size:13px}
td.scenario a{color:#1b4f9c;text-decoration:none}td.scenario a:hover{text-decoration:underline}
.badge{display:inline-block;font-weight:700;font-size:13px;border-radius:4px;padding:1px 8px}
tr.passed .badge{background:#d7f2dc;color:#145a22}
tr.failed td{background:#fff1f1}tr.failed .badge{background:#c62828;color:#fff}
tr.known-issue .badge{background:#ffe9b3;color:#6b4a00}tr.not-run .badge{background:#e4e6ea;color:#3b4350}
.reason{font-size:13px;color:#3b4350;margin-top:4px;overflow-wrap:anywhere}
tr.failed .reason{color:#8a1414}
.said{font-weight:600}.needs{color:#5a6270;font-size:13px}
.headline.failed .said{color:#8a1414}
img.chart{display:block;width:300px;margin-top:8px;border:1px solid #e6e9ee;border-radius:4px}
.flag{color:#9a5b00;font-weight:700}.fname{color:#5a6270}.flag .fname{color:#9a5b00}
.status-change{font-weight:700;color:#8a1414}.same{color:#8a919c}
footer{color:#5a6270;font-size:13px;margin-top:20px}
`

export function renderSummaryHtml(data: SummaryData, charts: ReadonlyMap<string, string>): string {
  const rt = data.runtime
  const facts = rt
    ? factFields(rt)
    : [['Runtime', 'unknown: no scenario announced it (did any scenario run?)'] as [string, string]]
  if (data.seconds !== undefined) facts.push(['Duration', `${Math.round(data.seconds)} s`])
  const c = data.counts
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(data.title)}</title><style>${STYLE}</style></head><body><main>
<h1>BoxLite guest-disk guarantees: summary</h1>
<p class="sub">${rt ? `Tested: <b>${esc(rt.description)}</b>` : 'Runtime under test: unknown'}</p>
<p class="verdict ${!data.verdict.ok ? 'bad' : c.failed || c['known-issue'] ? 'expected' : 'ok'}" id="verdict">${esc(data.verdict.sentence)}</p>
<dl class="runtime" id="runtime">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
<ul class="counts" id="counts"><li>${c.passed} passed</li><li>${c.failed} failed</li><li>${c['known-issue']} known issues</li><li>${c['not-run']} not run</li></ul>
${notes(data)}
<h2>Guarantees</h2>
<table id="guarantees"><thead><tr><th>Guarantee and scenario (links open it in the full report)</th><th>Status</th><th>Measured, and what it needs</th><th>Since the previous run</th></tr></thead>
<tbody>${body(data, charts)}</tbody></table>
<footer>Full detail, every runtime call and every number: <a href="${esc(data.rows[0]?.reportHref.split('#')[0] ?? 'cucumber-report.html')}">the cucumber report</a>.
This page is written from the run's messages (a cucumber formatter, or scripts/summary.ts); its data is in summary.json.</footer>
</main></body></html>
`
}

function notes(data: SummaryData): string {
  const items: string[] = []
  for (const m of data.mixedRuntimes) items.push(`<li class="problem">These results mix runtimes: ${esc(m)}</li>`)
  for (const k of data.knownIssues.applicable) {
    items.push(
      `<li>Known issue of this runtime version: ${esc(k.reason)} <a href="${esc(k.link)}">upstream</a> (${k.scenarios.length} scenarios)</li>`,
    )
  }
  if (data.previous) {
    const p = data.previous
    const flagged = p.flagged
      ? `<span class="flag">${p.flagged} number${p.flagged === 1 ? '' : 's'} moved past their thresholds (⚠)</span>`
      : 'no number moved past its threshold'
    items.push(
      `<li>Compared with the previous run (${esc(p.runtime ?? 'runtime unknown')}${p.startedAt ? `, ${esc(p.startedAt.slice(0, 16).replace('T', ' '))} UTC` : ''}): ${flagged}.</li>`,
    )
  } else {
    items.push('<li>No previous run to compare with (PREVIOUS_SUMMARY, or --previous, names its summary.json).</li>')
  }
  const problems = data.verdict.problems.map((p) => `<li>${esc(p)}</li>`).join('')
  return `<ul class="notes" id="notes">${items.join('')}</ul>${problems ? `<h2>Problems that fail this run</h2><ul class="problems" id="problems">${problems}</ul>` : ''}`
}

function body(data: SummaryData, charts: ReadonlyMap<string, string>): string {
  const out: string[] = []
  let feature = ''
  let rule = ''
  for (const row of data.rows) {
    if (row.feature !== feature) {
      feature = row.feature
      rule = ''
      out.push(`<tr class="feature"><th colspan="4">${esc(feature)}</th></tr>`)
    }
    if (row.rule !== rule) {
      rule = row.rule
      if (rule !== feature)
        out.push(`<tr class="rule"><th colspan="4"><small>Guarantee:</small> ${esc(rule)}</th></tr>`)
    }
    out.push(rowHtml(row, charts.get(`${row.uri}\0${row.name}`)))
  }
  return out.join('\n')
}

function rowHtml(row: SummaryRow, chart: string | undefined): string {
  const reason = row.reason
    ? `<div class="reason">${esc(row.reason)}${row.link ? ` <a href="${esc(row.link)}">upstream</a>` : ''}</div>`
    : ''
  const h = row.headline
  const measured = h
    ? `<div class="headline ${h.passed ? 'passed' : 'failed'}"><div class="said">${esc(h.said)}</div>${h.needs ? `<div class="needs">needs ${esc(h.needs)}</div>` : ''}</div>`
    : '<div class="needs">no number measured</div>'
  const img = chart
    ? `<img class="chart" alt="host disk footprint of: ${esc(row.name)}" src="data:image/svg+xml;base64,${chart}">`
    : ''
  return `<tr class="row ${row.status}" data-status="${row.status}">
<td class="scenario"><a href="${esc(row.reportHref)}">${esc(row.name)}</a></td>
<td class="status"><span class="badge">${STATUS_WORDS[row.status]}</span>${reason}</td>
<td class="measured">${measured}${img}</td>
<td class="trend">${trendHtml(row)}</td></tr>`
}

function trendHtml(row: SummaryRow): string {
  const t = row.trend
  if (!t) return ''
  const parts = t.status ? [`<div class="status-change">${esc(t.status)}</div>`] : []
  for (const c of t.changes) {
    const values = `<span class="fname">${esc(c.name)}</span> ${esc(c.from)} → ${esc(c.to)}`
    parts.push(
      c.flagged
        ? `<div class="flag" title="moved past its threshold (expectations/trend-thresholds.json)">⚠ ${values}</div>`
        : `<div>${values}</div>`,
    )
  }
  return parts.join('') || '<span class="same">no change</span>'
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}
