/** refbox's CLI contract without booting boxes: exit codes, messages, the home lock. */
import { expect } from 'chai'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { destroyHome, freshHome, refbox, testImage } from './helpers'

describe('refbox CLI', () => {
  let home: string
  before(() => {
    home = freshHome('cli')
  })
  after(async () => {
    expect(await destroyHome(home)).to.deep.equal([])
  })

  it("rejects a relative home with BoxLite's message and exit 1", async () => {
    const r = await refbox('relative/home', ['list'])
    expect(r.code).to.equal(1)
    expect(r.stderr).to.include('Error: home_dir must be absolute path, got: relative/home')
    expect(r.stderr).not.to.match(/\n\s+at /) // no stack trace
  })

  it('uses BOXLITE_HOME when --home is absent, and refuses when neither is given', async () => {
    const ok = await refbox(undefined, ['list', '--format', 'json'], { env: { BOXLITE_HOME: home } })
    expect(ok.code).to.equal(0)
    expect(JSON.parse(ok.stdout)).to.deep.equal([])
    const none = await refbox(undefined, ['list'], { env: { BOXLITE_HOME: '' } })
    expect(none.code).to.equal(1)
    expect(none.stderr).to.include('--home')
  })

  it('reports unknown boxes like boxlite does', async () => {
    const exec = await refbox(home, ['exec', 'AAAAAAAAAAAA', '--', 'true'])
    expect([exec.code, exec.stderr.trim()]).to.deep.equal([1, 'Error: No such box: AAAAAAAAAAAA'])
    const rm = await refbox(home, ['rm', '-f', 'nosuchbox'])
    expect(rm.code).to.equal(1)
    expect(rm.stderr).to.include("Error removing box 'nosuchbox': box not found: nosuchbox")
    const stop = await refbox(home, ['stop', 'nosuchbox'])
    expect(stop.code).to.equal(1)
    expect(stop.stderr).to.include('Error: No such box: nosuchbox')
    const inspect = await refbox(home, ['inspect', 'nosuchbox'])
    expect([inspect.code, inspect.stdout.trim()]).to.deep.equal([1, '[]'])
    expect(inspect.stderr).to.include('Error: no such box: nosuchbox')
  })

  it('exits 2 on usage errors and malformed sizes', async () => {
    for (const args of [
      ['run', '-d', '--bogus', '--rootfs', '/x'],
      ['run', '-d', '--disk-size', '1.5x', '--rootfs', '/x'],
      ['run', '-d', '--disk-size', '0', '--rootfs', '/x'],
      ['run', '-d', '--memory', '-5', '--rootfs', '/x'],
      ['exec', 'AAAAAAAAAAAA'],
      ['list', '--format', 'xml'],
      ['frobnicate'],
    ]) {
      const r = await refbox(home, args)
      expect(r.code, args.join(' ')).to.equal(2)
      expect(r.stderr, args.join(' ')).to.match(/^Error: /)
    }
  })

  it('fails clearly on a missing rootfs layout and on an image it cannot pull offline', async () => {
    const missing = join(home, 'no-such-layout')
    const r = await refbox(home, ['run', '-d', '--rootfs', missing, 'sleep', '1'])
    expect(r.code).to.equal(1)
    expect(r.stderr).to.include(`Local image must contain oci-layout file, not found at: ${missing}/oci-layout`)
    const img = await refbox(home, ['run', '-d', 'alpine:latest', 'sleep', '1'])
    expect(img.code).to.equal(1)
    expect(img.stderr).to.include("cannot resolve image 'alpine:latest'")
    expect(existsSync(join(home, 'boxes')) ? readdirSync(join(home, 'boxes')) : []).to.deep.equal([])
  })

  it('rejects an unknown defect name, listing the known ones', async () => {
    const r = await refbox(home, ['list'], { env: { REFBOX_DEFECTS: 'no-tmpfs,warp-drive' } })
    expect(r.code).to.equal(1)
    expect(r.stderr).to.include('unknown defect in REFBOX_DEFECTS: warp-drive')
    expect(r.stderr).to.include('shared-disk')
  })

  it('holds <home>/.lock for its whole run: a second runtime on the home fails at once', async () => {
    mkdirSync(home, { recursive: true })
    writeFileSync(join(home, '.lock'), '')
    // Another runtime holds the lock (what a long `exec` does).
    const holder = spawn('flock', ['-x', '--no-fork', join(home, '.lock'), 'sleep', '30'], { stdio: 'ignore' })
    try {
      const deadline = Date.now() + 5000
      let r = await refbox(home, ['list'])
      while (r.code === 0 && Date.now() < deadline) r = await refbox(home, ['list']) // until flock has it
      expect(r.code).to.equal(1)
      expect(r.stderr).to.equal(
        `Error: Another BoxliteRuntime is already using directory: ${home}\nOnly one runtime instance can use a ` +
          `BOXLITE_HOME directory at a time.\n`,
      )
    } finally {
      holder.kill('SIGKILL')
      await new Promise((r) => holder.once('exit', r))
    }
    expect((await refbox(home, ['list'])).code).to.equal(0)
  })

  it('keeps the lock during a long exec, and a detached box does not hold it', async () => {
    const id = (await refbox(home, ['run', '-d', '--rootfs', testImage(), 'sleep', '600'])).stdout.trim()
    expect(id).to.match(/^[0-9A-Za-z]{12}$/)
    expect((await refbox(home, ['list', '-q'])).stdout.trim()).to.equal(id) // run -d returned: lock free
    const long = refbox(home, ['exec', id, '--', 'sleep', '3'])
    await new Promise((r) => setTimeout(r, 1000))
    const blocked = await refbox(home, ['list'])
    expect(blocked.code).to.equal(1)
    expect(blocked.stderr).to.include('Another BoxliteRuntime is already using directory')
    expect((await long).code).to.equal(0)
    expect((await refbox(home, ['rm', '-f', id])).code).to.equal(0)
  })
})
