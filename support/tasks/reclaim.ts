/**
 * The host side of a box's disk (@host-access): what the box writes to grow it, how far its file
 * grows, whether it falls back when files are deleted in the box, and what a force-removal gives
 * back. Every wait is a poll with the stated window (scaled), and every reading is a sample in the
 * report's chart. Measures only; the Then steps judge.
 */
import { dirname } from 'node:path'
import type { CommandRecord } from '../../src/drivers/types'
import { formatBytes, MiB } from '../../src/evidence/units'
import { deleteSmallFilesInterleaved } from '../../src/guest/files'
import { writeFileOfSize, writeSmallFiles } from '../../src/guest/guarded-writes'
import { boxDiskFootprint } from '../../src/host/footprint'
import { findLeftovers, type Leftover } from '../../src/host/leftovers'
import { pollUntil } from '../../src/host/poll'
import { CALL, WAIT } from '../timeouts'
import { named } from '../parts/boxes'
import type { Scene } from '../parts/scene'
import type { Rootfs } from './rootfs'

const SMALL_FILES_DIR = '/small'

export class Reclaim {
  /** The force-removal, for the Then step. */
  removal?: CommandRecord
  private removedDisk?: { path: string; boxDir: string; id: string }
  private smallFiles = 0

  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  /** A file of exactly `bytes` (whole MiB), synced; it must fit. */
  async writeFile(role: string, path: string, bytes: number): Promise<void> {
    const proof = await this.rootfs.proveBounded(role)
    await this.scene.boxes.exec(role, writeFileOfSize(proof.budget, path, bytes / MiB), CALL.bigWrite, 'must-succeed')
  }

  async writeSmallFiles(role: string, count: number, bytes: number): Promise<void> {
    const proof = await this.rootfs.proveBounded(role)
    this.smallFiles = count
    await this.scene.boxes.exec(role, writeSmallFiles(proof.budget, SMALL_FILES_DIR, count, bytes), CALL.bigWrite, 'must-succeed')
  }

  /** Every other small file, then the rest, so no single free spans a cluster. */
  async deleteSmallFiles(role: string): Promise<void> {
    await this.scene.boxes.exec(role, deleteSmallFilesInterleaved(SMALL_FILES_DIR, this.smallFiles), CALL.bigWrite, 'must-succeed')
  }

  /** Polls until the disk grew by `bytes` above its start (the data may still be on its way); returns the growth. */
  async growth(role: string, bytes: number, label: string): Promise<number> {
    const { host, clock } = this.scene
    const start = host.start(role)
    const poll = await pollUntil(() => host.disk(role), (b) => b - start >= bytes, { intervalMs: WAIT.pollInterval * 1000, timeoutMs: clock.ms(WAIT.settleGrowth) })
    host.sample(role, label, poll.value)
    host.noteGrowth(role, poll.value - start)
    host.chart(role, [{ label: `start + ${formatBytes(bytes)}`, bytes: start + bytes }])
    return poll.value - start
  }

  /** Polls until the disk is back within `within` of its start, or the window passed; returns how far above it is. */
  async fallBack(role: string, within: number, windowSeconds: number, label: string): Promise<{ above: number; seconds: number }> {
    const { host, clock, report } = this.scene
    const start = host.start(role)
    const poll = await pollUntil(() => host.disk(role), (b) => b <= start + within, { intervalMs: WAIT.pollInterval * 1000, timeoutMs: clock.ms(windowSeconds) })
    host.sample(role, label, poll.value)
    host.chart(role, [{ label: `start + ${formatBytes(within)}`, bytes: start + within }])
    report.log(`measured ${poll.samples} times over ${(poll.elapsedMs / 1000).toFixed(1)} s`)
    return { above: poll.value - start, seconds: poll.elapsedMs / 1000 }
  }

  /** The disk above its start now, next to `factor` times the first fill's growth. */
  againstFirstGrowth(role: string, factor: number, label: string): { above: number; first: number } {
    const { host } = this.scene
    const start = host.start(role)
    const first = host.firstGrowth(role)
    const now = host.sample(role, label).bytes
    host.chart(role, [{ label: `start + ${factor} x first growth`, bytes: start + factor * first }])
    return { above: now - start, first }
  }

  async forceRemove(role: string): Promise<void> {
    const box = this.scene.boxes.get(role)
    const { calls, driver, clock } = this.scene
    const path = driver.diskPath(box.id)
    this.removedDisk = { path, boxDir: dirname(dirname(path)), id: box.id }
    this.removal = await calls.run(`force-remove ${named(role)}`, 'judged-later', () => driver.remove(box.id, { timeoutSeconds: clock.seconds(CALL.forceRemove) }))
    box.removed = true
  }

  /** Polls (every 500 ms) until `fraction` of the first fill's growth is given back, or the window passed. */
  async released(role: string, fraction: number, windowSeconds: number): Promise<{ released: number; growth: number; seconds: number }> {
    const { host, clock, report } = this.scene
    const peak = host.latest(role)
    const growth = host.firstGrowth(role)
    if (!peak || !this.removedDisk) throw new Error('the disk was never measured after the fill, or the box was not removed')
    const path = this.removedDisk.path
    const poll = await pollUntil(() => boxDiskFootprint(path), (b) => peak.bytes - b >= fraction * growth, {
      intervalMs: WAIT.pollInterval * 1000,
      timeoutMs: clock.ms(windowSeconds),
    })
    host.sample(role, 'after rm -f', poll.value)
    host.chart(role, [{ label: `${Math.round(fraction * 100)} % of growth released`, bytes: peak.bytes - fraction * growth }])
    const seconds = poll.elapsedMs / 1000
    report.log(`released ${formatBytes(peak.bytes - poll.value)} of ${formatBytes(growth)} growth after ${seconds.toFixed(1)} s`)
    return { released: peak.bytes - poll.value, growth, seconds }
  }

  /** Processes, mounts and loop devices of the removed box still on the host (polled briefly: teardown is asynchronous). */
  async leftovers(): Promise<Leftover[]> {
    if (!this.removedDisk) throw new Error('the box was not removed')
    const { boxDir, id } = this.removedDisk
    const poll = await pollUntil(() => findLeftovers(boxDir, id), (l) => l.length === 0, { intervalMs: 250, timeoutMs: this.scene.clock.ms(WAIT.leftovers) })
    return poll.value
  }
}
