/**
 * The world, host part (the scenarios tagged @host-access): the box's disk file on the host, what
 * a box removal gives back, what a host-driven copy costs, and what is left running afterwards.
 * This is the class cucumber instantiates per scenario (registered in ./register_world).
 */
import { expect } from 'chai'
import { randomBytes } from 'node:crypto'
import { closeSync, openSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { CommandRecord } from '../src/drivers/types'
import { footprintChart, type ChartLine } from '../src/evidence/chart'
import { formatBytes, GiB, KiB, MiB } from '../src/evidence/units'
import { ensureCanary } from '../src/guest/probes'
import { boxDiskFootprint, treeAllocatedBytes } from '../src/host/footprint'
import { findLeftovers } from '../src/host/leftovers'
import { peakDuring, pollUntil } from '../src/host/poll'
import { CALL, WAIT } from './timeouts'
import { GuestWorld } from './world_guest'

export interface FootprintSample {
  readonly label: string
  readonly bytes: number
}

export class DiskWorld extends GuestWorld {
  /** Host footprint of each box's disk over the scenario (the first sample is its start). */
  readonly footprints = new Map<string, FootprintSample[]>()
  /** Growth of the first fill above the start, per box. */
  readonly firstGrowth = new Map<string, number>()
  removal?: CommandRecord
  /** How many small files the reclaim scenario wrote. */
  smallFiles?: number
  copy?: { record: CommandRecord; freeBytes: number; sourceBytes: number; homeBefore: number; homePeak: number }

  diskFootprint(role: string): number {
    return boxDiskFootprint(this.driver.diskPath(this.box(role).id))
  }

  sampleFootprint(role: string, label: string, bytes = this.diskFootprint(role)): FootprintSample {
    const sample = { label, bytes }
    this.footprints.set(role, [...(this.footprints.get(role) ?? []), sample])
    return sample
  }

  /** The first measurement of the box's disk, unless the scenario already took one. */
  sampleStartFootprint(role: string): void {
    if (!this.footprints.get(role)?.length) this.sampleFootprint(role, 'start')
  }

  startFootprint(role: string): number {
    const first = this.footprints.get(role)?.[0]
    if (!first) throw new Error(`${this.named(role)}'s disk was never measured at the start`)
    return first.bytes
  }

  /** Polls (the data may still be on its way to the disk file) until it grew by `bytes`, then judges. */
  async expectDiskGrowth(role: string, bytes: number, label: string): Promise<void> {
    const start = this.startFootprint(role)
    const poll = await pollUntil(() => this.diskFootprint(role), (b) => b - start >= bytes, {
      intervalMs: WAIT.pollInterval * 1000,
      timeoutMs: this.scaled(WAIT.settleGrowth) * 1000,
    })
    this.sampleFootprint(role, label, poll.value)
    if (!this.firstGrowth.has(role)) this.firstGrowth.set(role, poll.value - start)
    this.chart(role, `Disk of ${this.named(role)} on the host`, [{ label: `start + ${formatBytes(bytes)}`, bytes: start + bytes }])
    this.verify(`growth of ${this.named(role)}'s disk on the host`, poll.value - start, '>=', bytes, 'bytes')
  }

  /** After deletes in the box: the disk file must shrink back to `start + within` inside the window. */
  async expectDiskFallsBack(role: string, within: number, windowSeconds: number, label: string): Promise<void> {
    if (this.deletion) expect(this.examine(this.deletion).exitCode, `the delete in the box failed:\n${this.deletion.stderr}`).to.equal(0)
    const start = this.startFootprint(role)
    const poll = await pollUntil(() => this.diskFootprint(role), (b) => b <= start + within, {
      intervalMs: WAIT.pollInterval * 1000,
      timeoutMs: this.scaled(windowSeconds) * 1000,
    })
    this.sampleFootprint(role, label, poll.value)
    this.chart(role, `Disk of ${this.named(role)} on the host`, [{ label: `start + ${formatBytes(within)}`, bytes: start + within }])
    this.log(`measured ${poll.samples} times over ${(poll.elapsedMs / 1000).toFixed(1)} s`)
    const seconds = poll.elapsedMs / 1000
    this.verify(`${this.named(role)}'s disk above its start, ${seconds.toFixed(1)} s after the delete`, poll.value - start, '<=', within, 'bytes', {
      name: 'disk above its start after the delete',
      detail: `${seconds.toFixed(1)} s after the delete`,
      needs: `at most ${formatBytes(within)} within ${windowSeconds} s`,
      figures: [{ name: 'reclaim time', value: seconds, unit: 'seconds' }],
    })
  }

  expectAtMostTimesFirstGrowth(role: string, factor: number, label: string): void {
    const start = this.startFootprint(role)
    const first = this.firstGrowth.get(role)
    if (first === undefined) throw new Error('the first fill was never measured')
    const now = this.sampleFootprint(role, label).bytes
    this.chart(role, `Disk of ${this.named(role)} on the host`, [{ label: `start + ${factor} x first growth`, bytes: start + factor * first }])
    this.verify(`${this.named(role)}'s disk above its start, against ${factor} x the first fill's growth (${formatBytes(first)})`, now - start, '<=', factor * first, 'bytes', {
      name: 'disk above its start after the last fill',
      detail: `${(first > 0 ? (now - start) / first : 0).toFixed(2)} x the first fill's ${formatBytes(first)}`,
      needs: `at most ${factor} x the first fill (${formatBytes(factor * first)})`,
    })
  }

  // ---- removing a box -------------------------------------------------------------------------

  async forceRemove(role: string): Promise<void> {
    const box = this.box(role)
    this.removal = await this.run(`force-remove ${this.named(role)}`, 'judged-later', () =>
      this.driver.remove(box.id, { timeoutSeconds: this.scaled(CALL.forceRemove) }),
    )
    box.removed = true
  }

  /** At least `fraction` of the first fill's growth is given back within the window (polled every 500 ms). */
  async expectGrowthReleased(role: string, fraction: number, windowSeconds: number): Promise<void> {
    expect(this.examine(this.removal).exitCode, 'rm -f of the box failed').to.equal(0)
    const samples = this.footprints.get(role) ?? []
    const peak = samples.at(-1)
    const growth = this.firstGrowth.get(role)
    if (!peak || growth === undefined) throw new Error('the disk was never measured after the fill')
    const diskPath = this.driver.diskPath(this.box(role).id)
    const poll = await pollUntil(() => boxDiskFootprint(diskPath), (b) => peak.bytes - b >= fraction * growth, {
      intervalMs: WAIT.pollInterval * 1000,
      timeoutMs: this.scaled(windowSeconds) * 1000,
    })
    this.sampleFootprint(role, 'after rm -f', poll.value)
    this.chart(role, `Disk of ${this.named(role)} on the host`, [
      { label: `${Math.round(fraction * 100)} % of growth released`, bytes: peak.bytes - fraction * growth },
    ])
    const seconds = poll.elapsedMs / 1000
    this.log(`released ${formatBytes(peak.bytes - poll.value)} of ${formatBytes(growth)} growth after ${seconds.toFixed(1)} s`)
    this.verify(`share of the fill's growth given back within ${windowSeconds} s`, (peak.bytes - poll.value) / growth, '>=', fraction, 'ratio', {
      name: 'share of the growth given back',
      detail: `of ${formatBytes(growth)}, in ${seconds.toFixed(1)} s`,
      needs: `at least ${Math.round(fraction * 100)} % within ${windowSeconds} s`,
      figures: [{ name: 'reclaim time', value: seconds, unit: 'seconds' }],
    })
  }

  /** No process, mount or loop device of the box is left on the host (polled briefly: teardown is asynchronous). */
  async expectNothingOfTheBoxLeft(role: string): Promise<void> {
    const box = this.box(role)
    const boxDir = dirname(dirname(this.driver.diskPath(box.id)))
    const poll = await pollUntil(() => findLeftovers(boxDir, box.id), (l) => l.length === 0, {
      intervalMs: 250,
      timeoutMs: this.scaled(WAIT.leftovers) * 1000,
    })
    expect(poll.value.map((l) => `${l.kind}: ${l.detail}`), `the removed box left things behind on the host`).to.deep.equal([])
  }

  // ---- copying in from the host ---------------------------------------------------------------

  /**
   * Copies a host file of twice the box's free space into it, sampling the home's allocation every
   * 100 ms so that a copy staged on the host (and deleted afterwards) is still seen at its peak.
   */
  async copyInTwiceTheFreeSpace(role: string): Promise<void> {
    const box = this.box(role)
    const proof = await this.proveBounded(role)
    await this.exec(role, 'make sure the canary exists', ensureCanary(proof.budget), CALL.quickProbe, 'must-succeed', { quiet: true })
    const space = await this.rootfsSpace(role)
    const freeBytes = space.availKiB * KiB
    const sourceBytes = Math.min(2 * freeBytes, 2 * proof.budget.totalKiB * KiB, 4 * GiB)
    expect(sourceBytes, 'the box has too little free space for a meaningful copy').to.be.greaterThan(16 * MiB)
    const source = join(this.dirs!.hostFiles, 'oversized.bin')
    writeIncompressibleFile(source, sourceBytes)
    this.log(`host file of ${formatBytes(sourceBytes)} (twice the free ${formatBytes(freeBytes)}) at ${source}, outside the home`)
    const home = this.dirs!.home
    const homeBefore = treeAllocatedBytes(home)
    const { result: record, peak } = await peakDuring(
      () => treeAllocatedBytes(home),
      100,
      this.run('copy the file into the box', 'judged-later', () =>
        this.driver.copyIn(source, box.id, '/oversized.bin', { timeoutSeconds: this.scaled(CALL.copy) }),
      ),
    )
    this.copy = { record, freeBytes, sourceBytes, homeBefore, homePeak: peak }
    this.sampleFootprint(role, 'home before copy', homeBefore)
    this.sampleFootprint(role, 'home, peak during copy', peak)
    box.rootfsFull = true
  }

  expectCopyFailed(): void {
    const { record } = this.copy ?? {}
    this.examine(record)
    expect(record!.timedOut, 'the copy did not fail: it hung until its timeout').to.equal(false)
    expect(record!.exitCode, 'the copy of a file larger than the free space reported success').to.not.equal(0)
  }

  expectHomeGrowthAtMostTwiceFreePlus(role: string, slack: number): void {
    if (!this.copy) throw new Error('no copy was made')
    const { freeBytes, homeBefore, homePeak } = this.copy
    const limit = 2 * freeBytes + slack
    const bars = (this.footprints.get(role) ?? []).filter((s) => s.label.startsWith('home'))
    this.attachChart(`Home directory on the host during the copy`, bars, [{ label: 'before + 2 x free + slack', bytes: homeBefore + limit }])
    this.verify('peak growth of the home on the host during the copy', homePeak - homeBefore, '<=', limit, 'bytes', {
      name: 'peak growth of the home during the copy',
      detail: `the box had ${formatBytes(freeBytes)} free`,
      needs: `at most twice the free space plus ${formatBytes(slack)} (${formatBytes(limit)})`,
    })
  }

  // ---- evidence -------------------------------------------------------------------------------

  chart(role: string, title: string, lines: ChartLine[]): void {
    this.attachChart(title, this.footprints.get(role) ?? [], lines)
  }

  attachChart(title: string, bars: readonly FootprintSample[], lines: ChartLine[]): void {
    if (bars.length === 0) return
    this.attach(footprintChart(title, bars, lines), { mediaType: 'image/svg+xml', fileName: 'host-footprint.svg' })
  }
}

/** Incompressible, not sparse: a copy cannot shrink it or skip holes. Written in 4 MiB chunks. */
function writeIncompressibleFile(path: string, bytes: number): void {
  const chunk = randomBytes(4 * MiB)
  const fd = openSync(path, 'w')
  try {
    for (let left = bytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left))
  } finally {
    closeSync(fd)
  }
}
