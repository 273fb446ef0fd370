/**
 * The sdk driver's contract (records, error mapping, create options, cleanup) against a scripted
 * runtime (scripted-runtime.ts): no KVM, no boot, no network. What only the real package can show
 * (its home layout and its words) is in test/host/sdk-runtime.test.ts. The package itself is only
 * loaded here, never made into a runtime: loading needs no KVM.
 */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { SdkDriver } from '../../src/drivers/sdk'
import { advice } from '../../src/preflight/advice'
import { embeddedRuntime, imageRegistries, loadSdk, SEAM_METHODS } from '../../src/drivers/sdk-runtime'
import { asRead, createError, RUNTIME_SAYS, scripted, type Script } from './scripted-runtime'

let homes = 0
/** A fresh home per driver: one runtime per home is BoxLite's rule (and the script's). */
const newHome = () => `/scripted/home-${++homes}`
const T = { timeoutSeconds: 5 }

function driverWith(script: Script = {}, registries?: string[]) {
  const { factory, runtimes } = scripted(script)
  const driver = new SdkDriver({ home: newHome(), runtime: factory, ...(registries ? { registries } : {}) })
  return { driver, runtimes }
}

test('the real package loads from CommonJS (require(esm)) and has every method the driver uses', () => {
  const sdk = loadSdk()
  assert.equal(typeof sdk.JsBoxlite, 'function')
  assert.equal(typeof embeddedRuntime, 'function')
  const native = sdk.getNativeModule() as Record<string, { prototype: object } | undefined>
  const classes = {
    runtime: sdk.JsBoxlite.prototype as object,
    box: native.JsBox?.prototype,
    snapshots: native.JsSnapshotHandle?.prototype,
    execution: native.JsExecution?.prototype,
  }
  for (const [what, methods] of Object.entries(SEAM_METHODS)) {
    const proto = classes[what as keyof typeof classes]
    assert.ok(proto, `the package has a ${what} class`)
    for (const method of methods) assert.ok(method in proto, `${what}.${method} exists in @boxlite-ai/boxlite`)
  }
  assert.ok('next' in (native.JsExecStdout?.prototype ?? {}), 'output streams have next()')
})

test('a relative home is refused before any runtime is made', () => {
  const { factory, runtimes } = scripted()
  assert.throws(() => new SdkDriver({ home: 'relative/home', runtime: factory }), {
    message: 'the box home must be an absolute path, got "relative/home"',
  })
  assert.equal(runtimes.length, 0)
})

test('registries become searched HTTPS registries, in order, given to the runtime of the home', async () => {
  assert.deepEqual(imageRegistries(['mirror.example:5000', '127.0.0.1:9']), [
    { host: 'mirror.example:5000', transport: 'https', search: true },
    { host: '127.0.0.1:9', transport: 'https', search: true },
  ])
  const withRegistries = driverWith({}, ['mirror.example:5000'])
  const plain = driverWith()
  assert.equal(withRegistries.runtimes.length, 0, 'no runtime before the first call')
  await withRegistries.driver.status('x', T)
  await plain.driver.status('x', T)
  assert.deepEqual(withRegistries.runtimes[0].options, {
    homeDir: withRegistries.driver.home,
    imageRegistries: imageRegistries(['mirror.example:5000']),
  })
  assert.deepEqual(
    plain.runtimes[0].options,
    { homeDir: plain.driver.home },
    'no list: BoxLite keeps its default registry',
  )
  await withRegistries.driver.status('y', T)
  assert.equal(withRegistries.runtimes.length, 1, 'one runtime per driver')
})

test('disk paths follow the BoxLite home layout; anything but a box id is refused', () => {
  const { driver } = driverWith()
  assert.equal(driver.diskPath('Z3fZKnoY0ksr'), `${driver.home}/boxes/Z3fZKnoY0ksr/disks/disk.qcow2`)
  assert.throws(() => driver.diskPath('../etc'), /not a box id/)
})

test('a missing box: status is unknown and every call reports it, none throws', async () => {
  const { driver } = driverWith()
  const status = await driver.status('nope', T)
  assert.equal(status.status, 'unknown')
  assert.equal(status.record.exitCode, 1)
  assert.equal(status.record.stderr, 'Error: No such box: nope\n')
  for (const record of [
    await driver.exec('nope', 'echo hi', T),
    await driver.stop('nope', T),
    await driver.start('nope', T),
    await driver.copyIn('/etc/hostname', 'nope', '/root/hostname', T),
  ]) {
    assert.equal(record.exitCode, 1, record.command)
    assert.equal(record.stderr, 'Error: No such box: nope\n', record.command)
    assert.equal(record.timedOut, false)
  }
  const removed = await driver.remove('nope', T)
  assert.equal(removed.exitCode, 1)
  assert.equal(removed.stderr, `Error: ${RUNTIME_SAYS.boxNotFound('nope')}\n`)
  assert.equal(removed.command, `boxlite-sdk --home ${driver.home} rm -f nope`)
})

test('a second runtime on a home in use is told so, with the way forward', async () => {
  const { factory } = scripted()
  const home = newHome()
  const first = new SdkDriver({ home, runtime: factory })
  const second = new SdkDriver({ home, runtime: factory })
  assert.equal((await first.status('x', T)).record.exitCode, 1)
  const { record } = await second.status('x', T)
  assert.equal(record.exitCode, 1)
  assert.match(record.stderr, /^Error: Another BoxliteRuntime is already using directory/)
  assert.match(advice(record.stderr) ?? '', /^another BoxLite runtime is already using the home .*its own BoxLite home/)
})

test('a host without KVM: the runtime refuses and create says why, with the way forward', async () => {
  const { driver } = driverWith({ refuse: RUNTIME_SAYS.noKvm })
  const error = await createError(driver.create({ image: 'alpine:latest', command: ['sleep', '1'] }, T))
  assert.match(
    asRead(error),
    new RegExp(
      '^the box did not start \\(unsupported: KVM is not available on this host\\.\\): ' +
        'this host has no KVM .*--profile reference',
    ),
  )
  assert.equal(
    error.message,
    'the box did not start (unsupported: KVM is not available on this host.)',
    "the driver gives the runtime's words; advice is the reader's side",
  )
  assert.equal(error.record.stdout, '', 'no box, no id')
  await driver.close()
})

test(
  'create passes the options BoxLite needs for a detached ' + 'box, and an unreachable registry is explained',
  async () => {
    const { driver, runtimes } = driverWith(
      {
        start: async (box) =>
          Promise.reject(new Error(RUNTIME_SAYS.pullFailed(box.options.image ?? '', '127.0.0.1:9'))),
      },
      ['127.0.0.1:9'],
    )
    const error = await createError(
      driver.create(
        { image: 'alpine:latest', name: 'pull-fails', memoryMib: 256, diskSizeGb: 2, command: ['sleep', '600'] },
        T,
      ),
    )
    const [box] = runtimes[0].boxes.values()
    assert.deepEqual(box.options, {
      image: 'alpine:latest',
      memoryMib: 256,
      diskSizeGb: 2,
      cmd: ['sleep', '600'],
      detach: true,
      autoRemove: false,
    })
    assert.equal(box.name, 'pull-fails')
    assert.match(
      error.message,
      new RegExp(
        "^the box did not start \\(storage error: Failed to pull image 'alpine:latest' after trying 1 registry: " +
          '- 127\\.0\\.0\\.1:9/library/alpine:latest',
      ),
    )
    assert.match(asRead(error), /: the image alpine:latest cannot be pulled .*BOXLITE_REGISTRY.*BOXLITE_ROOTFS/)
    assert.equal(
      error.record.command,
      `boxlite-sdk --home ${driver.home} run -d --name pull-fails alpine:latest sleep 600`,
    )
    assert.equal(error.record.stdout, `${box.id}\n`, 'the id of the configured box is kept as evidence')
    // The configured box stays, by name, for the caller's cleanup.
    assert.equal((await driver.status('pull-fails', T)).status, 'configured')
    assert.equal((await driver.remove('pull-fails', T)).exitCode, 0)
    assert.equal((await driver.status('pull-fails', T)).status, 'unknown')
  },
)

test('a box from an offline image boots with its rootfs path; a missing image is named', async () => {
  const ok = driverWith()
  const { id, record } = await ok.driver.create({ rootfs: '/images/busybox', command: [] }, T)
  assert.equal(record.stdout, `${id}\n`)
  assert.equal(record.command, `boxlite-sdk --home ${ok.driver.home} run -d --rootfs /images/busybox`)
  assert.deepEqual(ok.runtimes[0].boxes.get(id)?.options, {
    rootfsPath: '/images/busybox',
    detach: true,
    autoRemove: false,
  })
  assert.equal((await ok.driver.status(id, T)).status, 'running')

  const { driver } = driverWith({
    start: async (box) => Promise.reject(new Error(RUNTIME_SAYS.rootfsMissing(box.options.rootfsPath ?? ''))),
  })
  const error = await createError(driver.create({ rootfs: '/nowhere/no-image', name: 'r', command: ['sleep', '1'] }, T))
  assert.equal(
    asRead(error),
    'the box did not start (storage error: Rootfs path does not exist: /nowhere/no-image): the offline image ' +
      '/nowhere/no-image does not exist: point BOXLITE_ROOTFS at a directory made by `./bin/refbox build-image --out ' +
      'DIR`.',
  )
  await assert.rejects(driver.create({ command: ['true'] }, T), {
    message: 'a box needs exactly one of image or rootfs',
  })
})

test('close() removes a box the caller left behind, then lets go of the runtime', async () => {
  const { driver, runtimes } = driverWith({
    start: async (box) => Promise.reject(new Error(RUNTIME_SAYS.pullFailed(box.options.image ?? '', '127.0.0.1:9'))),
  })
  await createError(driver.create({ image: 'alpine:latest', name: 'left', command: ['sleep', '1'] }, T))
  await createError(driver.create({ image: 'alpine:latest', name: 'removed-by-caller', command: ['sleep', '1'] }, T))
  assert.equal((await driver.remove('removed-by-caller', T)).exitCode, 0)
  await driver.close()
  const runtime = runtimes[0]
  assert.deepEqual([...runtime.boxes.keys()], [])
  assert.deepEqual(
    runtime.events.filter((e) => e.startsWith('remove')),
    ['remove removed-by-caller', 'remove left'],
    'each box removed once',
  )
  assert.equal(runtime.closed, true)
})

test('stop, start and copy reach the box', async () => {
  const { driver, runtimes } = driverWith()
  const { id } = await driver.create({ image: 'alpine:latest', command: ['sleep', '600'] }, T)
  assert.equal((await driver.stop(id, T)).exitCode, 0)
  assert.equal((await driver.status(id, T)).status, 'stopped')
  assert.equal((await driver.start(id, T)).exitCode, 0)
  assert.equal((await driver.status(id, T)).status, 'running')
  const copied = await driver.copyIn('/etc/hostname', id, '/root/hostname', T)
  assert.equal(copied.exitCode, 0)
  assert.equal(copied.command, `boxlite-sdk --home ${driver.home} cp /etc/hostname ${id}:/root/hostname`)
  assert.ok(runtimes[0].events.includes('copyIn /etc/hostname /root/hostname'))
})
