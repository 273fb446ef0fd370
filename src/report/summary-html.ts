/**
 * reports/summary.html: one self-contained page (inline CSS, charts as data URIs, no script, no
 * network) for a reader who will not expand anything. Its first screen (1280x800) is the answer:
 * who was tested and the verdict in one sentence, a banner when it is only the suite's self-test
 * on refbox, the counts, the known issues and the proof's last result. Below, the guarantees in
 * the order of what they protect (host and neighbours, data, cost), each with what it means for
 * users and why its threshold, and one row per scenario with its headline number and chart.
 * Prints to A4 (summary.pdf, ./print-pdf.ts).
 */
import type { Severity } from './catalogue'
import { factFields, startedWords } from './runtime-facts'
import type { GuaranteeHeading, SummaryData, SummaryRow } from './summary-model'
import { suiteChangeCount, type SuiteChanges } from './trend'
import type { RowStatus } from './verdict'

export const STATUS_WORDS: Record<RowStatus, string> = {
  passed: 'passed',
  failed: 'failed',
  'known-issue': 'known issue',
  'not-run': 'not run',
}

export const SEVERITY_WORDS: Record<Severity | 'none', string> = {
  'host-and-neighbours': 'Protects the host and the boxes next to it',
  data: "Protects the box's data",
  cost: 'Protects against cost: disk space the host never gets back',
  none: 'No severity recorded (missing from the guarantee catalogue)',
}

export const SEVERITY_SHORT: Record<Severity | 'none', string> = {
  'host-and-neighbours': 'host & neighbours',
  data: 'data',
  cost: 'cost',
  none: 'no severity recorded',
}

/** Shared by the summary and the comparison page. */
export const BASE_STYLE = `
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
main{max-width:1240px;margin:0 auto;padding:16px 24px 48px}
a{color:#1b4f9c}
.selftest{background:#5b2a86;color:#fff;padding:10px 24px;font-size:17px;font-weight:700;letter-spacing:.01em}
.selftest small{display:block;font-weight:400;font-size:14px;opacity:.92}
.verdict{
  font-size:22px;line-height:1.3;font-weight:600;padding:14px 18px;border-radius:8px;margin:12px 0 12px;
  border-left:8px solid;
}
.verdict .word{font-weight:800;text-transform:uppercase;letter-spacing:.02em}
.verdict.ok{background:#e3f5e6;color:#145a22;border-color:#2e9b4e}
.verdict.bad{background:#fde4e4;color:#8a1414;border-color:#c62828}
.verdict.expected{background:#fff3d1;color:#5c4200;border-color:#d9a400}
.badge{display:inline-block;font-weight:700;font-size:13px;border-radius:4px;padding:1px 8px;white-space:nowrap}
.sev{
  display:inline-block;font-size:12px;font-weight:700;border-radius:10px;padding:1px 9px;margin-right:8px;
  white-space:nowrap;vertical-align:2px;
}
.sev.host-and-neighbours{background:#1d2430;color:#fff}.sev.data{background:#3d5a80;color:#fff}
.sev.cost{background:#cfd8e3;color:#1d2430}.sev.none{background:#fff;color:#8a1414;border:1px dashed #8a1414}
.s-passed{background:#d7f2dc;color:#145a22}.s-failed{background:#c62828;color:#fff}
.s-known-issue{background:#ffe9b3;color:#6b4a00}.s-not-run{background:#e4e6ea;color:#3b4350}
@media print{
  @page{size:A4;margin:12mm 11mm}
  body{background:#fff;font-size:11.5pt}
  main{max-width:none;padding:0}
  .selftest,.verdict,.badge,.sev,tr.severity th,tr.rule th,tr.failed td{
    -webkit-print-color-adjust:exact;print-color-adjust:exact;
  }
  .lightbox,.noprint{display:none!important}
  a{color:inherit;text-decoration:none}
}
`

const STYLE = `${BASE_STYLE}
.tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin:0 0 10px}
.tile{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:10px 14px;font-size:14px}
.tile h2{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:#5a6270;margin:0 0 4px}
.tile .big{font-size:20px;font-weight:700}
.tile ul{margin:0;padding-left:18px}
.counts span{display:inline-block;margin-right:10px}
.runtime{
  display:grid;grid-template-columns:max-content 1fr max-content 1fr;gap:2px 14px;background:#fff;
  border:1px solid #dde1e7;border-radius:8px;padding:8px 14px;margin:0 0 10px;font-size:13px;
}
.runtime dt{color:#5a6270}.runtime dd{margin:0;overflow-wrap:anywhere}
.problems{background:#fff;border:1px solid #e8b4b4;border-radius:8px;padding:8px 14px 8px 30px;color:#8a1414}
h2.section{font-size:18px;margin:22px 0 8px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #dde1e7}
th,td{text-align:left;vertical-align:top;padding:8px 12px;border-top:1px solid #e6e9ee}
thead th{background:#eef1f5;font-size:13px;color:#3b4350}
tr.severity th{background:#1d2430;color:#fff;font-size:15px;padding:9px 12px}
tr.severity.data th{background:#3d5a80}tr.severity.cost th{background:#cfd8e3;color:#1d2430}
tr.severity.none th{background:#fde4e4;color:#8a1414}
tr.rule th{background:#f3f6fa;font-weight:400;color:#2d3a4d;padding:10px 12px}
tr.rule .title{font-weight:700;font-size:16px}
tr.rule .means,tr.rule .why{font-size:14px;margin-top:3px}
tr.rule .means b,tr.rule .why b{color:#3b4350}
tr.rule .file{color:#5a6270;font-size:12px}
td.scenario{width:40%}td.status{width:16%}td.trend{width:16%;font-size:13px}
td.scenario a{text-decoration:none}td.scenario a:hover{text-decoration:underline}
.reason{font-size:13px;color:#3b4350;margin-top:4px;overflow-wrap:anywhere}
tr.failed td{background:#fff1f1}tr.failed .reason{color:#8a1414}
.said{font-weight:600}.needs{color:#3b4350;font-size:13px}
.headline.failed .said{color:#8a1414}
details.more{font-size:12px;color:#5a6270;margin-top:4px}details.more code{overflow-wrap:anywhere}
tr.chart-row td{border-top:0;padding:0 12px 12px}
a.chart-link{display:inline-block;cursor:zoom-in}
img.chart{display:block;width:720px;max-width:100%;height:auto;border:1px solid #e6e9ee;border-radius:4px}
.lightbox{
  display:none;position:fixed;inset:0;background:rgba(20,24,32,.82);z-index:10;align-items:center;
  justify-content:center;
}
.lightbox:target{display:flex}
.lightbox img{width:min(96vw,1500px);max-height:94vh;background:#fff;border-radius:6px}
.lightbox a{display:contents;cursor:zoom-out}
.flag{color:#9a5b00;font-weight:700}.fname{color:#5a6270}.flag .fname{color:#9a5b00}
.status-change{font-weight:700;color:#8a1414}.same{color:#8a919c}
footer{color:#5a6270;font-size:13px;margin-top:20px}
@media print{
  .tiles{grid-template-columns:repeat(2,1fr)}
  .runtime{grid-template-columns:max-content 1fr}
  tr{break-inside:avoid}tr.rule,tr.severity{break-after:avoid}
  img.chart{width:100%;max-width:170mm}
  td.trend,th.trend{display:none}
}
`

export function renderSummaryHtml(data: SummaryData, charts: ReadonlyMap<string, string>): string {
  const rt = data.runtime
  const facts = rt
    ? factFields(rt)
    : [['Runtime', 'unknown: no scenario announced it (did any scenario run?)'] as [string, string]]
  if (data.seconds !== undefined) facts.push(['Duration', `${Math.round(data.seconds)} s`])
  const tone = !data.verdict.ok ? 'bad' : data.counts.failed || data.counts['known-issue'] ? 'expected' : 'ok'
  const sentence = data.verdict.sentence.startsWith(data.verdict.word)
    ? `<span class="word">${esc(data.verdict.word)}</span>${esc(data.verdict.sentence.slice(data.verdict.word.length))}`
    : esc(data.verdict.sentence)
  const lightboxes: string[] = []
  const fullReport = data.rows[0]?.reportHref.split('#')[0] ?? 'cucumber-report.html'
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(data.title)}</title><style>${STYLE}</style></head><body>
${data.selfTest ? selfTestBanner() : ''}<main>
<p class="verdict ${tone}" id="verdict">${sentence}</p>
${tiles(data)}
<dl class="runtime" id="runtime">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
${problems(data)}
<h2 class="section" id="guarantees-heading">Guarantees, most important first</h2>
<table id="guarantees"><thead><tr><th>Guarantee and scenario (links open it in the full report)</th>
<th>Result</th><th>Measured, and what it needs</th><th class="trend">Since the previous run</th></tr></thead>
<tbody>${body(data, charts, lightboxes)}</tbody></table>
<footer>Every runtime call and every number: <a href="${esc(fullReport)}">the full report</a>.
Times are UTC. Words such as qcow2, inode and discard are explained in docs/glossary.md of the suite.
This page is written from the run's messages (a cucumber formatter, or scripts/summary.ts);
its data is in summary.json.</footer>
</main>
${lightboxes.join('\n')}
</body></html>
`
}

function selfTestBanner(): string {
  return `<div class="selftest" id="selftest">Self-test on the reference runtime, not a BoxLite result
<small>refbox runs these checks on BoxLite's disk stack without a VM, to show that the suite itself works.
It says nothing about any BoxLite release.</small></div>`
}

function tiles(data: SummaryData): string {
  const c = data.counts
  const known = `${c['known-issue']} known issue${c['known-issue'] === 1 ? '' : 's'}`
  const counts =
    `<div class="tile" id="counts"><h2>Scenarios</h2>` +
    `<div class="big counts"><span>${c.passed} passed</span><span>${c.failed} failed</span></div>` +
    `${known} · ${c['not-run']} not run</div>`
  const issue = (k: SummaryData['knownIssues']['applicable'][number]) =>
    `<li>${esc(k.reason)} (${k.scenarios.length} scenarios, <a href="${esc(k.link)}">tracked upstream</a>)</li>`
  const rt = data.runtime
  const issues = data.knownIssues.applicable.length
    ? `<ul>${data.knownIssues.applicable.map(issue).join('')}</ul>`
    : `<div class="big">none</div>${rt ? `for ${esc(rt.runtime)} ${esc(rt.version)}` : ''}`
  const p = data.proof
  const missed = p?.missed.length ? ` (missed: ${esc(p.missed.join(', '))})` : ''
  const proofLink = p?.href ? `<a href="${esc(p.href)}">the proof</a>` : 'the proof'
  const proof = p
    ? `<div class="big">${p.caught} of ${p.injected}</div>` +
      `This suite's checks catch ${p.caught} of ${p.injected} injected faults${missed}` +
      (p.variations ? ` and stay green on ${p.variations.green} of ${p.variations.total} correct variations` : '') +
      `; ${proofLink} ran ${esc(startedWords(p.writtenAt))}.`
    : '<div class="big">not beside this report</div>' +
      '<code>npm run prove</code> injects faults into refbox and checks that each is caught.'
  return `<section class="tiles">${counts}
<div class="tile" id="known-issues"><h2>Known issues</h2>${issues}</div>
<div class="tile" id="proof"><h2>Proof the checks work</h2>${proof}</div>
<div class="tile" id="previous"><h2>Since the previous run</h2>${previous(data)}</div></section>`
}

function previous(data: SummaryData): string {
  const p = data.previous
  if (!p) return '<div class="big">no previous run</div>PREVIOUS_SUMMARY names one.'
  const flagged = p.flagged
    ? `<span class="flag">${p.flagged} number${p.flagged === 1 ? '' : 's'} moved past their thresholds (⚠)</span>`
    : 'no number moved past its threshold'
  const changed = changesWords(p.suite)
  const when = p.startedAt ? `, ${esc(startedWords(p.startedAt))}` : ''
  const against = esc(p.runtime ?? 'a run of unknown runtime')
  return `${flagged}; ${esc(changed)}.<br><small>Compared with ${against}${when}.</small>`
}

/** "the suite: 1 scenario added, 2 thresholds changed" or "the suite is unchanged". */
export function changesWords(s: SuiteChanges): string {
  if (suiteChangeCount(s) === 0) return 'the suite is unchanged'
  const n = (k: number, what: string, verb: string) => (k ? [`${k} ${what}${k === 1 ? '' : 's'} ${verb}`] : [])
  const parts = [
    ...n(s.added.length, 'scenario', 'added'),
    ...n(s.removed.length, 'scenario', 'removed'),
    ...n(s.thresholds.length, 'threshold', 'changed'),
  ]
  return `the suite: ${parts.join(', ')}`
}

function problems(data: SummaryData): string {
  const items = [...data.mixedRuntimes.map((m) => `These results mix runtimes: ${m}`), ...data.verdict.problems].map(
    (p) => `<li>${esc(p)}</li>`,
  )
  return items.length ? `<ul class="problems" id="problems">${items.join('')}</ul>` : ''
}

function body(data: SummaryData, charts: ReadonlyMap<string, string>, lightboxes: string[]): string {
  const out: string[] = []
  let severity: string | undefined
  let rule: string | undefined
  const headingOf = new Map(data.guarantees.map((g) => [g.rule, g]))
  for (const row of data.rows) {
    const g = headingOf.get(row.rule) ?? { rule: row.rule, feature: row.feature }
    const sev = g.severity ?? 'none'
    if (sev !== severity) {
      severity = sev
      rule = undefined
      out.push(`<tr class="severity ${sev}"><th colspan="4">${esc(SEVERITY_WORDS[sev])}</th></tr>`)
    }
    if (row.rule !== rule) {
      rule = row.rule
      out.push(guaranteeRow(g, row.uri))
    }
    const chart = charts.get(`${row.uri}\0${row.name}`)
    out.push(rowHtml(row))
    if (chart) {
      const id = `chart-${lightboxes.length + 1}`
      const img = `<img class="chart" alt="chart: ${esc(row.name)}" src="data:image/svg+xml;base64,${chart}">`
      out.push(
        `<tr class="chart-row"><td colspan="4">` +
          `<a class="chart-link" href="#${id}" title="click to enlarge">${img}</a></td></tr>`,
      )
      lightboxes.push(`<div class="lightbox" id="${id}"><a href="#_" title="close">${img}</a></div>`)
    }
  }
  return out.join('\n')
}

function guaranteeRow(g: GuaranteeHeading, uri: string): string {
  const sev = g.severity ?? 'none'
  const file = uri.split('/').pop() ?? uri
  const means = g.forUsers ? `<div class="means"><b>What this means for users:</b> ${esc(g.forUsers)}</div>` : ''
  const why = g.whyThreshold ? `<div class="why"><b>Why this threshold:</b> ${esc(g.whyThreshold)}</div>` : ''
  return (
    `<tr class="rule" data-severity="${sev}" data-order="${g.order ?? ''}"><th colspan="4">` +
    `<span class="sev ${sev}">${esc(SEVERITY_SHORT[sev])}</span><span class="title">${esc(g.rule)}</span> ` +
    `<span class="file">${esc(file)}</span>${means}${why}</th></tr>`
  )
}

function rowHtml(row: SummaryRow): string {
  const reason = row.reason
    ? `<div class="reason">${esc(row.reason)}${row.link ? ` <a href="${esc(row.link)}">upstream</a>` : ''}</div>`
    : ''
  const h = row.headline
  const needs = h?.needs ? `<div class="needs">needs ${esc(h.needs)}</div>` : ''
  const measured = h
    ? `<div class="headline ${h.passed ? 'passed' : 'failed'}"><div class="said">${esc(h.said)}</div>${needs}</div>`
    : '<div class="needs">no number measured</div>'
  const details = row.details?.length
    ? `<details class="more"><summary>details</summary>` +
      `${row.details.map((d) => `<div><code>${esc(d)}</code></div>`).join('')}</details>`
    : ''
  const data = `data-status="${row.status}" data-severity="${row.severity ?? 'none'}" data-order="${row.order ?? ''}"`
  return `<tr class="row ${row.status}" ${data}>
<td class="scenario"><a href="${esc(row.reportHref)}">${esc(row.name)}</a></td>
<td class="status"><span class="badge s-${row.status}">${STATUS_WORDS[row.status]}</span>${reason}</td>
<td class="measured">${measured}${details}</td>
<td class="trend">${trendHtml(row)}</td></tr>`
}

export function trendHtml(row: Pick<SummaryRow, 'trend'>): string {
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

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}
