/**
 * A box's host-side main process killed with SIGKILL (the pid the runtime reports for the box,
 * never a name): what it synced before must survive, its disk must pass `qemu-img check`, and the
 * kernel log of its next boot must show no ext4 error.
 */
import { existsSync } from 'node:fs'
import type { CommandRecord } from '../../../src/drivers/types'
import { KiB } from '../../../src/evidence/units'
import { writeSyncedFile } from '../../../src/guest/durability'
import { writeRandomFile } from '../../../src/guest/files'
import { fileFingerprints, type Fingerprints } from '../../../src/guest/measure'
import { checkQcow2, type Qcow2Check } from '../../../src/host/qcow2-check'
import { named } from '../../parts/boxes'
import { CALL, WAIT } from '../../timeouts'
import type { Scene } from '../../parts/scene'
import type { Rootfs } from '../common/rootfs'

export const SYNCED = '/synced'
export const UNSYNCED = '/unsynced'

export class HardKill {
  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  /** Whether the runtime reports a host pid for its boxes (the `cli` dialect's `inspect` does). */
  get supported(): boolean {
    return this.scene.driver.hostPid !== undefined
  }

  /** Writes both files; returns their fingerprints as written. */
  async writeFiles(role: string, syncedMiB: number, unsyncedKiB: number): Promise<Fingerprints> {
    const proof = await this.rootfs.proveBounded(role)
    const { boxes } = this.scene
    await boxes.exec(role, writeSyncedFile(proof.budget, SYNCED, syncedMiB), CALL.bigWrite, 'must-succeed')
    await boxes.exec(role, writeRandomFile(UNSYNCED, unsyncedKiB * KiB), CALL.quickProbe, 'must-succeed')
    return (await boxes.exec(role, fileFingerprints([SYNCED, UNSYNCED]), CALL.fingerprint, 'judged-here')).value
  }

  /** SIGKILL to the pid the runtime reports for the box; waits until it is gone and the box is no longer running. */
  async kill(role: string): Promise<number> {
    const { driver, calls, clock, boxes, report } = this.scene
    const id = boxes.get(role).id
    const ask = driver.hostPid?.bind(driver)
    if (!ask) throw new Error("the driver cannot ask the runtime for the box's host process")
    let pid: number | undefined
    await calls.run(`inspect ${named(role)} for its host pid`, 'judged-here', CALL.quickProbe, async (limit) => {
      const r = await ask(id, limit)
      pid = r.pid
      return r.record
    })
    if (pid === undefined || !existsSync(`/proc/${pid}`))
      throw new Error(`the runtime reported no live host process for ${named(role)} (pid ${pid})`)
    process.kill(pid, 'SIGKILL')
    report.log(`killed ${named(role)}'s host process, pid ${pid}, with SIGKILL`)
    const gone = await clock.pollUntil(
      () => existsSync(`/proc/${pid}`),
      (alive) => !alive,
      { intervalMs: 100, windowSeconds: WAIT.leftovers },
    )
    if (!gone.ok) throw new Error(`pid ${pid} was still there ${(gone.elapsedMs / 1000).toFixed(1)} s after SIGKILL`)
    await clock.pollUntil(
      async () => (await boxes.status(role)).status,
      (s) => s !== 'running',
      { intervalMs: 250, windowSeconds: WAIT.leftovers },
    )
    return pid
  }

  async checkDisk(role: string): Promise<Qcow2Check> {
    const path = this.scene.host.diskPath(role)
    let check: Qcow2Check | undefined
    const record = await this.scene.calls.run(
      `qemu-img check (${named(role)})`,
      'judged-here',
      CALL.probe,
      async (limit) => (check = await checkQcow2(path, limit.timeoutSeconds)).record,
      { quiet: true }, // kept as evidence; the Then step reports what it found
    )
    return check ?? { record }
  }

  async startAgain(role: string): Promise<CommandRecord> {
    const { calls, driver, boxes } = this.scene
    const id = boxes.get(role).id
    return calls.run(`start ${named(role)} after the kill`, 'judged-later', CALL.start, (limit) =>
      driver.start(id, limit),
    )
  }

  /** The same files' fingerprints now. */
  async fingerprintsNow(role: string, before: Fingerprints): Promise<Fingerprints> {
    return (await this.scene.boxes.exec(role, fileFingerprints([...before.keys()]), CALL.fingerprint, 'judged-here'))
      .value
  }

  /** The box's kernel log as the runtime exposes it; undefined when it exposes none. */
  async kernelLog(role: string): Promise<CommandRecord | undefined> {
    const { driver, calls, boxes } = this.scene
    const read = driver.kernelLog?.bind(driver)
    if (!read) return undefined
    const id = boxes.get(role).id
    return calls.run(`kernel log of ${named(role)}`, 'judged-here', CALL.quickProbe, (limit) => read(id, limit))
  }
}
