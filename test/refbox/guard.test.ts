/**
 * The exec-escape guard: exec and cp must only ever enter the live box whose `/` is the box disk.
 * Every refusal is checked two ways: the guard itself, and `refbox exec` after the box's recorded
 * pid is pointed somewhere else (the command must not run: its marker must not appear on the host).
 */
import { expect } from 'chai'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { GuardRefusal, makedev, openBoxHandles, parseMajMin } from '../../src/refbox/guard'
import { refOf, type ProcRef } from '../../src/refbox/proc'
import { destroyHome, freshHome, refbox, refboxOk, runBox } from './helpers'

describe('exec escape guard', () => {
  let home: string
  let id: string
  let stateFile: string
  let state: { id: string; main: ProcRef; unshare: ProcRef; shim: ProcRef; rootDev: string }
  let hostProcess: ChildProcess

  before(async () => {
    home = freshHome('guard')
    id = await runBox(home)
    stateFile = join(home, 'boxes', id, 'state.json')
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as typeof state
    hostProcess = spawn('sleep', ['600'], { stdio: 'ignore' })
    await new Promise((r) => hostProcess.once('spawn', r))
  })
  after(async () => {
    hostProcess.kill('SIGKILL')
    expect(await destroyHome(home)).to.deep.equal([])
  })

  const refusal = (box: Parameters<typeof openBoxHandles>[0]): string => {
    try {
      openBoxHandles(box).close()
    } catch (e) {
      expect(e).to.be.instanceOf(GuardRefusal)
      return (e as Error).message
    }
    throw new Error('the guard let the target through')
  }

  it("admits the box's own pid 1, whose root is the box disk", () => {
    const h = openBoxHandles(state)
    h.close()
    const dev = parseMajMin(state.rootDev)!
    expect(dev.major).to.equal(7)
    expect(makedev(7, 3)).to.equal(0x703)
    expect(makedev(259, 300)).to.equal(0x11032c) // glibc encoding with a minor above 255
  })

  it('refuses a host process', () => {
    expect(refusal({ id, main: refOf(hostProcess.pid!), rootDev: state.rootDev })).to.include(
      "/ is the host's root filesystem",
    )
  })

  it("refuses the box's unshare process: it is in the box's mount namespace but its root is the host's", () => {
    expect(state.unshare).to.not.equal(undefined)
    expect(refusal({ id, main: state.unshare, rootDev: state.rootDev })).to.include("host's root filesystem")
  })

  it('refuses a recorded pid whose start time does not match (pid reuse), and a dead pid', () => {
    expect(
      refusal({ id, main: { pid: state.main.pid, startTime: state.main.startTime + 1 }, rootDev: state.rootDev }),
    ).to.include('not running')
    expect(refusal({ id, main: { pid: 2 ** 22 + 7, startTime: 1 }, rootDev: state.rootDev })).to.include('not running')
  })

  it('refuses when the recorded root device is not the loop disk the box runs on', () => {
    const dev = parseMajMin(state.rootDev)!
    expect(refusal({ id, main: state.main, rootDev: `7:${dev.minor + 1}` })).to.include('not on the box disk')
    expect(refusal({ id, main: state.main, rootDev: '8:1' })).to.include('not a loop device')
    expect(refusal({ id, main: state.main, rootDev: undefined })).to.include('no root device')
  })

  it('makes exec and cp refuse, running nothing, when the recorded pid is a host process', async () => {
    const original = readFileSync(stateFile, 'utf8')
    const marker = join(home, 'escaped-marker')
    const tampered = { ...(JSON.parse(original) as typeof state), main: refOf(hostProcess.pid!) }
    writeFileSync(stateFile, JSON.stringify(tampered))
    try {
      // Inside the box this path does not exist; on the host it would be created if the guard failed.
      const r = await refbox(home, ['exec', id, '--', 'touch', marker])
      expect(r.code).to.equal(1)
      expect(r.stderr).to.include(`refusing to enter box ${id}`)
      expect(existsSync(marker)).to.equal(false)
      const src = join(home, 'src.txt')
      writeFileSync(src, 'x')
      const cp = await refbox(home, ['cp', src, `${id}:/root/x`])
      expect(cp.code).to.equal(1)
      expect(cp.stderr).to.include('refusing to enter box')
    } finally {
      writeFileSync(stateFile, original)
    }
    expect(
      (await refboxOk(home, ['exec', id, '--', 'sh', '-c', `touch ${marker} 2>/dev/null; echo ok`])).trim(),
    ).to.equal('ok')
    expect(existsSync(marker)).to.equal(false)
  })
})
