/**
 * The "done when", as a test: `npx cucumber-js --tags @disk-guest` with the default profile
 * on a host that cannot boot BoxLite stops within a minute with one sentence, no stack trace, one
 * failed scenario (the others skipped) and a non-zero exit. Registries point at a dead loopback
 * port, so the run sends nothing off the host. Skipped on a host that boots boxes.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { virtualizationHints } from '../../src/preflight/kvm'

const ROOT = resolve(__dirname, '../..')
const cannotBoot = virtualizationHints().length > 0 || !existsSync('/dev/kvm')

test('the default profile on a host that cannot boot: one sentence, one failed scenario, exit 1', { timeout: 180_000, skip: !cannotBoot && 'this host boots boxes' }, () => {
  const reports = mkdtempSync(join(tmpdir(), 'cucumber-preflight-test-'))
  try {
    const started = Date.now()
    const r = spawnSync(join(ROOT, 'node_modules/.bin/cucumber-js'), ['--tags', '@disk-guest'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 170_000,
      env: { ...process.env, REPORTS_DIR: reports, BOXLITE_REGISTRY: '127.0.0.1:9', BOXLITE_DRIVER: '', BOXLITE_BIN: '', BOXLITE_ROOTFS: '', PATH: '/usr/bin:/bin' },
    })
    const seconds = (Date.now() - started) / 1000
    const output = `${r.stdout}${r.stderr}`
    assert.equal(r.status, 1, output)
    assert.ok(seconds < 60, `took ${seconds} s`)
    const causes = output.split('\n').filter((l) => /^\s*BoxLite preflight: (this host|KVM|BoxLite)/.test(l))
    assert.equal(causes.length, 1, output)
    if (existsSync('/dev/kvm')) assert.match(causes[0], /nested or paravirtualised hypervisor.*--profile reference/)
    assert.doesNotMatch(output, /^\s+at .+:\d+:\d+\)?$/m, 'no stack frames')
    assert.match(output, /^\d+ scenarios \(1 failed, \d+ skipped\)$/m)
    const junit = readFileSync(join(reports, 'cucumber-junit.xml'), 'utf8')
    assert.equal((junit.match(/<failure /g) ?? []).length, 1)
    assert.ok(existsSync(join(reports, 'preflight', 'boxes')), 'the probe box logs are kept with the reports')
  } finally {
    rmSync(reports, { recursive: true, force: true })
  }
})
