/**
 * Defect-site coverage on the real refbox (src/refbox/sites.ts): each site is recorded where its
 * defects act, and only there, so the proof's selection has real evidence to go on.
 */
import { expect } from 'chai'
import { existsSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { derivedSites } from '../../src/refbox/sites'
import { destroyHome, freshHome, refbox, refboxOk, runBox, sh, testImage } from './helpers'

describe('refbox defect sites (REFBOX_SITE_LOG)', () => {
  let home: string
  let log: string
  const env = () => ({ env: { REFBOX_SITE_LOG: log } })
  /** Sites recorded since the last call, in order, one line per invocation and site. */
  const sitesWithRepeats = () => {
    const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []
    rmSync(log, { force: true })
    const names = lines.map((l) => JSON.parse(l) as { home: string; site: string; at: number })
    expect(names.every((n) => n.home === home && n.at > 0)).to.equal(true)
    return names.map((n) => n.site).filter((site) => keepAll || !VARIATION_ONLY.has(site))
  }
  /** Sites only variations act at: left out of the defect tests below, tested on their own at the end. */
  const VARIATION_ONLY = new Set(['home-call', 'box-stop', 'runtime-message', 'list-or-inspect', 'kernel-log-read'])
  let keepAll = false
  /** The same without repeats. */
  const sites = () => [...new Set(sitesWithRepeats())]

  before(() => {
    home = freshHome('sites')
    log = join(home, '..', `${home.split('/').pop()}-sites.ndjson`)
    testImage()
  })
  after(async () => {
    rmSync(log, { force: true })
    expect(await destroyHome(home)).to.deep.equal([])
  })

  it(
    'a box reaches the boot sites, restart and remove only ' + 'there; nothing is recorded without REFBOX_SITE_LOG',
    async () => {
      const id = await runBox(home, [], env())
      await sh(home, id, 'echo hello > /hello', env())
      await refboxOk(home, ['stop', id], env())
      expect(sites()).to.deep.equal(['create-requested', 'create-image-ready', 'box-create', 'box-start', 'box-up'])
      await refboxOk(home, ['start', id], env())
      expect(sites()).to.deep.equal(['box-start', 'restart', 'box-up'])
      await sh(home, id, 'rm /hello && sync')
      expect(() => readFileSync(log)).to.throw(/ENOENT/)
      await refboxOk(home, ['rm', '-f', id], env())
      expect(sites()).to.deep.equal(['discard-while-running', 'remove-box'])
    },
  )

  it(
    'a failed create, a never-started box, a --disk-size ' + 'boot and a torn disk reach their sites, and only they',
    async () => {
      const bad = await refbox(home, ['create', '--rootfs', join(home, 'no-such-layout'), 'true'], env())
      expect(bad.code).to.not.equal(0)
      const failed = sitesWithRepeats()
      expect(failed).to.deep.equal(['create-requested'])
      expect(derivedSites(failed)).to.deep.equal(['create-unfinished'])

      const unstarted = (await refboxOk(home, ['create', '--rootfs', testImage(), 'sleep', '3600'], env())).trim()
      await refboxOk(home, ['rm', '-f', unstarted], env())
      const created = sitesWithRepeats()
      expect(created).to.include.members(['remove-unstarted-box', 'remove-box'])
      expect(derivedSites(created)).to.deep.equal([])

      const plain = await runBox(home, [], env())
      const grown = await runBox(home, ['--disk-size', '1'], env())
      const started = sites()
      expect(started).to.include('start-needing-resize')
      await refboxOk(home, ['stop', plain], env())
      const qcow2 = join(home, 'boxes', plain, 'disks', 'disk.qcow2')
      truncateSync(qcow2, Math.floor(statSync(qcow2).size / 2))
      sites()
      await refboxOk(home, ['start', plain], env())
      expect(sites()).to.include('torn-disk')
      await refboxOk(home, ['rm', '-f', plain, grown], env())
      const removed = sites()
      expect(removed).to.not.include('torn-disk')
      expect(removed).to.not.include('remove-unstarted-box')
      expect(removed).to.not.include('remove-on-full-home')
    },
  )

  it('a full rootfs, one without inodes, a read-only one and a second running box reach their sites', async () => {
    const id = await runBox(home, [], env())
    await sh(home, id, 'dd if=/dev/zero of=/fill bs=1M count=4096 2>/dev/null; sync', env())
    expect(sites()).to.include.members(['rootfs-full', 'rootfs-nearly-full'])
    await sh(
      home,
      id,
      'rm /fill; mkdir /i && cd /i && i=0; while { true > f$i; } 2>/dev/null; do i=$((i + 1)); done',
      env(),
    )
    expect(sites()).to.include('rootfs-out-of-inodes')
    await sh(home, id, 'rm -rf /i; mount -o remount,ro / && touch /x 2>/dev/null; echo "ro=$?"', env())
    expect(sites()).to.include('rootfs-read-only')
    await sh(home, id, 'mount -o remount,rw /', env())
    sites() // forgets the sites of the remount itself: the next command must find the rootfs writable
    await sh(home, id, 'true', env())
    expect(sites()).to.not.include('rootfs-read-only')
    const peer = await runBox(home, [], env())
    await sh(home, peer, 'true', env())
    await refboxOk(home, ['rm', '-f', id, peer], env())
    expect(sites()).to.include.members(['start-beside-running-box', 'exec-beside-running-box', 'discard-while-running'])
  })

  it('the variation sites: every call on a home, a stop, a message, a list or inspect, a kernel log read', async () => {
    keepAll = true
    try {
      const id = await runBox(home, [], env())
      expect(sites()).to.include.members(['home-call', 'box-start']).and.not.include('box-stop')
      await refboxOk(home, ['inspect', id], env())
      expect(sites()).to.deep.equal(['home-call', 'list-or-inspect'])
      await refboxOk(home, ['logs', id], env())
      expect(sites()).to.deep.equal(['home-call', 'kernel-log-read'])
      const missing = await refbox(home, ['stop', 'no-such-box'], env())
      expect(missing.code).to.equal(1)
      expect(sites()).to.deep.equal(['home-call', 'runtime-message'])
      await refboxOk(home, ['rm', '-f', id], env())
      expect(sites()).to.include.members(['box-stop', 'remove-box']).and.not.include('create-on-low-space')
    } finally {
      keepAll = false
    }
  })
})
