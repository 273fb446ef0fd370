/**
 * Writes the one-glance summary (summary.html, summary.md, summary.json) from any cucumber-js
 * message file: a finished run, a run that was cut short, or merged shards. Every normal run
 * writes it anyway (the summary formatter in cucumber.js); this is the same code, by hand.
 *
 *   node -r ts-node/register scripts/summary.ts --messages FILE.ndjson --out DIR
 *     [--previous SUMMARY.json|none]     the previous run's summary, for the trend (default DIR/summary.json)
 *     [--known-issues FILE|none]         default expectations/known-issues.json
 *     [--thresholds FILE]                default expectations/trend-thresholds.json
 *     [--expected-failures FILE.json]    {scenario name: why it must fail}, for a run with an injected defect
 *     [--report-href HREF]               the full cucumber report, relative to DIR (default cucumber-report.html)
 *     [--proof PROOF.json|none]          the defect proof's result for the first screen (default DIR/proof.json)
 *     [--pdf 1|0]                        also print DIR/summary.pdf (default 1, or SUMMARY_PDF)
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pdfWanted, printPdf } from '../src/report/print-pdf'
import { buildSummaryFiles, summarySettings, writeSummaryFiles, type SummaryFlags } from '../src/report/write-summary'

const FLAGS: Record<string, keyof SummaryFlags | 'messages' | 'out' | 'pdf'> = {
  '--messages': 'messages',
  '--out': 'out',
  '--previous': 'previous',
  '--known-issues': 'knownIssues',
  '--thresholds': 'thresholds',
  '--expected-failures': 'expectedFailures',
  '--report-href': 'reportHref',
  '--proof': 'proof',
  '--pdf': 'pdf',
}

function parse(argv: readonly string[]): Record<string, string> {
  const options: Record<string, string> = {}
  for (let i = 0; i < argv.length; i += 2) {
    const key = FLAGS[argv[i]]
    if (!key) throw new Error(`unknown option "${argv[i]}": use ${Object.keys(FLAGS).join(', ')}`)
    if (argv[i + 1] === undefined || argv[i + 1].startsWith('--')) throw new Error(`${argv[i]} needs a value`)
    options[key] = argv[i + 1]
  }
  for (const required of ['messages', 'out']) if (!options[required]) throw new Error(`--${required} is required`)
  return options
}

async function main(): Promise<void> {
  const { messages, out, pdf, ...flags } = parse(process.argv.slice(2))
  const ndjson = resolve(messages)
  if (!existsSync(ndjson)) throw new Error(`--messages ${ndjson} does not exist`)
  const dir = resolve(out)
  const files = buildSummaryFiles(readFileSync(ndjson, 'utf8'), summarySettings(dir, flags))
  writeSummaryFiles(dir, files)
  let printed = pdfWanted(pdf === undefined ? process.env : { SUMMARY_PDF: pdf })
  if (printed) {
    // As in the formatter: a machine without Chromium still gets the HTML, Markdown and JSON.
    await printPdf({ path: join(dir, 'summary.html') }, join(dir, 'summary.pdf')).catch((err: Error) => {
      printed = false
      console.error(`summary: summary.pdf not written: ${err.message.split('\n')[0]} (--pdf 0 turns it off)`)
    })
  }
  console.log(`summary: ${files.data.verdict.sentence}`)
  console.log(`summary: ${join(dir, 'summary.html')} (also summary.md, summary.json${printed ? ', summary.pdf' : ''})`)
}

main().catch((err: unknown) => {
  console.error(`summary: ${(err as Error).message.split('\n')[0]}`)
  process.exit(1)
})
