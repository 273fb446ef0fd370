/**
 * refbox's snapshots on BoxLite's layout: point in time for stopped and running boxes (a running box's disk is
 * copied while its filesystem is frozen), the state and name rules with BoxLite's words, chain-safe removal,
 * recovery of a pending marker at the next call, removal with the box, and each snapshot defect's effect.
 */
import { expect } from 'chai'
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { destroyHome, freshHome, refbox, refboxOk, runBox, sh, testImage } from './helpers'

interface Listed {
  id: string
  boxId: string
  name: string
  createdAt: number
  containerDiskBytes: number
  sizeBytes: number
}

const marker = async (home: string, id: string) => (await sh(home, id, 'cat /marker')).stdout.trim()
const write = (home: string, id: string, word: string) => sh(home, id, `echo ${word} > /marker && sync`)
const list = async (home: string, id: string, env: NodeJS.ProcessEnv = {}) =>
  JSON.parse(await refboxOk(home, ['snapshot', 'list', id, '--format', 'json'], { env })) as Listed[]

describe('refbox snapshots', () => {
  let home: string
  before(() => {
    home = freshHome('snapshot')
  })
  after(async () => {
    expect(await destroyHome(home)).to.deep.equal([])
  })

  it('restores a stopped box to its snapshot and lists snapshots newest first with their sizes', async () => {
    const id = await runBox(home)
    await write(home, id, 'one')
    await refboxOk(home, ['stop', id])
    expect(await refboxOk(home, ['snapshot', 'create', id, 's1'])).to.equal('s1\n')
    await refboxOk(home, ['start', id])
    await write(home, id, 'two')
    await refboxOk(home, ['stop', id])
    await refboxOk(home, ['snapshot', 'create', id, 's2'])
    const listed = await list(home, id)
    expect(listed.map((s) => s.name)).to.deep.equal(['s2', 's1'])
    expect(listed[0].boxId).to.equal(id)
    expect(listed[0].containerDiskBytes).to.equal(listed[1].containerDiskBytes).and.be.greaterThan(0)
    expect(listed[0].id).to.match(/^[A-Za-z0-9_-]{8}$/)
    await refboxOk(home, ['snapshot', 'restore', id, 's1'])
    expect(existsSync(join(home, 'boxes', id, 'disks', 'disk.qcow2'))).to.equal(true)
    await refboxOk(home, ['start', id])
    expect(await marker(home, id)).to.equal('one')
    await refboxOk(home, ['rm', '-f', id])
  })

  it("copies a running box's disk: writes after the snapshot stay out of it", async () => {
    const id = await runBox(home)
    await write(home, id, 'before')
    await refboxOk(home, ['snapshot', 'create', id, 'live'])
    await write(home, id, 'after')
    const layer = join(home, 'boxes', id, 'snapshots', 'live', 'disk.qcow2')
    expect(spawnSync('qemu-img', ['check', '-U', '-q', layer]).status).to.equal(0)
    const restore = await refbox(home, ['snapshot', 'restore', id, 'live'])
    expect(restore.code).to.equal(1)
    expect(restore.stderr).to.include(
      'Error: invalid state: Cannot restore snapshot while box is running. Stop the box first.',
    )
    expect(await marker(home, id)).to.equal('after')
    await refboxOk(home, ['stop', id])
    await refboxOk(home, ['snapshot', 'restore', id, 'live'])
    await refboxOk(home, ['start', id])
    expect(await marker(home, id)).to.equal('before')
    await refboxOk(home, ['rm', '-f', id])
  })

  it('refuses bad names, duplicates, unknown snapshots and a box never started, in BoxLite words', async () => {
    const fresh = (await refboxOk(home, ['create', '--rootfs', testImage()])).trim()
    const never = await refbox(home, ['snapshot', 'create', fresh, 's'])
    expect(never.stderr).to.match(/^Error: storage error: Container disk not found at .*disk\.qcow2$/m)
    const id = await runBox(home)
    for (const [name, said] of [
      ['.hidden', "Snapshot name cannot start with '.'"],
      ['a/b', 'Snapshot name contains invalid characters'],
      ['x'.repeat(256), 'Snapshot name too long (256 chars, max 255)'],
    ]) {
      const r = await refbox(home, ['snapshot', 'create', id, name])
      expect(r.code, name).to.equal(1)
      expect(r.stderr).to.include(`Error: invalid argument: ${said}`)
    }
    await refboxOk(home, ['snapshot', 'create', id, 'v1'])
    const dup = await refbox(home, ['snapshot', 'create', id, 'v1'])
    expect(dup.stderr).to.include(`Error: already exists: snapshot 'v1' already exists for box '${id}'`)
    const missing = await refbox(home, ['snapshot', 'rm', id, 'nope'])
    expect(missing.stderr).to.include(`Error: box not found: snapshot 'nope' not found for box '${id}'`)
    await refboxOk(home, ['rm', '-f', id, fresh])
  })

  it('refuses to remove a layer the live disk or a newer snapshot reads, and removes a leaf', async () => {
    const id = await runBox(home)
    await refboxOk(home, ['stop', id])
    for (const name of ['v0', 'v1', 'v2']) await refboxOk(home, ['snapshot', 'create', id, name])
    const current = await refbox(home, ['snapshot', 'rm', id, 'v2'])
    expect(current.stderr).to.include('current disk depends on this snapshot')
    await refboxOk(home, ['snapshot', 'restore', id, 'v0'])
    const chained = await refbox(home, ['snapshot', 'rm', id, 'v1'])
    expect(chained.stderr).to.include("Cannot remove snapshot 'v1': snapshot 'v2' depends on it via backing chain")
    await refboxOk(home, ['snapshot', 'rm', id, 'v2'])
    await refboxOk(home, ['snapshot', 'rm', id, 'v1'])
    expect((await list(home, id)).map((s) => s.name)).to.deep.equal(['v0'])
    await refboxOk(home, ['start', id])
    await refboxOk(home, ['rm', '-f', id])
  })

  it('puts a disk a crash left in a pending snapshot back at the next call, and lists no half-made snapshot', async () => {
    const id = await runBox(home)
    await write(home, id, 'kept')
    await refboxOk(home, ['stop', id])
    const box = join(home, 'boxes', id)
    const dir = join(box, 'snapshots', 'cut')
    mkdirSync(dir, { recursive: true })
    renameSync(join(box, 'disks', 'disk.qcow2'), join(dir, 'disk.qcow2'))
    const pending = JSON.stringify({ snapshot_dir: dir, container_disk: join(box, 'disks', 'disk.qcow2') })
    writeFileSync(join(box, '.snapshot_pending'), pending)
    const ignored = await refbox(home, ['start', id], { env: { REFBOX_DEFECTS: 'snapshot-ignores-pending-marker' } })
    expect(ignored.code, 'a start that ignores the marker finds no disk').to.equal(1)
    await refboxOk(home, ['start', id])
    expect(await marker(home, id)).to.equal('kept')
    expect(existsSync(join(box, '.snapshot_pending'))).to.equal(false)
    expect(existsSync(dir)).to.equal(false)
    expect(await list(home, id)).to.deep.equal([])
    await refboxOk(home, ['rm', '-f', id])
  })

  it('removes snapshots with their box; snapshot-layers-outlive-box keeps them under the home', async () => {
    const id = await runBox(home)
    await refboxOk(home, ['snapshot', 'create', id, 'v1'])
    await refboxOk(home, ['rm', '-f', id])
    expect(readdirSync(home)).to.not.include('snapshot-store')
    const leaky = await runBox(home)
    await refboxOk(home, ['snapshot', 'create', leaky, 'v1'])
    await refboxOk(home, ['rm', '-f', leaky], { env: { REFBOX_DEFECTS: 'snapshot-layers-outlive-box' } })
    expect(readdirSync(join(home, 'snapshot-store'))).to.have.length(1)
  })

  it('snapshot-renames-live-disk sends writes made after a live snapshot into it', async () => {
    const env = { REFBOX_DEFECTS: 'snapshot-renames-live-disk' }
    const id = await runBox(home)
    await write(home, id, 'before')
    await refboxOk(home, ['snapshot', 'create', id, 'live'], { env })
    await write(home, id, 'after')
    await refboxOk(home, ['stop', id])
    await refboxOk(home, ['snapshot', 'restore', id, 'live'])
    await refboxOk(home, ['start', id])
    expect(await marker(home, id)).to.equal('after')
    await refboxOk(home, ['rm', '-f', id])
  })

  it('snapshot-drops-child-disk leaves a box that cannot start; the other defects lift their refusals', async () => {
    const id = await runBox(home)
    await refboxOk(home, ['stop', id])
    await refboxOk(home, ['snapshot', 'create', id, 'v1'], { env: { REFBOX_DEFECTS: 'snapshot-drops-child-disk' } })
    expect(existsSync(join(home, 'boxes', id, 'disks', 'disk.qcow2'))).to.equal(false)
    expect((await refbox(home, ['start', id])).code).to.equal(1)
    await refboxOk(home, ['snapshot', 'restore', id, 'v1'])
    await refboxOk(home, ['start', id])
    const running = await refbox(home, ['snapshot', 'restore', id, 'v1'], {
      env: { REFBOX_DEFECTS: 'snapshot-restore-while-running' },
    })
    expect(running.code).to.equal(0)
    await refboxOk(home, ['stop', id])
    await refboxOk(home, ['snapshot', 'rm', id, 'v1'], { env: { REFBOX_DEFECTS: 'snapshot-rm-ignores-chain' } })
    // Its disk's backing file is gone: the start finds it torn and rebuilds it from the image.
    expect((await refbox(home, ['start', id])).stderr).to.include('rebuilt it from the base image')
    await refboxOk(home, ['rm', '-f', id])
  })
})
