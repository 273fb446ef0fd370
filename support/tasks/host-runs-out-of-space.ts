/**
 * A host that runs out of space (@host-full): the scenario's home on a small filesystem of its own
 * (src/host/loop-filesystem.ts), a witness file in a neighbour, writes tried once the host is full,
 * and a new box tried on the full host. The filesystem is released by the World's release path
 * (support/world.ts), after the boxes, also on a failed step or Ctrl-C. Measures only.
 */
import { join } from 'node:path'
import { statfsSync } from 'node:fs'
import type { CommandRecord } from '../../src/drivers/types'
import { fileFingerprints, type Fingerprints } from '../../src/guest/measure'
import { command } from '../../src/guest/probe'
import { writeRandomFile } from '../../src/guest/files'
import {
  checkLoopFilesystemPlan,
  describeLoopFilesystem,
  heldElsewhere,
  type LoopFilesystem,
  mountLoopFilesystem,
  releaseLoopFilesystem,
} from '../../src/host/loop-filesystem'
import { pollUntil } from '../../src/host/poll'
import { formatBytes } from '../../src/evidence/units'
import { CALL } from '../timeouts'
import type { Scene } from '../parts/scene'

const WITNESS = '/witness'
/** What the write tried on the full host asks for, in MiB (see trySyncedWrite). */
export const SYNCED_WRITE_MIB = 8
const HOST_TOOL_SECONDS = 60
/** Pause between tries of a new box on a host that is recovering. */
const NEWCOMER_RETRY_MS = 2000
/** How long the kernel gets to free a detached loop device once its last holder of ours has ended. */
const KERNEL_LETS_GO_MS = 1000

/** How an attempt to create a box ended. */
export interface NewBoxAttempt {
  /** The failure as the suite words it (with the runtime's words and the call), when the create failed. */
  readonly error?: string
  /** What the runtime itself printed (stdout and stderr), when the driver call got that far. */
  readonly said?: string
  /** The call ran into the suite's limit (the runtime hung), when the driver call got that far. */
  readonly timedOut?: boolean
  readonly seconds: number
  /** The window the create had, scaled by the clock. */
  readonly window: number
}

export class HostFull {
  /** The scenario's own filesystem under the home: a resource the World releases, not a result. */
  private fs?: LoopFilesystem

  constructor(private readonly scene: Scene) {}

  /** Mounts a fresh ext4 of `bytes` on the (still empty) home; the image lives beside the home, outside it. */
  async homeOnItsOwnFilesystem(bytes: number): Promise<void> {
    const { dirs, calls, report } = this.scene
    const fs: LoopFilesystem = { image: join(dirs.dir, 'home-fs.img'), mountPoint: dirs.home, bytes, mounted: false }
    checkLoopFilesystemPlan(fs.image, fs.mountPoint, bytes)
    this.fs = fs
    await mountLoopFilesystem(fs, (what, call) =>
      calls.run(what, 'judged-here', HOST_TOOL_SECONDS, (limit) => call(limit.timeoutSeconds)),
    )
    const d = describeLoopFilesystem(fs)
    report.log(
      `the home ${fs.mountPoint} is ${d.device}, an ext4 of ${formatBytes(d.sizeBytes)} (${formatBytes(d.freeBytes)} ` +
        `free) backed by ${d.backing} ` +
        `(${formatBytes(d.imageBytes)} long, and a loop device never grows it): everything the runtime writes under ` +
        `the home lands in it, ` +
        `so the host's own filesystem can lose at most ${formatBytes(bytes)}`,
    )
  }

  /** The small filesystem as it is now. */
  describe(): ReturnType<typeof describeLoopFilesystem> {
    if (!this.fs) throw new Error("the scenario's home is not on a filesystem of its own")
    return describeLoopFilesystem(this.fs)
  }

  /** Free bytes of the home's filesystem now. */
  homeFreeBytes(): number {
    const st = statfsSync(this.scene.dirs.home)
    return st.bavail * st.bsize
  }

  /** A small file written and synced in the box; returns its fingerprint as written. */
  async writeWitness(role: string): Promise<Fingerprints> {
    const { boxes } = this.scene
    await boxes.exec(role, writeRandomFile(WITNESS, 16 * 1024), CALL.quickProbe, 'must-succeed')
    await boxes.exec(role, command('sync', 'sync'), CALL.quickProbe, 'must-succeed')
    return (await boxes.exec(role, fileFingerprints([WITNESS]), CALL.fingerprint, 'judged-here')).value
  }

  async witnessNow(role: string): Promise<Fingerprints> {
    return (await this.scene.boxes.exec(role, fileFingerprints([WITNESS]), CALL.fingerprint, 'judged-here')).value
  }

  /**
   * A new file, flushed: on a full host the flush is where the error shows. 8 MiB: more than the
   * home may have left (under 1 MiB, checked before) plus the few disk clusters a failed fill can
   * leave allocated but unused, so neither can take it in. A 64 KiB write once landed in such room
   * and succeeded.
   */
  async trySyncedWrite(role: string): Promise<CommandRecord> {
    const probe = command(
      `write ${SYNCED_WRITE_MIB} MiB and flush it`,
      `dd if=/dev/zero of=/after-full bs=1M count=${SYNCED_WRITE_MIB} conv=fsync 2>&1; echo "dd_exit=$?"`,
    )
    return (await this.scene.boxes.exec(role, probe, CALL.oneBlockWrite, 'judged-here')).record
  }

  /**
   * Tries to create a box; returns how it failed, if it did, how long it took, and the window it
   * had (`windowSeconds`, scaled).
   */
  async tryNewBox(role: string, windowSeconds: number): Promise<NewBoxAttempt> {
    const started = Date.now()
    const window = this.scene.clock.deadline(windowSeconds).seconds
    try {
      await this.scene.boxes.start(role)
      return { seconds: (Date.now() - started) / 1000, window }
    } catch (err) {
      const record = (err as { record?: CommandRecord }).record
      return {
        error: (err as Error).message,
        said: record ? `${record.stdout}\n${record.stderr}`.trim() : undefined,
        timedOut: record?.timedOut,
        seconds: (Date.now() - started) / 1000,
        window,
      }
    }
  }

  /**
   * Tries to start a new box until one starts or `windowSeconds` have passed since the first try
   * (a runtime may finish deleting a removed disk after rm returns); each try is its own role
   * (`newcomer`, `newcomer-2`, ...), registered for removal. Returns the role that started, if any.
   */
  async startNewcomerWithin(
    base: string,
    windowSeconds: number,
  ): Promise<{ role?: string; tries: number; seconds: number; lastError?: string }> {
    const { boxes, clock } = this.scene
    const started = Date.now()
    const window = clock.deadline(windowSeconds)
    let lastError: string | undefined
    for (let tries = 1; ; tries++) {
      const role = tries === 1 ? base : `${base}-${tries}`
      try {
        await boxes.start(role)
        return { role, tries, seconds: (Date.now() - started) / 1000, lastError }
      } catch (err) {
        lastError = (err as Error).message
      }
      if (window.remainingSeconds() * 1000 < NEWCOMER_RETRY_MS)
        return { tries, seconds: (Date.now() - started) / 1000, lastError }
      await new Promise((resolve) => setTimeout(resolve, NEWCOMER_RETRY_MS))
    }
  }

  /**
   * Unmounts and detaches the small filesystem (the boxes must be gone first), then gives the
   * kernel a moment to free the loop device. Returns the device if mount namespaces of other
   * processes still hold it (see heldElsewhere). Idempotent.
   *
   * Only a moment: our boxes are gone by now, so what still holds the device is a process that
   * copied the mount when it started (another scenario's box, under --parallel), and waiting for
   * it to end bought nothing but up to 10 s per run. Processes of this scenario that outlived
   * their box are found by the leftover check after this (support/world.ts).
   */
  async release(): Promise<string | undefined> {
    const fs = this.fs
    if (!fs) return undefined
    // Outside any step (After, or Ctrl-C): not through the ledger, whose records and attachments belong to steps.
    await releaseLoopFilesystem(fs, (_what, call) => call(this.scene.clock.limit(HOST_TOOL_SECONDS).timeoutSeconds))
    const poll = await pollUntil(
      () => Promise.resolve(heldElsewhere(fs)),
      (held) => held === undefined,
      { intervalMs: 100, timeoutMs: KERNEL_LETS_GO_MS },
    )
    const held = poll.value
    if (!held) return undefined
    process.stderr.write(
      `boxlite-disk-spec: ${held.device} (the scenario's filesystem) is unmounted and detached; copies of its mount ` +
        `in the mount namespaces of pids ${held.pids.join(', ')} ` +
        '(processes started while it was mounted) hold it, and the kernel frees it when they end\n',
    )
    return held.device
  }
}
