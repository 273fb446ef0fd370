/**
 * The host side of a box's disk (@host-access): whether it falls back when files are deleted in
 * the box, and what a force-removal gives back (its growth: ../common/host-disk.ts). Growth and
 * give-back are measured over the whole home (../../parts/host-meter.ts), so a disk kept anywhere
 * in it counts. Every wait is a poll with the stated window (scaled by the clock), and every reading
 * is a sample in the report's chart. Measures only; the Then steps judge.
 */
import { formatBytes } from '../../../src/evidence/units'
import { deleteSmallFilesInterleaved } from '../../../src/guest/files'
import { writeSmallFiles } from '../../../src/guest/guarded-writes'
import { ownBytes, pathsNaming } from '../../../src/host/home-footprint'
import { findLeftovers, type Leftover } from '../../../src/host/leftovers'
import { CALL, WAIT } from '../../timeouts'
import { BEFORE_THE_BOX, START } from '../../parts/host-meter'
import type { Scene } from '../../parts/scene'
import type { Removal } from '../common/lifecycle'
import type { Rootfs } from '../common/rootfs'

const SMALL_FILES_DIR = '/small'

/** The small files a step wrote, for the step that deletes them. */
export interface SmallFiles {
  readonly dir: string
  readonly count: number
}

export class Reclaim {
  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  async writeSmallFiles(role: string, count: number, bytes: number): Promise<SmallFiles> {
    const proof = await this.rootfs.proveBounded(role)
    await this.scene.boxes.exec(
      role,
      writeSmallFiles(proof.budget, SMALL_FILES_DIR, count, bytes),
      CALL.bigWrite,
      'must-succeed',
    )
    return { dir: SMALL_FILES_DIR, count }
  }

  /** Every other small file, then the rest, so no single free spans a cluster. */
  async deleteSmallFiles(role: string, files: SmallFiles): Promise<void> {
    await this.scene.boxes.exec(
      role,
      deleteSmallFilesInterleaved(files.dir, files.count),
      CALL.bigWrite,
      'must-succeed',
    )
  }

  /**
   * Polls until what the runtime keeps is back within `within` of its start, or the window passed; returns how far
   * above it is.
   */
  async fallBack(
    role: string,
    within: number,
    windowSeconds: number,
    label: string,
  ): Promise<{ above: number; seconds: number }> {
    const { host, report } = this.scene
    const start = ownBytes(host.homeAt(START))
    const poll = await this.scene.clock.pollUntil(
      () => host.home(),
      (h) => ownBytes(h) <= start + within,
      { intervalMs: WAIT.pollInterval * 1000, windowSeconds: windowSeconds },
    )
    host.sampleHome(label, poll.value)
    host.sample(role, label)
    host.homeChart([{ label: `start + ${formatBytes(within)}`, bytes: host.homeAt(START).total + within }])
    report.log(`measured ${poll.samples} times over ${(poll.elapsedMs / 1000).toFixed(1)} s`)
    return { above: ownBytes(poll.value) - start, seconds: poll.elapsedMs / 1000 }
  }

  /** What the runtime keeps above its start now, next to `factor` times the first fill's growth. */
  againstFirstGrowth(role: string, factor: number, label: string): { above: number; first: number } {
    const { host } = this.scene
    const start = host.homeAt(START)
    const first = host.firstGrowth(role)
    const now = host.sampleHome(label).home
    host.sample(role, label)
    host.homeChart([{ label: `start + ${factor} x first growth`, bytes: start.total + factor * first }])
    return { above: ownBytes(now) - ownBytes(start), first }
  }

  /**
   * Polls until `fraction` of the box's growth is given back, or the window passed. The growth is
   * what the runtime kept outside its image store at the fill's peak above the home before the
   * box; what is given back is measured over the whole home, image store included, so a disk moved
   * anywhere in the home still counts. The image store's growth is named: a cache, not the box.
   */
  async released(
    fraction: number,
    windowSeconds: number,
  ): Promise<{ released: number; growth: number; seconds: number }> {
    const { host, report } = this.scene
    const peak = host.homeSampled('after fill')?.home
    if (!peak) throw new Error('the home was never measured after the fill')
    const before = host.homeSampled(BEFORE_THE_BOX)?.home ?? host.homeAt(START)
    const growth = ownBytes(peak) - ownBytes(before)
    const poll = await this.scene.clock.pollUntil(
      () => host.home(),
      (h) => peak.total - h.total >= fraction * growth,
      {
        intervalMs: WAIT.pollInterval * 1000,
        windowSeconds: windowSeconds,
      },
    )
    host.sampleHome('after rm -f', poll.value)
    host.homeChart([
      { label: `after fill - ${Math.round(fraction * 100)} % of its growth`, bytes: peak.total - fraction * growth },
    ])
    const seconds = poll.elapsedMs / 1000
    report.log(
      `released ${formatBytes(peak.total - poll.value.total)} of the box's ${formatBytes(growth)} growth after ` +
        `${seconds.toFixed(1)} s`,
    )
    report.log(
      `the image store (${this.scene.driver.imageStoreDirs().join(', ')}) grew by ` +
        `${formatBytes(peak.store - before.store)} for this box: a cache the image's boxes share, kept after rm -f ` +
        `and not counted as the box's growth`,
    )
    return { released: peak.total - poll.value.total, growth, seconds }
  }

  /** Paths under the home that still carry the removed box's id or name, polled until none do or the window passed. */
  async pathsNamingRemovedBox(removal: Removal, windowSeconds: number): Promise<string[]> {
    const { id, name } = removal.disk
    const poll = await this.scene.clock.pollUntil(
      () => pathsNaming(this.scene.driver.home, [id, name]),
      (paths) => paths.length === 0,
      { intervalMs: 250, windowSeconds },
    )
    return poll.value
  }

  /**
   * Processes, mounts and loop devices of the removed box still on the host (polled briefly: teardown is asynchronous).
   */
  async leftovers(removal: Removal): Promise<Leftover[]> {
    const { boxDir, id } = removal.disk
    const poll = await this.scene.clock.pollUntil(
      () => findLeftovers(boxDir, id),
      (l) => l.length === 0,
      { intervalMs: 250, windowSeconds: WAIT.leftovers },
    )
    return poll.value
  }
}
