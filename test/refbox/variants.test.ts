/**
 * Each REFBOX_VARIANTS switch really changes what it claims to, keeps what the contract fixes (the id
 * alone on stdout, the `Error:` line, exit 1), and still releases everything.
 */
import { expect } from 'chai'
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { reword } from '../../src/refbox/voice'
import { PRECHECK_NEEDS_BYTES } from '../../src/refbox/variant-effects'
import { destroyHome, freshHome, refbox, refboxOk, runBox, testImage } from './helpers'

const on = (names: string) => ({ env: { REFBOX_VARIANTS: names } })
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('refbox benign variations (REFBOX_VARIANTS)', () => {
  let home: string
  before(() => {
    home = freshHome('variants')
    testImage()
  })
  after(async () => {
    await refbox(home, ['rm', '-f', '-a'])
    await pause(6000) // deferred-delete's background deletion
    expect(await destroyHome(home)).to.deep.equal([])
  })

  it('an unknown name is one sentence listing the known ones; --version names the variations on', async () => {
    const bad = await refbox(undefined, ['--version'], on('reworded-errors,nope'))
    expect(bad.code).to.equal(1)
    expect(bad.stderr).to.match(/^Error: unknown variation in REFBOX_VARIANTS: nope; known: reworded-errors, /)
    expect(bad.stderr.trim().split('\n')).to.have.length(1)
    const v = await refboxOk(home, ['--version'], on('list-format,no-kernel-log'))
    expect(v).to.match(/not BoxLite; benign variations: list-format, no-kernel-log\n$/)
  })

  it('reworded-errors: other words, errno texts included; the Error: line and the exit stay', async () => {
    const plain = await refbox(home, ['stop', 'no-such-box'])
    const reworded = await refbox(home, ['stop', 'no-such-box'], on('reworded-errors'))
    expect(plain.stderr).to.include('Error: No such box: no-such-box')
    expect(reworded.code).to.equal(plain.code)
    expect(reworded.stderr).to.match(/^Error: there is no box named no-such-box$/m)
    expect(reworded.stderr).to.not.include('No such box')
    expect(reword('internal error: ENOSPC: no space left on device, mkdir /h/boxes/x')).to.equal(
      'unexpected failure: disk full, mkdir /h/boxes/x',
    )
    expect(reword('creating the box overlay: qemu-img failed (exit 1): No space left on device')).to.not.match(
      /No space left|ENOSPC/i,
    )
  })

  it('stderr-warnings, ids-and-names, list-format: the id alone on stdout, ULID ids, dashed names', async () => {
    const env = on('stderr-warnings,ids-and-names,list-format')
    const run = await refbox(home, ['run', '-d', '--rootfs', testImage(), 'sleep', '3600'], env)
    expect(run.code, run.stderr).to.equal(0)
    expect(run.stderr.split('\n')[0]).to.match(/^WARN /)
    const id = run.stdout.trim()
    expect(run.stdout).to.match(/^[0-9A-HJKMNP-TV-Z]{26}\n$/)
    const list = await refbox(home, ['list', '-a', '--format', 'json'], env)
    expect(list.stdout.trim().split('\n')).to.have.length(1) // compact
    const row = (JSON.parse(list.stdout) as Array<Record<string, unknown>>).find((r) => r.ID === id)
    expect(Object.keys(row!)[0]).to.equal('Names')
    expect(row!.Names).to.match(/^[a-z]+-[a-z]+-\d+$/)
    const inspect = JSON.parse((await refboxOk(home, ['inspect', id], env)).trim()) as Array<Record<string, unknown>>
    expect(Object.keys(inspect[0])[0]).to.equal('State')
    expect((inspect[0].State as { Status: string }).Status).to.equal('running')
    await refboxOk(home, ['rm', '-f', id], env)
  })

  it('no-kernel-log: logs fails with "unsupported" and exit 1', async () => {
    const id = await runBox(home)
    expect((await refbox(home, ['logs', id])).code).to.equal(0)
    const r = await refbox(home, ['logs', id], on('no-kernel-log'))
    expect(r.code).to.equal(1)
    expect(r.stderr).to.match(/^Error: unsupported: this runtime keeps no kernel log/)
    await refboxOk(home, ['rm', '-f', id])
  })

  it("runtime-files, deferred-delete: the runtime's files stay; a box is unlisted at once, gone soon", async () => {
    const env = on('runtime-files,deferred-delete')
    const id = await runBox(home, [], env)
    const log = join(home, 'logs', 'refbox.log')
    const before = readFileSync(log, 'utf8').split('\n').length
    await refboxOk(home, ['rm', '-f', id], env)
    expect(readFileSync(log, 'utf8').split('\n').length).to.be.above(before)
    expect(existsSync(join(home, 'db', 'refbox.db')) && existsSync(join(home, 'locks', 'runtime.lock'))).to.equal(true)
    expect(existsSync(join(home, 'boxes', id))).to.equal(false)
    expect((await refboxOk(home, ['list', '-a', '-q'], env)).split('\n')).to.not.include(id)
    expect(readdirSync(join(home, 'boxes')).some((e) => e.startsWith(`.deleting-${id}`))).to.equal(true)
    await pause(7000)
    expect(readdirSync(join(home, 'boxes')).filter((e) => e.includes(id))).to.deep.equal([])
  })

  it('slow-lifecycle: a stop takes about three times as long', async () => {
    const id = await runBox(home)
    const t0 = Date.now()
    await refboxOk(home, ['stop', id], on('slow-lifecycle'))
    const slow = Date.now() - t0
    await refboxOk(home, ['start', id])
    const t1 = Date.now()
    await refboxOk(home, ['stop', id])
    const quick = Date.now() - t1
    // The variation idles 300 ms before the work and twice the work's time after it: the slow stop is
    // at least 300 ms and, being about three plain stops, longer than one (a margin would only measure load).
    expect(slow, `slow stop ${slow} ms`).to.be.at.least(300)
    expect(slow, `slow stop ${slow} ms, plain stop ${quick} ms`).to.be.above(quick)
    await refboxOk(home, ['rm', '-f', id])
  })

  it('space-precheck: a create on a home with room goes ahead (the host-full scenario shows the refusal)', async () => {
    const fs = statfsSync(home)
    expect(fs.bavail * fs.bsize).to.be.above(PRECHECK_NEEDS_BYTES)
    const id = await runBox(home, [], on('space-precheck'))
    await refboxOk(home, ['rm', '-f', id])
  })
})
