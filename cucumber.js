/**
 * Profiles (select with `--profile NAME`):
 *   default    drives real BoxLite: the `boxlite` CLI (or BOXLITE_BIN), image BOXLITE_IMAGE.
 *   reference  drives ./bin/refbox with the offline busybox image; both are built first if missing or stale.
 * Reports go to $REPORTS_DIR (default reports/): the one-glance summary (summary.html, .md, .json)
 * and the full HTML report for people, JUnit XML and messages for CI.
 * Every other knob is an environment variable (docs/running-the-suite.md, "Settings").
 */
const { execFileSync } = require('node:child_process')
const { existsSync, renameSync, rmSync } = require('node:fs')
const { join, resolve } = require('node:path')

const reports = resolve(process.env.REPORTS_DIR || 'reports')

// One start time for the whole run: workers are forked later and inherit it (support/runtime-under-test.ts).
process.env.BOXLITE_DISK_SPEC_RUN_STARTED ||= new Date().toISOString()

const common = {
  paths: ['features/**/*.feature'],
  // ts-node, transpile-only with SWC (tsconfig.json's "ts-node" block); the plugins and formatters require it too.
  requireModule: ['ts-node/register'],
  require: ['support/**/*.ts', 'step_definitions/**/*.ts'],
  // HTML and JUnit are cucumber's own, titled and named after the runtime under test
  // (support/formatters/); the summary is the one-glance page for people and CI job summaries.
  format: [
    'progress',
    ['./support/formatters/html.cjs', join(reports, 'cucumber-report.html')],
    ['./support/formatters/junit.cjs', join(reports, 'cucumber-junit.xml')],
    ['message', join(reports, 'cucumber-messages.ndjson')],
    ['./support/formatters/summary.cjs', join(reports, 'summary.html')],
  ],
  formatOptions: { snippetInterface: 'async-await' },
  publish: false,
  // DISK_SPEC_SHARD=i/n runs one duration-balanced shard (support/shard-plugin.cjs); unset: everything.
  // Settings are checked and an empty selection fails first (support/before-run-plugin.cjs); the run guard
  // sets the exit status from the run's messages and the known issues (support/run-guard-plugin.cjs).
  plugin: ['./support/before-run-plugin.cjs', './support/shard-plugin.cjs', './support/run-guard-plugin.cjs'],
}

/** The offline test image for refbox: built once, atomically, so parallel runs never see half of it. */
function referenceImage() {
  const dir = resolve(process.env.REFBOX_IMAGE_DIR || join(__dirname, '.refbox-image'))
  if (existsSync(join(dir, 'index.json'))) return dir
  const building = `${dir}.building-${process.pid}`
  process.stderr.write(`reference profile: building the offline test image in ${dir}\n`)
  rmSync(building, { recursive: true, force: true })
  execFileSync(join(__dirname, 'bin', 'refbox'), ['build-image', '--out', building], { stdio: ['ignore', 2, 2] })
  try {
    renameSync(building, dir)
  } catch (err) {
    rmSync(building, { recursive: true, force: true })
    if (!existsSync(join(dir, 'index.json'))) throw err // someone else finished first otherwise
  }
  return dir
}

module.exports = {
  // Real BoxLite: first, once per run, the settings are checked and an empty selection fails
  // (support/before-run-plugin.cjs); then the preflight checks that the runtime can boot a box
  // (support/preflight-plugin.cjs); when it cannot, one scenario says why and the rest are skipped.
  default: { ...common, plugin: [...common.plugin, './support/preflight-plugin.cjs'] },
  // A getter, so the image is only built when this profile is actually chosen.
  get reference() {
    // refbox runs as built JavaScript (scripts/build-refbox.cjs): rebuilt here when a source changed since.
    execFileSync(process.execPath, [join(__dirname, 'scripts', 'build-refbox.cjs')], { stdio: ['ignore', 2, 2] })
    const worldParameters = { driver: 'cli', bin: join(__dirname, 'bin', 'refbox'), rootfs: referenceImage() }
    return {
      ...common,
      worldParameters,
      pluginOptions: { boxliteBeforeRun: { worldParameters } },
    }
  },
}
