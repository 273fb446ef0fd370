/**
 * Cucumber plugin for every profile, in the coordinator: the run guard (src/report/run-guard.ts) judges
 * the run from its own messages once it has ended, and the exit status follows: a run that proves
 * nothing or contradicts the known issues fails (no scenario ran, a failure nobody expected, a skip
 * without a stated reason, a known issue that passed), and a run whose only failures are the known
 * issues of the runtime under test passes. So `npx cucumber-js --tags @disk-guest` needs no wrapper.
 *
 * Cucumber's plugin API has no say over the exit status; cucumber-js sets process.exitCode (or calls
 * process.exit) after the plugins' cleanup, so the verdict is applied in a process 'exit' listener,
 * which runs last and whose process.exitCode Node uses.
 * `--dry-run` and an empty selection allowed by ALLOW_EMPTY_SELECTION=1 are left to cucumber.
 */
const PREFIX = 'run guard:'

module.exports = {
  type: 'plugin',
  coordinator({ operation, on, environment }) {
    if (operation !== 'runCucumber') return undefined
    if (process.argv.includes('--dry-run') || process.argv.includes('-d')) return undefined
    const lines = []
    on('message', (envelope) => lines.push(JSON.stringify(envelope)))
    return () => {
      require('ts-node/register')
      const { describeVerdict, guardOptions, judgeRun, suiteExitCode } = require('../src/report/run-guard.ts')
      let verdict
      try {
        verdict = judgeRun(lines.join('\n'), 'this run', guardOptions(undefined, environment.env))
      } catch (err) {
        environment.stderr.write(`${PREFIX} ${err instanceof Error ? err.message : String(err)}\n`)
        process.on('exit', () => {
          process.exitCode = Number(process.exitCode) || 1
        })
        return
      }
      if (verdict.scenarios === 0 && environment.env.ALLOW_EMPTY_SELECTION === '1') return
      environment.stderr.write(`${describeVerdict(verdict)}\n`)
      for (const p of verdict.problems) environment.stderr.write(`  - ${p}\n`)
      process.on('exit', () => {
        process.exitCode = suiteExitCode(Number(process.exitCode ?? 0), verdict)
      })
    }
  },
}
