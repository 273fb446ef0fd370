/**
 * The default profile (preflight included) driving a boxlite-dialect binary judges the runtime by a
 * probe boot, never by this host's /dev/kvm: pointed at refbox, which needs no KVM, it runs the
 * scenarios, here shown with and without a KVM device in /dev (`without-kvm`, when available).
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from 'node:test'

const ROOT = resolve(__dirname, '../..')
/** Runs a command as on a host without /dev/kvm (a private mount namespace); shipped beside the project, not in it. */
const WITHOUT_KVM = resolve(ROOT, '../shared/tools/without-kvm')

/** The offline image of the reference profile, built by cucumber.js when missing (as `--profile reference` does). */
function referenceImage(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(join(ROOT, 'cucumber.js')) as { reference: { worldParameters: { rootfs: string } } }).reference
    .worldParameters.rootfs
}

function runDefaultProfile(prefix: readonly string[]): { status: number | null; output: string } {
  const reports = mkdtempSync(join(tmpdir(), 'preflight-cli-run-'))
  try {
    const argv = [
      ...prefix,
      join(ROOT, 'node_modules/.bin/cucumber-js'),
      '--tags',
      '@disk-guest',
      '--name',
      'is an ext4 disk between',
    ]
    const r = spawnSync(argv[0], argv.slice(1), {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 170_000,
      env: {
        ...process.env,
        REPORTS_DIR: reports,
        BOXLITE_BIN: join(ROOT, 'bin', 'refbox'),
        BOXLITE_ROOTFS: referenceImage(),
      },
    })
    return { status: r.status, output: `${r.stdout}${r.stderr}` }
  } finally {
    rmSync(reports, { recursive: true, force: true })
  }
}

test(
  'the default profile with BOXLITE_BIN=refbox: the probe boots through the binary and the scenario passes',
  { timeout: 180_000 },
  () => {
    const r = runDefaultProfile([])
    assert.equal(r.status, 0, r.output)
    assert.match(r.output, /BoxLite preflight: ok: a cli box booted and ran a command/)
    assert.match(r.output, /^1 scenario \(1 passed\)$/m)
  },
)

test(
  'the same on a host without /dev/kvm',
  { timeout: 180_000, skip: !existsSync(WITHOUT_KVM) && `${WITHOUT_KVM} is not here` },
  () => {
    const r = runDefaultProfile([WITHOUT_KVM])
    assert.equal(r.status, 0, r.output)
    assert.match(r.output, /BoxLite preflight: ok: a cli box booted and ran a command/)
    assert.match(r.output, /^1 scenario \(1 passed\)$/m)
  },
)
