/**
 * Benchmark (a script, not a test): the numbers that matter to a user of a runtime, per runtime,
 * as the median of N fresh boxes: box start, fill throughput, inode exhaustion, reclaim latency
 * (src/bench/measure.ts). With --previous it prints each number's ratio to an earlier run's JSON.
 * It fails only when a number could not be measured.
 *
 * node -r ts-node/register scripts/bench.ts [--runtime refbox|cli]... [--repeat 3] [--previous FILE] [--out
 * reports/bench.json]
 *
 * refbox: ./bin/refbox with the offline image (as `--profile reference`). cli: the boxlite-dialect
 * binary in BOXLITE_BIN (or `boxlite` on PATH) with BOXLITE_IMAGE / BOXLITE_ROOTFS, as the suite.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release } from 'node:os'
import { dirname, resolve } from 'node:path'
import { measureOnce, median, METRICS, type Sample } from '../src/bench/measure'
import { createDriver } from '../src/drivers/select'
import { findLeftovers } from '../src/host/leftovers'
import { loadSettings, type WorldParameters } from '../src/settings'
import { newScenarioDirs, removeSuiteDirectory, sweepOrphanedRuns, sweepRunDirectory } from '../src/homes'

const root = resolve(__dirname, '..')
const RUNTIMES = ['refbox', 'cli'] as const
type Runtime = (typeof RUNTIMES)[number]

interface RuntimeResult {
  readonly bin: string
  readonly samples: Sample[]
  readonly median: Partial<Record<keyof Sample, number>>
}

interface BenchFile {
  readonly date: string
  readonly host: { readonly cpus: number; readonly loadAverage: number[]; readonly kernel: string }
  readonly repeat: number
  readonly runtimes: Partial<Record<Runtime, RuntimeResult>>
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  await sweepOrphanedRuns()
  const loadBefore = loadavg().map((l) => Number(l.toFixed(2)))
  const result: BenchFile = {
    date: new Date().toISOString(),
    host: { cpus: cpus().length, loadAverage: loadBefore, kernel: release() },
    repeat: args.repeat,
    runtimes: {},
  }
  for (const runtime of args.runtimes) result.runtimes[runtime] = await benchRuntime(runtime, args.repeat)
  sweepRunDirectory(new Set())
  mkdirSync(dirname(args.out), { recursive: true })
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`)
  const previous = args.previous ? (JSON.parse(readFileSync(args.previous, 'utf8')) as BenchFile) : undefined
  console.log(
    `\nbench: ${result.host.cpus} CPUs, load average ${loadBefore.join(' ')} at the start; median of ${args.repeat} ` +
      `boxes${previous ? `; ratio = now / ${args.previous} (${previous.date})` : ''}`,
  )
  for (const [runtime, r] of Object.entries(result.runtimes) as Array<[Runtime, RuntimeResult]>) {
    console.log(`\n${runtime} (${r.bin})`)
    for (const m of METRICS) {
      const now = r.median[m.key]
      if (now === undefined) {
        console.log(`  ${m.label.padEnd(48)} not measured (no host access to the disk file)`)
        continue
      }
      const before = previous?.runtimes[runtime]?.median[m.key]
      const ratio = before
        ? `  ${(now / before).toFixed(2)}x of ${fmt(before)} ${m.unit} ` +
          `(${(m.better === 'lower' ? now <= before : now >= before) ? 'better or equal' : 'worse'})`
        : ''
      const samples = r.samples.map((s) => fmt(s[m.key])).join(' ')
      console.log(`  ${m.label.padEnd(48)} ${`${fmt(now)} ${m.unit}`.padEnd(14)} [${samples}]${ratio}`)
    }
  }
  console.log(`\nbench: saved ${args.out}`)
}

async function benchRuntime(runtime: Runtime, repeat: number): Promise<RuntimeResult> {
  // cucumber.js is CommonJS configuration, read here as cucumber reads it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const profiles = require(resolve(root, 'cucumber.js')) as { reference: { worldParameters: WorldParameters } }
  const params: WorldParameters = runtime === 'refbox' ? profiles.reference.worldParameters : { driver: 'cli' }
  const settings = loadSettings(params, process.env, root)
  const { image, rootfs, memoryMib, diskSizeGb } = settings.box
  const samples: Sample[] = []
  for (let i = 1; i <= repeat; i++) {
    const dirs = newScenarioDirs(`bench-${runtime}-${i}`, settings.driver)
    const driver = createDriver(settings.driver, dirs.home)
    const boxes: string[] = []
    try {
      const spec = { image, rootfs, memoryMib, diskSizeGb, name: `bench-${i}`, command: ['sleep', '600'] }
      const sample = await measureOnce(
        driver,
        spec,
        { limitBytes: settings.rootfsSafetyLimitBytes, clock: settings.clock },
        (id) => boxes.push(id),
      )
      samples.push(sample)
      process.stderr.write(
        `bench: ${runtime} box ${i}/${repeat}: ${METRICS.map((m) => `${m.key}=${fmt(sample[m.key])}`).join(' ')}\n`,
      )
    } finally {
      for (const id of boxes.length ? boxes : [`bench-${i}`]) await driver.remove(id, settings.clock.limit(60))
      await driver.close()
      if (findLeftovers(dirs.dir).length === 0) removeSuiteDirectory(dirs.dir)
    }
  }
  const med: Partial<Record<keyof Sample, number>> = {}
  for (const m of METRICS) {
    const values = samples.map((s) => s[m.key]).filter((v): v is number => v !== undefined)
    if (values.length === samples.length) med[m.key] = median(values)
  }
  return { bin: settings.driver.bin, samples, median: med }
}

const fmt = (v: number | undefined) =>
  v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)

function parseArgs(argv: string[]): { runtimes: Runtime[]; repeat: number; previous?: string; out: string } {
  const runtimes: Runtime[] = []
  let repeat = 3
  let previous: string | undefined
  let out = resolve(root, 'reports', 'bench.json')
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1]
    const need = (what: string) => {
      if (value === undefined) throw new Error(`${argv[i]} needs ${what}`)
      i++
      return value
    }
    if (argv[i] === '--runtime') {
      const r = need('refbox or cli')
      if (!(RUNTIMES as readonly string[]).includes(r)) throw new Error(`--runtime must be refbox or cli, got "${r}"`)
      runtimes.push(r as Runtime)
    } else if (argv[i] === '--repeat') {
      repeat = Number(need('a number of boxes'))
      if (!Number.isInteger(repeat) || repeat < 1 || repeat > 50)
        throw new Error(`--repeat must be a whole number from 1 to 50, got "${value}"`)
    } else if (argv[i] === '--previous') {
      previous = resolve(need("an earlier run's JSON file"))
      if (!existsSync(previous)) throw new Error(`--previous: ${previous} does not exist`)
    } else if (argv[i] === '--out') out = resolve(need('a file for the results (JSON)'))
    else
      throw new Error(`unknown option "${argv[i]}": use --runtime refbox|cli, --repeat N, --previous FILE, --out FILE`)
  }
  return { runtimes: runtimes.length ? runtimes : ['refbox'], repeat, previous, out }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
