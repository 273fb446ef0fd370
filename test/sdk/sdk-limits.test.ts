/**
 * Time limits and interrupts of the sdk driver, against a scripted runtime whose boots and commands
 * end only when the test says so: a call past its limit (or interrupted) resolves as timed out at
 * once, a boot still going is waited for before its box is removed, and a command is killed.
 * The same on the real runtime (a boot that is really going): test/host/sdk-runtime.test.ts.
 */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { SdkDriver } from '../../src/drivers/sdk'
import { DriverCallError } from '../../src/drivers/types'
import { pendingBoot, scripted, type Script } from './scripted-runtime'

let homes = 0
const T = { timeoutSeconds: 5 }

function driverWith(script: Script) {
  const { factory, runtimes } = scripted(script)
  const driver = new SdkDriver({ home: `/scripted/limits-${++homes}`, runtime: factory })
  return { driver, runtime: () => runtimes[0] }
}

async function boot(driver: SdkDriver, name: string, timeoutSeconds: number): Promise<DriverCallError> {
  const error = await driver
    .create({ rootfs: '/images/busybox', name, command: ['sleep', '600'] }, { timeoutSeconds })
    .then(
      () => assert.fail('the boot finished before the limit'),
      (e: unknown) => e,
    )
  assert.ok(error instanceof DriverCallError, String(error))
  return error
}

const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

test(
  'a boot past its time limit resolves as timed out at ' + 'once; close() waits for the boot, then removes the box',
  async () => {
    const slow = pendingBoot()
    const { driver, runtime } = driverWith({ start: slow.start })
    const started = Date.now()
    const error = await boot(driver, 'slow', 0.05)
    assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`)
    assert.equal(error.message, 'the box did not start (timed out)')
    assert.equal(error.record.timedOut, true)
    assert.equal(error.record.stderr, '[timed out after 0.05 s]')
    assert.match(error.record.stdout, /^[A-Za-z0-9]{12}\n$/, 'the id of the configured box is kept as evidence')

    const closing = driver.close()
    await after(30)
    assert.deepEqual(runtime().events, ['start slow'], 'nothing is removed while the boot is still going')
    slow.finish()
    await closing
    assert.deepEqual(runtime().events, ['start slow', 'start settled slow', 'remove slow'])
    assert.equal(runtime().boxes.size, 0)
  },
)

test('remove() of a box whose boot timed out waits for the boot, also when the boot fails', async () => {
  const slow = pendingBoot()
  const { driver, runtime } = driverWith({ start: slow.start })
  await boot(driver, 'failing', 0.05)
  const removing = driver.remove('failing', T)
  await after(30)
  slow.fail('engine reported an error: The VM failed to start.')
  assert.equal((await removing).exitCode, 0)
  assert.deepEqual(runtime().events, ['start failing', 'start settled failing', 'remove failing'])
})

test('interrupt() ends a boot in flight at once; the driver stays usable', async () => {
  const slow = pendingBoot()
  const { driver, runtime } = driverWith({ start: slow.start })
  const pending = boot(driver, 'interrupted', 60)
  await after(20)
  const started = Date.now()
  await driver.interrupt()
  const error = await pending
  assert.ok(Date.now() - started < 1_000)
  assert.equal(error.record.timedOut, true)
  assert.equal(error.record.stderr, '[interrupted: the driver was interrupted]')
  const { status } = await driver.status('interrupted', T)
  assert.notEqual(status, 'unknown', 'the box is still there to be removed')
  slow.finish()
  await driver.close()
  assert.equal(runtime().boxes.size, 0)
})

test('a command past its limit is killed and reported as timed out', async () => {
  const { driver, runtime } = driverWith({ exec: () => ({ stdout: ['filling\n'], hang: true }) })
  const { id } = await driver.create({ rootfs: '/images/busybox', command: ['sleep', '600'] }, T)
  const record = await driver.exec(id, 'dd if=/dev/zero of=/fill', { timeoutSeconds: 0.05 })
  assert.equal(record.timedOut, true)
  assert.equal(record.stderr, '[timed out after 0.05 s]')
  assert.equal(record.command, `boxlite-sdk --home ${driver.home} exec ${id} -- sh -c 'dd if=/dev/zero of=/fill'`)
  await after(10)
  const [call] = runtime().execs
  assert.deepEqual([call.command, ...call.args], ['sh', '-c', 'dd if=/dev/zero of=/fill'])
  assert.equal(call.timeoutSecs, 1, 'the guest is told the limit too, in whole seconds')
  assert.equal(killed(runtime()), 1)
})

test('interrupt() kills a command in flight and it resolves as interrupted', async () => {
  const { driver, runtime } = driverWith({ exec: () => ({ hang: true }) })
  const { id } = await driver.create({ rootfs: '/images/busybox', command: ['sleep', '600'] }, T)
  const pending = driver.exec(id, 'sleep 600', { timeoutSeconds: 60 })
  await after(20)
  await driver.interrupt()
  const record = await pending
  assert.equal(record.timedOut, true)
  assert.equal(record.stderr, '[interrupted: the driver was interrupted]')
  await after(10)
  assert.equal(killed(runtime()), 1)
})

test(
  'a command reports its output, exit code (a signal ' + 'as 128+N) and the runtime error, as the CLI would',
  async () => {
    const results = [
      { stdout: ['hel', 'lo\n'], stderr: ['warn'], exitCode: 3, errorMessage: 'command failed' },
      { exitCode: -9 },
    ]
    const { driver, runtime } = driverWith({ exec: () => results.shift() ?? {} })
    const { id } = await driver.create({ rootfs: '/images/busybox', command: ['sleep', '600'] }, T)
    const first = await driver.exec(id, 'echo hello', T)
    assert.deepEqual(
      [first.exitCode, first.stdout, first.stderr, first.timedOut],
      [3, 'hello\n', 'warn\ncommand failed', false],
    )
    assert.equal((await driver.exec(id, 'kill -9 $$', T)).exitCode, 137)
    const detached = await driver.exec(id, 'sleep 600', { timeoutSeconds: 5, detach: true })
    assert.deepEqual(
      [detached.exitCode, detached.command],
      [0, `boxlite-sdk --home ${driver.home} exec -d ${id} -- sh -c 'sleep 600'`],
    )
    assert.equal(runtime().execs[2].timeoutSecs, null, 'a detached command has no limit in the guest')
  },
)

function killed(runtime: { executions: ReadonlyArray<{ killed: boolean }> }): number {
  return runtime.executions.filter((e) => e.killed).length
}
