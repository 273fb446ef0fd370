/**
 * How `clean` and the start-of-run sweep tell a killed run (src/homes.ts): its owner.pid is gone,
 * or now belongs to another process (owner.start differs); a live run and an older run directory
 * without owner.start are left alone; scenario directories kept on purpose stay unless asked.
 * The suite's root is one of this test's own.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { orphanedRunDirectories, sweepOrphanedRuns } from '../../src/homes'

const tmp = mkdtempSync(join(tmpdir(), 'sweep-test-'))
const root = join(tmp, 'boxlite-disk-spec')

function runDir(name: string, pid: number, start?: string): string {
  const dir = join(root, name)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'owner.pid'), String(pid))
  if (start !== undefined) writeFileSync(join(dir, 'owner.start'), start)
  return dir
}

function scenario(run: string, name: string, kept: boolean): string {
  const dir = join(run, name)
  mkdirSync(join(dir, 'home'), { recursive: true })
  writeFileSync(
    join(dir, 'driver.json'),
    JSON.stringify({ kind: 'cli', bin: '/bin/false', registries: [], globalArgs: [] }),
  )
  if (kept) writeFileSync(join(dir, 'KEPT'), 'kept on purpose\n')
  return dir
}

describe('finding and sweeping killed runs', () => {
  after(() => rmSync(tmp, { recursive: true, force: true }))
  const myStart = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19]
  const deadPid = spawnSync('true').pid

  it('tells killed runs from live ones by pid and start time', async () => {
    const live = runDir('run-live', process.pid, myStart)
    const older = runDir('run-older', process.pid)
    const reused = runDir('run-reused', process.pid, '1')
    const dead = runDir('run-dead', deadPid)
    scenario(dead, 'kept-scenario', true)
    scenario(dead, 'plain-scenario', false)
    assert.deepEqual(orphanedRunDirectories(root).sort(), [dead, reused].sort())

    const sweep = await sweepOrphanedRuns({ root })
    assert.deepEqual(sweep.kept, [join(dead, 'kept-scenario')])
    assert.deepEqual(sweep.problems, [])
    assert.ok(sweep.removed.includes(`run directory ${reused}`), sweep.removed.join('\n'))
    assert.ok(sweep.removed.includes(`scenario directory ${join(dead, 'plain-scenario')}`), sweep.removed.join('\n'))
    for (const dir of [live, older, join(dead, 'kept-scenario')]) assert.ok(existsSync(dir), `${dir} was removed`)
    assert.ok(!existsSync(reused) && !existsSync(join(dead, 'plain-scenario')))

    const all = await sweepOrphanedRuns({ includeKept: true, root })
    assert.ok(all.removed.includes(`run directory ${dead}`), all.removed.join('\n'))
    assert.ok(!existsSync(dead) && existsSync(live) && existsSync(older))
  })
})
