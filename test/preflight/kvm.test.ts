import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { diagnose } from '../../src/preflight/diagnose'
import { checkHost, thisHost, virtualizationHints, type HostFacts } from '../../src/preflight/kvm'

const linux = (over: Partial<HostFacts> = {}): HostFacts => ({
  platform: 'linux',
  arch: 'x64',
  kvmDevice: '/dev/kvm',
  exists: () => true,
  readWritable: () => true,
  ...over,
})

test('Linux with a read-writable /dev/kvm passes', () => {
  assert.deepEqual(checkHost(linux()), { ok: true })
})

test('no /dev/kvm -> the no-KVM cause', () => {
  const r = checkHost(linux({ exists: () => false }))
  assert.equal(r.ok, false)
  assert.equal(!r.ok && diagnose(r.message).code, 'no-kvm')
})

test('/dev/kvm without read-write access -> the permission cause', () => {
  const r = checkHost(linux({ readWritable: () => false }))
  assert.equal(!r.ok && diagnose(r.message).code, 'kvm-permission')
})

test('macOS on Apple Silicon needs no device file; Intel Macs and Windows are refused', () => {
  assert.deepEqual(checkHost(linux({ platform: 'darwin', arch: 'arm64', exists: () => false })), { ok: true })
  for (const host of [linux({ platform: 'darwin', arch: 'x64' }), linux({ platform: 'win32' })]) {
    const r = checkHost(host)
    assert.equal(!r.ok && diagnose(r.message).code, 'unsupported-platform')
  }
})

test('thisHost() looks at the real file system', () => {
  const missing = checkHost({ ...thisHost('/nonexistent/kvm'), platform: 'linux' })
  assert.equal(!missing.ok && diagnose(missing.message).code, 'no-kvm')
  const dir = mkdtempSync(join(tmpdir(), 'kvm-test-'))
  try {
    writeFileSync(join(dir, 'kvm'), '')
    assert.deepEqual(checkHost({ ...thisHost(join(dir, 'kvm')), platform: 'linux' }), { ok: true })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('virtualization hints name PVM and a VM without VMX/SVM, and stay quiet on bare metal', () => {
  const pvm = virtualizationHints({ cpuFlags: ['fpu', 'hypervisor'], hasModule: (m) => m === 'kvm_pvm' })
  assert.equal(pvm.length, 2)
  assert.match(pvm[0], /kvm_pvm/)
  assert.match(pvm[1], /no VMX\/SVM/)
  assert.deepEqual(virtualizationHints({ cpuFlags: ['fpu', 'vmx'], hasModule: () => false }), [])
  assert.deepEqual(virtualizationHints({ cpuFlags: ['hypervisor', 'svm'], hasModule: () => false }), [])
})
