/**
 * Clones (features/clones.feature): a box cloned while stopped or running, files written in the box and its
 * clones before and after, removals with and without force, and the home's allocated bytes around them
 * (@host-access only). Measures only; the Then steps judge.
 */
import type { BoxStatus, CommandRecord } from '../../src/drivers/types'
import { formatBytes, KiB, MiB } from '../../src/evidence/units'
import { writeRandomFile } from '../../src/guest/files'
import { writeFileOfSize } from '../../src/guest/guarded-writes'
import { fileFingerprints, type Fingerprints } from '../../src/guest/measure'
import { command } from '../../src/guest/probe'
import { treeAllocatedBytes } from '../../src/host/footprint'
import { pathsNaming } from '../../src/host/home-footprint'
import { named } from '../parts/boxes'
import type { Scene } from '../parts/scene'
import { CALL, WAIT } from '../timeouts'
import type { Rootfs } from './common/rootfs'

/** The file the box holds when it is cloned, the one it writes after, and the one a clone writes. */
export const FIRST_FILE = '/before-the-clone'
export const BOX_FILE_AFTER = '/box-after-the-clone'
export const CLONE_FILE_AFTER = '/clone-after-the-clone'

/** A box made by cloning another: the call, the id it gave (if any) and the new box's state right after. */
export interface CloneMade {
  readonly record: CommandRecord
  readonly sourceId: string
  readonly sourceName: string
  readonly id?: string
  readonly name: string
  readonly status?: BoxStatus
}

/** A box started (if it was not running) and the fingerprints of files in it; no files when the start failed. */
export interface LookInside {
  readonly start?: CommandRecord
  readonly files?: Fingerprints
}

/** A removal without force, and the box's own state after it. */
export interface UnforcedRemoval {
  readonly record: CommandRecord
  readonly status: BoxStatus
  /** The ids and names of the box's clones, which a refusal should name. */
  readonly clones: ReadonlyArray<{ readonly id: string; readonly name: string }>
}

/** The home's allocated bytes once the image is cached and no box is left, and after the scenario's removals. */
export interface HomeBytes {
  readonly bytes: number
}

export class Clones {
  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  /** Writes a file of random bytes, synced, and returns its fingerprint as written. */
  async writeFile(role: string, path: string, bytes: number): Promise<Fingerprints> {
    const { boxes } = this.scene
    await this.rootfs.proveBounded(role)
    const write = writeRandomFile(path, bytes)
    await boxes.exec(role, command(write.what, `${write.script} && sync`), CALL.quickProbe, 'must-succeed')
    return (await boxes.exec(role, fileFingerprints([path]), CALL.fingerprint, 'judged-here')).value
  }

  /** A file of `mib` MiB (zeros, synced), within the bound the interlock proved. */
  async writeBigFile(role: string, path: string, mib: number): Promise<void> {
    const proof = await this.rootfs.proveBounded(role)
    await this.scene.boxes.exec(role, writeFileOfSize(proof.budget, path, mib), CALL.bigWrite, 'must-succeed')
  }

  async stop(role: string): Promise<void> {
    const { boxes, calls, driver } = this.scene
    const id = boxes.get(role).id
    await calls.run(`stop ${named(role)}`, 'must-succeed', CALL.stop, (limit) => driver.stop(id, limit))
  }

  /** `start`: judged by the Then step that asks for it, or (`must-succeed`) setup the scenario needs. */
  async start(role: string, judgement: 'judged-later' | 'must-succeed' = 'judged-later'): Promise<CommandRecord> {
    const { boxes, calls, driver } = this.scene
    const id = boxes.get(role).id
    return calls.run(`start ${named(role)}`, judgement, CALL.start, (limit) => driver.start(id, limit))
  }

  /** A snapshot of the box (setup: the scenario cannot go on without it). */
  async snapshot(role: string, name: string): Promise<void> {
    const { boxes, calls, driver } = this.scene
    const id = boxes.get(role).id
    const snapshot = driver.snapshotCreate?.bind(driver)
    if (!snapshot) throw new Error(`the ${driver.kind} driver cannot snapshot a box`)
    await calls.run(`snapshot ${named(role)} as ${name}`, 'must-succeed', CALL.createBox, (limit) =>
      snapshot(id, name, limit),
    )
  }

  /** Clones the box as `role`; the clone is registered for removal by its name before the runtime is asked. */
  async clone(source: string, role: string): Promise<CloneMade> {
    const { boxes, calls, driver, clock } = this.scene
    const from = boxes.get(source)
    const clone = driver.clone?.bind(driver)
    if (!clone) throw new Error(`the ${driver.kind} driver cannot clone a box`)
    const name = boxes.reserve(role)
    let id: string | undefined
    const record = await calls.run(
      `clone ${named(source)} as ${named(role)}`,
      'judged-later',
      CALL.createBox,
      async (limit) => {
        const made = await clone(from.id, name, limit)
        id = made.id
        return made.record
      },
    )
    if (id === undefined) return { record, sourceId: from.id, sourceName: from.name, name }
    boxes.settle(role, id)
    const { status } = await driver.status(id, clock.limit(CALL.quickProbe)).then((r) => {
      calls.note(r.record)
      return r
    })
    return { record, sourceId: from.id, sourceName: from.name, id, name, status }
  }

  /** Starts the box unless it runs, then fingerprints the files (none when the start failed). */
  async lookInside(role: string, paths: readonly string[]): Promise<LookInside> {
    const { boxes } = this.scene
    const { status } = await boxes.status(role)
    const start = status === 'running' ? undefined : await this.start(role)
    if (start && (start.exitCode !== 0 || start.timedOut)) return { start }
    const files = (await boxes.exec(role, fileFingerprints(paths), CALL.fingerprint, 'judged-here')).value
    return { start, files }
  }

  /** `rm` without force; then the box's own state (still there: stopped; removed: unknown). */
  async removeUnforced(role: string, clones: readonly string[]): Promise<UnforcedRemoval> {
    const { boxes, calls, driver } = this.scene
    const box = boxes.get(role)
    const remove = driver.removeUnforced?.bind(driver)
    if (!remove) throw new Error(`the ${driver.kind} driver cannot remove a box without force`)
    const record = await calls.run(`rm ${named(role)} (no force)`, 'judged-later', CALL.forceRemove, (limit) =>
      remove(box.id, limit),
    )
    const { status } = await boxes.status(role)
    if (status === 'unknown') box.removed = true
    return { record, status, clones: clones.map((c) => ({ id: boxes.get(c).id, name: boxes.get(c).name })) }
  }

  /** `rm -f` (judged by a Then step, or setup that must succeed); a box it removed is left out of the cleanup. */
  async forceRemove(role: string, judgement: 'judged-later' | 'must-succeed' = 'judged-later'): Promise<CommandRecord> {
    const { boxes, calls, driver } = this.scene
    const box = boxes.get(role)
    const record = await calls.run(`rm -f ${named(role)}`, judgement, CALL.forceRemove, (limit) =>
      driver.remove(box.id, limit),
    )
    if (record.exitCode === 0) box.removed = true
    return record
  }

  /**
   * The home with the image cached and no box: a first box is started (which caches its image) and force-removed,
   * then the home is measured once nothing under it carries that box's id or name any more (a removal may finish
   * in the background).
   */
  async homeWithImageCached(role: string): Promise<HomeBytes> {
    const { boxes, clock, driver, report } = this.scene
    const box = await boxes.start(role)
    await this.forceRemove(role, 'must-succeed')
    const home = driver.home
    await clock.pollUntil(
      () => pathsNaming(home, [box.id, box.name]),
      (left) => left.length === 0,
      { intervalMs: 250, windowSeconds: WAIT.leftovers },
    )
    const bytes = treeAllocatedBytes(home)
    report.log(`the home holds ${formatBytes(bytes)} with the image cached and no box`)
    return { bytes }
  }

  /** Polls the home's allocated bytes until they are at most `limit`, or the window passed; returns the last. */
  async homeBytesWithin(limit: number, windowSeconds: number): Promise<{ bytes: number; seconds: number }> {
    const { clock, driver, report } = this.scene
    const poll = await clock.pollUntil(
      () => treeAllocatedBytes(driver.home),
      (bytes) => bytes <= limit,
      { intervalMs: WAIT.pollInterval * 1000, windowSeconds },
    )
    report.log(`the home holds ${formatBytes(poll.value)} after ${(poll.elapsedMs / 1000).toFixed(1)} s`)
    return { bytes: poll.value, seconds: poll.elapsedMs / 1000 }
  }
}

export const SMALL_FILE_BYTES = 64 * KiB
export const BIG_FILE_MIB = 16
export const BIG_FILE_BYTES = BIG_FILE_MIB * MiB
