/**
 * Whether a box still serves: its own status, an answer to a command (retried every 500 ms within
 * a window, as upstream's `assert_alive`), a write its rootfs still takes, and the image's files.
 * Measures only; the Then steps judge (step_definitions/common/judge.ts).
 */
import type { BoxStatus, CommandRecord } from '../../../src/drivers/types'
import { alive, rewriteInPlace, writeAndReadBack } from '../../../src/guest/files'
import { CANARY } from '../../../src/guest/bound'
import { fileFingerprints, type Fingerprints } from '../../../src/guest/measure'
import { sleep } from '../../../src/host/poll'
import { CALL, WAIT } from '../../timeouts'
import type { Scene } from '../../parts/scene'

export interface Answer {
  readonly answered: boolean
  readonly tries: number
  readonly last: CommandRecord
}

export class Serving {
  constructor(private readonly scene: Scene) {}

  async status(role: string): Promise<{ status: BoxStatus; record: CommandRecord }> {
    return this.scene.boxes.status(role)
  }

  /** `echo alive`, retried every 500 ms until it answers or the window (scaled) has passed. */
  async answerWithin(role: string, windowSeconds: number): Promise<Answer> {
    const window = this.scene.clock.deadline(windowSeconds)
    let tries = 0
    let last: CommandRecord | undefined
    do {
      if (tries > 0) await sleep(WAIT.aliveInterval * 1000)
      tries++
      last = (await this.scene.boxes.exec(role, alive, CALL.aliveTry, 'judged-here', { quiet: true })).record
      if (last.exitCode === 0 && last.stdout.trim() === 'alive') return { answered: true, tries, last }
    } while (window.remainingSeconds() > 0)
    return { answered: false, tries, last }
  }

  /**
   * A write the rootfs must still take: in place when the scenario filled it (so a read-only or
   * aborted filesystem shows), else a new file read back.
   */
  async tryWrite(role: string): Promise<{ inPlace: boolean; record: CommandRecord }> {
    const box = this.scene.boxes.get(role)
    if (!box.rootfsFull)
      return { inPlace: false, record: await this.writeAndReadBack(role, '/serving-probe', 'serving') }
    if (!box.proof) throw new Error('a full box that was never proven bounded: there is no canary to rewrite')
    return {
      inPlace: true,
      record: (
        await this.scene.boxes.exec(role, rewriteInPlace(CANARY, { flush: true }), CALL.quickProbe, 'judged-here')
      ).record,
    }
  }

  async writeAndReadBack(role: string, path: string, word: string): Promise<CommandRecord> {
    return (await this.scene.boxes.exec(role, writeAndReadBack(path, word), CALL.quickProbe, 'judged-here')).record
  }

  /** The image files fingerprinted by the first bound proof, and the same files now. */
  async imageFilesNow(role: string): Promise<{ before: Fingerprints; now: Fingerprints }> {
    const before = this.scene.boxes.get(role).proof?.baseline
    if (!before) throw new Error('the image files were never fingerprinted before the disk was changed')
    const now = (
      await this.scene.boxes.exec(role, fileFingerprints([...before.keys()]), CALL.fingerprint, 'judged-here')
    ).value
    return { before, now }
  }
}
