/**
 * The "done when", as a test: `npx cucumber-js --tags @disk-guest` with the default profile
 * and the sdk driver (the one whose preflight checks this host's KVM) on a host that cannot boot
 * BoxLite stops within a minute with one sentence, no stack trace, one failed scenario (the others
 * skipped), a non-zero exit and nothing left behind. Which sentence depends on the host's class
 * (host-class.ts); on a host that boots, the run would be the whole suite on real BoxLite, which is
 * not this test's job, so it is skipped with that reason. Registries point at a dead loopback port,
 * so the run sends nothing off the host.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, test } from 'node:test'
import { SDK_CAPABILITIES } from '../../src/drivers/capabilities'
import { findLeftovers } from '../../src/host/leftovers'
import { readRunMessages } from '../../src/report/run-messages'
import { testImage } from '../refbox/helpers'
import { entriesOf, readHost } from './host-class'

const ROOT = resolve(__dirname, '../..')
const work = mkdtempSync(join(tmpdir(), 'host-cucumber-run-'))
after(() => rmSync(work, { recursive: true, force: true }))

test(
  'the default profile with the sdk driver on a host that cannot boot: one sentence, one failed scenario, exit 1',
  { timeout: 240_000 },
  async (t) => {
    const { hostClass } = await readHost(testImage(), work)
    if (hostClass === 'boots') {
      t.skip(
        'this host boots BoxLite: the default profile would run the whole suite on real BoxLite here (`npx ' +
          'cucumber-js --tags @disk-guest`), not a preflight stop',
      )
      return
    }
    const reports = join(work, 'reports')
    const tmp = mkdtempSync(join(work, 'tmp-'))
    const started = Date.now()
    const r = spawnSync(join(ROOT, 'node_modules/.bin/cucumber-js'), ['--tags', '@disk-guest'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 170_000,
      env: {
        ...process.env,
        TMPDIR: tmp,
        REPORTS_DIR: reports,
        BOXLITE_REGISTRY: '127.0.0.1:9',
        BOXLITE_DRIVER: 'sdk',
        BOXLITE_BIN: '',
        BOXLITE_ROOTFS: '',
        PATH: '/usr/bin:/bin',
      },
    })
    const seconds = (Date.now() - started) / 1000
    const output = `${r.stdout}${r.stderr}`
    assert.equal(r.status, 1, output)
    assert.ok(seconds < 60, `took ${seconds} s`)
    const causes = output.split('\n').filter((l) => /^\s*BoxLite preflight: (this host|KVM|BoxLite)/.test(l))
    assert.equal(causes.length, 1, output)
    assert.doesNotMatch(output, /^\s+at .+:\d+:\d+\)?$/m, 'no stack frames')
    assert.match(output, /^\d+ scenarios \(1 failed, \d+ skipped\)$/m)
    const junit = readFileSync(join(reports, 'cucumber-junit.xml'), 'utf8')
    assert.equal((junit.match(/<failure /g) ?? []).length, 1)
    // A scenario needing what the embedded runtime lacks is skipped with the capability sentence, not the preflight's.
    const messages = readFileSync(join(reports, 'cucumber-messages.ndjson'), 'utf8')
    const skips = new Map(readRunMessages(messages).scenarios.map((sc) => [sc.name, sc.skipReason]))
    for (const line of messages.split('\n').filter((l) => l.startsWith('{"pickle"'))) {
      const { pickle } = JSON.parse(line) as { pickle: { name: string; tags: Array<{ name: string }> } }
      const lacking = pickle.tags
        .map((t) => /^@needs-(.+)$/.exec(t.name)?.[1])
        .filter((c) => c !== undefined && !(SDK_CAPABILITIES as ReadonlySet<string>).has(c))
      if (lacking.length === 0) continue
      assert.match(
        skips.get(pickle.name) ?? '(not skipped)',
        /^Skipped: the embedded runtime \(@boxlite-ai\/boxlite 0\.10\.0\) has no .*\(@needs-/,
        pickle.name,
      )
    }
    if (hostClass === 'no-kvm') {
      assert.match(
        causes[0],
        /BoxLite preflight: this host has no KVM \(\/dev\/kvm is missing\): .*--profile reference/,
      )
      assert.equal(existsSync(join(reports, 'preflight')), false, 'no box was made, so no box logs are kept')
    } else {
      assert.match(causes[0], /nested or paravirtualised hypervisor.*--profile reference/)
      const shimLogs = readdirSync(join(reports, 'preflight', 'boxes')).map((id) =>
        join(reports, 'preflight', 'boxes', id, 'shim.stderr'),
      )
      assert.ok(
        shimLogs.some(
          (log) => existsSync(log) && readFileSync(log, 'utf8').includes('Received KVM_EXIT_INTERNAL_ERROR signal'),
        ),
        'the probe box logs, with the shim line, are kept with the reports',
      )
    }
    assert.deepEqual(findLeftovers(tmp), [])
    assert.deepEqual(
      entriesOf(tmp).filter((e) => e.startsWith('boxlite-disk-spec-')),
      [],
      'no preflight scratch left',
    )
    assert.deepEqual(entriesOf(join(tmp, 'boxlite-disk-spec')), [], 'no probe or scenario home left')
  },
)
