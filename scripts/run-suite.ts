/**
 * Runs cucumber-js with the given arguments, then the run guard on its message output (with the
 * known issues of the runtime under test), and prints the suite's wall time. Exit status: the
 * guard's failure, else cucumber's, except that a run whose only failures are known issues passes.
 *
 *   node -r ts-node/register scripts/run-suite.ts --profile reference --tags @disk-guest [--parallel 2]
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describeVerdict, guardOptions, judgeRun, suiteExitCode, type RunVerdict } from './check-run'

async function main(): Promise<number> {
  const root = resolve(__dirname, '..')
  const reports = resolve(root, process.env.REPORTS_DIR ?? 'reports')
  const ndjson = join(reports, 'cucumber-messages.ndjson')
  rmSync(ndjson, { force: true }) // never judge a previous run's messages
  const args = process.argv.slice(2)
  console.log(`suite: cucumber-js ${args.join(' ')}`)
  const started = Date.now()
  const child = spawn(join(root, 'node_modules', '.bin', 'cucumber-js'), args, { cwd: root, stdio: 'inherit' })
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
  if (verdict.ok && exit !== 0) console.error(`suite: cucumber-js exited ${code} although the guard found nothing wrong; see its output above`)
  return exit
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`suite: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  },
)
