/**
 * A stopped box whose disk file is cut short on the host (a crash tearing the overlay, BoxLite
 * #866), then started again: it must come back from its image or fail saying why, and either way
 * `rm -f` must remove it completely.
 */
import { statSync, truncateSync } from 'node:fs'
import type { CommandRecord } from '../../../src/drivers/types'
import { formatBytes, KiB } from '../../../src/evidence/units'
import { writeRandomFile } from '../../../src/guest/files'
import { fileFingerprints, type Fingerprints } from '../../../src/guest/measure'
import { homeRemains } from '../../../src/host/home-remains'
import { named } from '../../parts/boxes'
import { CALL } from '../../timeouts'
import type { Scene } from '../../parts/scene'
import type { Rootfs } from '../common/rootfs'

const KEEPSAKE = '/torn-keepsake'

export class TornDisk {
  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  /** A small file written, then the box stopped; returns the file's fingerprint as written. */
  async writeAndStop(role: string, kib: number): Promise<Fingerprints> {
    const { boxes, calls, driver } = this.scene
    await this.rootfs.proveBounded(role)
    await boxes.exec(role, writeRandomFile(KEEPSAKE, kib * KiB), CALL.quickProbe, 'must-succeed')
    const before = (await boxes.exec(role, fileFingerprints([KEEPSAKE]), CALL.fingerprint, 'judged-here')).value
    const id = boxes.get(role).id
    await calls.run(`stop ${named(role)}`, 'must-succeed', CALL.stop, (limit) => driver.stop(id, limit))
    return before
  }

  /** Cuts the box's disk file to `fraction` of its length, on the host. */
  tear(role: string, fraction: number): void {
    const path = this.scene.host.diskPath(role)
    const length = statSync(path).size
    truncateSync(path, Math.floor(length * fraction))
    this.scene.report.log(`cut ${path} from ${formatBytes(length)} to ${formatBytes(statSync(path).size)}`)
  }

  /** `start`, given at most `windowSeconds`: a start that runs longer is ended and reported as timed out. */
  async startAgain(role: string, windowSeconds: number): Promise<CommandRecord> {
    const { calls, driver, boxes } = this.scene
    const id = boxes.get(role).id
    return calls.run(`start ${named(role)} on its torn disk`, 'judged-later', windowSeconds, (limit) =>
      driver.start(id, limit),
    )
  }

  async keepsakeNow(role: string): Promise<Fingerprints> {
    return (await this.scene.boxes.exec(role, fileFingerprints([KEEPSAKE]), CALL.fingerprint, 'judged-here')).value
  }

  /** `rm -f` of the box, then what is left under the home, polled over the window. */
  async removeAndLook(role: string, windowSeconds: number): Promise<{ removal: CommandRecord; left: string[] }> {
    const { calls, driver, boxes, dirs } = this.scene
    const box = boxes.get(role)
    const removal = await calls.run(`rm -f ${named(role)}`, 'judged-later', CALL.forceRemove, (limit) =>
      driver.remove(box.id, limit),
    )
    if (removal.exitCode === 0) box.removed = true
    const left = (
      await this.scene.clock.pollUntil(
        () => homeRemains(dirs.home),
        (r) => r.length === 0,
        { intervalMs: 250, windowSeconds: windowSeconds },
      )
    ).value
    return { removal, left }
  }
}
