/**
 * The phases of a start as the host sees them (src/host/start-phases.ts), against stand-in
 * runtimes: one with BoxLite's layout and runtime files of its own in the home, one that keeps its
 * boxes elsewhere. A kill aimed at a sign lands after it; the start command's own helpers are never
 * taken for the box's host process; a sign a runtime never shows is reported, not guessed.
 */
import { strict as assert } from 'node:assert'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { CliDriver } from '../../src/drivers/cli'
import { endLeftoverProcesses, processesNaming } from '../../src/host/leftovers'
import { pollUntil } from '../../src/host/poll'
import {
  baselineOf,
  countByPhase,
  phaseOf,
  sightOf,
  signShows,
  signsIn,
  START_PHASES,
} from '../../src/host/start-phases'

const dir = mkdtempSync(join(tmpdir(), 'start-phases-'))
const homes: string[] = []
after(async () => {
  for (const h of homes) await release(h)
  rmSync(dir, { recursive: true, force: true })
})

/**
 * A start in steps of 250 ms: a helper of the start command that names the home (it waits for
 * it, in its session), the box directory, the disk file, a daemon in a session of its own that
 * names the home (the box's host process), then the id. `$layout` = other: boxes kept elsewhere.
 */
function fakeRuntime(layout: 'boxlite' | 'other'): string {
  const bin = join(dir, `fake-${layout}`)
  writeFileSync(
    bin,
    `#!/bin/sh
home=$2; shift 2
[ "$1" = run ] || { echo "Error: unknown $1" >&2; exit 2; }
mkdir -p "$home/db" && echo runtime > "$home/db/boxlite.db" && echo log >> "$home/runtime.log"
id=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \\n')
sh -c "sleep 0.25; : helper for $home"
${
  layout === 'boxlite'
    ? `mkdir -p "$home/boxes/$id/disks" && : > "$home/boxes/.index"
sleep 0.25
: > "$home/boxes/$id/disks/disk.qcow2"
sleep 0.25`
    : `mkdir -p "$home/vms/$id" && : > "$home/vms/$id/rootfs.img"
sleep 0.25`
}
setsid sh -c "while :; do sleep 0.1; done; : box $id of $home" </dev/null >/dev/null 2>&1 &
sleep 0.25
echo "$id"
`,
  )
  chmodSync(bin, 0o755)
  return bin
}

function home(name: string): string {
  const h = join(dir, name)
  mkdirSync(h, { recursive: true })
  homes.push(h)
  return h
}

const spec = { rootfs: '/nowhere', command: ['sleep', '30'] }

/** Ends what a fake start left (the daemons it launched), by pid, as the suite's cleanup does. */
async function release(h: string): Promise<void> {
  endLeftoverProcesses(processesNaming(h))
  await pollUntil(
    () => processesNaming(h),
    (l) => l.length === 0,
    { intervalMs: 50, timeoutMs: 5000 },
  )
}

describe('start phases', () => {
  it('a phase is the furthest sign seen, or the return; every phase is counted, zeros included', () => {
    assert.equal(phaseOf([], false), 'nothing yet')
    assert.equal(phaseOf(['box directory'], false), 'configured')
    assert.equal(phaseOf(['box directory', 'disk file'], false), 'disk made')
    assert.equal(phaseOf(['host process'], false), 'host process running') // a runtime with no box directory
    assert.equal(phaseOf(['box directory', 'disk file', 'host process'], true), 'start returned')
    assert.deepEqual(countByPhase(['disk made', 'nothing yet', 'disk made']), [
      ['nothing yet', 1],
      ['configured', 0],
      ['disk made', 2],
      ['host process running', 0],
      ['start returned', 0],
    ])
    assert.equal(START_PHASES.length, 5)
  })

  it('a whole start shows all three signs; the runtime files in the home are not taken for a box', async () => {
    const h = home('whole')
    const before = baselineOf(h)
    const driver = new CliDriver({ bin: fakeRuntime('boxlite'), home: h })
    const { record } = await driver.create(spec, { timeoutSeconds: 30 })
    assert.match(record.stdout, /^[0-9a-f]{12}\n$/)
    const sight = sightOf(h, before)
    assert.deepEqual(signsIn(sight), ['box directory', 'disk file', 'host process'])
    assert.equal(sight.boxDirs.length, 1, `one box directory: ${sight.boxDirs.join(', ')}`)
    assert.equal(sight.processes.length, 1, `one host process: ${sight.processes.join('\n')}`)
    await release(h)
  })

  it(
    'a runtime that keeps its boxes elsewhere shows only ' + 'its host process: the other signs are not observable',
    async () => {
      const h = home('other')
      const before = baselineOf(h)
      await new CliDriver({ bin: fakeRuntime('other'), home: h }).create(spec, { timeoutSeconds: 30 })
      assert.deepEqual(signsIn(sightOf(h, before)), ['host process'])
      await release(h)
    },
  )

  for (const [sign, phase, notBeforeMs] of [
    ['box directory', 'configured', 250],
    ['disk file', 'disk made', 500],
    ['host process', 'host process running', 750],
  ] as const) {
    it(
      `a kill aimed at the ${sign} lands after it, in "${phase}" ` + `(the start's own helper is not its host process)`,
      async () => {
        const h = home(`aim-${sign.replace(/ /g, '-')}`)
        const before = baselineOf(h)
        const driver = new CliDriver({ bin: fakeRuntime('boxlite'), home: h })
        const killed = await driver.createKilled(spec, (_pid, ended) => signShows(h, before, sign, ended), {
          timeoutSeconds: 30,
        })
        assert.notEqual(killed.killedAfterMs, undefined, 'the start was killed')
        assert.ok(killed.killedAfterMs! >= notBeforeMs, `killed after ${killed.killedAfterMs} ms`)
        assert.notEqual(killed.record.exitCode, 0)
        // The helper the kill orphaned may still be sleeping: it is gone within its 250 ms.
        await new Promise((r) => setTimeout(r, 400))
        assert.equal(phaseOf(signsIn(sightOf(h, before)), false), phase)
        await release(h)
      },
    )
  }

  it('a timed kill early finds nothing yet; one after the start returned is reported as never sent', async () => {
    const h = home('timed')
    const driver = new CliDriver({ bin: fakeRuntime('boxlite'), home: h })
    const early = baselineOf(h)
    const first = await driver.createKilled(spec, 50, { timeoutSeconds: 30 })
    assert.ok(first.killedAfterMs !== undefined && first.killedAfterMs >= 50)
    await new Promise((r) => setTimeout(r, 400))
    assert.equal(phaseOf(signsIn(sightOf(h, early)), first.killedAfterMs === undefined), 'nothing yet')
    const late = baselineOf(h)
    const second = await driver.createKilled(spec, 5000, { timeoutSeconds: 30 })
    assert.equal(second.killedAfterMs, undefined)
    assert.equal(second.record.exitCode, 0)
    assert.equal(phaseOf(signsIn(sightOf(h, late)), second.killedAfterMs === undefined), 'start returned')
    await release(h)
  })

  it('a watcher whose sign never shows sends no kill, and stops once the start ended', async () => {
    const h = home('never')
    const before = baselineOf(h)
    const driver = new CliDriver({ bin: fakeRuntime('other'), home: h })
    const killed = await driver.createKilled(spec, (_pid, ended) => signShows(h, before, 'disk file', ended), {
      timeoutSeconds: 30,
    })
    assert.equal(killed.killedAfterMs, undefined)
    assert.equal(killed.record.exitCode, 0)
    await release(h)
  })
})
