/**
 * refbox boxes end to end, through the real CLI and the real disk stack: each test asserts effects
 * on the box and on the host (allocated bytes, loop devices, mounts, processes).
 */
import { expect } from 'chai'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { imageEntries, writeLayout } from '../../src/refbox/build-image'
import { allocatedBytes, treeAllocatedBytes } from '../../src/host/footprint'
import { pollUntil } from '../../src/host/poll'
import { destroyHome, freshHome, leftovers, refbox, refboxOk, runBox, sh, testImage } from './helpers'

/** What `refbox list --format json` and `refbox inspect` print, as far as these tests read it. */
interface ListRow {
  readonly ID: string
  readonly Status: string
  readonly CreatedAt: string
}
interface Inspected {
  readonly Status: string
  readonly State: { readonly Running: boolean; readonly Pid: number }
}
const listed = async (home: string, ...flags: string[]): Promise<ListRow[]> =>
  JSON.parse(await refboxOk(home, ['list', ...flags, '--format', 'json'])) as ListRow[]

const MiB = 1024 * 1024

/** `df -P /` in the box: total and available KiB. */
async function df(home: string, id: string): Promise<{ totalKiB: number; availKiB: number }> {
  const r = await sh(home, id, 'df -P / | tail -n 1')
  expect(r.code, r.stderr).to.equal(0)
  const f = r.stdout.trim().split(/\s+/)
  return { totalKiB: Number(f[1]), availKiB: Number(f[3]) }
}

const FILL = 'dd if=/dev/zero of=/fill bs=1M count=4096; sync'

describe('refbox boxes', () => {
  let home: string
  before(() => {
    home = freshHome('box')
    testImage()
  })
  after(async () => {
    expect(await destroyHome(home)).to.deep.equal([])
  })

  it('gives each box its own bounded ext4 as /, with tmpfs /tmp and a minimal /dev', async () => {
    const id = await runBox(home)
    try {
      const mounts = (await sh(home, id, 'cat /proc/mounts')).stdout
      expect(mounts).to.match(/^\/dev\/loop\d+ \/ ext4 rw,.*discard/m)
      expect(mounts).to.match(/^tmpfs \/tmp tmpfs /m)
      const { totalKiB } = await df(home, id)
      expect(totalKiB * 1024).to.be.within(50 * MiB, 2048 * MiB)
      expect((await sh(home, id, 'ls /dev')).stdout.split(/\s+/).filter(Boolean).sort()).to.deep.equal([
        'full',
        'null',
        'random',
        'urandom',
        'zero',
      ])
      const probe = `refbox-probe-${randomBytes(6).toString('hex')}`
      expect((await sh(home, id, `echo in-box > /${probe} && cat /${probe}`)).stdout).to.equal('in-box\n')
      expect(existsSync(`/${probe}`), 'a box write must not reach the host /').to.equal(false)
      const row = await listed(home)
      expect(row).to.have.length(1)
      expect(row[0]).to.include({ ID: id, Status: 'Running' })
      expect(row[0].CreatedAt).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/)
      const [info] = JSON.parse(await refboxOk(home, ['inspect', id])) as Inspected[]
      expect(info.Status).to.equal('running')
      expect(info.State.Running).to.equal(true)
      expect(info.State.Pid).to.be.a('number').greaterThan(1)
    } finally {
      await refboxOk(home, ['rm', '-f', id])
    }
  })

  it('passes exit codes and separate stdout/stderr through exec; exec -d returns at once', async () => {
    const id = await runBox(home, ['--name', 'execbox'])
    try {
      const r = await sh(home, 'execbox', 'echo out; echo err >&2; exit 42')
      expect(r).to.deep.include({ code: 42, stdout: 'out\n', stderr: 'err\n' })
      expect((await sh(home, id, 'kill -TERM $$')).code).to.equal(143)
      // The detached command cannot finish before we let it (a sleep raced the next call on a busy host).
      const d = await refbox(home, [
        'exec',
        '-d',
        id,
        '--',
        'sh',
        '-c',
        'while [ ! -e /root/go ]; do sleep 0.1; done; echo done > /root/detached',
      ])
      expect(d).to.deep.include({ code: 0, stdout: '', stderr: '' })
      expect((await sh(home, id, 'cat /root/detached 2>/dev/null || echo missing')).stdout).to.equal('missing\n')
      await sh(home, id, 'touch /root/go')
      const finished = await pollUntil(
        async () => (await sh(home, id, 'cat /root/detached 2>/dev/null')).stdout,
        (out) => out === 'done\n',
        { intervalMs: 200, timeoutMs: 10_000 },
      )
      expect(finished.value).to.equal('done\n')
      const missing = await refbox(home, ['exec', id, '--', '/no/such/binary'])
      expect(missing.code).to.not.equal(0)
    } finally {
      await refboxOk(home, ['rm', '-f', id])
    }
  })

  it('ends a fill with ENOSPC while exec, image files and /tmp keep working', async () => {
    const id = await runBox(home)
    try {
      const before = (await sh(home, id, 'sha256sum /etc/os-release')).stdout
      const fill = await sh(home, id, FILL)
      expect(fill.stderr).to.include('No space left on device')
      expect((await df(home, id)).availKiB).to.be.below(1024)
      expect((await sh(home, id, 'echo alive')).stdout).to.equal('alive\n')
      expect((await sh(home, id, 'sha256sum /etc/os-release')).stdout).to.equal(before)
      expect((await sh(home, id, 'echo t > /tmp/t && cat /tmp/t')).stdout).to.equal('t\n')
      expect((await sh(home, id, 'rm /fill && sync && echo x > /after && cat /after')).stdout).to.equal('x\n')
      expect((await listed(home))[0].Status).to.equal('Running')
    } finally {
      await refboxOk(home, ['rm', '-f', id])
    }
  })

  it('does not let two boxes share space', async () => {
    const a = await runBox(home)
    const b = await runBox(home)
    try {
      const bBefore = await df(home, b)
      expect((await sh(home, a, FILL)).stderr).to.include('No space left on device')
      const bAfter = await df(home, b)
      expect(Math.abs(bAfter.availKiB - bBefore.availKiB)).to.be.below(4096)
      expect((await sh(home, b, 'dd if=/dev/zero of=/b bs=1M count=8 && sync')).code).to.equal(0)
      expect((await sh(home, a, 'test -e /b && echo shared || echo separate')).stdout).to.equal('separate\n')
    } finally {
      await refboxOk(home, ['rm', '-f', a, b])
    }
  })

  it('keeps a file across stop and start (same overlay); stop is idempotent', async () => {
    const id = await runBox(home)
    try {
      const sum = (await sh(home, id, 'head -c 3000000 /dev/urandom > /root/data && sha256sum /root/data')).stdout
      expect(await refboxOk(home, ['stop', id])).to.equal(`${id}\n`)
      expect((await listed(home, '-a'))[0].Status).to.equal('Stopped')
      expect((await refbox(home, ['list', '-q'])).stdout).to.equal('') // only running boxes
      expect(leftovers(home)).to.deep.equal([])
      await refboxOk(home, ['stop', id])
      expect(await refboxOk(home, ['start', id])).to.equal(`${id}\n`)
      expect((await sh(home, id, 'sha256sum /root/data')).stdout).to.equal(sum)
    } finally {
      await refboxOk(home, ['rm', '-f', id])
    }
  })

  it('refuses rm of a running box without -f; rm -f removes the box dir and frees its host space', async () => {
    const id = await runBox(home)
    const boxDir = join(home, 'boxes', id)
    const refused = await refbox(home, ['rm', id])
    expect(refused.code).to.equal(1)
    expect(refused.stderr).to.include('invalid state: cannot remove box')
    const pre = treeAllocatedBytes(home)
    await sh(home, id, FILL)
    expect(treeAllocatedBytes(home) - pre).to.be.above(150 * MiB)
    expect(await refboxOk(home, ['rm', '-f', id])).to.equal(`${id}\n`)
    expect(existsSync(boxDir)).to.equal(false)
    expect(treeAllocatedBytes(home)).to.be.below(pre + 2 * MiB)
    expect(leftovers(home)).to.deep.equal([])
  })

  it('gives deleted space back to the host: the qcow2 shrinks after rm + sync (discard)', async () => {
    const id = await runBox(home)
    try {
      const qcow2 = join(home, 'boxes', id, 'disks', 'disk.qcow2')
      const start = allocatedBytes(qcow2)
      await sh(home, id, 'dd if=/dev/zero of=/big bs=1M count=120 && sync')
      expect(allocatedBytes(qcow2) - start).to.be.above(100 * MiB)
      await sh(home, id, 'rm /big && sync')
      const deadline = Date.now() + 15_000
      while (allocatedBytes(qcow2) > start + 30 * MiB && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 500))
      expect(allocatedBytes(qcow2)).to.be.below(start + 30 * MiB)
    } finally {
      await refboxOk(home, ['rm', '-f', id])
    }
  })

  it('grows the filesystem to --disk-size', async () => {
    const id = await runBox(home, ['--disk-size', '1'])
    try {
      expect((await df(home, id)).totalKiB * 1024).to.be.within(900 * MiB, 1024 * MiB)
    } finally {
      await refboxOk(home, ['rm', '-f', id])
    }
  })

  it('copies host files in, refuses /tmp, and fails a too-large copy without leaving a partial file', async () => {
    const id = await runBox(home)
    const files = join(home, 'host-files')
    mkdirSync(files, { recursive: true })
    try {
      const small = join(files, 'small.bin')
      writeFileSync(small, randomBytes(200_000))
      expect((await refbox(home, ['cp', small, `${id}:/root/small.bin`])).code).to.equal(0)
      const hash = createHash('sha256').update(readFileSync(small)).digest('hex')
      expect((await sh(home, id, 'sha256sum /root/small.bin')).stdout.split(' ')[0]).to.equal(hash)
      expect((await refbox(home, ['cp', small, `${id}:/root/`])).code).to.equal(0) // into a directory
      const tmp = await refbox(home, ['cp', small, `${id}:/tmp/x`])
      expect(tmp.code).to.equal(1)
      expect(tmp.stderr).to.include('/tmp')
      expect((await refbox(home, ['cp', small, `${id}:/root/../etc/x`])).stderr).to.include('must not contain')
      expect((await refbox(home, ['cp', join(files, 'nope'), `${id}:/root/x`])).stderr).to.include('does not exist')

      const big = join(files, 'big.bin')
      const free = (await df(home, id)).availKiB * 1024
      writeFileSync(big, '')
      truncateSync(big, 2 * free) // sparse on the host: costs nothing
      const r = await refbox(home, ['cp', big, `${id}:/root/big.bin`])
      expect(r.code).to.equal(1)
      expect(r.stderr).to.include('No space left on device')
      expect(
        (await sh(home, id, 'ls -a /root')).stdout
          .split('\n')
          .filter((n) => n.startsWith('big') || n.includes('refbox-cp')),
      ).to.deep.equal([])
      expect((await sh(home, id, 'echo alive')).stdout).to.equal('alive\n')
    } finally {
      await refboxOk(home, ['rm', '-f', id])
    }
  })

  it('fails run cleanly when the box cannot come up (an image whose /tmp points at the host)', async () => {
    const layout = join(home, 'bad-layout')
    const entries = imageEntries('/bin/busybox').filter((e) => e.path !== 'tmp')
    writeLayout(
      layout,
      [...entries, { type: 'symlink' as const, path: 'tmp', target: '/etc' }].sort((a, b) =>
        a.path < b.path ? -1 : 1,
      ),
    )
    const r = await refbox(home, ['run', '-d', '--rootfs', layout, 'sleep', '60'])
    expect(r.code).to.equal(1)
    expect(r.stdout).to.equal('')
    expect(r.stderr).to.include("the image's /tmp is a symlink")
    const failed = (await listed(home, '-a')).filter((b) => b.Status === 'Failed')
    expect(failed).to.have.length(1)
    expect(leftovers(home)).to.deep.equal([])
    await refboxOk(home, ['rm', '-f', failed[0].ID])
  })

  it('prune releases what a killed run left behind', async () => {
    const id = await runBox(home)
    const state = JSON.parse(readFileSync(join(home, 'boxes', id, 'state.json'), 'utf8')) as { shim: { pid: number } }
    process.kill(state.shim.pid, 'SIGKILL') // a crash of the box's shim
    // an orphan that still names the box directory, as a crashed helper would
    const { spawn } = await import('node:child_process')
    const orphan = spawn('tail', ['-f', join(home, 'boxes', id, 'disks', 'disk.raw')], {
      stdio: 'ignore',
      detached: true,
    })
    orphan.unref()
    await new Promise((r) => setTimeout(r, 500))
    const out = await refboxOk(home, ['prune'])
    expect(out).to.include(`left by box ${id}`)
    expect(out).to.include(`marked box ${id} stopped`)
    const deadline = Date.now() + 10_000
    while (leftovers(home).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    expect(leftovers(home)).to.deep.equal([])
    expect(await refboxOk(home, ['prune'])).to.equal('nothing to release\n')
    await refboxOk(home, ['rm', '-f', id])
  })
})
