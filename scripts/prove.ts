/**
 * `npm run prove`: runs the @disk-guest suite against refbox once healthy and once per injected
 * defect, compares what failed with proof/catch-matrix.json, writes reports/proof.{html,md,json}
 * and exits non-zero on any difference. Independent runs go in parallel (PROVE_CONCURRENCY, default 2).
 */
import { spawn } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { KNOWN_DEFECTS } from '../src/refbox/defects'
import { compareWithMatrix, type ProofRun } from '../src/proof/compare'
import { type CatchMatrix, expectedFailures, loadMatrix } from '../src/proof/matrix'
import { readOutcomes, readScenarios } from '../src/proof/outcomes'
import { renderHtml, renderJson, renderMarkdown, type RunLink } from '../src/proof/render'

const root = resolve(__dirname, '..')
const reports = join(root, 'reports')
const proofDir = join(reports, 'proof')
const RUN_TIMEOUT_MS = 20 * 60_000

interface Finished extends ProofRun, RunLink {}

async function main(): Promise<void> {
  const concurrency = positiveInt(process.env.PROVE_CONCURRENCY ?? '2', 'PROVE_CONCURRENCY')
  const matrix = loadMatrix(join(root, 'proof', 'catch-matrix.json'))
  const defects: Array<string | null> = [null, ...KNOWN_DEFECTS]
  rmSync(proofDir, { recursive: true, force: true })
  mkdirSync(proofDir, { recursive: true })

  const started = Date.now()
  console.log(`prove: ${defects.length} suite runs (healthy + ${KNOWN_DEFECTS.length} defects), ${concurrency} at a time`)
  const finished = await mapLimit(defects, concurrency, async (defect, i) => {
    const run = await runSuite(defect, matrix)
    const failed = run.outcomes.filter((o) => o.status !== 'PASSED').length
    console.log(
      `prove: [${i + 1}/${defects.length}] ${defect ?? 'healthy'}: ${failed} of ${run.outcomes.length} scenarios failed (${run.seconds} s)`,
    )
    return run
  })

  const healthyDir = join(proofDir, 'healthy')
  const scenarioList = readScenarios(join(healthyDir, 'cucumber-messages.ndjson'))
  const result = compareWithMatrix(
    matrix,
    KNOWN_DEFECTS,
    scenarioList.map((s) => s.name),
    finished,
  )
  const input = {
    matrix,
    result,
    runs: finished.map(({ defect, reportHref, seconds }) => ({ defect, reportHref, seconds })),
    featureOf: new Map(scenarioList.map((s) => [s.name, s.uri])),
    wallSeconds: (Date.now() - started) / 1000,
  }
  writeFileSync(join(reports, 'proof.html'), renderHtml(input))
  writeFileSync(join(reports, 'proof.md'), renderMarkdown(input))
  writeFileSync(join(reports, 'proof.json'), renderJson(input))

  console.log(`prove: wall time ${input.wallSeconds.toFixed(0)} s; report: reports/proof.html`)
  if (result.problems.length) {
    console.error(`prove: ${result.problems.length} difference(s) from the catch matrix:`)
    for (const p of result.problems) console.error(`  - ${p}`)
    process.exit(1)
  }
  console.log('prove: every defect is caught exactly where the matrix says, and the healthy run passes')
}

/** One whole suite run into its own report folder; never throws on a failing suite. */
async function runSuite(defect: string | null, matrix: CatchMatrix): Promise<Finished> {
  const name = defect ?? 'healthy'
  const dir = join(proofDir, name)
  mkdirSync(dir, { recursive: true })
  const log = createWriteStream(join(dir, 'console.log'))
  const t0 = Date.now()
  // The run's summary shows the scenarios the matrix expects to fail in red, with the regression as the reason.
  const expected = join(dir, 'expected-failures.json')
  if (defect) writeFileSync(expected, JSON.stringify(expectedFailures(matrix, defect), null, 2))
  const env = { ...process.env, REPORTS_DIR: dir, REFBOX_DEFECTS: defect ?? '', PROOF_EXPECTED_FAILURES: defect ? expected : 'none' }
  const child = spawn(join(root, 'node_modules', '.bin', 'cucumber-js'), ['--profile', 'reference', '--tags', '@disk-guest'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  const timer = setTimeout(() => child.kill('SIGINT'), RUN_TIMEOUT_MS)
  await new Promise<void>((done) => child.on('close', () => done()))
  clearTimeout(timer)
  const ndjson = join(dir, 'cucumber-messages.ndjson')
  return {
    defect,
    outcomes: existsSync(ndjson) ? readOutcomes(ndjson) : [],
    reportHref: relative(reports, join(dir, 'cucumber-report.html')),
    seconds: Math.round((Date.now() - t0) / 1000),
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i], i)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

function positiveInt(text: string, what: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a whole number of at least 1, got "${text}"`)
  return n
}

main().catch((err: unknown) => {
  console.error(`prove: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
