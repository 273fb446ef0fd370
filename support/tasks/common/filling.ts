/**
 * A box filling its own rootfs: once, again, with racing writers, in fill-and-delete cycles; and
 * deleting what it wrote. Every fill is capped by the bound proof first (./rootfs).
 */
import type { CommandRecord } from '../../../src/drivers/types'
import {
  fillRootfs,
  fillRootfsWithConcurrentWriters,
  type FillOutcome,
  type WriterOutcome,
} from '../../../src/guest/guarded-writes'
import { removeAndSync } from '../../../src/guest/files'
import { fileBytes } from '../../../src/guest/measure'
import { named } from '../../parts/boxes'
import { CALL } from '../../timeouts'
import type { Scene } from '../../parts/scene'
import type { Rootfs } from './rootfs'

export interface Fill {
  readonly outcome: FillOutcome
  readonly record: CommandRecord
}

export interface FillCycle {
  readonly fill: FillOutcome
  readonly freeWhenFullKiB: number
  readonly deleteExit: number
  readonly freeAfterDeleteKiB: number
}

export class Filling {
  private readonly fills = new Map<string, Fill[]>()
  /** The racing writers' outcome, for the Then step. */
  writers?: { outcomes: WriterOutcome[]; record: CommandRecord }
  /** The last delete, for the Then step. */
  deletion?: CommandRecord
  cycles?: { requested: number; done: FillCycle[] }

  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  /** Writes zeros to `/fill` until the disk is full (capped by the proof); a Then step judges the outcome. */
  async fill(role: string, path = '/fill'): Promise<Fill> {
    const proof = await this.rootfs.proveBounded(role)
    const { value: outcome, record } = await this.scene.boxes.exec(
      role,
      fillRootfs(proof.budget, path),
      CALL.fill,
      'judged-later',
    )
    if (outcome.refused) throw new Error(`the in-box bound check refused to fill: ${outcome.output}`)
    if (outcome.enospc) this.scene.boxes.get(role).rootfsFull = true
    const fill = { outcome, record }
    this.fills.set(role, [...(this.fills.get(role) ?? []), fill])
    return fill
  }

  /** The box's latest fill, marked as examined by the step that asks for it. */
  examineLastFill(role: string): Fill {
    const fill = this.fills.get(role)?.at(-1)
    if (!fill) throw new Error(`${named(role)} never filled its rootfs in this scenario`)
    this.scene.calls.examine(fill.record)
    return fill
  }

  /** How many bytes the fill file holds now. */
  async filledBytes(role: string, path = '/fill'): Promise<number> {
    return (await this.scene.boxes.exec(role, fileBytes(path), CALL.quickProbe, 'judged-here')).value
  }

  fillCount(role: string): number {
    return this.fills.get(role)?.length ?? 0
  }

  async raceWriters(role: string, writers: number): Promise<void> {
    const proof = await this.rootfs.proveBounded(role)
    const { value: outcomes, record } = await this.scene.boxes.exec(
      role,
      fillRootfsWithConcurrentWriters(proof.budget, writers),
      CALL.concurrentFill,
      'judged-later',
    )
    this.writers = { outcomes, record }
    if (outcomes.some((w) => w.enospc)) this.scene.boxes.get(role).rootfsFull = true
  }

  async delete(role: string, paths: readonly string[]): Promise<CommandRecord> {
    this.deletion = (await this.scene.boxes.exec(role, removeAndSync(paths), CALL.deleteAndSync, 'judged-later')).record
    return this.deletion
  }

  /** Fill, measure, delete, measure, `times` times; stops early if a delete fails. */
  async fillAndDeleteCycles(role: string, times: number): Promise<void> {
    const done: FillCycle[] = []
    this.cycles = { requested: times, done }
    for (let i = 0; i < times; i++) {
      const fill = await this.fill(role)
      this.scene.calls.examine(fill.record) // judged by the Then step through `cycles`
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
  }
}
