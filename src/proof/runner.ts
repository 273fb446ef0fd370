/**
 * One cucumber-js run of the @disk-guest suite against refbox for the proof, into its own report
 * folder: healthy or with one defect, all scenarios or a chosen few, optionally recording which
 * defect sites each scenario reached. Never throws on a failing suite.
 */
import { spawn } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SITE_LOG_ENV } from '../refbox/sites'
import { readOutcomes, type ScenarioOutcome } from './outcomes'
import { SCENARIO_LOG_ENV } from './selection'

export interface SuiteRunRequest {
  /** The project root (where cucumber.js lives). */
  readonly root: string
  /** Report folder of this run. */
  readonly dir: string
  readonly defect: string | null
  /** A benign variation to switch on (REFBOX_VARIANTS) instead of a defect. */
  readonly variant?: string
  /** Only these scenarios (exact names); all when absent. */
  readonly names?: readonly string[]
  /** cucumber-js `--parallel`; serial when absent. */
  readonly parallel?: number
  /** Record defect-site coverage into `sites.ndjson` and `scenarios.ndjson` of the run's folder. */
  readonly coverage?: boolean
  /** The scenarios the catch matrix expects to fail, and why: the run's summary shows them in red with that reason. */
  readonly expectedFailures?: Record<string, string>
  readonly timeoutMs: number
}

interface SuiteRunResult {
  readonly outcomes: ScenarioOutcome[]
  readonly seconds: number
  readonly ndjson: string
}

export const SITE_LOG = 'sites.ndjson'
export const SCENARIO_LOG = 'scenarios.ndjson'

/** A `--name` pattern that matches exactly this scenario name. */
function exactName(name: string): string {
  return `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`
}

export async function runSuite(req: SuiteRunRequest): Promise<SuiteRunResult> {
  mkdirSync(req.dir, { recursive: true })
  const log = createWriteStream(join(req.dir, 'console.log'))
  const t0 = Date.now()
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REPORTS_DIR: req.dir,
    REFBOX_DEFECTS: req.defect ?? '',
    REFBOX_VARIANTS: req.variant ?? '',
    PROOF_EXPECTED_FAILURES: 'none',
  }
  if (req.expectedFailures) {
    env.PROOF_EXPECTED_FAILURES = join(req.dir, 'expected-failures.json')
    writeFileSync(env.PROOF_EXPECTED_FAILURES, JSON.stringify(req.expectedFailures, null, 2))
  }
  delete env[SITE_LOG_ENV]
  delete env[SCENARIO_LOG_ENV]
  if (req.coverage) {
    env[SITE_LOG_ENV] = join(req.dir, SITE_LOG)
    env[SCENARIO_LOG_ENV] = join(req.dir, SCENARIO_LOG)
  }
  const args = ['--profile', 'reference', '--tags', '@disk-guest']
  if (req.parallel && req.parallel > 1) args.push('--parallel', String(req.parallel))
  for (const name of req.names ?? []) args.push('--name', exactName(name))
  const child = spawn(join(req.root, 'node_modules', '.bin', 'cucumber-js'), args, {
    cwd: req.root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  const timer = setTimeout(() => child.kill('SIGINT'), req.timeoutMs)
  await new Promise<void>((done) => child.on('close', () => done()))
  clearTimeout(timer)
  const ndjson = join(req.dir, 'cucumber-messages.ndjson')
  return {
    outcomes: existsSync(ndjson) ? readOutcomes(ndjson) : [],
    seconds: Math.round((Date.now() - t0) / 1000),
    ndjson,
  }
}

/** Runs `fn` over `items`, at most `limit` at a time, in the given order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i], i)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
