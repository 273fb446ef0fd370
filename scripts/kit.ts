/**
 * `boxlite-disk-spec`: the suite as one command, run from any directory (bin/boxlite-disk-spec).
 *
 *   boxlite-disk-spec [run] [--bin PATH | --sdk | --self-test] [--tags EXPR] [--name RE] [--parallel N] ...
 *   boxlite-disk-spec doctor [--bin PATH | --sdk | --self-test]
 *   boxlite-disk-spec clean [--include-kept]
 *   boxlite-disk-spec list [--tags EXPR]
 *
 * `run` runs cucumber in this process (its API, with the package's cucumber.js and the package
 * directory as cucumber's cwd); the run guard plugin (support/run-guard-plugin.cjs) judges the run from
 * its messages and sets the exit status, as for plain `npx cucumber-js`. Reports go to the caller's
 * ./reports or --reports DIR. One process: a run killed outright leaves what its
 * markers name (src/homes.ts) for the next run's sweep or `clean`, and nothing else running.
 * The repository's own `npm run test:bdd` is this command.
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { doctor, missingSelfTestTools } from './kit-doctor'
import { listFeatures } from './kit-list'
import { flag, parseCommandLine, type Parsed, usage, UsageError, value, values } from './kit-options'
import { SCENARIO_LOG, SITE_LOG } from '../src/proof/runner'
import { SCENARIO_LOG_ENV } from '../src/proof/selection'
import { SITE_LOG_ENV } from '../src/refbox/sites'
import { DURATIONS_ENV, SHARD_ENV } from '../src/shards/plan.cjs'
import { sweepOrphanedRuns, SUITE_ROOT } from '../src/homes'

const ROOT = resolve(__dirname, '..')

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(argv)
  if (parsed.help) {
    const explicit = argv.find((a) => !a.startsWith('-'))
    process.stdout.write(`${usage(explicit ? parsed.command : undefined)}\n`)
    return 0
  }
  switch (parsed.command) {
    case 'run':
      return run(parsed)
    case 'doctor':
      return doctor({ ...runtimeEnv(parsed, process.env), selfTest: flag(parsed, '--self-test') })
    case 'clean':
      return clean(flag(parsed, '--include-kept'))
    case 'list':
      return list(value(parsed, '--tags'))
  }
}

/** The environment a run or the doctor uses: the runtime named on the command line, relative paths made absolute. */
function runtimeEnv(p: Parsed, base: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv } {
  const env = { ...base }
  // The package directory is cucumber's cwd: a relative path in a setting means the caller's directory.
  for (const name of ['BOXLITE_BIN', 'BOXLITE_ROOTFS', 'REFBOX_IMAGE_DIR', 'KNOWN_ISSUES', 'PREVIOUS_SUMMARY']) {
    const v = env[name]?.trim()
    if (v && v.includes('/') && !isAbsolute(v)) env[name] = resolve(v)
  }
  const bin = value(p, '--bin')
  if (bin !== undefined) {
    const abs = resolve(bin)
    if (!existsSync(abs))
      throw new UsageError(`${p.command}: --bin "${bin}" does not exist: give the path of a boxlite-dialect binary.`)
    if (!statSync(abs).isFile() || !executable(abs))
      throw new UsageError(
        `${p.command}: --bin "${bin}" is not an executable file: give the path of a boxlite-dialect binary.`,
      )
    env.BOXLITE_DRIVER = 'cli'
    env.BOXLITE_BIN = abs
  }
  if (flag(p, '--sdk')) {
    env.BOXLITE_DRIVER = 'sdk'
    delete env.BOXLITE_BIN
  }
  return { env }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

async function run(p: Parsed): Promise<number> {
  const selfTest = flag(p, '--self-test')
  if (selfTest) {
    if (process.getuid?.() !== 0)
      throw new UsageError('run: --self-test needs root: refbox mounts disks and makes loop devices (try sudo).')
    const missing = missingSelfTestTools()
    if (missing) throw new UsageError(`run: ${missing}`)
  }
  const { env } = runtimeEnv(p, process.env)
  const reports = resolve(value(p, '--reports') ?? (process.env.REPORTS_DIR?.trim() || 'reports'))
  mkdirSync(reports, { recursive: true })
  env.REPORTS_DIR = reports
  const expectations = value(p, '--expectations')
  if (expectations !== undefined) {
    if (expectations !== 'none' && !existsSync(resolve(expectations)))
      throw new UsageError(
        `run: --expectations "${expectations}" does not exist: give a known-issues JSON file or none.`,
      )
    env.KNOWN_ISSUES = expectations === 'none' ? 'none' : resolve(expectations)
  }
  const shard = value(p, '--shard')
  if (shard !== undefined) {
    const [i, n] = shard.split('/').map(Number)
    if (i < 1 || i > n)
      throw new UsageError(`run: --shard "${shard}" is not usable: write i/n with 1 <= i <= n, e.g. 1/2.`)
    env[SHARD_ENV] = shard
  }
  const durations = value(p, '--shard-durations')
  if (durations !== undefined) env[DURATIONS_ENV] = resolve(durations)
  const ndjson = join(reports, 'cucumber-messages.ndjson')
  rmSync(ndjson, { force: true }) // never judge a previous run's messages
  if (flag(p, '--record-sites')) {
    for (const [variable, file] of [
      [SITE_LOG_ENV, SITE_LOG],
      [SCENARIO_LOG_ENV, SCENARIO_LOG],
    ]) {
      rmSync(join(reports, file), { force: true })
      env[variable] = join(reports, file)
    }
  }
  // Cucumber's own options, passed on as they were typed.
  const provided = [
    ...(value(p, '--tags') !== undefined ? ['--tags', value(p, '--tags') as string] : []),
    ...values(p, '--name').flatMap((n) => ['--name', n]),
    ...(value(p, '--parallel') !== undefined ? ['--parallel', value(p, '--parallel') as string] : []),
    ...(flag(p, '--fail-fast') ? ['--fail-fast'] : []),
  ]
  const profile = selfTest ? 'reference' : 'default'
  // Support code, plugins and formatters read the settings from the process environment.
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key]
  Object.assign(process.env, env)
  const shown = relative(process.cwd(), reports) || '.'
  console.log(
    `suite: boxlite-disk-spec ${selfTest ? 'self-test on refbox' : describeRuntime(env)}; ` +
      `cucumber ${['--profile', profile, ...provided].join(' ')}` +
      `${env[SHARD_ENV] ? ` (shard ${env[SHARD_ENV]})` : ''}; reports in ${shown}`,
  )
  const started = Date.now()
  const code = await runCucumberHere(profile, provided, env)
  console.log(`suite: wall time ${((Date.now() - started) / 1000).toFixed(1)} s (cucumber exit ${code})`)
  console.log(`summary: ${join(reports, 'summary.html')} (summary.md for CI job summaries)`)
  // The run guard plugin (support/run-guard-plugin.cjs) has judged the run from its messages and printed its
  // verdict; its process 'exit' listener turns this status into the suite's, so cli() ends with process.exit.
  return code
}

function describeRuntime(env: NodeJS.ProcessEnv): string {
  if (env.BOXLITE_DRIVER === 'sdk') return 'against the embedded BoxLite (@boxlite-ai/boxlite)'
  if (env.BOXLITE_BIN) return `against ${env.BOXLITE_BIN}`
  return 'against BoxLite as the environment names it'
}

/** Cucumber through its API, in this process: 0 when it succeeded, 1 when not (as cucumber-js exits). */
async function runCucumberHere(profile: string, provided: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { loadConfiguration, runCucumber } = await import('@cucumber/cucumber/api')
  const environment = { cwd: ROOT, env, stdout: process.stdout, stderr: process.stderr }
  let configuration
  try {
    configuration = await loadConfiguration({ file: 'cucumber.js', profiles: [profile], provided }, environment)
  } catch (err) {
    throw new UsageError(`run: cucumber cannot use these options: ${firstLine(err)}.`)
  }
  const { success } = await runCucumber(configuration.runConfiguration, environment)
  return success ? 0 : 1
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].replace(/\.$/, '')
}

/** Removes what killed runs left; prints each thing removed. Exit 1 when something could not be removed. */
async function clean(includeKept: boolean): Promise<number> {
  const sweep = await sweepOrphanedRuns({ includeKept })
  for (const line of sweep.removed) console.log(`clean: removed ${line}`)
  for (const line of sweep.problems) console.error(`clean: could not remove everything of ${line}`)
  if (sweep.kept.length > 0)
    console.log(
      `clean: kept ${sweep.kept.length} scenario director${sweep.kept.length > 1 ? 'ies' : 'y'} ` +
        'on purpose (KEEP_BOXES): ' +
        `${sweep.kept.join(', ')}; --include-kept removes them`,
    )
  const live = existsSync(SUITE_ROOT) ? readdirSync(SUITE_ROOT).filter((e) => e.startsWith('run-')).length : 0
  if (sweep.removed.length === 0 && sweep.problems.length === 0)
    console.log(`clean: nothing left by a killed run under ${SUITE_ROOT}`)
  if (live > 0)
    console.log(
      `clean: ${live} run director${live > 1 ? 'ies' : 'y'} left in ${SUITE_ROOT} (runs still going, or kept)`,
    )
  return sweep.problems.length > 0 ? 1 : 0
}

/** The guarantees (feature, rule) and their scenarios with their tags, optionally selected by a tag expression. */
function list(tags: string | undefined): number {
  process.stdout.write(listFeatures(join(ROOT, 'features'), tags))
  return 0
}

/** The command line's entry point (bin/boxlite-disk-spec): runs the command, then exits with its status. */
export function cli(argv: readonly string[]): void {
  main(argv).then(
    (code) => exitAfterFlush(code),
    (err: unknown) => {
      if (err instanceof UsageError) {
        const sep = /^(run|doctor|clean|list):/.test(err.message) ? ' ' : ': '
        process.stderr.write(`boxlite-disk-spec${sep}${err.message}\n`)
        exitAfterFlush(2)
      } else {
        process.stderr.write(`boxlite-disk-spec: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
        exitAfterFlush(1)
      }
    },
  )
}

/** Exits once what was written to a pipe is out (process.exit alone may cut it short). */
function exitAfterFlush(code: number): void {
  let waiting = 2
  const done = () => --waiting === 0 && process.exit(code)
  process.stdout.write('', done)
  process.stderr.write('', done)
}

if (require.main === module) cli(process.argv.slice(2))
