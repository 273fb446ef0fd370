/**
 * Time limits and interrupts of the sdk driver against the real runtime, on a boot that is still
 * going: the call resolves as timed out at once, and close() still removes the half-made box.
 * Boots the offline busybox image (`./bin/refbox build-image`), so no registry is involved.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import { SdkDriver } from '../../src/drivers/sdk'
import { DriverCallError } from '../../src/drivers/types'

const ROOT = resolve(__dirname, '../..')
const work = mkdtempSync(join(tmpdir(), 'sdk-limits-test-'))
const image = join(work, 'image')

before(() => {
  const built = spawnSync(join(ROOT, 'bin/refbox'), ['build-image', '--out', image], { encoding: 'utf8' })
  assert.equal(built.status, 0, built.stderr)
})
after(() => rmSync(work, { recursive: true, force: true }))

function processesMentioning(text: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        return cmdline.includes(text) ? [`${pid}: ${cmdline.replace(/\0/g, ' ')}`] : []
      } catch {
        return []
      }
    })
}

async function boot(driver: SdkDriver, name: string, timeoutSeconds: number): Promise<DriverCallError> {
  const error = await driver.create({ rootfs: image, name, command: ['sleep', '600'] }, { timeoutSeconds }).then(
    () => assert.fail('the boot finished before the limit'),
    (e: unknown) => e,
  )
  assert.ok(error instanceof DriverCallError, String(error))
  return error
}

test('a boot past its time limit resolves as timed out at once, and close() removes the box', { timeout: 120_000 }, async () => {
  const home = join(work, 'home-timeout')
  const driver = new SdkDriver({ home })
  const started = Date.now()
  const error = await boot(driver, 'slow', 0.3)
  assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`)
  assert.equal(error.message, 'the box did not start (timed out)')
  assert.equal(error.record.timedOut, true)
  assert.equal(error.record.stderr, '[timed out after 0.3 s]')
  assert.match(error.record.stdout, /^[A-Za-z0-9]{12}\n$/, 'the id of the configured box is kept as evidence')
  await driver.close()
  assert.deepEqual(readdirSync(join(home, 'boxes')), [])
  assert.deepEqual(processesMentioning(home), [])
})

test('interrupt() ends a boot in flight at once; the driver stays usable', { timeout: 120_000 }, async () => {
  const home = join(work, 'home-interrupt')
  const driver = new SdkDriver({ home })
  const pending = boot(driver, 'interrupted', 60)
  await new Promise((r) => setTimeout(r, 200))
  const started = Date.now()
  await driver.interrupt()
  const error = await pending
  assert.ok(Date.now() - started < 1_000)
  assert.equal(error.record.timedOut, true)
  assert.equal(error.record.stderr, '[interrupted: the driver was interrupted]')
  const { status } = await driver.status('interrupted', { timeoutSeconds: 30 })
  assert.notEqual(status, 'unknown', 'the box is still there to be removed')
  await driver.close()
  assert.deepEqual(readdirSync(join(home, 'boxes')), [])
  assert.deepEqual(processesMentioning(home), [])
})
