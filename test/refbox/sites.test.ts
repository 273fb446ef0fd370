/**
 * Defect-site coverage on the real refbox (src/refbox/sites.ts): each site is recorded where its
 * defects act, and only there, so the proof's selection has real evidence to go on.
 */
import { expect } from 'chai'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { destroyHome, freshHome, refboxOk, runBox, sh, testImage } from './helpers'

describe('refbox defect sites (REFBOX_SITE_LOG)', () => {
  let home: string
  let log: string
  const env = () => ({ env: { REFBOX_SITE_LOG: log } })
  /** Sites recorded since the last call, in order, without repeats. */
  const sites = () => {
    const lines = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean)
    rmSync(log, { force: true })
    const names = lines.map((l) => JSON.parse(l) as { home: string; site: string; at: number })
    expect(names.every((n) => n.home === home && n.at > 0)).to.equal(true)
    return [...new Set(names.map((n) => n.site))]
  }

  before(() => {
    home = freshHome('sites')
    log = join(home, '..', `${home.split('/').pop()}-sites.ndjson`)
    testImage()
  })
  after(async () => {
    rmSync(log, { force: true })
    expect(await destroyHome(home)).to.deep.equal([])
  })

  it('a box reaches the boot sites, restart and remove only there; nothing is recorded without REFBOX_SITE_LOG', async () => {
    const id = await runBox(home, [], env())
    await sh(home, id, 'echo hello > /hello', env())
    await refboxOk(home, ['stop', id], env())
    expect(sites()).to.deep.equal(['create-requested', 'box-create', 'box-start'])
    await refboxOk(home, ['start', id], env())
    expect(sites()).to.deep.equal(['box-start', 'restart'])
    await sh(home, id, 'rm /hello && sync')
    expect(() => readFileSync(log)).to.throw(/ENOENT/)
    await refboxOk(home, ['rm', '-f', id], env())
    expect(sites()).to.deep.equal(['discard-while-running', 'remove-box'])
  })

  it('a full rootfs, one without inodes, and a second running box reach their sites', async () => {
    const id = await runBox(home, [], env())
    await sh(home, id, 'dd if=/dev/zero of=/fill bs=1M count=4096 2>/dev/null; sync', env())
    expect(sites()).to.include.members(['rootfs-full', 'rootfs-nearly-full'])
    await sh(home, id, 'rm /fill; mkdir /i && cd /i && i=0; while { true > f$i; } 2>/dev/null; do i=$((i + 1)); done', env())
    expect(sites()).to.include('rootfs-out-of-inodes')
    const peer = await runBox(home, [], env())
    await sh(home, peer, 'true', env())
    await refboxOk(home, ['rm', '-f', id, peer], env())
    expect(sites()).to.include.members(['start-beside-running-box', 'exec-beside-running-box', 'discard-while-running'])
  })
})
