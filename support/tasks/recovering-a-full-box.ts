/**
 * A box with a full rootfs, recovered (features/recovering-a-full-box.feature): what it held before
 * a stop (a fill, and a keepsake rewritten just before it) is fingerprinted so the Then steps can
 * compare it after the start; and fill-and-delete cycles, each measured. Measures only.
 */
import type { CommandRecord } from '../../src/drivers/types'
import { KiB } from '../../src/evidence/units'
import { removeAndSync, rewriteInPlace, tryWriteOneMiB, writeRandomFile } from '../../src/guest/files'
import type { FillOutcome } from '../../src/guest/guarded-writes'
import { fileFingerprints, type Fingerprints } from '../../src/guest/measure'
import { CALL } from '../timeouts'
import type { Scene } from '../parts/scene'
import type { Filling } from './common/filling'
import type { Rootfs } from './common/rootfs'

/** Written before the fill and rewritten after it, so a restart must keep both old and fresh data. */
const KEEPSAKE = '/keepsake'

export interface FillCycle {
  readonly fill: FillOutcome
  readonly freeWhenFullKiB: number
  readonly deleteExit: number
  readonly freeAfterDeleteKiB: number
}

export interface FillCycles {
  readonly requested: number
  readonly done: readonly FillCycle[]
}

export class Recovery {
  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
    private readonly filling: Filling,
  ) {}

  /** Before the fill: a keepsake of random data (the disk is proven bounded first). */
  async writeKeepsake(role: string): Promise<void> {
    await this.rootfs.proveBounded(role)
    await this.scene.boxes.exec(role, writeRandomFile(KEEPSAKE, 64 * KiB), CALL.quickProbe, 'must-succeed')
  }

  /**
   * After the fill: fresh, unsynced data on the full disk (a stop that drops unwritten data loses
   * it), then the fingerprints of all of it, as they are before the stop.
   */
  async freshenAndFingerprint(role: string): Promise<Fingerprints> {
    const { boxes } = this.scene
    await boxes.exec(role, rewriteInPlace(KEEPSAKE, { flush: false }), CALL.quickProbe, 'must-succeed')
    return (await boxes.exec(role, fileFingerprints(['/fill', KEEPSAKE]), CALL.fingerprint, 'judged-here')).value
  }

  /** The same files' fingerprints now. */
  async fingerprintsNow(role: string, before: Fingerprints): Promise<Fingerprints> {
    return (await this.scene.boxes.exec(role, fileFingerprints([...before.keys()]), CALL.fingerprint, 'judged-here'))
      .value
  }

  /** A 1 MiB write to a new file; its output says how it ended. */
  async tryNewWrite(role: string): Promise<CommandRecord> {
    return (await this.scene.boxes.exec(role, tryWriteOneMiB('/fill2'), CALL.oneBlockWrite, 'judged-here')).record
  }

  /** Fill, measure, delete, measure, `times` times; stops early if a delete fails. */
  async fillAndDeleteCycles(role: string, times: number): Promise<FillCycles> {
    const done: FillCycle[] = []
    for (let i = 0; i < times; i++) {
      const fill = await this.filling.fill(role)
      this.scene.calls.examine(fill.record) // judged by the Then step through the cycles
      const full = await this.rootfs.space(role)
      const del = await this.scene.boxes.exec(role, removeAndSync(['/fill']), CALL.deleteAndSync, 'judged-here')
      const after = await this.rootfs.space(role)
      done.push({
        fill: fill.outcome,
        freeWhenFullKiB: full.availKiB,
        deleteExit: del.record.exitCode,
        freeAfterDeleteKiB: after.availKiB,
      })
      if (del.record.exitCode !== 0) break
      this.scene.boxes.get(role).rootfsFull = false
    }
    return { requested: times, done }
  }
}
