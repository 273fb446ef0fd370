/**
 * Runs cucumber-js with the given arguments, then the run guard on its message output, and prints
 * the suite's wall time. Exit status: cucumber's failure first, else the guard's.
 *
 *   node -r ts-node/register scripts/run-suite.ts --profile reference --tags @disk-guest [--parallel 2]
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { judgeRun } from './check-run'

async function main(): Promise<number> {
  const root = resolve(__dirname, '..')
  const ndjson = join(resolve(root, process.env.REPORTS_DIR ?? 'reports'), 'cucumber-messages.ndjson')
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
  const verdict = judgeRun(readFileSync(ndjson, 'utf8'), ndjson)
  if (!verdict.ok) {
    console.error(`run guard: FAILED (${verdict.passed} of ${verdict.scenarios} scenarios passed)`)
    for (const p of verdict.problems) console.error(`  - ${p}`)
    return code || 1
  }
  console.log(`run guard: ${verdict.scenarios} scenarios ran, all passed`)
  return code
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`suite: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  },
)
