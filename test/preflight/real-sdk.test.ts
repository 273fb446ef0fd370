/**
 * The preflight with the real embedded runtime (@boxlite-ai/boxlite 0.10.0) on this host: one real
 * boot attempt, asserting the truth for the kind of host it runs on. On this project's hosts
 * (a nested PVM hypervisor: /dev/kvm from kvm_pvm, no VMX/SVM) the guest kernel cannot boot: the SDK
 * says `engine reported an error: The VM failed to start.` after ~10-13 s and shim.stderr says
 * `Received KVM_EXIT_INTERNAL_ERROR signal`. On a host with real KVM the probe must boot.
 * The image is the offline busybox layout from `./bin/refbox build-image`: no registry is needed.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import { SdkDriver } from '../../src/drivers/sdk'
import { virtualizationHints } from '../../src/preflight/kvm'
import { runPreflight } from '../../src/preflight/probe'

const ROOT = resolve(__dirname, '../..')
const work = mkdtempSync(join(tmpdir(), 'real-sdk-preflight-'))
const image = join(work, 'image')
/** What this host is: decides which truth the preflight must tell. */
const expected = !existsSync('/dev/kvm') ? 'no-kvm' : virtualizationHints().length > 0 ? 'nested-hypervisor' : 'ok'

before(() => {
  const built = spawnSync(join(ROOT, 'bin/refbox'), ['build-image', '--out', image], { encoding: 'utf8' })
  assert.equal(built.status, 0, `refbox build-image failed: ${built.stderr}`)
})
after(() => rmSync(work, { recursive: true, force: true }))

/** Processes whose command line mentions `path` (the probe's homes live under it). */
function processesUsing(path: string): string[] {
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
      if (cmdline.includes(path)) found.push(`${pid}: ${cmdline}`)
    } catch {
      // gone
    }
  }
  return found
}

/** BoxLite links each box's socket directory under /tmp/bl-<uid>/; none may point into `path`. */
function socketLinksInto(path: string): string[] {
  const dir = `/tmp/bl-${process.getuid?.() ?? 0}`
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter((name) => {
    try {
      return readlinkSync(join(dir, name)).startsWith(path)
    } catch {
      return false
    }
  })
}

test(`the preflight on this host, with the real runtime: ${expected}`, { timeout: 240_000 }, async () => {
  const scratchParent = join(work, 'scratch')
  const v = await runPreflight({
    driverFor: (home) => new SdkDriver({ home }),
    image: { rootfs: image },
    scratchParent,
    bootSeconds: 90,
    execSeconds: 30,
  })
  process.stderr.write(`real-sdk preflight: ${v.ok ? 'ok' : v.sentence} (${(v.durationMs / 1000).toFixed(1)} s)\n`)
  if (expected === 'ok') {
    assert.equal(v.ok, true, `${v.sentence}\n${v.evidence.join('\n')}`)
  } else if (expected === 'no-kvm') {
    assert.equal(v.code, 'no-kvm')
  } else {
    assert.equal(v.ok, false)
    assert.equal(v.code, 'nested-hypervisor', v.evidence.join('\n'))
    assert.equal(
      v.sentence,
      "this host exposes /dev/kvm but cannot boot BoxLite's guest kernel (nested or paravirtualised hypervisor: the VM stopped with KVM_EXIT_INTERNAL_ERROR): run on bare metal or a VM with nested VMX/SVM, or use `--profile reference` to run the suite against the reference runtime.",
    )
    assert.equal(v.evidence[0], 'engine reported an error: The VM failed to start.')
    assert.ok(v.evidence.some((l) => /^boxes\/[A-Za-z0-9]+\/shim\.stderr: .*Received KVM_EXIT_INTERNAL_ERROR signal$/.test(l)), v.evidence.join('\n'))
    assert.ok(v.logs.some((l) => l.path.endsWith('/shim.stderr') && l.text.includes('KVM_EXIT_INTERNAL_ERROR')))
    assert.ok(v.durationMs < 60_000, `the failure took ${v.durationMs} ms`)
  }
  // Nothing left: no box process, no socket link, no scratch directory.
  assert.deepEqual(processesUsing(scratchParent), [])
  assert.deepEqual(socketLinksInto(scratchParent), [])
  assert.deepEqual(readdirSync(scratchParent), [])
})

test('the preflight program prints one sentence and the evidence, no stack trace, and exits 1', { timeout: 240_000, skip: expected === 'ok' && 'this host boots boxes' }, () => {
  const started = Date.now()
  const r = spawnSync(process.execPath, ['--require', 'ts-node/register', 'scripts/preflight.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 200_000,
    env: { ...process.env, BOXLITE_DRIVER: 'sdk', BOXLITE_ROOTFS: image, BOXLITE_BIN: '', TIMEOUT_FACTOR: '1' },
  })
  assert.equal(r.status, 1, r.stderr)
  const lines = r.stderr.trim().split('\n')
  const verdictLine = lines.find((l) => l.startsWith('BoxLite preflight: this host') || l.startsWith('BoxLite preflight: KVM'))
  assert.ok(verdictLine, r.stderr)
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack frames')
  if (expected === 'nested-hypervisor') {
    assert.match(verdictLine, /nested or paravirtualised hypervisor.*--profile reference/)
    assert.match(r.stderr, /Received KVM_EXIT_INTERNAL_ERROR signal/)
  }
  assert.ok(Date.now() - started < 60_000, `took ${Date.now() - started} ms`)
})
