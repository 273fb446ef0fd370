/** reports/summary.md: the summary's Markdown twin, sized for a CI job summary ($GITHUB_STEP_SUMMARY). */
import { factFields, startedWords } from './runtime-facts'
import { SEVERITY_WORDS } from './summary-html'
import type { SummaryData, SummaryRow } from './summary-model'
import type { RowStatus } from './verdict'

const ICON: Record<RowStatus, string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  'known-issue': '⚠️ known issue',
  'not-run': '⏭️ not run',
}

export function renderSummaryMarkdown(data: SummaryData): string {
  const lines = [`## ${data.title}`, '']
  if (data.selfTest) lines.push('> **Self-test on the reference runtime, not a BoxLite result**', '')
  lines.push(`**${data.verdict.sentence}**`, '')
  if (data.proof)
    lines.push(
      `This suite's checks catch ${data.proof.caught} of ${data.proof.injected} injected faults ` +
        `(proof of ${startedWords(data.proof.writtenAt)}).`,
      '',
    )
  lines.push('| | |', '|---|---|')
  for (const [k, v] of data.runtime ? factFields(data.runtime) : [['Runtime', 'unknown (no scenario announced it)']])
    lines.push(`| ${k} | ${cell(v)} |`)
  for (const m of data.mixedRuntimes) lines.push(`| ⚠️ Mixed runtimes | ${cell(m)} |`)
  lines.push('')
  for (const k of data.knownIssues.applicable)
    lines.push(`- Known issue of this runtime version: ${k.reason} ([upstream](${k.link}))`)
  if (data.previous)
    lines.push(
      `- Compared with the previous run (${data.previous.runtime ?? 'runtime unknown'}): ${data.previous.flagged} ` +
        `number(s) moved past their thresholds.`,
    )
  if (data.verdict.problems.length) {
    lines.push('', '### Problems that fail this run', '')
    for (const p of data.verdict.problems) lines.push(`- ${p}`)
  }
  // Rows come in severity order (host and neighbours, data, cost, then rules the catalogue lacks).
  let severity: string | undefined
  for (const row of data.rows) {
    const sev = row.severity ?? 'none'
    if (sev !== severity) {
      severity = sev
      lines.push(
        '',
        `### ${SEVERITY_WORDS[sev]}`,
        '',
        '| Guarantee / scenario | Status | Measured | Needs | Since the previous run |',
        '|---|---|---|---|---|',
      )
    }
    lines.push(rowMarkdown(row))
  }
  return `${lines.join('\n')}\n`
}

function rowMarkdown(row: SummaryRow): string {
  const scenario = row.rule !== row.feature ? `${row.rule}: *${row.name}*` : `*${row.name}*`
  const status = `${ICON[row.status]}${row.reason ? `: ${row.reason}` : ''}`
  const trend = [row.trend?.status, ...(row.trend?.changes ?? []).map((c) => `${c.flagged ? '⚠️ ' : ''}${c.text}`)]
    .filter(Boolean)
    .join('; ')
  const cells = [scenario, status, row.headline?.said ?? '', row.headline?.needs ?? '', trend].map(cell)
  return `| ${cells.join(' | ')} |`
}

function cell(text: string): string {
  return text
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .slice(0, 400)
}
