/**
 * Cucumber plugin: the BoxLite preflight, once per run, in the coordinator, before any worker or
 * scenario starts (BeforeAll would run once per parallel worker, and its errors print as stack
 * traces). Listed only in the profiles that drive real BoxLite, never in `reference`.
 *
 * It runs after tag filtering (so an empty selection probes nothing), starts scripts/preflight.ts
 * as a child process (a hung boot can be killed; the runtime and its home lock go with the child),
 * and leaves the verdict in a file named by an environment variable that workers inherit. The
 * Before hook in support/preflight.ts turns a failed verdict into one failed scenario carrying the
 * sentence and the box logs; every other scenario is skipped.
 *
 * Plain CommonJS because cucumber loads plugins with import(), which cannot load TypeScript.
 */
const { spawn } = require('node:child_process')
const { existsSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join, resolve } = require('node:path')

const ROOT = resolve(__dirname, '..')
/** Same name as VERDICT_ENV in src/preflight/verdict.ts (a unit test keeps them equal). */
const VERDICT_ENV = 'BOXLITE_DISK_SPEC_PREFLIGHT_VERDICT'
/**
 * Longer than the child's own limits (boot 90 s, command 30 s, removal 60 s, twice when the image cannot be pulled).
 */
const HARD_LIMIT_SECONDS = 420

/**
 * The hard limit on the run's clock (src/settings.ts: TIMEOUT_FACTOR is applied there). The
 * settings were read and checked by support/before-run-plugin.cjs, listed first, in this process.
 */
function hardLimitSeconds(worldParameters, environment) {
  require('ts-node/register')
  const { runSettings } = require('../src/settings.ts')
  return runSettings(worldParameters ?? {}, environment.env, environment.cwd).clock.seconds(HARD_LIMIT_SECONDS)
}

function isDryRun(argv) {
  return argv.includes('--dry-run') || argv.includes('-d')
}

/** Runs the preflight child; resolves to its exit code, or null when it had to be killed. */
function runChild(args, env, stderr, limitSeconds) {
  return new Promise((resolvePromise) => {
    const child = spawn(
      process.execPath,
      ['--require', 'ts-node/register', join(ROOT, 'scripts/preflight.ts'), ...args],
      {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    child.stderr.on('data', (chunk) => stderr.write(chunk))
    let killed = false
    const timer = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, limitSeconds * 1000)
    child.on('error', () => resolvePromise(null))
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise(killed ? null : code)
    })
  })
}

module.exports = {
  type: 'plugin',
  /** cucumber.js: `pluginOptions: { boxlitePreflight: { worldParameters } }` when the profile sets any. */
  optionsKey: 'boxlitePreflight',
  coordinator({ operation, transform, environment, options }) {
    if (operation !== 'runCucumber') return undefined
    let scratch
    transform('pickles:filter', async (pickles) => {
      if (pickles.length === 0 || isDryRun(process.argv)) return undefined
      scratch = mkdtempSync(join(tmpdir(), 'boxlite-disk-spec-preflight-'))
      const dir = scratch
      process.once('exit', () => rmSync(dir, { recursive: true, force: true })) // also when the run crashes
      const verdictFile = join(scratch, 'verdict.json')
      const limitSeconds = hardLimitSeconds(options.worldParameters, environment)
      const started = Date.now()
      const code = await runChild(
        [
          '--verdict',
          verdictFile,
          '--logs',
          join(resolve(process.env.REPORTS_DIR || 'reports'), 'preflight'),
          '--params',
          JSON.stringify(options.worldParameters ?? {}),
        ],
        environment.env,
        environment.stderr,
        limitSeconds,
      )
      if (!existsSync(verdictFile)) {
        const why = code === null ? `did not finish within ${limitSeconds} s` : `stopped with exit code ${code}`
        writeFileSync(
          verdictFile,
          JSON.stringify({
            ok: false,
            code: 'unknown',
            sentence:
              `the BoxLite preflight ${why}: see its output above, or use \`--profile reference\` to run the ` +
              `suite against the reference runtime.`,
            evidence: [],
            logs: [],
            durationMs: Date.now() - started,
          }),
        )
      }
      // Cucumber's own environment is process.env: workers forked after this transform inherit it.
      process.env[VERDICT_ENV] = verdictFile
      if (code !== 0) {
        const seconds = ((Date.now() - started) / 1000).toFixed(1)
        environment.stderr.write(
          `BoxLite preflight: failed after ${seconds} s; the first scenario says why, the others are skipped.\n`,
        )
      }
      return undefined
    })
    return () => {
      if (scratch) rmSync(scratch, { recursive: true, force: true })
    }
  },
  VERDICT_ENV,
}
