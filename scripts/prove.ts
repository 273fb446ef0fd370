/**
 * `npm run prove`: runs the @disk-guest suite against refbox healthy and with each injected defect,
 * compares what failed with proof/catch-matrix.json, writes proof.{html,md,json} and exits non-zero
 * on any difference. Independent runs go in parallel (PROVE_CONCURRENCY, default two per CPU core:
 * a run waits on box starts and polls about half its time).
 *
 * By default the healthy run records which refbox defect sites each scenario reaches
 * (src/refbox/sites.ts), and each defect runs only against those scenarios; the others are "not
 * affected" and count as passing (src/proof/selection.ts). A defect that changes only host files
 * runs only against @host-access scenarios, the only ones the suite lets read them
 * (src/proof/host-access.ts). PROVE_EXHAUSTIVE=1 runs every scenario against every defect instead.
 *
 *   node -r ts-node/register scripts/prove.ts [--out DIR] [--healthy-from DIR]
 *
 * --out: where proof.{html,md,json} and proof/ go (default reports/). --healthy-from: take the
 * healthy run from a suite run made with `boxlite-disk-spec run --record-sites` (`npm run test:bdd`) into
 * DIR instead of running it again (what CI, .ci/run, does after `npm test`), in either mode.
 *
 * The second half runs the suite with each benign variation of refbox on (src/refbox/variants.ts)
 * and requires every scenario to stay green (proof/variations.json; src/proof/variations.ts),
 * selected by the variation's sites like the defects. --half defects|variations|both (default
 * both) runs one half or both; with one half the healthy run is still made (or reused).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { availableParallelism } from 'node:os'
import { KNOWN_DEFECTS } from '../src/refbox/defects'
import { DEFECT_SITES, VARIANT_SITES } from '../src/refbox/sites'
import { KNOWN_VARIANTS, type VariantName } from '../src/refbox/variants'
import { readRunMessages } from '../src/report/run-messages'
import { judgeVariations, loadVariations, type VariationRun } from '../src/proof/variations'
import { compareWithMatrix, type ProofRun } from '../src/proof/compare'
import { HOST_ACCESS_TAG } from '../src/proof/host-access'
import { expectedFailures, loadMatrix, type CatchMatrix } from '../src/proof/matrix'
import { readOutcomes, readScenarios } from '../src/proof/outcomes'
import { renderHtml, renderJson, renderMarkdown, type RunLink } from '../src/proof/render'
import { mapLimit, runSuite, SCENARIO_LOG, SITE_LOG, type SuiteRunRequest } from '../src/proof/runner'
import {
  coverageByScenario,
  readJsonLines,
  selectScenarios,
  stepsEndedAt,
  type ScenarioHome,
  type SiteRecord,
} from '../src/proof/selection'
import { scenarioSeconds } from '../src/shards/plan.cjs'

const root = resolve(__dirname, '..')
const RUN_TIMEOUT_MS = 20 * 60_000

interface Finished extends ProofRun, RunLink {}

async function main(): Promise<void> {
  const concurrency = positiveInt(
    process.env.PROVE_CONCURRENCY ?? String(2 * availableParallelism()),
    'PROVE_CONCURRENCY',
  )
  const exhaustive = onOff(process.env.PROVE_EXHAUSTIVE, 'PROVE_EXHAUSTIVE')
  const reports = resolve(root, optionValue('--out') ?? 'reports')
  const proofDir = join(reports, 'proof')
  const matrix = loadMatrix(join(root, 'proof', 'catch-matrix.json'))
  const variationsFile = loadVariations(join(root, 'proof', 'variations.json'))
  const half = halfOption(optionValue('--half', 'defects, variations or both') ?? 'both')
  rmSync(proofDir, { recursive: true, force: true })
  mkdirSync(proofDir, { recursive: true })

  const started = Date.now()
  const run = async (defect: string | null, extra: Partial<SuiteRunRequest> = {}): Promise<Finished> => {
    const dir = join(proofDir, defect ?? 'healthy')
    const expected = defect ? expectedFailures(matrix, defect) : undefined
    const r = await runSuite({ root, dir, defect, timeoutMs: RUN_TIMEOUT_MS, expectedFailures: expected, ...extra })
    const failed = r.outcomes.filter((o) => o.status !== 'PASSED').length
    console.log(`prove: ${defect ?? 'healthy'}: ${failed} of ${r.outcomes.length} scenarios failed (${r.seconds} s)`)
    return {
      defect,
      outcomes: r.outcomes,
      reportHref: relative(reports, join(dir, 'cucumber-report.html')),
      seconds: r.seconds,
      scenariosRun: r.outcomes.length,
    }
  }
  const runVariant = async (variant: VariantName, names?: readonly string[]): Promise<VariationRun & RunLink> => {
    const dir = join(proofDir, `variation-${variant}`)
    const r = await runSuite({ root, dir, defect: null, variant, timeoutMs: RUN_TIMEOUT_MS, names })
    const record = existsSync(r.ndjson) ? readRunMessages(readFileSync(r.ndjson, 'utf8')) : { scenarios: [] }
    const ran = record.scenarios.filter((s) => s.status !== 'NOT_SELECTED')
    const red = ran.filter((s) => s.status !== 'PASSED').length
    console.log(`prove: variation ${variant}: ${red} of ${ran.length} scenarios did not pass (${r.seconds} s)`)
    return {
      variation: variant,
      scenarios: record.scenarios,
      notAffected: [],
      defect: null,
      reportHref: relative(reports, join(dir, 'cucumber-report.html')),
      seconds: r.seconds,
      scenariosRun: ran.length,
    }
  }
  const healthyFrom = optionValue('--healthy-from')
  const reused = healthyFrom
    ? () => reuseHealthyRun(resolve(root, healthyFrom), join(proofDir, 'healthy'), reports)
    : undefined
  const healthyRun = reused ?? (() => run(null, { parallel: concurrency, coverage: !exhaustive }))
  const finished =
    half === 'variations'
      ? [await healthyRun()]
      : exhaustive
        ? await runExhaustive(concurrency, run, reused)
        : await runSelected(concurrency, proofDir, healthyRun, run, matrix)
  const variationsStarted = Date.now()
  const variationRuns =
    half === 'defects' ? [] : await runVariations(concurrency, proofDir, exhaustive, (v, names) => runVariant(v, names))
  const variationSeconds = (Date.now() - variationsStarted) / 1000

  const scenarioList = readScenarios(join(proofDir, 'healthy', 'cucumber-messages.ndjson'))
  const result = compareWithMatrix(
    matrix,
    KNOWN_DEFECTS,
    scenarioList.map((s) => s.name),
    finished,
  )
  const variations = judgeVariations(
    variationsFile,
    half === 'defects' ? [] : KNOWN_VARIANTS,
    scenarioList.map((s) => s.name),
    variationRuns,
  )
  const input = {
    matrix,
    result,
    variations:
      half === 'defects'
        ? undefined
        : {
            file: variationsFile,
            result: variations,
            runs: variationRuns.map(({ variation, reportHref, seconds, scenariosRun }) => ({
              variation,
              reportHref,
              seconds,
              scenariosRun,
            })),
            wallSeconds: variationSeconds,
          },
    runs: finished.map(({ defect, reportHref, seconds, scenariosRun }) => ({
      defect,
      reportHref,
      seconds,
      scenariosRun,
    })),
    featureOf: new Map(scenarioList.map((s) => [s.name, s.uri])),
    wallSeconds: (Date.now() - started) / 1000,
    mode: exhaustive ? ('exhaustive' as const) : ('selected' as const),
  }
  writeFileSync(join(reports, 'proof.html'), renderHtml(input))
  writeFileSync(join(reports, 'proof.md'), renderMarkdown(input))
  writeFileSync(join(reports, 'proof.json'), renderJson(input))

  const scenarioRuns = finished.reduce((n, r) => n + r.scenariosRun, 0)
  console.log(
    `prove: ${input.mode}: ${scenarioRuns} scenario runs; wall time ${input.wallSeconds.toFixed(0)} s; report: ` +
      `${relative(root, join(reports, 'proof.html'))}`,
  )
  if (half !== 'defects')
    console.log(`prove: variations half: ${variationRuns.length} runs, wall time ${variationSeconds.toFixed(0)} s`)
  if (result.problems.length) {
    console.error(`prove: ${result.problems.length} difference(s) from the catch matrix:`)
    for (const p of result.problems) console.error(`  - ${p}`)
  }
  if (variations.problems.length) {
    console.error(`prove: ${variations.problems.length} scenario(s) did not stay green under a benign variation:`)
    for (const p of variations.problems) console.error(`  - ${p}`)
  }
  if (result.problems.length || variations.problems.length) process.exit(1)
  if (half !== 'variations')
    console.log('prove: every defect is caught exactly where the matrix says, and the healthy run passes')
  if (half !== 'defects') console.log('prove: every scenario stays green under every benign variation')
}

type RunOne = (defect: string | null, extra?: Partial<SuiteRunRequest>) => Promise<Finished>

/** The full proof: the whole suite once per defect, and healthy unless that run is reused. */
async function runExhaustive(
  concurrency: number,
  run: RunOne,
  reusedHealthy?: () => Promise<Finished>,
): Promise<Finished[]> {
  const defects: Array<string | null> = reusedHealthy ? [...KNOWN_DEFECTS] : [null, ...KNOWN_DEFECTS]
  const healthy = reusedHealthy ? 'the healthy run reused, ' : 'healthy + '
  console.log(
    `prove: exhaustive: ${defects.length} whole-suite runs (${healthy}${KNOWN_DEFECTS.length} defects), ` +
      `${concurrency} at a time`,
  )
  const reused = reusedHealthy ? [await reusedHealthy()] : []
  return [...reused, ...(await mapLimit(defects, concurrency, (d) => run(d)))]
}

/** The healthy run records the sites; each defect then runs against the scenarios that reached one. */
async function runSelected(
  concurrency: number,
  proofDir: string,
  healthyRun: () => Promise<Finished>,
  run: RunOne,
  matrix: CatchMatrix,
): Promise<Finished[]> {
  console.log(`prove: selected: healthy run first, recording which defect sites each scenario reaches`)
  const healthy = await healthyRun()
  const { ndjson, names, hostAccess, coverage } = healthyRunCoverage(proofDir)
  const plans = KNOWN_DEFECTS.map((defect) => {
    const { sites, hostFilesOnly } = DEFECT_SITES[defect]
    // The matrix's own claims always run: a site the healthy run happened to miss (a disk that went
    // read-only a moment later than usual) must not turn a claimed catch into "not affected".
    const claimed = new Set(Object.keys(matrix.defects[defect]?.caughtBy ?? {}))
    const canSee = hostFilesOnly ? hostAccess : undefined
    return { defect, ...selectScenarios(defect, sites, names, coverage, canSee, claimed) }
  })
  writeFileSync(
    join(proofDir, 'coverage.json'),
    JSON.stringify(
      {
        scenarios: Object.fromEntries(
          [...coverage].map(([s, c]) => [s, { during: [...c.during], after: [...c.after] }]),
        ),
        defects: plans,
      },
      null,
      2,
    ),
  )
  for (const p of plans) {
    const seen = DEFECT_SITES[p.defect].hostFilesOnly ? ` and may read host files (${HOST_ACCESS_TAG})` : ''
    console.log(
      `prove: ${p.defect}: ${p.run.length} of ${names.length} scenarios reach its sites ` +
        `(${DEFECT_SITES[p.defect].sites.join(', ')})${seen}`,
    )
  }

  // Longest runs first (by the healthy run's scenario times), so the last runs to finish are short.
  const seconds = new Map([...scenarioSeconds(ndjson)].map(([key, s]) => [key.split('\u0000')[1], s]))
  const cost = (names: readonly string[]) => names.reduce((sum, n) => sum + (seconds.get(n) ?? 1), 0)
  const needed = plans.filter((p) => p.run.length > 0).sort((a, b) => cost(b.run) - cost(a.run))
  const done = await mapLimit(needed, concurrency, async (p) => ({
    ...(await run(p.defect, { names: p.run })),
    notAffected: p.notAffected,
  }))
  const byDefect = new Map(done.map((f) => [f.defect, f]))
  const skipped = (p: (typeof plans)[number]): Finished => ({
    defect: p.defect,
    outcomes: [],
    notAffected: p.notAffected,
    seconds: 0,
    scenariosRun: 0,
  })
  return [healthy, ...plans.map((p) => byDefect.get(p.defect) ?? skipped(p))]
}

/**
 * The second half: each variation against the scenarios whose healthy run reached one of its sites
 * (every scenario when exhaustive, or when the healthy run recorded no sites).
 */
async function runVariations(
  concurrency: number,
  proofDir: string,
  exhaustive: boolean,
  runOne: (variant: VariantName, names?: readonly string[]) => Promise<VariationRun & RunLink>,
): Promise<Array<VariationRun & RunLink>> {
  const { ndjson, names, hostAccess, coverage, sitesRecorded } = healthyRunCoverage(proofDir)
  const recorded = !exhaustive && sitesRecorded
  const plans = KNOWN_VARIANTS.map((variant) => {
    const { sites, hostFilesOnly } = VARIANT_SITES[variant]
    const plan = recorded
      ? selectScenarios(variant, sites, names, coverage, hostFilesOnly ? hostAccess : undefined)
      : { run: names, notAffected: [] }
    console.log(
      `prove: variation ${variant}: ${plan.run.length} of ${names.length} scenarios reach its sites ` +
        `(${sites.join(', ')})`,
    )
    return { variant, ...plan }
  })
  writeFileSync(join(proofDir, 'variations-coverage.json'), JSON.stringify(plans, null, 2))
  const seconds = new Map([...scenarioSeconds(ndjson)].map(([key, s]) => [key.split('\u0000')[1], s]))
  const cost = (list: readonly string[]) => list.reduce((sum, n) => sum + (seconds.get(n) ?? 1), 0)
  const needed = plans.filter((p) => p.run.length > 0).sort((a, b) => cost(b.run) - cost(a.run))
  const done = await mapLimit(needed, concurrency, async (p) => ({
    ...(await runOne(p.variant, p.run.length === names.length ? undefined : p.run)),
    notAffected: p.notAffected,
  }))
  const byVariant = new Map(done.map((r) => [r.variation, r]))
  return plans.map(
    (p) =>
      byVariant.get(p.variant) ?? {
        variation: p.variant,
        scenarios: [],
        notAffected: p.notAffected,
        defect: null,
        seconds: 0,
        scenariosRun: 0,
      },
  )
}

function halfOption(raw: string): 'defects' | 'variations' | 'both' {
  if (raw === 'defects' || raw === 'variations' || raw === 'both') return raw
  throw new Error(`--half must be defects, variations or both, got "${raw}"`)
}

/** A suite run made with `boxlite-disk-spec run --record-sites`, copied in as the proof's healthy run. */
function reuseHealthyRun(from: string, dir: string, reports: string): Promise<Finished> {
  const needed = ['cucumber-messages.ndjson', SITE_LOG, SCENARIO_LOG]
  const missing = needed.filter((f) => !existsSync(join(from, f)))
  if (missing.length)
    throw new Error(
      `--healthy-from ${from}: ${missing.join(', ')} missing; ` +
        'make that run with npm run test:bdd (boxlite-disk-spec run --record-sites)',
    )
  mkdirSync(dir, { recursive: true })
  for (const f of [...needed, 'cucumber-report.html'])
    if (existsSync(join(from, f))) copyFileSync(join(from, f), join(dir, f))
  const outcomes = readOutcomes(join(dir, 'cucumber-messages.ndjson'))
  console.log(
    `prove: healthy: taken from ${relative(root, from) || '.'} ` +
      `(${outcomes.filter((o) => o.status !== 'PASSED').length} of ${outcomes.length} scenarios failed)`,
  )
  return Promise.resolve({
    defect: null,
    outcomes,
    reportHref: relative(reports, join(dir, 'cucumber-report.html')),
    seconds: 0,
    scenariosRun: outcomes.length,
  })
}

/** What the healthy run leaves for selection: its scenarios, which may read host files, and the sites each reached. */
function healthyRunCoverage(proofDir: string) {
  const healthyDir = join(proofDir, 'healthy')
  const ndjsonPath = join(healthyDir, 'cucumber-messages.ndjson')
  const ndjson = existsSync(ndjsonPath) ? readFileSync(ndjsonPath, 'utf8') : ''
  const scenarios = readScenarios(ndjsonPath)
  const sitesLog = join(healthyDir, SITE_LOG)
  return {
    ndjson,
    names: scenarios.map((s) => s.name),
    hostAccess: new Set(scenarios.filter((s) => s.tags.includes(HOST_ACCESS_TAG)).map((s) => s.name)),
    sitesRecorded: existsSync(sitesLog),
    coverage: coverageByScenario(
      jsonLines<ScenarioHome>(join(healthyDir, SCENARIO_LOG)),
      jsonLines<SiteRecord>(sitesLog),
      stepsEndedAt(ndjson),
    ),
  }
}

function jsonLines<T>(path: string): T[] {
  return existsSync(path) ? readJsonLines<T>(path) : []
}

function optionValue(name: string, what = 'a directory, e.g. reports/proof-run'): string | undefined {
  const i = process.argv.indexOf(name)
  if (i < 0) return undefined
  const v = process.argv[i + 1]
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs ${what}`)
  return v
}

function onOff(raw: string | undefined, what: string): boolean {
  const v = (raw ?? '').trim()
  if (v === '' || v === '0') return false
  if (v === '1') return true
  throw new Error(`${what} must be 1 (on) or 0 (off), got "${raw}"`)
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
