/** Bad input fails early with a message that says what to change. */
import { strict as assert } from 'node:assert'
import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createDriver } from '../../src/drivers/select'
import { parseSize } from '../../src/evidence/units'
import { loadSettings, runSettings, SettingError } from '../../src/settings'

const dir = mkdtempSync(join(tmpdir(), 'config-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const bin = join(dir, 'boxlite')
writeFileSync(bin, '#!/bin/sh\n')
chmodSync(bin, 0o755)
const layout = join(dir, 'image')
mkdirSync(layout)
writeFileSync(join(layout, 'oci-layout'), '{}')
writeFileSync(join(layout, 'index.json'), '{}')
const env = { PATH: dir }

describe('suite configuration', () => {
  it('with boxlite on PATH: the boxlite CLI, alpine, 256 MiB and a 2 GiB safety bound', () => {
    const c = loadSettings({}, env)
    assert.equal(c.driver.kind, 'cli')
    assert.equal(c.driver.bin, 'boxlite')
    assert.equal(c.box.image, 'alpine:latest')
    assert.equal(c.box.memoryMib, 256)
    assert.equal(c.rootfsSafetyLimitBytes, 2 * 1024 ** 3)
    assert.equal(c.keepBoxes, 'never')
  })
  it('profile parameters win over the environment; a rootfs replaces the image', () => {
    const c = loadSettings({ bin, rootfs: layout }, { ...env, BOXLITE_BIN: '/elsewhere', BOXLITE_IMAGE: 'debian' })
    assert.equal(c.driver.bin, bin)
    assert.equal(c.box.rootfs, layout)
    assert.equal(c.box.image, undefined)
  })
  it('registries become --registry flags', () => {
    const c = loadSettings({}, { ...env, BOXLITE_REGISTRY: 'docker.m.daocloud.io, mirror.local:5000' })
    assert.deepEqual(c.driver.globalArgs, ['--registry', 'docker.m.daocloud.io', '--registry', 'mirror.local:5000'])
  })
  // Each message is one sentence: the setting, the bad value, what is wrong, the accepted form.
  const bad: Array<[string, Record<string, string>, string]> = [
    [
      'unknown driver',
      { BOXLITE_DRIVER: 'qemu' },
      'BOXLITE_DRIVER="qemu" is not a driver: use one of cli, sdk, auto (unset means auto).',
    ],
    [
      'missing binary',
      { BOXLITE_BIN: '/no/such/boxlite' },
      'BOXLITE_BIN="/no/such/boxlite" does not exist: give the path',
    ],
    [
      'binary that is not executable',
      { BOXLITE_BIN: join(layout, 'index.json') },
      'is not an executable file: give the path',
    ],
    [
      'binary not on PATH',
      { BOXLITE_BIN: 'nosuchboxlite' },
      'BOXLITE_BIN="nosuchboxlite" is not on PATH: install BoxLite',
    ],
    [
      'missing rootfs',
      { BOXLITE_ROOTFS: join(dir, 'nothing') },
      'does not exist: give a directory holding an OCI image layout',
    ],
    ['rootfs that is not an OCI layout', { BOXLITE_ROOTFS: dir }, 'is not an OCI image layout: give a directory'],
    ['empty image', { BOXLITE_IMAGE: '' }, 'BOXLITE_IMAGE="" is empty: write a reference such as alpine:latest'],
    [
      'image with a space',
      { BOXLITE_IMAGE: 'alpine latest' },
      'BOXLITE_IMAGE="alpine latest" is not an image reference',
    ],
    [
      'bad memory',
      { BOXLITE_MEMORY_MIB: '256M' },
      'BOXLITE_MEMORY_MIB="256M" is not usable: write a whole number from 1',
    ],
    [
      'disk size above the safety bound',
      { BOXLITE_DISK_SIZE_GB: '5' },
      'BOXLITE_DISK_SIZE_GB="5" is not usable: write a whole number from 1 to 2, in GiB',
    ],
    [
      'bad TIMEOUT_FACTOR',
      { TIMEOUT_FACTOR: 'fast' },
      'TIMEOUT_FACTOR="fast" is not a usable factor: write a number above 0',
    ],
    ['empty TIMEOUT_FACTOR', { TIMEOUT_FACTOR: '' }, 'TIMEOUT_FACTOR="" is not a usable factor'],
    [
      'bad KEEP_BOXES',
      { KEEP_BOXES: 'yes' },
      'KEEP_BOXES="yes" is not a keep policy: use never, on-failure or always.',
    ],
    [
      'malformed safety limit',
      { ROOTFS_SAFETY_LIMIT: '2 gigabytes' },
      'ROOTFS_SAFETY_LIMIT="2 gigabytes" is not a size: write a size above 0 and at most 2.00 GiB',
    ],
    [
      'safety limit above 2 GiB',
      { ROOTFS_SAFETY_LIMIT: '5GiB' },
      'ROOTFS_SAFETY_LIMIT="5GiB" is out of range: write a size above 0 and at most 2.00 GiB',
    ],
    [
      'registry with a scheme',
      { BOXLITE_REGISTRY: 'https://x' },
      'BOXLITE_REGISTRY="https://x" is not a registry: write host[:port]',
    ],
  ]
  for (const [what, extra, message] of bad) {
    it(`rejects a ${what} in one sentence`, () =>
      assert.throws(
        () => loadSettings({}, { ...env, ...extra }),
        (e: Error) =>
          e instanceof SettingError &&
          e.message.startsWith(`${Object.keys(extra)[0]}="`) &&
          e.message.includes(message) &&
          /^[^\n]+\.$/.test(e.message),
      ))
  }
  it('TIMEOUT_FACTOR scales every limit, poll and window, in the clock alone', () => {
    const { clock, timeoutFactor, box } = loadSettings({}, { ...env, TIMEOUT_FACTOR: '2.5' })
    assert.equal(timeoutFactor, 2.5)
    assert.equal(clock.seconds(10), 25)
    assert.equal(clock.ms(2), 5000)
    assert.deepEqual(clock.limit(4), { timeoutSeconds: 10 })
    assert.equal(box.lifetimeSeconds, 1500)
  })
  it('are read once per process: a second asking with the same world parameters reads nothing', () => {
    const first = runSettings({ bin: '/bin/true' }, { ...env, TIMEOUT_FACTOR: '3' })
    assert.equal(runSettings({ bin: '/bin/true' }, { ...env, TIMEOUT_FACTOR: 'not read' }), first)
    assert.equal(first.timeoutFactor, 3)
  })
  it('sizes read as people write them', () => {
    assert.equal(parseSize('50 MiB'), 50 * 1024 ** 2)
    assert.equal(parseSize('2GiB'), 2 * 1024 ** 3)
    assert.throws(() => parseSize('50MB'), /malformed size/)
  })
})

describe('driver selection', () => {
  it('builds a cli driver for the scenario home', () => {
    const d = createDriver({ kind: 'cli', bin, globalArgs: [], registries: [] }, join(dir, 'home'))
    assert.equal(d.kind, 'cli')
    assert.equal(d.diskPath('ABCDEFGHIJKL'), join(dir, 'home', 'boxes', 'ABCDEFGHIJKL', 'disks', 'disk.qcow2'))
  })
})
