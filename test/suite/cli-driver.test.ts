/**
 * The cli driver against a stand-in binary that enforces BoxLite's home lock exactly (a second
 * call on a busy home fails at once): calls on one home must queue, other homes must not wait,
 * and timeouts and interrupts must end calls (and name them) without leaving a process behind.
 */
import { strict as assert } from 'node:assert'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { CliDriver, errorLines, errorText, parseInspectStatus } from '../../src/drivers/cli'
import { renderCommand } from '../../src/shell/command'
import { DriverCallError } from '../../src/drivers/types'

const dir = mkdtempSync(join(tmpdir(), 'cli-driver-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const FAKE = join(dir, 'fake-boxlite')
writeFileSync(
  FAKE,
  `#!/bin/sh
# --home H CMD ...: holds H/.lock for the whole call, like every BoxLite CLI invocation
[ "$1" = --home ] || { echo "Error: no --home" >&2; exit 2; }
home=$2; shift 2
exec 9>"$home/.lock"
flock -n 9 || { echo "Error: Another BoxliteRuntime is already using directory: $home" >&2; exit 1; }
case "$1" in
  run)
    case "$*" in *fail-to-start*) echo "Error: engine reported an error: The VM failed to start." >&2; exit 1;; esac
    echo ABCDEFGHIJKL ;;
  exec) while [ "$1" != -- ]; do shift; done; shift; shift; shift; exec sh -c "$1" ;;
  inspect) echo '[{"Id":"ABCDEFGHIJKL","Status":"running","State":{"Status":"running","Running":true}}]' ;;
  rm) echo "$3" ;;
  *) echo "Error: unknown $1" >&2; exit 2 ;;
esac
`,
)
chmodSync(FAKE, 0o755)

function home(name: string): string {
  const h = join(dir, name)
  mkdirSync(h, { recursive: true })
  return h
}

describe('cli driver', () => {
  it('queues calls on one home, so the home lock never refuses one', async () => {
    const driver = new CliDriver({ bin: FAKE, home: home('queued') })
    const started = Date.now()
    const records = await Promise.all(
      [1, 2, 3, 4].map((i) => driver.exec('ABCDEFGHIJKL', `sleep 0.3; echo call${i}`, { timeoutSeconds: 10 })),
    )
    for (const [i, r] of records.entries()) {
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.stdout.trim(), `call${i + 1}`)
    }
    assert.ok(Date.now() - started >= 1200, 'the four calls ran one after another')
  })

  it('two drivers on one home share the queue', async () => {
    const h = home('shared')
    const [a, b] = await Promise.all([
      new CliDriver({ bin: FAKE, home: h }).exec('X', 'sleep 0.3', { timeoutSeconds: 10 }),
      new CliDriver({ bin: FAKE, home: h }).exec('X', 'sleep 0.3', { timeoutSeconds: 10 }),
    ])
    assert.equal(a.exitCode, 0, a.stderr)
    assert.equal(b.exitCode, 0, b.stderr)
  })

  it('calls on different homes run at the same time', async () => {
    const started = Date.now()
    const rs = await Promise.all(
      ['h1', 'h2', 'h3'].map((n) =>
        new CliDriver({ bin: FAKE, home: home(n) }).exec('X', 'sleep 0.6', { timeoutSeconds: 10 }),
      ),
    )
    rs.forEach((r) => assert.equal(r.exitCode, 0))
    // One after another would take at least 1800 ms; the margin is for a busy host (npm test runs checks side by side).
    assert.ok(Date.now() - started < 1700, 'no home waited for another')
  })

  it('a call that outlives its timeout is ended and reported as timed out, naming the command', async () => {
    const driver = new CliDriver({ bin: FAKE, home: home('timeout'), killGraceMs: 500 })
    const r = await driver.exec('ABCDEFGHIJKL', 'exec sleep 30', { timeoutSeconds: 0.5 })
    assert.equal(r.timedOut, true)
    assert.ok(r.durationMs < 5000)
    assert.match(r.stderr, /timed out after 0.5 s/)
    assert.match(r.command, /exec ABCDEFGHIJKL -- sh -c 'exec sleep 30'/)
    const next = await driver.exec('ABCDEFGHIJKL', 'echo next', { timeoutSeconds: 5 })
    assert.equal(next.stdout.trim(), 'next', 'the home is usable again at once')
  })

  it('interrupt() ends the running call, drops queued ones, and leaves the driver usable', async () => {
    const driver = new CliDriver({ bin: FAKE, home: home('interrupt'), killGraceMs: 500 })
    const running = driver.exec('X', 'exec sleep 30', { timeoutSeconds: 60 })
    const queued = driver.exec('X', 'echo never', { timeoutSeconds: 60 })
    await new Promise((r) => setTimeout(r, 300))
    const started = Date.now()
    await driver.interrupt()
    const [a, b] = await Promise.all([running, queued])
    assert.ok(Date.now() - started < 3000)
    assert.equal(a.timedOut, true)
    assert.equal(b.stdout, '')
    assert.match(b.stderr, /not run: the driver was interrupted/)
    const cleanup = await driver.remove('ABCDEFGHIJKL', { timeoutSeconds: 5 })
    assert.equal(cleanup.exitCode, 0)
  })

  it('create returns the id, or rejects with the runtime message and the record', async () => {
    const driver = new CliDriver({ bin: FAKE, home: home('create') })
    const ok = await driver.create(
      { rootfs: '/img', command: ['sleep', '600'], name: 'n1', memoryMib: 256 },
      { timeoutSeconds: 5 },
    )
    assert.equal(ok.id, 'ABCDEFGHIJKL')
    assert.match(ok.record.command, /run -d --name n1 --memory 256 --rootfs \/img sleep 600$/)
    await assert.rejects(
      driver.create({ image: 'fail-to-start', command: ['sleep', '1'] }, { timeoutSeconds: 5 }),
      (err: unknown) =>
        err instanceof DriverCallError && /The VM failed to start/.test(err.message) && err.record.exitCode === 1,
    )
  })

  it('status reads this box from inspect', async () => {
    const driver = new CliDriver({ bin: FAKE, home: home('status') })
    assert.equal((await driver.status('ABCDEFGHIJKL', { timeoutSeconds: 5 })).status, 'running')
    assert.equal(parseInspectStatus('[{"State":{"Status":"Stopped"}}]'), 'stopped')
    assert.equal(parseInspectStatus('[]'), 'unknown')
    assert.equal(parseInspectStatus('not json'), 'unknown')
  })

  it('a missing binary gives a record that says so, not a crash', async () => {
    const driver = new CliDriver({ bin: join(dir, 'no-such-boxlite'), home: home('missing') })
    const r = await driver.exec('X', 'true', { timeoutSeconds: 5 })
    assert.equal(r.exitCode, -1)
    assert.match(r.stderr, /not found \(set BOXLITE_BIN/)
  })

  it('quotes a failure by its Error: lines, not a warning the runtime logged first', () => {
    const stderr = 'WARN runtime: no hardware virtualization in use\nError: disk full\n  caused by: mkdir\n'
    assert.equal(errorText(stderr), 'Error: disk full')
    assert.deepEqual(errorLines('WARN x\nsomething\n'), [])
    assert.equal(errorText('WARN x\nit broke\n'), 'it broke')
    assert.equal(errorText(''), '')
  })

  it('refuses a relative home and builds copy-pasteable commands', () => {
    assert.throws(() => new CliDriver({ bin: FAKE, home: 'relative/home' }), /absolute path/)
    assert.equal(
      renderCommand('boxlite', ['exec', 'ID', '--', 'sh', '-c', "echo 'hi' > /x"]),
      `boxlite exec ID -- sh -c 'echo '\\''hi'\\'' > /x'`,
    )
  })
})

describe('cli driver interrupt during a create', () => {
  it('lets a box creation in flight finish, so the box has an id to remove', async () => {
    const slowFake = join(dir, 'slow-boxlite')
    writeFileSync(slowFake, `#!/bin/sh\nsleep 0.5\necho ABCDEFGHIJKL\n`)
    chmodSync(slowFake, 0o755)
    const driver = new CliDriver({ bin: slowFake, home: home('create-interrupt'), createGraceMs: 5000 })
    const creating = driver.create({ rootfs: '/img', command: ['sleep', '600'] }, { timeoutSeconds: 10 })
    await new Promise((r) => setTimeout(r, 100))
    await driver.interrupt()
    assert.equal((await creating).id, 'ABCDEFGHIJKL')
  })
})
