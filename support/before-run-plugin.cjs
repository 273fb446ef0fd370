/**
 * Cucumber plugin for every profile, in the coordinator (once per run, also with --parallel):
 *
 * 1. Settings first. The run's settings (src/settings.ts) are checked before any report file is
 *    opened, any support code is loaded or any box is made: a bad one ends the run at once with one
 *    sentence (the setting, the bad value, the accepted form), no stack trace, exit code 2.
 * 2. An empty selection fails. cucumber-js exits 0 when a tag expression (say a typo, `@disk-gust`)
 *    selects nothing; here the run then fails, naming the selection and the tags the features use.
 *    `--dry-run`, and ALLOW_EMPTY_SELECTION=1 for tooling, keep cucumber's behaviour.
 *
 * Plain CommonJS because cucumber loads plugins with import(), which cannot load TypeScript; the
 * settings code is TypeScript, so ts-node (`ts-node/register`, the module the profiles' requireModule
 * names) is registered here; cucumber's own require of the same module is then a no-op.
 */
const PREFIX = 'boxlite-disk-spec:'

function isDryRun(argv) {
  return argv.includes('--dry-run') || argv.includes('-d')
}

/** What the command line selected with: every --tags/-t and --name/-n, as the person typed them. */
function describeSelection(argv) {
  const parts = []
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s)
    const value = inline ?? argv[i + 1]
    if (flag === '--tags' || flag === '-t') parts.push(`--tags "${value}"`)
    if (flag === '--name' || flag === '-n') parts.push(`--name "${value}"`)
  }
  const paths = argv.filter((a) => /\.feature(:\d+)*$/.test(a))
  return [...parts, ...paths].join(' ') || 'the profile and paths given'
}

/** Checks the settings; on a bad one prints its sentence and ends the process with exit code 2. */
function checkSettings(worldParameters, environment) {
  require('ts-node/register')
  const { runSettings, SettingError } = require('../src/settings.ts')
  try {
    runSettings(worldParameters ?? {}, environment.env, environment.cwd) // read once: the preflight plugin asks again
  } catch (e) {
    if (!(e instanceof SettingError)) throw e
    environment.stderr.write(`${PREFIX} ${e.message}\n`)
    process.exit(2)
  }
}

module.exports = {
  type: 'plugin',
  /** cucumber.js: `pluginOptions: { boxliteBeforeRun: { worldParameters } }` when the profile sets any. */
  optionsKey: 'boxliteBeforeRun',
  coordinator({ operation, on, transform, environment, options }) {
    if (operation !== 'runCucumber') return undefined
    checkSettings(options.worldParameters, environment)

    const tags = new Set()
    on('message', (envelope) => {
      for (const tag of envelope.pickle?.tags ?? []) tags.add(tag.name)
    })
    let empty = false
    transform('pickles:filter', (pickles) => {
      if (pickles.length > 0 || isDryRun(process.argv) || environment.env.ALLOW_EMPTY_SELECTION === '1')
        return undefined
      empty = true
      const known = [...tags].sort().join(', ') || 'none (no feature file was found)'
      environment.stderr.write(
        `${PREFIX} no scenario matches ${describeSelection(process.argv.slice(2))}: check the tag expression; the ` +
          `features use ${known}.\n`,
      )
      // cucumber-js sets the exit code after plugins are done; an exit listener has the last word.
      process.on('exit', () => {
        if (!process.exitCode) process.exitCode = 1
      })
      return undefined
    })
    return () => {
      if (empty) environment.stderr.write(`${PREFIX} the run failed because it selected no scenario.\n`)
    }
  },
}
