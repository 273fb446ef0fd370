/**
 * Writes summary.html, summary.md and summary.json from a run's messages: what the summary
 * formatter does after every run and what scripts/summary.ts does for any message file.
 * Settings (flags of scripts/summary.ts override them):
 *   KNOWN_ISSUES             known issues file (default expectations/known-issues.json; `none`)
 *   PREVIOUS_SUMMARY         the previous run's summary.json for the trend (default: the one in the
 *                            output directory, read before it is replaced; `none`)
 *   TREND_THRESHOLDS         default expectations/trend-thresholds.json
 *   PROOF_EXPECTED_FAILURES  JSON {scenario name: why it must fail} of a run with an injected defect
 *   PROOF_RESULT             the defect proof's proof.json, quoted on the first screen (default: the
 *                            one in the output directory, which `npm run prove` writes; `none`)
 *   SUMMARY_PDF              0: no summary.pdf (default 1; needs Chromium, see ./print-pdf.ts)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { loadKnownIssues } from './known-issues'
import { readProof, type ProofSummary } from './proof-result'
import { readRunMessages } from './run-messages'
import { renderSummaryHtml } from './summary-html'
import { renderSummaryMarkdown } from './summary-md'
import { buildSummary, SUMMARY_SCHEMA, type SummaryData, type SummaryInput } from './summary-model'
import { loadThresholds, NO_THRESHOLDS } from './trend'
import { judgeScenarios } from './verdict'

const EXPECTATIONS = resolve(__dirname, '..', '..', 'expectations')

interface SummarySettings {
  readonly knownIssues?: string
  readonly thresholds?: string
  readonly expectedFailures?: string
  readonly reportHref?: string
  readonly previous?: SummaryInput['previous']
  readonly proof?: ProofSummary
}

export interface SummaryFlags {
  readonly knownIssues?: string
  readonly previous?: string
  readonly thresholds?: string
  readonly expectedFailures?: string
  readonly reportHref?: string
  readonly proof?: string
}

/** Flags first, then the environment, then the defaults; `none` turns a file off. Reads the previous summary now. */
export function summarySettings(
  outDir: string,
  flags: SummaryFlags = {},
  env: NodeJS.ProcessEnv = process.env,
): SummarySettings {
  const pick = (flag: string | undefined, variable: string | undefined, fallback: string | undefined) => {
    const chosen = flag ?? variable ?? fallback
    return chosen === undefined || chosen === 'none' || chosen === '' ? undefined : resolve(chosen)
  }
  const previousPath = pick(flags.previous, env.PREVIOUS_SUMMARY, join(outDir, 'summary.json'))
  const proofPath = pick(flags.proof, env.PROOF_RESULT, join(outDir, 'proof.json'))
  return {
    knownIssues: pick(flags.knownIssues, env.KNOWN_ISSUES, join(EXPECTATIONS, 'known-issues.json')),
    thresholds: pick(flags.thresholds, env.TREND_THRESHOLDS, join(EXPECTATIONS, 'trend-thresholds.json')),
    expectedFailures: pick(flags.expectedFailures, env.PROOF_EXPECTED_FAILURES, undefined),
    reportHref: flags.reportHref,
    previous: previousPath ? readPrevious(previousPath) : undefined,
    proof: proofPath ? readProof(proofPath, resolve(outDir)) : undefined,
  }
}

/** A previous summary.json; none when the file is missing (a first run) or is not a summary. */
export function readPrevious(path: string): SummaryInput['previous'] {
  if (!existsSync(path)) return undefined
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as SummaryData
    return data.schema === SUMMARY_SCHEMA && Array.isArray(data.rows) ? { data, source: path } : undefined
  } catch {
    return undefined
  }
}

interface SummaryFiles {
  readonly data: SummaryData
  readonly html: string
  readonly markdown: string
  readonly json: string
}

export function buildSummaryFiles(ndjson: string, s: SummarySettings): SummaryFiles {
  const run = readRunMessages(ndjson)
  const expectedFailures = s.expectedFailures
    ? (JSON.parse(readFileSync(s.expectedFailures, 'utf8')) as Record<string, string>)
    : undefined
  const knownIssues = s.knownIssues ? loadKnownIssues(s.knownIssues) : []
  const judgement = judgeScenarios(run, { knownIssues, knownIssuesSource: s.knownIssues, expectedFailures })
  const data = buildSummary({
    run,
    judgement,
    knownIssuesSource: s.knownIssues,
    previous: s.previous,
    thresholds: s.thresholds ? loadThresholds(s.thresholds) : NO_THRESHOLDS,
    reportHref: s.reportHref,
    injectedDefect: expectedFailures !== undefined,
    proof: s.proof,
  })
  // The last chart of a scenario holds every measurement of its disk.
  const charts = new Map(
    run.scenarios.filter((r) => r.charts.length).map((r) => [`${r.uri}\0${r.name}`, r.charts.at(-1)!]),
  )
  return {
    data,
    html: renderSummaryHtml(data, charts),
    markdown: renderSummaryMarkdown(data),
    json: `${JSON.stringify(data, null, 2)}\n`,
  }
}

/**
 * Writes the three files into outDir (summary.html unless `html` is false: a formatter writes it to its own stream).
 */
export function writeSummaryFiles(outDir: string, files: SummaryFiles, html = true): void {
  mkdirSync(outDir, { recursive: true })
  if (html) writeFileSync(join(outDir, 'summary.html'), files.html)
  writeFileSync(join(outDir, 'summary.md'), files.markdown)
  writeFileSync(join(outDir, 'summary.json'), files.json)
}
