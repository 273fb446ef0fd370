/**
 * The run guard (src/report/run-guard.ts) on a message file already written, e.g. a run made elsewhere:
 *
 *   node -r ts-node/register scripts/check-run.ts [reports/cucumber-messages.ndjson] [--known-issues FILE]
 *
 * Every cucumber-js run applies it itself (support/run-guard-plugin.cjs).
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describeVerdict, guardOptions, judgeRun } from '../src/report/run-guard'

export { judgeRun, suiteExitCode } from '../src/report/run-guard'

if (require.main === module) {
  const args = process.argv.slice(2)
  const flagAt = args.indexOf('--known-issues')
  const explicit = flagAt >= 0 ? args.splice(flagAt, 2)[1] : undefined
  const path = resolve(args[0] ?? `${process.env.REPORTS_DIR ?? 'reports'}/cucumber-messages.ndjson`)
  if (!existsSync(path)) {
    console.error(`run guard: ${path} does not exist: cucumber-js did not get as far as writing its messages`)
    process.exit(1)
  }
  try {
    const verdict = judgeRun(readFileSync(path, 'utf8'), path, guardOptions(explicit))
    if (!verdict.ok) {
      console.error(describeVerdict(verdict))
      for (const p of verdict.problems) console.error(`  - ${p}`)
      process.exit(1)
    }
    console.log(describeVerdict(verdict))
  } catch (err) {
    console.error(`run guard: ${(err as Error).message}`)
    process.exit(1)
  }
}
