/**
 * A copy from the host into a box of a file twice the box's free space. The home's allocation is
 * sampled every 100 ms during the copy, so a copy staged on the host (and deleted afterwards) is
 * still seen at its peak. Measures only; the Then steps judge.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { CommandRecord } from '../../../src/drivers/types'
import { formatBytes, GiB, KiB, MiB } from '../../../src/evidence/units'
import { ensureCanary } from '../../../src/guest/bound'
import { treeAllocatedBytes } from '../../../src/host/footprint'
import { peakDuring } from '../../../src/host/poll'
import { CALL } from '../../timeouts'
import type { Scene } from '../../parts/scene'
import type { Rootfs } from '../common/rootfs'

export interface Copy {
  /** Judged later: the Then step that asks for the copy examines it. */
  readonly record: CommandRecord
  readonly freeBytes: number
  readonly sourceBytes: number
  readonly homeBefore: number
  readonly homePeak: number
}

export class Copying {
  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  async copyInTwiceTheFreeSpace(role: string): Promise<Copy> {
    const { boxes, dirs, calls, driver, host, report } = this.scene
    const box = boxes.get(role)
    const proof = await this.rootfs.proveBounded(role)
    await boxes.exec(role, ensureCanary(proof.budget), CALL.quickProbe, 'must-succeed', { quiet: true })
    const freeBytes = (await this.rootfs.space(role)).availKiB * KiB
    const sourceBytes = Math.min(2 * freeBytes, 2 * proof.budget.totalKiB * KiB, 4 * GiB)
    if (sourceBytes <= 16 * MiB)
      throw new Error(`the box has too little free space (${formatBytes(freeBytes)}) for a meaningful copy`)
    const source = join(dirs.hostFiles, 'oversized.bin')
    writeIncompressibleFile(source, sourceBytes)
    report.log(
      `host file of ${formatBytes(sourceBytes)} (twice the free ${formatBytes(freeBytes)}) at ${source}, outside the ` +
        `home`,
    )
    const homeBefore = treeAllocatedBytes(dirs.home)
    const { result: record, peak } = await peakDuring(
      () => treeAllocatedBytes(dirs.home),
      100,
      calls.run('copy the file into the box', 'judged-later', CALL.copy, (limit) =>
        driver.copyIn(source, box.id, '/oversized.bin', limit),
      ),
    )
    host.sample(role, 'home before copy', homeBefore)
    host.sample(role, 'home, peak during copy', peak)
    box.rootfsFull = true
    return { record, freeBytes, sourceBytes, homeBefore, homePeak: peak }
  }
}

/** Incompressible, not sparse: a copy cannot shrink it or skip holes. Written in 4 MiB chunks. */
function writeIncompressibleFile(path: string, bytes: number): void {
  const chunk = randomBytes(4 * MiB)
  const fd = openSync(path, 'w')
  try {
    for (let left = bytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left))
  } finally {
    closeSync(fd)
  }
}
