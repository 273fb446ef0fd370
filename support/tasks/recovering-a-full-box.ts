/**
 * A box restarted with a full rootfs: what it held before the stop (a fill, and a keepsake
 * rewritten just before it) is fingerprinted, so the Then steps can compare it after the start.
 */
import type { CommandRecord } from '../../src/drivers/types'
import { KiB } from '../../src/evidence/units'
import { rewriteInPlace, tryWriteOneMiB, writeRandomFile } from '../../src/guest/files'
import { fileFingerprints, type Fingerprints } from '../../src/guest/measure'
import { named } from '../parts/boxes'
import { CALL } from '../timeouts'
import type { Scene } from '../parts/scene'
import type { Rootfs } from './common/rootfs'

/** Written before the fill and rewritten after it, so a restart must keep both old and fresh data. */
const KEEPSAKE = '/keepsake'

export class Restart {
  /** Fingerprints taken just before the stop. */
  beforeStop?: Fingerprints
  stop?: CommandRecord
  start?: CommandRecord

  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  /** Before the fill: a keepsake of random data (the disk is proven bounded first). */
  async writeKeepsake(role: string): Promise<void> {
    await this.rootfs.proveBounded(role)
    await this.scene.boxes.exec(role, writeRandomFile(KEEPSAKE, 64 * KiB), CALL.quickProbe, 'must-succeed')
  }

  /** After the fill: fresh, unsynced data on the full disk (a stop that drops unwritten data loses it), then fingerprints of all. */
  async freshenAndFingerprint(role: string): Promise<void> {
    const { boxes } = this.scene
    await boxes.exec(role, rewriteInPlace(KEEPSAKE, { flush: false }), CALL.quickProbe, 'must-succeed')
    this.beforeStop = (
      await boxes.exec(role, fileFingerprints(['/fill', KEEPSAKE]), CALL.fingerprint, 'judged-here')
    ).value
  }

  async stopAndStart(role: string): Promise<void> {
    const id = this.scene.boxes.get(role).id
    const { calls, driver, clock } = this.scene
    this.stop = await calls.run(`stop ${named(role)}`, 'judged-later', () =>
      driver.stop(id, { timeoutSeconds: clock.seconds(CALL.stop) }),
    )
    this.start = await calls.run(`start ${named(role)}`, 'judged-later', () =>
      driver.start(id, { timeoutSeconds: clock.seconds(CALL.start) }),
    )
  }

  /** The same files' fingerprints now. */
  async fingerprintsNow(role: string): Promise<{ before: Fingerprints; after: Fingerprints }> {
    if (!this.beforeStop) throw new Error('nothing was fingerprinted before the stop')
    const after = (
      await this.scene.boxes.exec(role, fileFingerprints([...this.beforeStop.keys()]), CALL.fingerprint, 'judged-here')
    ).value
    return { before: this.beforeStop, after }
  }

  /** A 1 MiB write to a new file; its output says how it ended. */
  async tryNewWrite(role: string): Promise<CommandRecord> {
    return (await this.scene.boxes.exec(role, tryWriteOneMiB('/fill2'), CALL.oneBlockWrite, 'judged-here')).record
  }
}
