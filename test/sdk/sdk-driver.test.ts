/**
 * The sdk driver against the real @boxlite-ai/boxlite 0.10.0, on everything that needs no boot
 * (this project's hosts cannot boot BoxLite VMs; see test/preflight/real-sdk.test.ts for that).
 * Registries are on loopback only, so no test traffic leaves the host.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { explainSdkError, imageRegistries, loadSdk, SdkDriver } from '../../src/drivers/sdk'
import { DriverCallError } from '../../src/drivers/types'

const root = mkdtempSync(join(tmpdir(), 'sdk-driver-test-'))
after(() => rmSync(root, { recursive: true, force: true }))
let homes = 0
/** A fresh home per driver: one runtime per home is BoxLite's rule. */
const newHome = () => join(root, `home-${++homes}`)
const T = { timeoutSeconds: 30 }
/** Nothing listens on the discard port: a pull fails at once, and only loopback is asked. */
const DEAD_REGISTRY = '127.0.0.1:9'

test('the package loads from CommonJS (require(esm)) and exposes the runtime class', () => {
  assert.equal(typeof loadSdk().JsBoxlite, 'function')
})

test('a relative home is refused before any runtime is made', () => {
  assert.throws(() => new SdkDriver({ home: 'relative/home' }), { message: 'the box home must be an absolute path, got "relative/home"' })
})

test('registries become searched HTTPS registries, in order', () => {
  assert.deepEqual(imageRegistries(['mirror.example:5000', '127.0.0.1:9']), [
    { host: 'mirror.example:5000', transport: 'https', search: true },
    { host: '127.0.0.1:9', transport: 'https', search: true },
  ])
})

test('the first call lays out the home as BoxLite 0.10.0 does; disk paths follow that layout', async () => {
  const home = newHome()
  const driver = new SdkDriver({ home })
  try {
    await driver.status('nothing', T)
    for (const entry of ['.lock', 'db/boxlite.db', 'boxes', 'images', 'bases', 'logs', 'tmp']) {
      assert.ok(existsSync(join(home, entry)), `${entry} exists in the home`)
    }
    assert.equal(driver.diskPath('Z3fZKnoY0ksr'), join(home, 'boxes', 'Z3fZKnoY0ksr', 'disks', 'disk.qcow2'))
    assert.throws(() => driver.diskPath('../etc'), /not a box id/)
  } finally {
    await driver.close()
  }
})

test('a missing box: status is unknown and every call reports it, none throws', async () => {
  const driver = new SdkDriver({ home: newHome() })
  try {
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
    assert.equal(removed.stderr, 'Error: box not found: nope\n')
    assert.equal(removed.command, `boxlite-sdk --home ${driver.home} rm -f nope`)
  } finally {
    await driver.close()
  }
})

test('a second runtime on a home in use is told so, with the way forward', async () => {
  const home = newHome()
  const first = new SdkDriver({ home })
  const second = new SdkDriver({ home })
  try {
    await first.status('x', T)
    const { record } = await second.status('x', T)
    assert.equal(record.exitCode, 1)
    assert.match(record.stderr, /Another BoxliteRuntime is already using directory/)
    assert.match(explainSdkError(record.stderr) ?? '', /^another BoxLite runtime is already using the home .*its own BoxLite home/)
  } finally {
    await first.close()
    await second.close()
  }
})

test('create passes the options BoxLite needs for a detached box, and an unreachable registry is explained', async () => {
  const driver = new SdkDriver({ home: newHome(), registries: [DEAD_REGISTRY] })
  try {
    const started = Date.now()
    const error = await driver.create({ image: 'alpine:latest', name: 'pull-fails', command: ['sleep', '600'] }, T).then(
      () => assert.fail('created a box from an unreachable registry'),
      (e: unknown) => e,
    )
    assert.ok(error instanceof DriverCallError)
    // Reaching the pull proves the options passed validation (detach without autoRemove:false is refused earlier).
    assert.match(error.message, /^the box did not start \(storage error: Failed to pull image 'alpine:latest' after trying 1 registry: - 127\.0\.0\.1:9\/library\/alpine:latest/)
    assert.match(error.message, /: the image alpine:latest cannot be pulled .*BOXLITE_REGISTRY.*BOXLITE_ROOTFS/)
    assert.match(error.record.command, /^boxlite-sdk --home \S+ run -d --name pull-fails alpine:latest sleep 600$/)
    assert.ok(Date.now() - started < 20_000)
    // The configured box stays, by name, for the caller's cleanup.
    assert.equal((await driver.status('pull-fails', T)).status, 'configured')
    assert.equal((await driver.remove('pull-fails', T)).exitCode, 0)
    assert.equal((await driver.status('pull-fails', T)).status, 'unknown')
  } finally {
    await driver.close()
  }
})

test('an offline image that is not there is named', async () => {
  const driver = new SdkDriver({ home: newHome() })
  try {
    await assert.rejects(driver.create({ rootfs: join(root, 'no-image'), name: 'r', command: ['sleep', '1'] }, T), {
      message: `the box did not start (storage error: Rootfs path does not exist: ${join(root, 'no-image')}): the offline image ${join(root, 'no-image')} does not exist: point BOXLITE_ROOTFS at a directory made by \`./bin/refbox build-image --out DIR\`.`,
    })
  } finally {
    await driver.close()
  }
})

test('close() removes a box the caller left behind', () => {
  // In a child process: the runtime's home lock is only released when the process lets go of it.
  const home = newHome()
  const script = `
    const { SdkDriver } = require('./src/drivers/sdk')
    const d = new SdkDriver({ home: ${JSON.stringify(home)}, registries: ['${DEAD_REGISTRY}'] })
    d.create({ image: 'alpine:latest', name: 'left', command: ['sleep', '1'] }, { timeoutSeconds: 30 })
      .catch(() => d.close()).then(() => process.exit(0))`
  const child = spawnSync(process.execPath, ['--require', 'ts-node/register', '-e', script], { encoding: 'utf8', timeout: 60_000 })
  assert.equal(child.status, 0, child.stderr)
  return (async () => {
    const driver = new SdkDriver({ home })
    try {
      assert.equal((await driver.status('left', T)).status, 'unknown')
    } finally {
      await driver.close()
    }
  })()
})
