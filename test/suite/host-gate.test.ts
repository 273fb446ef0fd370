/**
 * A scenario without @host-access cannot read the runtime's files on the host (support/parts/host-gate.ts):
 * the proof runs host-files-only defects on tagged scenarios alone, so this gate is what makes that sound.
 */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import type { BoxDriver } from '../../src/drivers/types'
import { gateDirs, gateDriver, hasHostAccess } from '../../support/parts/host-gate'

class Recorder {
  readonly kind = 'cli' as const
  readonly home = '/h/home'
  #calls: string[] = [] // a private field: a gated method must still run on the real object
  diskPath(id: string): string {
    return `/h/home/boxes/${id}/disk.qcow2`
  }
  imageStoreDirs(): string[] {
    return ['/h/home/images']
  }
  async exec(id: string): Promise<string[]> {
    this.#calls.push(`exec ${id}`)
    return this.#calls
  }
}
const dirs = { dir: '/h', home: '/h/home', hostFiles: '/h/files' }

test('without the tag, the home, disk paths and image store are refused with a sentence naming the tag', () => {
  const driver = gateDriver(new Recorder() as unknown as BoxDriver, false)
  for (const read of [() => driver.home, () => driver.diskPath('b1'), () => driver.imageStoreDirs()]) {
    assert.throws(read, /not tagged @host-access: tag it/)
  }
  const gated = gateDirs(dirs, false)
  assert.throws(() => gated.home, /runtime's home \(dirs\.home\) on the host but is not tagged @host-access/)
  assert.throws(() => gated.dir, /not tagged @host-access/)
  assert.equal(gated.hostFiles, '/h/files')
})

test('without the tag, everything else of the driver still works, on the driver itself', async () => {
  const driver = gateDriver(new Recorder() as unknown as BoxDriver, false) as unknown as Recorder
  assert.deepEqual(await driver.exec('b1'), ['exec b1'])
  assert.equal(driver.kind, 'cli')
})

test('with the tag, nothing is gated', () => {
  const real = new Recorder() as unknown as BoxDriver
  assert.equal(gateDriver(real, true), real)
  assert.equal(gateDriver(real, true).diskPath('b1'), '/h/home/boxes/b1/disk.qcow2')
  assert.equal(gateDirs(dirs, true).home, '/h/home')
})

test('the tag is read from the pickle, feature tags included', () => {
  assert.equal(hasHostAccess([{ name: '@disk-guest' }, { name: '@host-access' }]), true)
  assert.equal(hasHostAccess([{ name: '@disk-guest' }, { name: '@host-accessible' }]), false)
})
