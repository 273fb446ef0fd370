/**
 * The preflight as a program, with the run's own settings (src/settings.ts: BOXLITE_DRIVER,
 * BOXLITE_BIN, BOXLITE_IMAGE, BOXLITE_ROOTFS, BOXLITE_REGISTRY, TIMEOUT_FACTOR). By hand:
 *   node -r ts-node/register scripts/preflight.ts
 * prints the verdict and exits 1 when this host cannot run the suite on real BoxLite. The cucumber
 * plugin (support/preflight-plugin.cjs) runs it as a child with `--verdict FILE --logs DIR [--params JSON]`:
 * a child, so a hung boot can be killed and the runtime and its home lock end with it.
 */
import { createDriver } from '../src/drivers/select'
import { checkHost } from '../src/preflight/kvm'
import { runPreflight } from '../src/preflight/probe'
import { describeFailure, saveLogs, writeVerdict } from '../src/preflight/verdict'
import { buildImage } from '../src/refbox/build-image'
import { loadSettings, type WorldParameters } from '../src/settings'
import { SUITE_ROOT } from '../src/homes'

/** Boot and command limits of the probe (seconds, times TIMEOUT_FACTOR); a healthy host needs a few. */
const BOOT_SECONDS = 90
const EXEC_SECONDS = 30

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

async function main(): Promise<number> {
  const verdictFile = arg('--verdict')
  const logsDir = arg('--logs')
  const say = (line: string) => process.stderr.write(`BoxLite preflight: ${line}\n`)
  const settings = loadSettings(JSON.parse(arg('--params') ?? '{}') as WorldParameters, process.env)
  const verdict = await runPreflight({
    driverFor: (home) => createDriver(settings.driver, home),
    image:
      settings.box.rootfs !== undefined
        ? { rootfs: settings.box.rootfs }
        : { image: settings.box.image ?? 'alpine:latest' },
    memoryMib: settings.box.memoryMib,
    // The embedded runtime needs this host's KVM; a binary may be remote or need none, so only its boot decides.
    hostCheck: settings.driver.kind === 'sdk' ? () => checkHost() : undefined,
    offlineImage: (dir) => {
      try {
        buildImage(dir)
        return dir
      } catch {
        return undefined // no busybox-static (or not Linux): the registry answer stands
      }
    },
    scratchParent: SUITE_ROOT,
    bootSeconds: Math.ceil(settings.clock.seconds(BOOT_SECONDS)),
    execSeconds: Math.ceil(settings.clock.seconds(EXEC_SECONDS)),
    progress: say,
  })
  const savedTo = logsDir ? saveLogs(verdict, logsDir) : undefined
  if (verdictFile) writeVerdict(verdictFile, verdict)
  const seconds = (verdict.durationMs / 1000).toFixed(1)
  if (verdict.ok) {
    say(`ok: a ${settings.driver.kind} box booted and ran a command (${seconds} s)`)
    return 0
  }
  if (!verdictFile) {
    process.stderr.write(`${describeFailure(verdict)}\n  (after ${seconds} s)\n`)
    if (savedTo) process.stderr.write(`  box logs saved under ${savedTo}\n`)
  }
  return 1
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      // Bad settings (e.g. an unknown BOXLITE_DRIVER) end here: still one sentence, still a verdict.
      const why =
        `this run's settings cannot be used (${e instanceof Error ? e.message : String(e)}): fix the ` +
        `setting named, or use \`--profile reference\``
      const verdictFile = arg('--verdict')
      if (verdictFile)
        writeVerdict(verdictFile, {
          ok: false,
          code: 'unknown',
          sentence: `${why}.`,
          evidence: [],
          logs: [],
          durationMs: 0,
        })
      else process.stderr.write(`BoxLite preflight: ${why}.\n`)
      process.exit(2)
    },
  )
}
