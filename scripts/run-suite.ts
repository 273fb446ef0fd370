/**
 * Runs cucumber-js with the given arguments, then the run guard on its message output (with the
 * known issues of the runtime under test), and prints the suite's wall time. Exit status: the
 * guard's failure, else cucumber's, except that a run whose only failures are known issues passes.
 *
 *   node -r ts-node/register scripts/run-suite.ts --profile reference --tags @disk-guest [--parallel 2]
 *       [--shard i/n [--shard-durations EARLIER_MESSAGES.ndjson]] [--record-sites]
 *
 * `--record-sites` also records which refbox defect sites each scenario reaches, into REPORTS_DIR,
 * so that `scripts/prove.ts --healthy-from REPORTS_DIR` can use this run as its healthy run.
 *
 * `--shard i/n` runs one duration-balanced shard (support/shard-plugin.cjs), not cucumber's own
 * round-robin `--shard`; merge the shards' reports with scripts/merge-shards.ts.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describeVerdict, guardOptions, judgeRun, suiteExitCode, type RunVerdict } from './check-run'
import { SCENARIO_LOG, SITE_LOG } from '../src/proof/runner'
import { SCENARIO_LOG_ENV } from '../src/proof/selection'
import { SITE_LOG_ENV } from '../src/refbox/sites'
import { DURATIONS_ENV, parseShard, SHARD_ENV } from '../src/shards/plan.cjs'

async function main(): Promise<number> {
  const root = resolve(__dirname, '..')
  const reports = resolve(root, process.env.REPORTS_DIR ?? 'reports')
  const ndjson = join(reports, 'cucumber-messages.ndjson')
  rmSync(ndjson, { force: true }) // never judge a previous run's messages
  const { args, env } = takeShardOptions(process.argv.slice(2), process.env)
  const recordSites = args.indexOf('--record-sites')
  if (recordSites >= 0) {
    args.splice(recordSites, 1)
    mkdirSync(reports, { recursive: true })
    for (const [variable, file] of [
      [SITE_LOG_ENV, SITE_LOG],
      [SCENARIO_LOG_ENV, SCENARIO_LOG],
    ]) {
      rmSync(join(reports, file), { force: true })
      env[variable] = join(reports, file)
    }
  }
  console.log(`suite: cucumber-js ${args.join(' ')}${env[SHARD_ENV] ? ` (shard ${env[SHARD_ENV]})` : ''}`)
  const started = Date.now()
  const child = spawn(join(root, 'node_modules', '.bin', 'cucumber-js'), args, { cwd: root, stdio: 'inherit', env })
  // Ctrl-C reaches cucumber (same process group) and it removes its boxes; we wait for it.
  process.on('SIGINT', () => undefined)
  process.on('SIGTERM', () => child.kill('SIGTERM'))
  const code = await new Promise<number>((done) => child.on('close', (c, signal) => done(c ?? (signal ? 128 : 1))))
  const seconds = (Date.now() - started) / 1000
  console.log(`suite: wall time ${seconds.toFixed(1)} s (cucumber-js exit ${code})`)
  if (!existsSync(ndjson)) {
    console.error(`run guard: ${ndjson} was not written`)
    return code || 1
  }
  let verdict: RunVerdict
  try {
    verdict = judgeRun(readFileSync(ndjson, 'utf8'), ndjson, guardOptions())
  } catch (err) {
    console.error(`run guard: ${(err as Error).message}`)
    return code || 1
  }
  if (!verdict.ok) {
    console.error(describeVerdict(verdict))
    for (const p of verdict.problems) console.error(`  - ${p}`)
  } else console.log(describeVerdict(verdict))
  console.log(`summary: ${join(reports, 'summary.html')} (summary.md for CI job summaries)`)
  const exit = suiteExitCode(code, verdict)
  if (verdict.ok && exit !== 0)
    console.error(`suite: cucumber-js exited ${code} although the guard found nothing wrong; see its output above`)
  return exit
}

/** Moves `--shard i/n` and `--shard-durations FILE` into the shard plugin's variables. */
function takeShardOptions(
  argv: readonly string[],
  base: NodeJS.ProcessEnv,
): { args: string[]; env: NodeJS.ProcessEnv } {
  const args: string[] = []
  const env = { ...base }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s)
    if (flag !== '--shard' && flag !== '--shard-durations') {
      args.push(argv[i])
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined)
      throw new Error(`${flag} needs a value (--shard 1/2, --shard-durations reports/cucumber-messages.ndjson)`)
    if (flag === '--shard') {
      const { index, total } = parseShard(value, '--shard')
      env[SHARD_ENV] = `${index}/${total}`
    } else env[DURATIONS_ENV] = resolve(value)
  }
  return { args, env }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`suite: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  },
)
