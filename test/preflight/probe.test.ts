/**
 * The preflight's logic against a scripted driver: what it boots, what it concludes, and that it
 * always removes the probe box, closes the driver and deletes its scratch directory.
 * (test/host/preflight.test.ts runs it against the real embedded runtime.)
 */
import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { runPreflight, type PreflightOptions } from '../../src/preflight/probe'
import {
  type BoxDriver,
  type BoxSpec,
  type Capability,
  type CommandRecord,
  DriverCallError,
} from '../../src/drivers/types'

const record = (over: Partial<CommandRecord> = {}): CommandRecord => ({
  command: 'fake',
  exitCode: 0,
  stdout: '',
  stderr: '',
  timedOut: false,
  durationMs: 1,
  ...over,
})

type Boot = (home: string, spec: BoxSpec) => { id: string } | DriverCallError

/** A driver whose create() does what the test scripts, and which notes every call. */
class ScriptedDriver implements BoxDriver {
  readonly kind = 'sdk' as const
  readonly calls: string[] = []
  constructor(
    readonly home: string,
    private readonly boot: Boot,
    private readonly execResult: CommandRecord = record({ stdout: 'boxlite-preflight-ok\n' }),
  ) {}
  async create(spec: BoxSpec) {
    this.calls.push(`create ${spec.image ?? `rootfs ${spec.rootfs}`} ${spec.command.join(' ')}`)
    const r = this.boot(this.home, spec)
    if (r instanceof DriverCallError) throw r
    return { id: r.id, record: record() }
  }
  async exec(id: string, script: string) {
    this.calls.push(`exec ${id} ${script}`)
    return this.execResult
  }
  async status() {
    return { status: 'running' as const, record: record() }
  }
  async stop() {
    return record()
  }
  async start() {
    return record()
  }
  async remove(idOrName: string) {
    this.calls.push(`remove ${idOrName}`)
    return record()
  }
  async copyIn() {
    return record()
  }
  capabilities(): Promise<ReadonlySet<Capability>> {
    return Promise.resolve(new Set<Capability>())
  }

  diskPath(id: string) {
    return join(this.home, 'boxes', id, 'disks', 'disk.qcow2')
  }
  imageStoreDirs() {
    return [join(this.home, 'images')]
  }
  async interrupt() {}
  async close() {
    this.calls.push('close')
  }
}

function setup(boot: Boot, over: Partial<PreflightOptions> = {}, execResult?: CommandRecord) {
  const scratchParent = mkdtempSync(join(tmpdir(), 'probe-test-'))
  const drivers: ScriptedDriver[] = []
  const options: PreflightOptions = {
    driverFor: (home) => {
      const d = new ScriptedDriver(home, boot, execResult)
      drivers.push(d)
      return d
    },
    image: { image: 'alpine:latest' },
    scratchParent,
    bootSeconds: 5,
    execSeconds: 5,
    hostCheck: () => ({ ok: true }),
    hostHints: () => ['host: a hint'],
    ...over,
  }
  const done = () => {
    assert.deepEqual(readdirSync(scratchParent), [], 'the scratch directory is removed')
    rmSync(scratchParent, { recursive: true, force: true })
  }
  return { options, drivers, done }
}

/** What BoxLite leaves in a box directory when the guest kernel cannot run under PVM. */
function failBootLikePvm(home: string): DriverCallError {
  mkdirSync(join(home, 'boxes', 'BOX1', 'logs'), { recursive: true })
  writeFileSync(
    join(home, 'boxes', 'BOX1', 'shim.stderr'),
    '[2026-11-29T22:55:16Z ERROR krun_vmm::linux::vstate] Received KVM_EXIT_INTERNAL_ERROR signal\n',
  )
  return new DriverCallError(
    'the box did not start',
    record({ exitCode: 1, stderr: 'Error: engine reported an error: The VM failed to start.\n' }),
  )
}

const pullFailure = () =>
  new DriverCallError(
    'the box did not start',
    record({
      exitCode: 1,
      stderr:
        "Error: storage error: Failed to pull image 'alpine:latest' after trying 1 registry:\n  - " +
        'docker.io/library/alpine:latest: failed to pull manifest\n',
    }),
  )

test('a box that boots and answers: ok, and the probe box is removed and the driver closed', async () => {
  const { options, drivers, done } = setup(() => ({ id: 'BOX1' }))
  const v = await runPreflight(options)
  assert.equal(v.ok, true)
  assert.deepEqual(drivers[0].calls, [
    'create alpine:latest sleep 600',
    'exec BOX1 echo boxlite-preflight-ok',
    `remove boxlite-preflight-${process.pid}`,
    'close',
  ])
  done()
})

test(
  'a boot that dies with KVM_EXIT_INTERNAL_ERROR: the ' + 'nested-hypervisor sentence, the log line and the host hints',
  async () => {
    const { options, drivers, done } = setup((home) => failBootLikePvm(home), { image: { rootfs: '/img' } })
    const v = await runPreflight(options)
    assert.equal(v.ok, false)
    assert.equal(v.code, 'nested-hypervisor')
    assert.match(
      v.sentence ?? '',
      /^this host exposes \/dev\/kvm but cannot boot BoxLite's guest kernel \(nested or paravirtualised hypervisor/,
    )
    assert.match(v.sentence ?? '', /--profile reference/)
    assert.deepEqual(v.evidence, [
      'engine reported an error: The VM failed to start.',
      'boxes/BOX1/shim.stderr: [ERROR krun_vmm::linux::vstate] Received KVM_EXIT_INTERNAL_ERROR signal',
      'host: a hint',
    ])
    assert.deepEqual(
      v.logs.map((l) => l.path),
      ['boxes/BOX1/shim.stderr'],
    )
    assert.ok(
      drivers[0].calls.includes(`remove boxlite-preflight-${process.pid}`) && drivers[0].calls.includes('close'),
    )
    done()
  },
)

test('an image that cannot be pulled: an offline image decides whether the host itself can boot', async (t) => {
  await t.test('the offline image boots: the registry is the cause', async () => {
    const { options, drivers, done } = setup((_home, spec) => (spec.image ? pullFailure() : { id: 'BOX2' }), {
      offlineImage: (dir) => dir,
    })
    const v = await runPreflight(options)
    assert.equal(v.code, 'registry')
    assert.match(v.sentence ?? '', /alpine:latest cannot be pulled.*BOXLITE_REGISTRY.*BOXLITE_ROOTFS/)
    assert.equal(drivers.length, 2)
    assert.match(drivers[1].calls[0], /^create rootfs .*offline-image sleep 600$/)
    done()
  })
  await t.test('the offline image does not boot either: the host is the cause, the pull is noted', async () => {
    const { options, done } = setup((home, spec) => (spec.image ? pullFailure() : failBootLikePvm(home)), {
      offlineImage: (dir) => dir,
    })
    const v = await runPreflight(options)
    assert.equal(v.code, 'nested-hypervisor')
    assert.match(v.evidence.at(-1) ?? '', /^also: the image alpine:latest cannot be pulled/)
    done()
  })
  await t.test('no offline image can be made: the registry answer stands', async () => {
    const { options, drivers, done } = setup(() => pullFailure(), { offlineImage: () => undefined })
    const v = await runPreflight(options)
    assert.equal(v.code, 'registry')
    assert.equal(drivers.length, 1)
    done()
  })
})

test('a boot over the time limit is reported as such', async () => {
  const { options, done } = setup(
    () =>
      new DriverCallError(
        'the box did not start (timed out)',
        record({ exitCode: -1, timedOut: true, stderr: '[timed out after 5 s]' }),
      ),
  )
  const v = await runPreflight(options)
  assert.equal(v.code, 'boot-timeout')
  done()
})

test('a box that boots but cannot run the command', async () => {
  const { options, done } = setup(
    () => ({ id: 'BOX1' }),
    {},
    record({ exitCode: 127, stderr: 'sh: echo: not found\n' }),
  )
  const v = await runPreflight(options)
  assert.equal(v.code, 'exec-failed')
  assert.match(v.sentence ?? '', /exit 127, sh: echo: not found/)
  done()
})

test('a host without KVM is refused before any box or directory is made', async () => {
  const { options, drivers, done } = setup(() => ({ id: 'never' }), {
    hostCheck: () => ({ ok: false, message: '/dev/kvm is missing: KVM is not available on this host.' }),
  })
  const v = await runPreflight(options)
  assert.equal(v.code, 'no-kvm')
  assert.equal(drivers.length, 0)
  done()
})

test('a shim left running by a box that could not be removed is ended by its recorded pid', async () => {
  let shim: ReturnType<typeof spawn> | undefined
  const { options, done } = setup((home) => {
    // A stand-in shim: its command line names the box, as BoxLite's shim does.
    shim = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'BOX9'], { stdio: 'ignore' })
    mkdirSync(join(home, 'boxes', 'BOX9'), { recursive: true })
    writeFileSync(join(home, 'boxes', 'BOX9', 'shim.pid'), String(shim.pid))
    return failBootLikePvm(home)
  })
  await runPreflight(options)
  assert.ok(shim)
  const exit = await new Promise<string | null>((resolve) =>
    shim?.exitCode !== null ? resolve('exited') : shim.on('exit', (_c, s) => resolve(s)),
  )
  assert.equal(exit, 'SIGKILL')
  assert.equal(existsSync(`/proc/${shim.pid}`), false)
  done()
})

test(
  'without a host gate (the cli driver) a host with no KVM ' + 'device still boots the probe, and only names its class',
  async () => {
    const { options, drivers, done } = setup(() => ({ id: 'BOX1' }), { hostCheck: undefined, kvmPresent: () => false })
    const v = await runPreflight(options)
    assert.equal(v.ok, true)
    assert.equal(v.hostClass, 'no-kvm')
    assert.equal(drivers.length, 1, 'the probe box was booted through the binary')
    done()
  },
)

test("a failed boot without a host gate adds the host's facts to the runtime's words", async () => {
  const { options, done } = setup(
    () => new DriverCallError('no box', record({ exitCode: 1, stderr: 'Error: runtime is unreachable\n' })),
    {
      hostCheck: undefined,
      kvmPresent: () => true,
    },
  )
  const v = await runPreflight(options)
  assert.equal(v.ok, false)
  assert.equal(v.hostClass, 'not-checked', 'a binary that failed says nothing of this host')
  assert.deepEqual(v.evidence, ['runtime is unreachable', 'host: a hint'])
  done()
})

test('the host class with a host gate (the sdk driver): boots, kvm-cannot-boot, no-kvm', async () => {
  const boots = setup(() => ({ id: 'BOX1' }), { kvmPresent: () => true })
  assert.equal((await runPreflight(boots.options)).hostClass, 'boots')
  boots.done()
  const pvm = setup((home) => failBootLikePvm(home), { kvmPresent: () => true })
  assert.equal((await runPreflight(pvm.options)).hostClass, 'kvm-cannot-boot')
  pvm.done()
  const none = setup(() => ({ id: 'never' }), {
    kvmPresent: () => false,
    hostCheck: () => ({ ok: false, message: '/dev/kvm is missing: KVM is not available on this host.' }),
  })
  assert.equal((await runPreflight(none.options)).hostClass, 'no-kvm')
  none.done()
})
