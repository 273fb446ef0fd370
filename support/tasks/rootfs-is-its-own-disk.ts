/** Writers racing to fill one box's rootfs (features/rootfs-is-its-own-disk.feature). Measures only. */
import type { CommandRecord } from '../../src/drivers/types'
import { fillRootfsWithConcurrentWriters, type WriterOutcome } from '../../src/guest/guarded-writes'
import { CALL } from '../timeouts'
import type { Scene } from '../parts/scene'
import type { Rootfs } from './common/rootfs'

export interface WriterRace {
  readonly outcomes: WriterOutcome[]
  /** Judged later: the Then step that asks for the race examines it. */
  readonly record: CommandRecord
}

export class RacingWriters {
  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  async race(role: string, writers: number): Promise<WriterRace> {
    const proof = await this.rootfs.proveBounded(role)
    const { value: outcomes, record } = await this.scene.boxes.exec(
      role,
      fillRootfsWithConcurrentWriters(proof.budget, writers),
      CALL.concurrentFill,
      'judged-later',
    )
    if (outcomes.some((w) => w.enospc)) this.scene.boxes.get(role).rootfsFull = true
    return { outcomes, record }
  }
}
