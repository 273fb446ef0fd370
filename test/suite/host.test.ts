/** Host-side measurements: allocated (not apparent) bytes, deleted-but-open files, leftovers. */
import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import {
  closeSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { allocatedBytes, boxDiskFootprint, treeAllocatedBytes } from '../../src/host/footprint'
import { endLeftoverProcesses, findLeftovers } from '../../src/host/leftovers'
import { peakDuring, pollUntil, sleep } from '../../src/host/poll'

const dir = mkdtempSync(join(tmpdir(), 'host-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const MiB = 1024 * 1024

describe('footprint', () => {
  it('counts allocated blocks, not apparent size', () => {
    const sparse = join(dir, 'sparse')
    writeFileSync(sparse, '')
    truncateSync(sparse, 100 * MiB)
    assert.ok(allocatedBytes(sparse) < MiB)
    const full = join(dir, 'full')
    writeFileSync(full, Buffer.alloc(2 * MiB, 1))
    assert.ok(allocatedBytes(full) >= 2 * MiB)
    assert.equal(allocatedBytes(join(dir, 'absent')), 0)
  })
  it('still counts a deleted disk that a process holds open', () => {
    const disks = join(dir, 'box', 'disks')
    mkdirSync(disks, { recursive: true })
    const disk = join(disks, 'disk.qcow2')
    writeFileSync(disk, Buffer.alloc(3 * MiB, 1))
    const fd = openSync(disk, 'r')
    try {
      unlinkSync(disk)
      assert.ok(boxDiskFootprint(disk) >= 3 * MiB, 'held open: not given back')
    } finally {
      closeSync(fd)
    }
    assert.equal(boxDiskFootprint(disk), 0)
  })
  it('walks a tree once per inode', () => {
    const tree = join(dir, 'tree')
    mkdirSync(tree)
    writeFileSync(join(tree, 'a'), Buffer.alloc(MiB, 1))
    linkSync(join(tree, 'a'), join(tree, 'b'))
    const total = treeAllocatedBytes(tree)
    assert.ok(total >= MiB && total < 1.5 * MiB)
  })
})

describe('leftovers', () => {
  it('finds a process whose working directory is under the home, and nothing once it is gone', async () => {
    const home = mkdtempSync(join(dir, 'home-'))
    const child = spawn('sleep', ['30'], { cwd: home, stdio: 'ignore' })
    try {
      await sleep(100)
      const found = findLeftovers(home)
      assert.ok(
        found.some((l) => l.kind === 'process' && l.detail.startsWith(`pid ${child.pid} `)),
        JSON.stringify(found),
      )
    } finally {
      child.kill('SIGKILL') // the one process this test started, by its pid
      await new Promise((r) => child.once('exit', r))
    }
    assert.deepEqual(findLeftovers(home), [])
  })

  it(
    'the cleanup ends a leftover process by pid and ' + 'start time, and never a pid whose start time differs',
    async () => {
      const home = mkdtempSync(join(dir, 'home-'))
      const child = spawn('sleep', ['30'], { cwd: home, stdio: 'ignore' })
      const exited = new Promise((r) => child.once('exit', r))
      try {
        await sleep(100)
        const found = findLeftovers(home).filter((l) => l.pid === child.pid)
        assert.equal(found.length, 1, JSON.stringify(found))
        // The same pid with another start time is another process (a reused pid): left alone.
        assert.deepEqual(endLeftoverProcesses([{ ...found[0], startTime: found[0].startTime! + 1 }]), [])
        assert.equal(child.exitCode, null)
        assert.deepEqual(endLeftoverProcesses(found), [found[0].detail])
        await exited
        assert.equal(child.signalCode, 'SIGKILL')
      } finally {
        child.kill('SIGKILL') // a no-op once it is gone
      }
      assert.deepEqual(findLeftovers(home), [])
    },
  )
})

describe('polling', () => {
  it('stops as soon as the condition holds, or reports the last value at the deadline', async () => {
    let n = 0
    const ok = await pollUntil(
      () => ++n,
      (v) => v >= 3,
      { intervalMs: 10, timeoutMs: 1000 },
    )
    assert.deepEqual([ok.ok, ok.value, ok.samples], [true, 3, 3])
    const late = await pollUntil(
      () => 0,
      (v) => v > 0,
      { intervalMs: 20, timeoutMs: 100 },
    )
    assert.equal(late.ok, false)
  })
  it('keeps the peak seen while work runs', async () => {
    let v = 0
    const work = (async () => {
      v = 10
      await sleep(100)
      v = 1
      await sleep(50)
      return 'done'
    })()
    const { result, peak } = await peakDuring(() => v, 10, work)
    assert.equal(result, 'done')
    assert.equal(peak, 10)
  })
})
