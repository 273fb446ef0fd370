import { strict as assert } from 'node:assert'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { CliDriver } from '../../src/drivers/cli'
import { SdkDriver } from '../../src/drivers/sdk'
import { createDriver, resolveAuto, type DriverSettings } from '../../src/drivers/select'
import { loadSettings } from '../../src/settings'

function pathWith(files: Record<string, number>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'select-test-'))
  for (const [name, mode] of Object.entries(files)) {
    writeFileSync(join(dir, name), '#!/bin/sh\n')
    chmodSync(join(dir, name), mode)
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

test('auto: a named binary or boxlite on PATH means cli, else the embedded runtime', () => {
  const onPath = pathWith({ boxlite: 0o755 })
  const notExecutable = pathWith({ boxlite: 0o644 })
  try {
    assert.equal(resolveAuto('./bin/refbox', true, ''), 'cli')
    assert.equal(resolveAuto('boxlite', false, onPath.dir), 'cli')
    assert.equal(resolveAuto('boxlite', false, `/nonexistent:${onPath.dir}`), 'cli')
    assert.equal(resolveAuto('boxlite', false, notExecutable.dir), 'sdk')
    assert.equal(resolveAuto('boxlite', false, ''), 'sdk')
    assert.equal(resolveAuto('boxlite', false, undefined), 'sdk')
  } finally {
    onPath.cleanup()
    notExecutable.cleanup()
  }
})

test('createDriver gives each kind its driver, for the home asked', () => {
  const base: DriverSettings = { kind: 'cli', bin: '/bin/true', globalArgs: [], registries: [] }
  assert.ok(createDriver(base, '/h1') instanceof CliDriver)
  const sdk = createDriver({ ...base, kind: 'sdk' }, '/h2')
  assert.ok(sdk instanceof SdkDriver)
  assert.equal(sdk.home, '/h2')
})

test("the suite's config settles auto once, and only cli needs a binary", () => {
  const empty = pathWith({})
  const onPath = pathWith({ boxlite: 0o755 })
  try {
    assert.equal(loadSettings({}, { PATH: empty.dir }).driver.kind, 'sdk')
    assert.equal(loadSettings({}, { PATH: onPath.dir }).driver.kind, 'cli')
    assert.equal(loadSettings({}, { PATH: empty.dir, BOXLITE_DRIVER: 'sdk' }).driver.kind, 'sdk')
    assert.equal(
      loadSettings({}, { PATH: onPath.dir, BOXLITE_DRIVER: ' ' }).driver.kind,
      'cli',
      'an empty BOXLITE_DRIVER is auto',
    )
    assert.equal(
      loadSettings({}, { PATH: empty.dir, BOXLITE_BIN: ' ' }).driver.kind,
      'sdk',
      'an empty BOXLITE_BIN is unset',
    )
    const named = loadSettings({}, { PATH: empty.dir, BOXLITE_BIN: './bin/refbox' }, process.cwd())
    assert.equal(named.driver.kind, 'cli')
    assert.equal(named.driver.bin, join(process.cwd(), 'bin/refbox'))
    assert.throws(
      () => loadSettings({}, { PATH: empty.dir, BOXLITE_DRIVER: 'cli' }),
      /BOXLITE_BIN="boxlite" is not on PATH/,
    )
    assert.throws(
      () => loadSettings({}, { PATH: empty.dir, BOXLITE_BIN: './no/such/boxlite' }),
      /BOXLITE_BIN="\.\/no\/such\/boxlite" does not exist/,
    )
  } finally {
    empty.cleanup()
    onPath.cleanup()
  }
})
