/**
 * The safety interlock: nothing is ever filled unless `/` was just proven to be a small disk.
 * Shown three ways: the pure decision, the proof against a box that reports the host's disk, and
 * the tasks' own fill and inode paths (what the steps call) against such a box.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fillBudgetFor, proveBoundedRootfs, UnboundedRootfsError } from '../../src/guest/interlock'
import { REFUSED_EXIT } from '../../src/guest/bound'
import { exhaustInodes, fillRootfs } from '../../src/guest/guarded-writes'
import { GiB, KiB } from '../../src/evidence/units'
import { sweepRunDirectory } from '../../src/homes'
import { DiskWorld } from '../../support/world'
import { FakeDriver, rootfsReport } from './fake-driver'

const HOST_DISK_KIB = 130_000_000 // a 124 GiB host filesystem
const BOX_DISK_KIB = 229_096 // what a 256 MiB box disk reports

describe('fillBudgetFor', () => {
  it('refuses a rootfs the size of a host disk', () => {
    assert.throws(() => fillBudgetFor({ totalKiB: HOST_DISK_KIB }, 2 * GiB), UnboundedRootfsError)
  })
  it('refuses a rootfs exactly at the bound, and one whose size is unknown', () => {
    assert.throws(() => fillBudgetFor({ totalKiB: (2 * GiB) / KiB }, 2 * GiB), /not below/)
    assert.throws(() => fillBudgetFor({ totalKiB: 0 }, 2 * GiB), /could not be read/)
  })
  it('never allows more than the 2 GiB hard limit, whatever is asked', () => {
    assert.throws(() => fillBudgetFor({ totalKiB: (3 * GiB) / KiB }, 100 * GiB), UnboundedRootfsError)
  })
  it('caps fills at the proven total plus a 16 MiB margin', () => {
    const budget = fillBudgetFor({ totalKiB: BOX_DISK_KIB }, 2 * GiB)
    assert.equal(budget.capMiB, Math.ceil(BOX_DISK_KIB / 1024) + 16)
    assert.equal(budget.limitKiB, (2 * GiB) / KiB)
  })
})

describe('proveBoundedRootfs', () => {
  it('refuses when the box reports the host disk, even if the in-box check let it through', async () => {
    const scripts: string[] = []
    const exec = async (script: string) => {
      scripts.push(script)
      return {
        command: 'exec',
        exitCode: 0,
        stdout: rootfsReport(HOST_DISK_KIB),
        stderr: '',
        timedOut: false,
        durationMs: 1,
      }
    }
    await assert.rejects(
      proveBoundedRootfs(exec, { limitBytes: 2 * GiB, baselineFiles: [], timeoutSeconds: 1 }),
      UnboundedRootfsError,
    )
    assert.equal(scripts.length, 1, 'only the measurement ran')
  })
  it('refuses when the size of / cannot be read', async () => {
    const exec = async () => ({
      command: 'exec',
      exitCode: 1,
      stdout: '',
      stderr: 'df: not found',
      timedOut: false,
      durationMs: 1,
    })
    await assert.rejects(
      proveBoundedRootfs(exec, { limitBytes: 2 * GiB, baselineFiles: [], timeoutSeconds: 1 }),
      /could not read df/,
    )
  })
})

describe('the World refuses to fill an unbounded rootfs', () => {
  const worlds: DiskWorld[] = []
  after(async () => {
    for (const w of worlds) await w.close(false)
    sweepRunDirectory(new Set())
  })

  async function worldOnA(totalKiB: number): Promise<{ world: DiskWorld; driver: FakeDriver }> {
    const world = new DiskWorld({
      attach: (() => undefined) as never,
      log: () => undefined,
      link: () => undefined,
      parameters: { bin: '/bin/true' },
    })
    const driver = new FakeDriver('/nonexistent-home', (script) => ({
      stdout: script.includes('total_kib') ? rootfsReport(totalKiB) : 'dd: error writing: No space left on device\n',
    }))
    world.open('interlock test', driver)
    worlds.push(world)
    await world.boxes.start('box')
    return { world, driver }
  }

  const writes = (d: FakeDriver) => d.scripts.filter((s) => /dd |> f\$i|printf '%s'|head -c/.test(s))

  it('a fill is refused and nothing is written', async () => {
    const { world, driver } = await worldOnA(HOST_DISK_KIB)
    await assert.rejects(world.tasks.filling.fill('box'), /refusing to fill/)
    assert.deepEqual(writes(driver), [])
  })
  it('six racing writers are refused and nothing is written', async () => {
    const { world, driver } = await worldOnA(HOST_DISK_KIB)
    await assert.rejects(world.tasks.racingWriters.race('box', 6), /refusing to fill/)
    assert.deepEqual(writes(driver), [])
  })
  it('an inode exhaustion is refused and no file is created', async () => {
    const { world, driver } = await worldOnA(HOST_DISK_KIB)
    await assert.rejects(world.tasks.inodes.exhaust('box', 500_000), /refusing to fill/)
    assert.deepEqual(writes(driver), [])
  })
  it('an inode loop above the 500 000 cap is refused before anything runs', async () => {
    const { world, driver } = await worldOnA(BOX_DISK_KIB)
    await assert.rejects(world.tasks.inodes.exhaust('box', 500_001), /between 1 and 500000/)
    assert.deepEqual(driver.scripts, [])
  })
  it('a bounded rootfs is filled, capped at the proven size plus margin', async () => {
    const { world, driver } = await worldOnA(BOX_DISK_KIB)
    await world.tasks.filling.fill('box')
    const fills = writes(driver)
    assert.equal(fills.length, 1)
    assert.match(fills[0], new RegExp(`bs=1M count=${Math.ceil(BOX_DISK_KIB / 1024) + 16}\\b`))
  })
})

describe('the in-box re-check (run here, where / is the host disk)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'interlock-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const tinyBudget = { limitKiB: 1024, totalKiB: 512, capMiB: 1 } // "/" here is far above 1 MiB

  it('a fill script refuses before writing a byte', () => {
    const target = join(dir, 'fill')
    const r = spawnSync('sh', ['-c', fillRootfs(tinyBudget, target).script], { encoding: 'utf8' })
    assert.equal(r.status, REFUSED_EXIT, r.stdout + r.stderr)
    assert.match(r.stdout, /refused: \/ is \d+ KiB, not below 1024 KiB/)
    assert.equal(existsSync(target), false)
  })
  it('an inode script refuses before creating a file', () => {
    const target = join(dir, 'inodes')
    const r = spawnSync('sh', ['-c', exhaustInodes(tinyBudget, 10, target).script], { encoding: 'utf8' })
    assert.equal(r.status, REFUSED_EXIT, r.stdout + r.stderr)
    assert.equal(existsSync(target) && readdirSync(target).length > 0, false)
  })
})
