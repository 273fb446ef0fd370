/**
 * refbox's lifecycle corners the crash scenarios rely on: a box directory a killed create left
 * without a record is listed and removable, and so is a running box its record lost; `inspect` reports the shim as the
 * box's host process;
 * `logs` shows the kernel's messages about the box's disk; a torn disk is rebuilt at start.
 */
import { expect } from 'chai'
import { mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pollUntil } from '../../src/host/poll'
import { destroyHome, freshHome, leftovers, refbox, refboxOk, runBox, sh } from './helpers'

describe('refbox lifecycle corners', () => {
  let home: string
  before(() => {
    home = freshHome('lifecycle')
  })
  after(async () => {
    expect(await destroyHome(home)).to.deep.equal([])
  })

  it('lists a box directory without a record (a create killed early) and rm -f removes it', async () => {
    mkdirSync(join(home, 'boxes', 'AAAAAAAAAAAA', 'disks'), { recursive: true })
    const listed = JSON.parse(await refboxOk(home, ['list', '-a', '--format', 'json'])) as Array<{
      ID: string
      Status: string
    }>
    expect(listed.map((b) => [b.ID, b.Status])).to.deep.include(['AAAAAAAAAAAA', 'Failed'])
    await refboxOk(home, ['rm', '-f', 'AAAAAAAAAAAA'])
    expect(JSON.parse(await refboxOk(home, ['list', '-a', '--format', 'json']))).to.deep.equal([])
  })

  it(
    'rm -f stops a running box whose record never got its processes (a run killed just after it launched the ' +
      'shim)',
    async () => {
      const id = await runBox(home)
      const stateFile = join(home, 'boxes', id, 'state.json')
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>
      for (const key of ['shim', 'main', 'qsd', 'unshare', 'startedAt', 'rootDev']) delete state[key]
      writeFileSync(stateFile, JSON.stringify(state))
      await refboxOk(home, ['rm', '-f', id])
      expect(leftovers(home)).to.deep.equal([])
    },
  )

  it("reports the shim as State.Pid and the box disk's kernel messages as its logs", async () => {
    const id = await runBox(home)
    try {
      const pid = Number((await refboxOk(home, ['inspect', '--format', '{{.State.Pid}}', id])).trim())
      expect(statSync(`/proc/${pid}`).isDirectory()).to.equal(true)
      expect(statSync(`/proc/${pid}/cmdline`).isFile()).to.equal(true)
      // Asked again for a few seconds: once, on a host busy with other mounts, the first answer lacked the mount line.
      const mounted = /EXT4-fs \(loop\d+\): mounted filesystem/
      const poll = await pollUntil(
        () => refboxOk(home, ['logs', id]),
        (log) => mounted.test(log),
        { intervalMs: 250, timeoutMs: 5000 },
      )
      expect(poll.value).to.match(mounted)
    } finally {
      // A failed check above must not leave the box to the next test's leftover check.
      await refboxOk(home, ['rm', '-f', id])
    }
  })

  it('rebuilds a torn disk from the base at start and says so', async () => {
    const id = await runBox(home)
    await sh(home, id, 'head -c 4194304 /dev/urandom > /k && sync')
    await refboxOk(home, ['stop', id])
    const qcow2 = join(home, 'boxes', id, 'disks', 'disk.qcow2')
    truncateSync(qcow2, Math.floor(statSync(qcow2).size / 2))
    const r = await refbox(home, ['start', id])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stderr).to.match(/disk was torn .*rebuilt it from the base image/)
    expect((await sh(home, id, 'ls /k')).code).to.not.equal(0)
    await refboxOk(home, ['rm', '-f', id])
    expect(leftovers(home)).to.deep.equal([])
  })
})
