/**
 * The suite as the package BoxLite's maintainers install: `npm pack`, the tarball installed into an
 * empty directory outside the repository, and there
 * (a) `boxlite-disk-spec run --self-test` on one scenario passes and writes its reports into that
 *     directory, and `doctor` prints the host's KVM class;
 * (b) a run SIGKILLed during the host-full scenario (its process only, not its boxes) leaves boxes,
 *     the small loop-mounted home and its loop device behind, and `boxlite-disk-spec clean` removes
 *     every one of them and the run's directory.
 * Each run gets its own TMPDIR (so the run directories, and everything found under them, are this
 * test's alone) and XDG_CACHE_HOME (the refbox image); everything is removed afterwards, also on failure.
 * Needs root, the Debian packages of scripts/setup.sh and the npm registry (or its cache).
 */
import { strict as assert } from 'node:assert'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { processIds } from '../../src/host/footprint'
import { findLeftovers, type Leftover } from '../../src/host/leftovers'
import { pollUntil } from '../../src/host/poll'
import { awaitingFree, releaseLeftovers } from '../../src/host/release-leftovers'

const ROOT = resolve(__dirname, '../..')
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
const SCENARIO = 'is an ext4 disk between'

let work = ''
let project = ''
let kit = ''

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', XDG_CACHE_HOME: join(work, 'cache'), ...extra }
  // What the repository's own runs may have set must not steer the installed kit.
  for (const name of ['REPORTS_DIR', 'REFBOX_IMAGE_DIR', 'KNOWN_ISSUES', 'BOXLITE_DISK_SPEC_RUN_STARTED'])
    if (!(name in extra)) delete e[name]
  return e
}

interface Ran {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

function shown(r: Ran): string {
  return `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}\n${r.stdout}\n${r.stderr}`
}

function timed<T>(what: string, work: () => T): T {
  const started = Date.now()
  try {
    return work()
  } finally {
    process.stdout.write(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  }
}

/** Runs a command in the project directory, collecting its output; prints how long it took. */
function command(what: string, bin: string, args: string[], extra: NodeJS.ProcessEnv): Promise<Ran> {
  const started = Date.now()
  const child = spawn(bin, args, { cwd: project, env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const limit = setTimeout(() => child.kill('SIGKILL'), 300_000)
  return new Promise((done) =>
    child.on('close', (status, signal) => {
      clearTimeout(limit)
      process.stdout.write(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
      done({ status, signal, stdout, stderr })
    }),
  )
}

/** What is still on the host under `dir`, but a loop device already detached that only others' mount copies hold. */
function leftoversUnder(dir: string): Leftover[] {
  return findLeftovers(dir).filter((l) => !(l.kind === 'loop device' && awaitingFree(l.target)))
}

describe('the installed kit', { concurrency: 1, timeout: 600_000 }, () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'boxlite-disk-spec-kit-'))
    assert.ok(!work.startsWith(`${ROOT}/`), 'the install must be outside the repository')
    project = join(work, 'project')
    mkdirSync(project)
    const pack = timed('npm pack', () =>
      spawnSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }),
    )
    assert.equal(pack.status, 0, shown(pack))
    const tarball = join(work, pack.stdout.trim().split('\n').pop() ?? '')
    assert.ok(existsSync(tarball), `npm pack named ${tarball}\n${shown(pack)}`)
    const install = timed('npm install of the tarball', () =>
      spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
        cwd: project,
        encoding: 'utf8',
      }),
    )
    assert.equal(install.status, 0, shown(install))
    kit = join(project, 'node_modules', '.bin', 'boxlite-disk-spec')
    // An offline image for the doctor's probe, so it boots at once instead of first trying a registry.
    const image = spawnSync(
      join(project, 'node_modules', '.bin', 'refbox'),
      ['build-image', '--out', join(work, 'image')],
      {
        encoding: 'utf8',
      },
    )
    assert.equal(image.status, 0, shown(image))
  })

  after(async () => {
    if (!work) return
    // Whatever a failed case left: the kit's own clean first, then by the markers under the test's TMPDIRs.
    for (const t of existsSync(work) ? readdirSync(work).filter((e) => e.startsWith('tmp-')) : []) {
      if (kit) spawnSync(kit, ['clean'], { cwd: project, env: env({ TMPDIR: join(work, t) }), timeout: 120_000 })
      await releaseLeftovers(join(work, t))
    }
    rmSync(work, { recursive: true, force: true })
  })

  it('runs the self-test where installed, writes the reports there, and doctor names the host class', async () => {
    const tmp = join(work, 'tmp-self-test')
    mkdirSync(tmp)
    // Side by side: the doctor's probe mostly waits for a boot, the run mostly computes.
    const [run, doctor] = await Promise.all([
      command(
        'npx boxlite-disk-spec run --self-test (one scenario)',
        'npx',
        ['boxlite-disk-spec', 'run', '--self-test', '--tags', '@disk-guest', '--name', SCENARIO],
        { TMPDIR: tmp },
      ),
      command('npx boxlite-disk-spec doctor', 'npx', ['boxlite-disk-spec', 'doctor'], {
        TMPDIR: tmp,
        BOXLITE_ROOTFS: join(work, 'image'),
      }),
    ])
    assert.equal(run.status, 0, shown(run))
    assert.match(run.stderr, /run guard: 1 scenarios ran, all passed/, shown(run))
    // refbox runs as the build the tarball carries: an install has neither reason nor, maybe, a tsc to rebuild it.
    assert.doesNotMatch(run.stderr, /building dist\/refbox/, shown(run))
    for (const file of ['summary.md', 'summary.html', 'cucumber-junit.xml', 'cucumber-report.html'])
      assert.ok(existsSync(join(project, 'reports', file)), `${file} is not in the caller's reports/\n${shown(run)}`)
    // The suite is named by the package's version: an installed package is no git checkout.
    assert.match(
      readFileSync(join(project, 'reports', 'summary.md'), 'utf8'),
      new RegExp(`Suite revision \\| ${VERSION} \\|`),
    )
    // The refbox image went to the user's cache, not into the installed package.
    assert.ok(existsSync(join(work, 'cache', 'boxlite-disk-spec', VERSION, 'refbox-image', 'index.json')))
    assert.ok(!existsSync(join(project, 'node_modules', 'boxlite-disk-spec', '.refbox-image')))

    assert.match(doctor.stdout, /^kvm: .*\(class (no-kvm|kvm-cannot-boot|boots)\)$/m, shown(doctor))
    for (const line of ['node', 'runtime', 'preflight', 'tools', 'space', 'leftovers'])
      assert.match(doctor.stdout, new RegExp(`^${line}: `, 'm'), shown(doctor))
    const canStart = /^doctor: a run can start here\.$/m.test(doctor.stdout)
    assert.equal(doctor.status, canStart ? 0 : 1, shown(doctor))
    assert.equal(
      canStart,
      /^kvm: .*\(class boots\)$/m.test(doctor.stdout),
      `only a host that boots can start a run\n${shown(doctor)}`,
    )
  })

  it('clean removes every box, process, mount, loop device and home of a run killed in host-full', async () => {
    const tmp = join(work, 'tmp-killed')
    mkdirSync(tmp)
    const started = Date.now()
    // The kit's own process runs cucumber: SIGKILL to it alone leaves its boxes as a killed run does.
    const run = spawn(kit, ['run', '--self-test', '--tags', '@host-full'], {
      cwd: project,
      env: env({ TMPDIR: tmp }),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    run.stdout.on('data', (d) => (output += d))
    run.stderr.on('data', (d) => (output += d))
    const exited = new Promise<void>((done) => run.on('exit', () => done()))
    try {
      // Mid-scenario: the small home is loop-mounted and the victim is filling it.
      const reached = await pollUntil(
        () => ({
          loop: findLeftovers(tmp).some((l) => l.kind === 'loop device' && l.detail.endsWith('home-fs.img')),
          filling: fillsUnder(tmp),
        }),
        (s) => (s.loop && s.filling) || run.exitCode !== null,
        { intervalMs: 50, timeoutMs: 180_000 },
      )
      assert.ok(
        reached.ok && reached.value.loop && reached.value.filling,
        `the run never filled its small home:\n${output}`,
      )
      process.kill(run.pid as number, 'SIGKILL')
      await exited
      process.stdout.write(`run until killed mid-scenario: ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
      const before = leftoversUnder(tmp)
      for (const kind of ['process', 'mount', 'loop device'] as const)
        assert.ok(
          before.some((l) => l.kind === kind),
          `the killed run left no ${kind} (nothing for clean to do?)\n${before.map((l) => l.detail).join('\n')}`,
        )

      const clean = timed('boxlite-disk-spec clean', () =>
        spawnSync(kit, ['clean'], { cwd: project, env: env({ TMPDIR: tmp }), encoding: 'utf8', timeout: 180_000 }),
      )
      assert.equal(clean.status, 0, shown(clean))
      assert.match(clean.stdout, /^clean: removed mount \/dev\/loop\d+ on .*\/home \(ext4\)$/m, shown(clean))
      assert.match(clean.stdout, /^clean: removed loop device \/dev\/loop\d+ backed by .*\/home-fs\.img/m, shown(clean))
      assert.match(clean.stdout, /^clean: removed run directory /m, shown(clean))
      const left = leftoversUnder(tmp)
      assert.deepEqual(left, [], `left on the host:\n${left.map((l) => `${l.kind}: ${l.detail}`).join('\n')}`)
      const suite = join(tmp, 'boxlite-disk-spec')
      assert.deepEqual(existsSync(suite) ? readdirSync(suite) : [], [], `run directories left under ${suite}`)

      const again = spawnSync(kit, ['clean'], { cwd: project, env: env({ TMPDIR: tmp }), encoding: 'utf8' })
      assert.match(again.stdout, /^clean: nothing left by a killed run/m, shown(again))
    } finally {
      if (run.exitCode === null && run.signalCode === null) process.kill(run.pid as number, 'SIGKILL')
    }
  })
})

/** A refbox call of the run (its command line names the run's TMPDIR) filling a box's rootfs. */
function fillsUnder(dir: string): boolean {
  return processIds().some((pid) => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
      return cmdline.includes(dir) && / exec .*dd if=\/dev\/zero of=\/fill/.test(cmdline)
    } catch {
      return false
    }
  })
}
