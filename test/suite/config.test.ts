/** Bad input fails early with a message that says what to change. */
import { strict as assert } from 'node:assert'
import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { driverKindFrom, createDriver } from '../../src/drivers/select'
import { parseSize } from '../../src/evidence/units'
import { loadSuiteConfig, timeoutFactor } from '../../support/config'

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
    const c = loadSuiteConfig({}, env)
    assert.equal(c.driver.kind, 'cli')
    assert.equal(c.driver.bin, 'boxlite')
    assert.equal(c.box.image, 'alpine:latest')
    assert.equal(c.box.memoryMib, 256)
    assert.equal(c.rootfsSafetyLimitBytes, 2 * 1024 ** 3)
    assert.equal(c.keepBoxes, 'never')
  })
  it('profile parameters win over the environment; a rootfs replaces the image', () => {
    const c = loadSuiteConfig({ bin, rootfs: layout }, { ...env, BOXLITE_BIN: '/elsewhere', BOXLITE_IMAGE: 'debian' })
    assert.equal(c.driver.bin, bin)
    assert.equal(c.box.rootfs, layout)
    assert.equal(c.box.image, undefined)
  })
  it('registries become --registry flags', () => {
    const c = loadSuiteConfig({}, { ...env, BOXLITE_REGISTRY: 'docker.m.daocloud.io, mirror.local:5000' })
    assert.deepEqual(c.driver.globalArgs, ['--registry', 'docker.m.daocloud.io', '--registry', 'mirror.local:5000'])
  })
  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['unknown driver', { BOXLITE_DRIVER: 'qemu' }, /unknown BOXLITE_DRIVER "qemu": choose one of cli, sdk, auto/],
    ['missing binary', { BOXLITE_BIN: '/no/such/boxlite' }, /does not exist or is not executable/],
    ['binary not on PATH', { BOXLITE_BIN: 'nosuchboxlite' }, /not on PATH/],
    ['malformed safety limit', { ROOTFS_SAFETY_LIMIT: '2 gigabytes' }, /malformed size "2 gigabytes"/],
    ['safety limit above 2 GiB', { ROOTFS_SAFETY_LIMIT: '3 GiB' }, /at most 2.00 GiB/],
    ['bad TIMEOUT_FACTOR', { TIMEOUT_FACTOR: 'fast' }, /TIMEOUT_FACTOR must be a number/],
    ['bad KEEP_BOXES', { KEEP_BOXES: 'yes' }, /KEEP_BOXES must be never, on-failure or always/],
    ['bad memory', { BOXLITE_MEMORY_MIB: '256M' }, /BOXLITE_MEMORY_MIB must be a whole number/],
    ['not an OCI layout', { BOXLITE_ROOTFS: dir }, /is not an OCI image layout/],
    ['registry with a scheme', { BOXLITE_REGISTRY: 'https://x' }, /is not a host\[:port\]/],
  ]
  for (const [what, extra, message] of bad) {
    it(`rejects a ${what}`, () => assert.throws(() => loadSuiteConfig({}, { ...env, ...extra }), message))
  }
  it('TIMEOUT_FACTOR scales', () => assert.equal(timeoutFactor({ TIMEOUT_FACTOR: '2.5' }), 2.5))
  it('sizes read as people write them', () => {
    assert.equal(parseSize('50 MiB'), 50 * 1024 ** 2)
    assert.equal(parseSize('2GiB'), 2 * 1024 ** 3)
    assert.throws(() => parseSize('50MB'), /malformed size/)
  })
})

describe('driver selection', () => {
  it('builds a cli driver for the scenario home', () => {
    assert.equal(driverKindFrom('cli'), 'cli')
    const d = createDriver({ kind: 'cli', bin, globalArgs: [], registries: [] }, join(dir, 'home'))
    assert.equal(d.kind, 'cli')
    assert.equal(d.diskPath('ABCDEFGHIJKL'), join(dir, 'home', 'boxes', 'ABCDEFGHIJKL', 'disks', 'disk.qcow2'))
  })
})
