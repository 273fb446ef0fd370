/**
 * A box stopped and started again, or force-removed, as several guarantees do it. Each returns the
 * runtime's records (judged later: the Then step that asks for them examines them).
 */
import { dirname } from 'node:path'
import type { CommandRecord } from '../../../src/drivers/types'
import { named } from '../../parts/boxes'
import { CALL } from '../../timeouts'
import type { Scene } from '../../parts/scene'

export interface Restart {
  readonly stop: CommandRecord
  readonly start: CommandRecord
}

export interface Removal {
  readonly record: CommandRecord
  /** The box's disk file and its directory, id and name as they were, so what is left of them can be looked for. */
  readonly disk: { readonly path: string; readonly boxDir: string; readonly id: string; readonly name: string }
}

export class Lifecycle {
  constructor(private readonly scene: Scene) {}

  async stopAndStart(role: string): Promise<Restart> {
    const id = this.scene.boxes.get(role).id
    const { calls, driver } = this.scene
    const stop = await calls.run(`stop ${named(role)}`, 'judged-later', CALL.stop, (limit) => driver.stop(id, limit))
    const start = await calls.run(`start ${named(role)}`, 'judged-later', CALL.start, (limit) =>
      driver.start(id, limit),
    )
    return { stop, start }
  }

  /** `rm -f`; where its disk was is read first (a host-side reading: the scenario is @host-access). */
  async forceRemove(role: string): Promise<Removal> {
    const box = this.scene.boxes.get(role)
    const { calls, driver } = this.scene
    const path = driver.diskPath(box.id)
    const disk = { path, boxDir: dirname(dirname(path)), id: box.id, name: box.name }
    const record = await calls.run(`force-remove ${named(role)}`, 'judged-later', CALL.forceRemove, (limit) =>
      driver.remove(box.id, limit),
    )
    box.removed = true
    return { record, disk }
  }
}
