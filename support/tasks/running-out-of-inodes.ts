/**
 * A box running out of inodes, and a log file that must stay appendable when it has
 * (features/running-out-of-inodes.feature).
 */
import type { CommandRecord } from '../../src/drivers/types'
import { appendAndRead, writeAndReadBack } from '../../src/guest/files'
import { exhaustInodes, type InodeExhaustion } from '../../src/guest/guarded-writes'
import { INODE_SAFETY_CAP } from '../../src/guest/interlock'
import { CALL } from '../timeouts'
import type { Scene } from '../parts/scene'
import type { Rootfs } from './common/rootfs'

/** An existing file that must stay appendable when no inode is left. */
export const LOG_FILE = '/persistent.log'

export interface Exhaustion {
  readonly result: InodeExhaustion
  /** Judged later: the Then step that asks for the exhaustion examines it. */
  readonly record: CommandRecord
  readonly cap: number
}

export class Inodes {
  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  async exhaust(role: string, cap: number): Promise<Exhaustion> {
    if (!Number.isInteger(cap) || cap < 1 || cap > INODE_SAFETY_CAP) {
      throw new Error(`the inode loop cap must be between 1 and ${INODE_SAFETY_CAP}, got ${cap}`)
    }
    const proof = await this.rootfs.proveBounded(role)
    const { value: result, record } = await this.scene.boxes.exec(
      role,
      exhaustInodes(proof.budget, cap),
      CALL.inodeLoop,
      'judged-later',
    )
    this.scene.boxes.get(role).rootfsFull = true
    return { result, record, cap }
  }

  async writeLog(role: string, text: string): Promise<void> {
    await this.scene.boxes.exec(role, writeAndReadBack(LOG_FILE, text), CALL.quickProbe, 'must-succeed')
  }

  /** Appends a line; the Then step judges the record (exit status and the whole file). */
  async appendToLog(role: string, line: string): Promise<CommandRecord> {
    return (await this.scene.boxes.exec(role, appendAndRead(LOG_FILE, line), CALL.quickProbe, 'judged-here')).record
  }
}
