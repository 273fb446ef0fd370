import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { diagnose, sentence, type CauseCode } from '../../src/preflight/diagnose'

const SHIM_STDERR =
  '[2026-11-29T22:55:16.145339Z ERROR krun_vmm::linux::vstate] Received KVM_EXIT_INTERNAL_ERROR signal'

/** BoxLite 0.10.0's own messages (SDK Error.message or CLI stderr) -> the cause a person reads. */
const CASES: ReadonlyArray<[message: string, logs: string, code: CauseCode, mentions: RegExp]> = [
  [
    'engine reported an error: The VM failed to start.',
    SHIM_STDERR,
    'nested-hypervisor',
    /nested or paravirtualised hypervisor.*KVM_EXIT_INTERNAL_ERROR/,
  ],
  [
    'Error: engine reported an error: The VM failed to start.\n',
    SHIM_STDERR,
    'nested-hypervisor',
    /bare metal or a VM with nested VMX\/SVM/,
  ],
  [
    'engine reported an error: The VM failed to start.',
    '',
    'vm-boot-failed',
    /most often a nested or paravirtualised hypervisor/,
  ],
  [
    'engine reported an error: The VM failed to start: memory error (SIGSEGV).',
    '',
    'vm-crashed',
    /crashed while booting \(memory error \(SIGSEGV\)\)/,
  ],
  [
    'engine reported an error: The VM failed to start: seccomp violation (SIGSYS).',
    '',
    'vm-crashed',
    /seccomp violation/,
  ],
  [
    'engine reported an error: The VM failed to start: timed out after 30s.',
    '',
    'boot-timeout',
    /did not finish booting/,
  ],
  ['boot timed out after 90 s while booting the probe box', '', 'boot-timeout', /time limit/],
  ['unsupported: KVM is not available on this host.', '', 'no-kvm', /no KVM.*--profile reference/],
  ['/dev/kvm is missing: KVM is not available on this host.', '', 'no-kvm', /\/dev\/kvm is missing/],
  ['unsupported: KVM is available but access is denied for the current user.', '', 'kvm-permission', /usermod -aG kvm/],
  ['unsupported: KVM could not be opened.', '', 'kvm-unusable', /could not be opened/],
  [
    'unsupported: KVM is present but cannot run a virtual machine on this host.',
    '',
    'kvm-cannot-run-vm',
    /nested VMX\/SVM enabled/,
  ],
  [
    "storage error: Failed to pull image 'alpine:latest' after trying 1 registry:\n  - " +
      'docker.io/library/alpine:latest: storage error: failed to pull manifest: error sending request for url ' +
      '(https://index.docker.io/v2/library/alpine/manifests/latest)',
    '',
    'registry',
    /alpine:latest cannot be pulled.*BOXLITE_REGISTRY.*BOXLITE_ROOTFS/,
  ],
  [
    'internal error: Failed to acquire runtime lock at /h: internal error: Another BoxliteRuntime is already using ' +
      'directory: /h\nOnly one runtime instance can use a BOXLITE_HOME directory at a time.',
    '',
    'home-locked',
    /home \/h .*its own BoxLite home/,
  ],
  ['internal error: home_dir must be absolute path, got: rel/h', '', 'relative-home', /relative path/],
  [
    'images error: Local image must contain oci-layout file, not found at: /img/oci-layout',
    '',
    'bad-rootfs',
    /offline image \/img is not an OCI image layout/,
  ],
  ['storage error: Rootfs path does not exist: /no/img', '', 'bad-rootfs', /offline image \/no\/img does not exist/],
  ['Timeout waiting for guest ready (30s)', '', 'sandbox-blocked', /AppArmor/],
  ['box not found: abc', '', 'no-such-box', /does not exist/],
  [
    'Cannot find native binding. npm has a bug related to optional dependencies',
    '',
    'sdk-missing',
    /not installed for this platform/,
  ],
  [
    'BoxLite needs Linux with KVM or macOS on Apple Silicon; this is win32/x64',
    '',
    'unsupported-platform',
    /\(win32\/x64\)/,
  ],
  ['preflight command failed in the box: exit 127, sh: echo: not found', '', 'exec-failed', /exit 127/],
]

for (const [message, logs, code, mentions] of CASES) {
  test(`"${message.split('\n')[0]}"${logs ? ' with KVM_EXIT in the logs' : ''} -> ${code}`, () => {
    const d = diagnose(message, logs)
    assert.equal(d.code, code)
    assert.match(sentence(d), mentions)
  })
}

test('every cause is one sentence: cause, a colon, the way forward, one full stop', () => {
  for (const [message, logs] of CASES) {
    const s = sentence(diagnose(message, logs))
    assert.match(s, /^[^\n]+: [^\n]+\.$/, s)
    assert.equal(s.split('\n').length, 1, s)
  }
})

test('an unknown message is passed through, first line only, without "Error:"', () => {
  const d = diagnose('Error: something new happened\n  at frame (x.js:1:1)')
  assert.equal(d.code, 'unknown')
  assert.match(sentence(d), /^BoxLite failed with "something new happened": /)
  assert.doesNotMatch(sentence(d), /at frame/)
})
