/**
 * The preflight with the real embedded runtime (@boxlite-ai/boxlite 0.10.0) on this host. The host
 * is classified first (host-class.ts), then the outcome of its class is asserted:
 * - no /dev/kvm: the no-KVM sentence, at once, and no scratch directory left;
 * - /dev/kvm that cannot boot (a nested PVM hypervisor: /dev/kvm from kvm_pvm, no VMX/SVM): the
 *   SDK says `engine reported an error: The VM failed to start.` after ~10-13 s, and the sentence
 *   names the nested hypervisor with the shim's `Received KVM_EXIT_INTERNAL_ERROR signal` line;
 * - a host that boots: a box runs `echo` and is removed.
 * The image is the offline busybox layout of `./bin/refbox build-image`: no registry is needed.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, test } from 'node:test'
import { SdkDriver } from '../../src/drivers/sdk'
import { findLeftovers } from '../../src/host/leftovers'
import { testImage } from '../refbox/helpers'
import { entriesOf, hostIs, readHost, socketLinksInto } from './host-class'

const ROOT = resolve(__dirname, '../..')
const work = mkdtempSync(join(tmpdir(), 'host-preflight-'))
after(() => rmSync(work, { recursive: true, force: true }))
const host = () => readHost(testImage(), work)
const LIMIT = { timeout: 240_000 }

test(
  'whatever the host, the preflight leaves nothing: no box process, socket link or scratch directory',
  LIMIT,
  async () => {
    const { scratchParent } = await host()
    assert.deepEqual(findLeftovers(scratchParent), [])
    assert.deepEqual(socketLinksInto(scratchParent), [])
    assert.deepEqual(entriesOf(scratchParent), [])
  },
)

test('no /dev/kvm: the preflight gives the no-KVM sentence before making anything', LIMIT, async (t) => {
  const { hostClass, verdict } = await host()
  if (!hostIs(t, hostClass, 'no-kvm')) return
  assert.equal(verdict.ok, false)
  assert.equal(verdict.code, 'no-kvm')
  assert.match(
    verdict.sentence ?? '',
    /^this host has no KVM \(\/dev\/kvm is missing\): .*nested VMX\/SVM.*`--profile reference`.*\.$/,
  )
  assert.deepEqual(verdict.evidence, ['/dev/kvm is missing: KVM is not available on this host.'])
  assert.deepEqual(verdict.logs, [], 'no box was made, so there are no box logs')
})

test('/dev/kvm that cannot boot: the nested-hypervisor sentence, with the shim log line', LIMIT, async (t) => {
  const { hostClass, verdict } = await host()
  if (!hostIs(t, hostClass, 'kvm-cannot-boot')) return
  assert.equal(verdict.code, 'nested-hypervisor', verdict.evidence.join('\n'))
  assert.equal(
    verdict.sentence,
    "this host exposes /dev/kvm but cannot boot BoxLite's guest kernel (nested or paravirtualised hypervisor: the VM " +
      'stopped with KVM_EXIT_INTERNAL_ERROR): run on bare metal or a VM with nested VMX/SVM, or use `--profile ' +
      'reference` to run the suite against the reference runtime.',
  )
  assert.equal(verdict.evidence[0], 'engine reported an error: The VM failed to start.')
  assert.ok(
    verdict.evidence.some((l) =>
      /^boxes\/[A-Za-z0-9]+\/shim\.stderr: .*Received KVM_EXIT_INTERNAL_ERROR signal$/.test(l),
    ),
    verdict.evidence.join('\n'),
  )
  assert.ok(verdict.logs.some((l) => l.path.endsWith('/shim.stderr') && l.text.includes('KVM_EXIT_INTERNAL_ERROR')))
  assert.ok(verdict.durationMs < 60_000, `the failure took ${verdict.durationMs} ms`)
})

test('a host that boots: a box runs echo and is removed', LIMIT, async (t) => {
  const { hostClass, verdict } = await host()
  if (!hostIs(t, hostClass, 'boots')) return
  assert.equal(verdict.ok, true, `${verdict.sentence}\n${verdict.evidence.join('\n')}`)
  const home = join(work, 'echo-home')
  const driver = new SdkDriver({ home })
  try {
    const { id } = await driver.create(
      { rootfs: testImage(), name: 'echo', command: ['sleep', '600'] },
      { timeoutSeconds: 90 },
    )
    const said = await driver.exec(id, 'echo hello from the box', { timeoutSeconds: 30 })
    assert.deepEqual([said.exitCode, said.stdout], [0, 'hello from the box\n'], said.stderr)
    assert.equal((await driver.remove(id, { timeoutSeconds: 60 })).exitCode, 0)
    assert.equal((await driver.status(id, { timeoutSeconds: 30 })).status, 'unknown')
  } finally {
    await driver.close()
  }
  assert.deepEqual(entriesOf(join(home, 'boxes')), [])
  assert.deepEqual(findLeftovers(home), [])
  assert.deepEqual(socketLinksInto(home), [])
})

test(
  'the preflight program says the same: one sentence and the evidence, no stack trace; exit 1, or 0 where boxes boot',
  LIMIT,
  async () => {
    const { hostClass } = await host()
    const tmp = mkdtempSync(join(work, 'program-tmp-'))
    const r = spawnSync(process.execPath, ['--require', 'ts-node/register', 'scripts/preflight.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 200_000,
      env: {
        ...process.env,
        TMPDIR: tmp,
        BOXLITE_DRIVER: 'sdk',
        BOXLITE_ROOTFS: testImage(),
        BOXLITE_BIN: '',
        TIMEOUT_FACTOR: '1',
      },
    })
    assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack frames')
    if (hostClass === 'boots') {
      assert.equal(r.status, 0, r.stderr)
      assert.match(r.stderr, /^BoxLite preflight: ok: a sdk box booted and ran a command/m)
    } else {
      assert.equal(r.status, 1, r.stderr)
      const verdictLines = r.stderr.split('\n').filter((l) => /^BoxLite preflight: (this host|KVM)/.test(l))
      assert.equal(verdictLines.length, 1, r.stderr)
      if (hostClass === 'no-kvm') {
        assert.match(
          verdictLines[0],
          /^BoxLite preflight: this host has no KVM \(\/dev\/kvm is missing\): .*--profile reference/,
        )
        assert.doesNotMatch(r.stderr, /box logs saved/)
      } else {
        assert.match(verdictLines[0], /nested or paravirtualised hypervisor.*--profile reference/)
        assert.match(r.stderr, /Received KVM_EXIT_INTERNAL_ERROR signal/)
      }
    }
    assert.deepEqual(findLeftovers(tmp), [])
    assert.deepEqual(entriesOf(join(tmp, 'boxlite-disk-spec')), [], 'the probe left no scratch directory')
  },
)
