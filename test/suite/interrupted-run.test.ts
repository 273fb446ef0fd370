/**
 * A real run on refbox, interrupted the way people and CI interrupt it: Ctrl-C as a terminal sends
 * it (SIGINT to the run's whole process group), once or twice in quick succession, or SIGTERM to
 * the group, serial and with --parallel 2, while a box starts, while the rootfs fills, or while a
 * box is being removed. Afterwards nothing of the run is left on the host (no box process, storage
 * daemon, mount, loop device or home) and the exit code says the run was interrupted.
 *
 * Each run gets its own TMPDIR, so the scenario homes (and everything found under it) are this
 * test's alone; it signals only the process group it started.
 */
import { strict as assert } from 'node:assert'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { processIds } from '../../src/host/footprint'
import { findLeftovers } from '../../src/host/leftovers'
import { pollUntil } from '../../src/host/poll'

const ROOT = resolve(__dirname, '../..')
const REFBOX = join(ROOT, 'bin', 'refbox')

/** A runtime call of the run, recognised by its command line (every one names the run's TMPDIR). */
const MOMENTS = {
  'a box start': / run -d /,
  'a fill': / exec .*dd if=\/dev\/zero of=\/fill/,
  'a removal': / rm -f /,
} as const

interface Case {
  readonly signal: NodeJS.Signals
  readonly times: 1 | 2
  readonly parallel: boolean
  readonly moment: keyof typeof MOMENTS
  /** Scenario names (regular expressions) the run selects: short ones that reach the moment. */
  readonly names: readonly string[]
}

const FILL = 'gets "No space left on device" and keeps serving'
const DISK = 'is an ext4 disk between'
const CASES: readonly Case[] = [
  { signal: 'SIGINT', times: 2, parallel: true, moment: 'a fill', names: [FILL, DISK] },
  { signal: 'SIGINT', times: 1, parallel: true, moment: 'a box start', names: [FILL, DISK] },
  { signal: 'SIGTERM', times: 1, parallel: true, moment: 'a removal', names: [DISK, FILL] },
  { signal: 'SIGINT', times: 2, parallel: false, moment: 'a box start', names: [DISK] },
  { signal: 'SIGINT', times: 1, parallel: false, moment: 'a fill', names: [FILL] },
  { signal: 'SIGTERM', times: 1, parallel: false, moment: 'a removal', names: [DISK] },
]

/** Pids whose command line names `dir` and matches `pattern`. */
function callsMatching(dir: string, pattern: RegExp): number[] {
  return processIds().filter((pid) => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
      return cmdline.includes(dir) && cmdline.includes(REFBOX) && pattern.test(cmdline)
    } catch {
      return false
    }
  })
}

/** Releases whatever a failed case left (through refbox's own prune, per home), so no test leaks. */
function releaseLeftovers(tmp: string): void {
  const suite = join(tmp, 'boxlite-disk-spec')
  if (!existsSync(suite)) return
  for (const run of readdirSync(suite)) {
    for (const scenario of readdirSync(join(suite, run))) {
      const home = join(suite, run, scenario, 'home')
      if (existsSync(home)) spawnSync(REFBOX, ['--home', home, 'prune'], { stdio: 'ignore', timeout: 60_000 })
    }
  }
}

async function interruptRun(
  c: Case,
): Promise<{ code: number | null; signalled: boolean; output: string; tmp: string }> {
  const tmp = mkdtempSync(join(tmpdir(), 'interrupted-run-'))
  const args = ['--profile', 'reference', '--tags', '@disk-guest', ...c.names.flatMap((n) => ['--name', n])]
  if (c.parallel) args.push('--parallel', '2')
  // Its own process group, as a terminal's foreground job has: the group id is the child's pid.
  const run = spawn(join(ROOT, 'node_modules/.bin/cucumber-js'), args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: tmp, REPORTS_DIR: join(tmp, 'reports'), FORCE_COLOR: '0' },
  })
  let output = ''
  run.stdout.on('data', (d) => (output += d))
  run.stderr.on('data', (d) => (output += d))
  const exited = new Promise<number | null>((done) =>
    run.on('exit', (code, signal) => done(code ?? (signal ? -1 : null))),
  )
  const group = run.pid as number
  const reached = await pollUntil(
    () => callsMatching(tmp, MOMENTS[c.moment]),
    (pids) => pids.length > 0 || run.exitCode !== null,
    {
      intervalMs: 10,
      timeoutMs: 90_000,
    },
  )
  const signalled = reached.ok && reached.value.length > 0
  if (signalled) {
    process.kill(-group, c.signal)
    if (c.times === 2) {
      await new Promise((r) => setTimeout(r, 100))
      process.kill(-group, c.signal)
    }
  }
  const limit = setTimeout(() => process.kill(-group, 'SIGKILL'), 180_000) // the group this test started
  const code = await exited
  clearTimeout(limit)
  return { code, signalled, output, tmp }
}

describe('an interrupted run leaves nothing behind', { concurrency: 1 }, () => {
  for (const c of CASES) {
    const how =
      `${c.signal}${c.times === 2 ? ' twice' : ''} to the group of a ` +
      `${c.parallel ? '--parallel 2' : 'serial'} run during ${c.moment}`
    it(how, { timeout: 240_000 }, async () => {
      const { code, signalled, output, tmp } = await interruptRun(c)
      try {
        assert.ok(signalled, `the run never reached ${c.moment}:\n${output}`)
        assert.equal(code, c.signal === 'SIGINT' ? 130 : 143, `exit code\n${output}`)
        const left = findLeftovers(tmp)
        assert.deepEqual(
          left,
          [],
          `left on the host:\n${left.map((l) => `${l.kind}: ${l.detail}`).join('\n')}\n${output}`,
        )
        const suite = join(tmp, 'boxlite-disk-spec')
        const homes = existsSync(suite) ? readdirSync(suite) : []
        assert.deepEqual(homes, [], `run directories left under ${suite}\n${output}`)
      } finally {
        releaseLeftovers(tmp)
        rmSync(tmp, { recursive: true, force: true })
      }
    })
  }
})
