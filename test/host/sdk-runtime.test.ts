/**
 * What only the real @boxlite-ai/boxlite 0.10.0 can show about the sdk driver: the home it lays out,
 * the words it uses (the ones test/sdk/scripted-runtime.ts replays to the unit tests), and its time
 * limits on a boot that is really going. The host check (src/preflight/kvm.ts) decides which half
 * runs: without a usable /dev/kvm the runtime refuses before anything else, so that refusal is
 * asserted and the rest skipped with the reason; with one (booting or not) the rest runs, needing
 * no finished boot. Registries are on loopback only, so no test traffic leaves the host.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, test } from 'node:test'
import { SdkDriver } from '../../src/drivers/sdk'
import { advice } from '../../src/preflight/advice'
import { findLeftovers } from '../../src/host/leftovers'
import { checkHost } from '../../src/preflight/kvm'
import { testImage } from '../refbox/helpers'
import { asRead, createError, RUNTIME_SAYS } from '../sdk/scripted-runtime'
import { entriesOf } from './host-class'

const ROOT = resolve(__dirname, '../..')
const root = mkdtempSync(join(tmpdir(), 'host-sdk-runtime-'))
after(() => rmSync(root, { recursive: true, force: true }))
let homes = 0
/** A fresh home per driver: one runtime per home is BoxLite's rule. */
const newHome = () => join(root, `home-${++homes}`)
const T = { timeoutSeconds: 30 }
/** Nothing listens on the discard port: a pull fails at once, and only loopback is asked. */
const DEAD_REGISTRY = '127.0.0.1:9'

const kvm = checkHost()
const NO_KVM =
  !kvm.ok && `this host has no usable /dev/kvm (${kvm.message}): the real runtime refuses before it can show this`
const HAS_KVM = kvm.ok && 'this host has /dev/kvm: the real runtime gets past its KVM check here'
const WITH_KVM = { skip: NO_KVM, timeout: 120_000 }

test(
  'no /dev/kvm: the real runtime refuses with its no-KVM message, the driver explains it, no box is made',
  { skip: HAS_KVM },
  async () => {
    const home = newHome()
    const driver = new SdkDriver({ home })
    try {
      const { record } = await driver.status('x', T)
      assert.equal(record.stderr, `Error: ${RUNTIME_SAYS.noKvm}\n`)
      const error = await createError(
        driver.create({ rootfs: testImage(), name: 'refused', command: ['sleep', '1'] }, T),
      )
      assert.match(
        asRead(error),
        new RegExp(
          '^the box did not start \\(unsupported: KVM is not available on this host\\.\\): ' +
            'this host has no KVM \\(/dev/kvm is missing\\): .*--profile reference',
        ),
      )
    } finally {
      await driver.close()
    }
    assert.deepEqual(entriesOf(join(home, 'boxes')), [])
    assert.deepEqual(findLeftovers(home), [])
  },
)

test('the first call lays out the home as BoxLite 0.10.0 does; disk paths follow that layout', WITH_KVM, async () => {
  const home = newHome()
  const driver = new SdkDriver({ home })
  try {
    await driver.status('nothing', T)
    for (const entry of ['.lock', 'db/boxlite.db', 'boxes', 'images', 'bases', 'logs', 'tmp']) {
      assert.ok(existsSync(join(home, entry)), `${entry} exists in the home`)
    }
    assert.equal(driver.diskPath('Z3fZKnoY0ksr'), join(home, 'boxes', 'Z3fZKnoY0ksr', 'disks', 'disk.qcow2'))
  } finally {
    await driver.close()
  }
})

test('a missing box: the real runtime says so in the words the driver maps', WITH_KVM, async () => {
  const driver = new SdkDriver({ home: newHome() })
  try {
    const status = await driver.status('nope', T)
    assert.deepEqual([status.status, status.record.stderr], ['unknown', 'Error: No such box: nope\n'])
    for (const record of [
      await driver.exec('nope', 'echo hi', T),
      await driver.stop('nope', T),
      await driver.start('nope', T),
      await driver.copyIn('/etc/hostname', 'nope', '/root/hostname', T),
    ]) {
      assert.equal(record.stderr, 'Error: No such box: nope\n', record.command)
    }
    assert.equal((await driver.remove('nope', T)).stderr, `Error: ${RUNTIME_SAYS.boxNotFound('nope')}\n`)
  } finally {
    await driver.close()
  }
})

test('a second runtime on a home in use is told so, with the way forward', WITH_KVM, async () => {
  const home = newHome()
  const first = new SdkDriver({ home })
  const second = new SdkDriver({ home })
  try {
    await first.status('x', T)
    const { record } = await second.status('x', T)
    assert.equal(record.exitCode, 1)
    assert.match(record.stderr, /Another BoxliteRuntime is already using directory/)
    assert.match(
      advice(record.stderr) ?? '',
      /^another BoxLite runtime is already using the home .*its own BoxLite home/,
    )
  } finally {
    await first.close()
    await second.close()
  }
})

test(
  'an unreachable registry is explained, and the configured box stays for the caller to remove',
  WITH_KVM,
  async () => {
    const driver = new SdkDriver({ home: newHome(), registries: [DEAD_REGISTRY] })
    try {
      const error = await createError(
        driver.create({ image: 'alpine:latest', name: 'pull-fails', command: ['sleep', '600'] }, T),
      )
      // Reaching the pull proves the options passed validation (detach without autoRemove:false is refused earlier).
      assert.match(
        error.message,
        new RegExp(
          "^the box did not start \\(storage error: Failed to pull image 'alpine:latest' after trying 1 registry: " +
            '- 127\\.0\\.0\\.1:9/library/alpine:latest',
        ),
      )
      assert.match(asRead(error), /: the image alpine:latest cannot be pulled .*BOXLITE_REGISTRY.*BOXLITE_ROOTFS/)
      assert.equal((await driver.status('pull-fails', T)).status, 'configured')
      assert.equal((await driver.remove('pull-fails', T)).exitCode, 0)
      assert.equal((await driver.status('pull-fails', T)).status, 'unknown')
    } finally {
      await driver.close()
    }
  },
)

test('an offline image that is not there is named', WITH_KVM, async () => {
  const driver = new SdkDriver({ home: newHome() })
  const missing = join(root, 'no-image')
  try {
    const error = await createError(driver.create({ rootfs: missing, name: 'r', command: ['sleep', '1'] }, T))
    const expected =
      `the box did not start (${RUNTIME_SAYS.rootfsMissing(missing)}): the offline image ${missing} ` +
      `does not exist: point BOXLITE_ROOTFS at`
    assert.ok(asRead(error).startsWith(expected), asRead(error))
  } finally {
    await driver.close()
  }
})

test('close() removes a box the caller left behind', WITH_KVM, async () => {
  // In a child process: the runtime's home lock is only released when the process lets go of it.
  const home = newHome()
  const script = `
    const { SdkDriver } = require('./src/drivers/sdk')
    const d = new SdkDriver({ home: ${JSON.stringify(home)}, registries: ['${DEAD_REGISTRY}'] })
    d.create({ image: 'alpine:latest', name: 'left', command: ['sleep', '1'] }, { timeoutSeconds: 30 })
      .catch(() => d.close()).then(() => process.exit(0))`
  const child = spawnSync(process.execPath, ['--require', 'ts-node/register', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.equal(child.status, 0, child.stderr)
  const driver = new SdkDriver({ home })
  try {
    assert.equal((await driver.status('left', T)).status, 'unknown')
  } finally {
    await driver.close()
  }
})

test(
  'a real boot past its time limit resolves as timed out at once, and close() removes the box',
  WITH_KVM,
  async () => {
    const home = newHome()
    const driver = new SdkDriver({ home })
    const started = Date.now()
    const error = await createError(
      driver.create({ rootfs: testImage(), name: 'slow', command: ['sleep', '600'] }, { timeoutSeconds: 0.3 }),
    )
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`)
    assert.equal(error.message, 'the box did not start (timed out)')
    assert.equal(error.record.stderr, '[timed out after 0.3 s]')
    assert.match(error.record.stdout, /^[A-Za-z0-9]{12}\n$/, 'the id of the configured box is kept as evidence')
    await driver.close()
    assert.deepEqual(entriesOf(join(home, 'boxes')), [])
    assert.deepEqual(findLeftovers(home), [])
  },
)

test('interrupt() ends a real boot in flight at once; the driver stays usable', WITH_KVM, async () => {
  const home = newHome()
  const driver = new SdkDriver({ home })
  const pending = createError(
    driver.create({ rootfs: testImage(), name: 'interrupted', command: ['sleep', '600'] }, { timeoutSeconds: 60 }),
  )
  await new Promise((r) => setTimeout(r, 200))
  const started = Date.now()
  await driver.interrupt()
  const error = await pending
  assert.ok(Date.now() - started < 1_000)
  assert.equal(error.record.stderr, '[interrupted: the driver was interrupted]')
  assert.notEqual((await driver.status('interrupted', T)).status, 'unknown', 'the box is still there to be removed')
  await driver.close()
  assert.deepEqual(entriesOf(join(home, 'boxes')), [])
  assert.deepEqual(findLeftovers(home), [])
})
