/**
 * Runs cucumber-js with the given arguments (its run guard plugin sets the exit status: see
 * support/run-guard-plugin.cjs) and prints the suite's wall time. For what plain `npx cucumber-js`
 * does not take: recording defect sites for the proof, and duration-balanced shards.
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
import { mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
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
  return code
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
