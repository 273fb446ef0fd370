/**
 * The kit's command line (scripts/kit-options.ts) and the doctor's KVM class (scripts/kit-doctor.ts):
 * bad options end in one sentence naming the option, the value and the accepted form; the class
 * line names the class the preflight found, or the host's own virtualization facts when its boot
 * failed for a cause that names no KVM fault.
 */
import { strict as assert } from 'node:assert'
import { describe, it } from 'node:test'
import { flag, parseCommandLine, usage, UsageError, value, values } from '../../scripts/kit-options'
import { kvmClass, missingSelfTestTools } from '../../scripts/kit-doctor'
import type { PreflightVerdict } from '../../src/preflight/probe'

function refused(argv: string[]): string {
  try {
    parseCommandLine(argv)
  } catch (err) {
    assert.ok(err instanceof UsageError, `not a usage error: ${String(err)}`)
    return err.message
  }
  assert.fail(`accepted ${argv.join(' ')}`)
}

describe('the kit command line', () => {
  it('runs by default and passes the selection on', () => {
    const p = parseCommandLine(['--self-test', '--tags', '@disk-guest', '--name', 'a', '--name=b', '--parallel', '2'])
    assert.equal(p.command, 'run')
    assert.equal(flag(p, '--self-test'), true)
    assert.equal(value(p, '--tags'), '@disk-guest')
    assert.deepEqual(values(p, '--name'), ['a', 'b'])
    assert.equal(value(p, '--parallel'), '2')
  })

  it('takes each command and its help', () => {
    for (const c of ['run', 'doctor', 'clean', 'list'] as const) {
      assert.equal(parseCommandLine([c]).command, c)
      assert.equal(parseCommandLine([c, '--help']).help, true)
      assert.match(usage(c), new RegExp(`^usage: boxlite-disk-spec ${c} `))
    }
    assert.match(usage(), /run .*\n.*doctor .*\n.*clean .*\n.*list /)
  })

  it('refuses bad options in one sentence: the option, the value, the accepted form', () => {
    const cases: Array<[string[], RegExp]> = [
      [['frob'], /^"frob" is not a command: use one of run, doctor, clean, list/],
      [
        ['run', '--parallel', 'two'],
        /^run: --parallel "two" is not usable: write a whole number from 1 to 64, e.g\. 2\.$/,
      ],
      [['run', '--shard', '3'], /^run: --shard "3" is not usable: write i\/n/],
      [['run', '--tags'], /^run: --tags needs a value: write --tags EXPR\.$/],
      [['list', '--tags', '@a and'], /^list: --tags "@a and" is not usable: write a tag expression such as /],
      [['run', '--tags', '--sdk'], /^run: --tags needs a value/],
      [
        ['doctor', '--tags', 'x'],
        /^doctor: "--tags" is not an option of doctor: use --bin, --sdk, --self-test or --help\.$/,
      ],
      [['run', '--sdk', '--self-test'], /^run: --sdk and --self-test name different runtimes: give one of them\.$/],
      [['run', '--sdk=yes'], /^run: --sdk takes no value/],
      [['run', '--reports', 'a', '--reports', 'b'], /^run: --reports is given twice/],
      [['clean', '--bin', 'x'], /^clean: "--bin" is not an option of clean: use --include-kept or --help\.$/],
    ]
    for (const [argv, expected] of cases) {
      const message = refused(argv)
      assert.match(message, expected)
      assert.equal(message.split('\n').length, 1, `one line: ${message}`)
    }
  })
})

describe("the doctor's KVM class", () => {
  const verdict = (v: Partial<PreflightVerdict>): PreflightVerdict => ({
    ok: false,
    evidence: [],
    logs: [],
    durationMs: 1,
    ...v,
  })
  const pvm = ['host: /dev/kvm is served by kvm_pvm, a pagetable-based paravirtual hypervisor (PVM)']

  it('names the class the preflight found', () => {
    assert.match(kvmClass(undefined, false), /^no \/dev\/kvm.*\(class no-kvm\)$/)
    assert.match(kvmClass(verdict({ ok: true, hostClass: 'boots' }), true), /boots a guest \(class boots\)$/)
    assert.match(
      kvmClass(verdict({ code: 'nested-hypervisor', hostClass: 'kvm-cannot-boot' }), true, pvm),
      /^\/dev\/kvm present but it cannot boot a guest \(\/dev\/kvm is served by kvm_pvm.*\(class kvm-cannot-boot\)$/,
    )
  })

  it("reads the host's virtualization when the boot failed for a cause naming no KVM fault", () => {
    const timedOut = verdict({ code: 'boot-timeout', hostClass: 'not-checked' })
    assert.match(kvmClass(timedOut, true, pvm), /cannot boot a guest: .*kvm_pvm.*\(class kvm-cannot-boot\)$/)
    assert.match(kvmClass(timedOut, true, []), /whether it boots a guest is not known/)
    assert.match(kvmClass(verdict({ ok: true, hostClass: 'not-checked' }), true, []), /the binary under test booted/)
  })

  it('names the missing Debian packages of the self-test in one sentence', () => {
    const missing = missingSelfTestTools((tool) =>
      tool === 'qemu-img' || tool === 'busybox' ? undefined : `/usr/bin/${tool}`,
    )
    assert.equal(
      missing,
      'the self-test needs qemu-img, busybox, missing here: install the Debian packages qemu-utils busybox-static ' +
        "(apt-get install qemu-utils busybox-static, or scripts/setup.sh of the suite's repository).",
    )
    assert.equal(
      missingSelfTestTools(() => '/usr/bin/x'),
      undefined,
    )
  })
})
