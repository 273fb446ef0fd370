/**
 * A box filling its own rootfs, writing a file of a given size, and deleting what it wrote. Every
 * write is capped by the bound proof first (./rootfs). Each method returns what happened; the step
 * that called it records it (support/parts/outcomes.ts) for the Then steps.
 */
import type { CommandRecord } from '../../../src/drivers/types'
import { MiB } from '../../../src/evidence/units'
import { removeAndSync } from '../../../src/guest/files'
import { fillRootfs, type FillOutcome, writeFileOfSize } from '../../../src/guest/guarded-writes'
import { fileBytes } from '../../../src/guest/measure'
import { CALL } from '../../timeouts'
import type { Scene } from '../../parts/scene'
import type { Rootfs } from './rootfs'

export interface Fill {
  readonly outcome: FillOutcome
  /** Judged later: the Then step that asks for the fill examines it. */
  readonly record: CommandRecord
}

export class Filling {
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
    return { outcome, record }
  }

  /** How many bytes the fill file holds now. */
  async filledBytes(role: string, path = '/fill'): Promise<number> {
    return (await this.scene.boxes.exec(role, fileBytes(path), CALL.quickProbe, 'judged-here')).value
  }

  /** A file of exactly `bytes` (whole MiB), synced; it must fit. */
  async writeFile(role: string, path: string, bytes: number): Promise<void> {
    const proof = await this.rootfs.proveBounded(role)
    await this.scene.boxes.exec(role, writeFileOfSize(proof.budget, path, bytes / MiB), CALL.bigWrite, 'must-succeed')
  }

  /** Deletes the paths and syncs; the record is judged later (by the Then step that asks for the delete). */
  async delete(role: string, paths: readonly string[]): Promise<CommandRecord> {
    return (await this.scene.boxes.exec(role, removeAndSync(paths), CALL.deleteAndSync, 'judged-later')).record
  }
}
