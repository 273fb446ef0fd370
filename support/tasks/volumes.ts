/**
 * Volumes (features/volumes.feature, @host-access): a host directory shared into a box, read-only or not, an
 * anonymous volume the runtime keeps in its home, and a sized volume with its own disk. A host directory a box
 * fills lives on a small filesystem the scenario makes under its own directory (src/host/loop-filesystem.ts), so
 * the host's own filesystem can lose at most its size; the World releases it after the boxes, also on a failed
 * step or Ctrl-C. Measures only.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CommandRecord, VolumeSpec } from '../../src/drivers/types'
import { formatBytes, KiB, MiB } from '../../src/evidence/units'
import { sha256OfFile } from '../../src/host/disk-image'
import { ownBytes } from '../../src/host/home-footprint'
import {
  checkLoopFilesystemPlan,
  describeLoopFilesystem,
  heldElsewhere,
  type LoopFilesystem,
  mountLoopFilesystem,
  releaseLoopFilesystem,
} from '../../src/host/loop-filesystem'
import { writeRandomFile } from '../../src/guest/files'
import { command } from '../../src/guest/probe'
import { type FileFingerprint, fileFingerprints } from '../../src/guest/measure'
import { fillVolume, tryWritesIn, type VolumeFill, type WriteTry } from '../../src/guest/volume-writes'
import { pollUntil } from '../../src/host/poll'
import { BEFORE_THE_BOX } from '../parts/host-meter'
import type { Scene } from '../parts/scene'
import { CALL, WAIT } from '../timeouts'
import type { Rootfs } from './common/rootfs'

const HOST_TOOL_SECONDS = 60
/** How long the kernel gets to free a detached loop device once its last holder of ours has ended. */
const KERNEL_LETS_GO_MS = 1000
/** What a fill may write beyond the volume's size: enough to prove it stopped at the volume, not at the cap. */
const FILL_BEYOND_MIB = 16
/** Small files whose content matters (a witness): big enough that a partial write shows. */
const WITNESS_BYTES = 16 * KiB

/** A fill of a volume, with the box's rootfs free space around it. */
export interface VolumeFillRun {
  readonly dir: string
  readonly fill: VolumeFill
  /** Judged later: the Then step that asks for the fill examines it. */
  readonly record: CommandRecord
  /** The volume's size as planned (the scenario's filesystem, or the sized volume). */
  readonly plannedBytes: number
  readonly capMiB: number
  readonly rootfsFreeBefore: number
  readonly rootfsFreeAfter: number
}

/** A file the scenario wrote, where it wrote it, and its fingerprint then. */
export interface Witness {
  /** The path in the box (or on the host, for a file the host wrote). */
  readonly path: string
  /** The file's name, unique to the scenario, so it can be looked for anywhere in the home. */
  readonly name: string
  readonly fingerprint: FileFingerprint
}

export interface WriteTries {
  readonly overwrite: WriteTry
  readonly create: WriteTry
  readonly record: CommandRecord
  readonly fresh: string
}

export class Volumes {
  /** The scenario's own small filesystem: a resource the World releases, not a result. */
  private fs?: LoopFilesystem

  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  /** The host directory the scenario shares, under its own directory (outside the home). */
  get hostDir(): string {
    return join(this.scene.dirs.dir, 'volume-host')
  }

  /** An empty host directory. */
  makeHostDir(): string {
    mkdirSync(this.hostDir, { recursive: true })
    return this.hostDir
  }

  /** The host directory on a fresh ext4 of `bytes` of its own, so a fill there can take at most that from the host. */
  async hostDirOnItsOwnFilesystem(bytes: number): Promise<string> {
    const { calls, report } = this.scene
    const mountPoint = this.makeHostDir()
    const fs: LoopFilesystem = { image: join(this.scene.dirs.dir, 'volume-fs.img'), mountPoint, bytes, mounted: false }
    checkLoopFilesystemPlan(fs.image, fs.mountPoint, bytes)
    this.fs = fs
    await mountLoopFilesystem(fs, (what, call) =>
      calls.run(what, 'judged-here', HOST_TOOL_SECONDS, (limit) => call(limit.timeoutSeconds)),
    )
    const d = describeLoopFilesystem(fs)
    report.log(
      `the host directory ${mountPoint} is ${d.device}, an ext4 of ${formatBytes(d.sizeBytes)} ` +
        `(${formatBytes(d.freeBytes)} free) backed by ${d.backing}: a fill of the volume can take at most ` +
        `${formatBytes(bytes)} from the host`,
    )
    return mountPoint
  }

  /** A small random file written by the host into its directory; its fingerprint as written. */
  writeHostFile(): Witness {
    const name = `host-file-${randomBytes(4).toString('hex')}`
    const path = join(this.makeHostDir(), name)
    writeFileSync(path, randomBytes(WITNESS_BYTES))
    return { path, name, fingerprint: hostFingerprint(path) }
  }

  /** A file of the host directory as it is now. */
  hostFile(name: string): FileFingerprint | 'missing' {
    const path = join(this.hostDir, name)
    return existsSync(path) ? hostFingerprint(path) : 'missing'
  }

  /** What the host directory holds now. */
  hostDirEntries(): string[] {
    return existsSync(this.hostDir) ? readdirSync(this.hostDir).sort() : []
  }

  /** Starts a box with these volumes; a sized one is measured on the host from before the box. */
  async startWithVolumes(role: string, volumes: readonly VolumeSpec[]): Promise<void> {
    await this.scene.boxes.start(role, { volumes })
  }

  /**
   * Fills `<dir>/fill` in the box, capped at the volume's planned size plus 16 MiB, with the rootfs free space
   * measured before and after. Refuses (nothing written) unless `/` is proven bounded and the volume's filesystem,
   * as the box sees it, is below twice its planned size or the rootfs bound.
   */
  async fill(role: string, dir: string, plannedBytes: number): Promise<VolumeFillRun> {
    const { boxes } = this.scene
    const proof = await this.rootfs.proveBounded(role)
    const before = await this.rootfs.space(role)
    const capMiB = Math.ceil(plannedBytes / MiB) + FILL_BEYOND_MIB
    const volumeLimitKiB = Math.max(proof.budget.limitKiB, Math.ceil((2 * plannedBytes) / KiB))
    const { value: fill, record } = await boxes.exec(
      role,
      fillVolume(proof.budget, dir, volumeLimitKiB, capMiB),
      CALL.fill,
      'judged-later',
    )
    const after = await this.rootfs.space(role)
    return {
      dir,
      fill,
      record,
      plannedBytes,
      capMiB,
      rootfsFreeBefore: before.availKiB * KiB,
      rootfsFreeAfter: after.availKiB * KiB,
    }
  }

  /** A small random file written and synced in the box; its fingerprint as the box reads it. */
  async writeWitness(role: string, dir: string): Promise<Witness> {
    const { boxes } = this.scene
    const name = `witness-${randomBytes(4).toString('hex')}`
    const path = `${dir}/${name}`
    await boxes.exec(role, writeRandomFile(path, WITNESS_BYTES), CALL.quickProbe, 'must-succeed')
    await boxes.exec(role, command('sync', 'sync'), CALL.quickProbe, 'must-succeed')
    const fingerprint = await this.fingerprintInBox(role, path)
    if (fingerprint === 'missing') throw new Error(`the box wrote ${path} but cannot read it back`)
    return { path, name, fingerprint }
  }

  async fingerprintInBox(role: string, path: string): Promise<FileFingerprint | 'missing'> {
    const { value } = await this.scene.boxes.exec(role, fileFingerprints([path]), CALL.fingerprint, 'judged-here')
    return value.get(path) ?? 'missing'
  }

  /** The box tries to overwrite `<dir>/<existing>` and to create a new file in `dir`. */
  async tryWrites(role: string, dir: string, existing: string): Promise<WriteTries> {
    const fresh = `new-${randomBytes(4).toString('hex')}`
    const { value, record } = await this.scene.boxes.exec(
      role,
      tryWritesIn(`${dir}/${existing}`, `${dir}/${fresh}`),
      CALL.probe,
      'judged-later',
    )
    return { ...value, record, fresh }
  }

  /** Every file named `name` anywhere under the runtime's home, with its fingerprint. */
  filesInHome(name: string): { path: string; fingerprint: FileFingerprint }[] {
    const found: { path: string; fingerprint: FileFingerprint }[] = []
    const walk = (dir: string) => {
      let entries
      try {
        entries = readdirSync(dir, { withFileTypes: true })
      } catch {
        return // vanished, or not a directory
      }
      for (const e of entries) {
        const path = join(dir, e.name)
        if (e.isDirectory()) walk(path)
        else if (e.isFile() && e.name === name) found.push({ path, fingerprint: hostFingerprint(path) })
      }
    }
    walk(this.scene.dirs.home)
    return found
  }

  /** Samples the home before the box exists: what "given back" is measured against. */
  sampleHomeBeforeTheBox(): void {
    this.scene.host.sampleHome(BEFORE_THE_BOX)
  }

  /**
   * Polls until what the runtime keeps outside its image store is back within `within` of the home before the
   * box, or the window passed; returns how far above it the home is then.
   */
  async homeBackWithin(within: number, windowSeconds: number): Promise<{ above: number; seconds: number }> {
    const { host, clock } = this.scene
    const before = host.homeSampled(BEFORE_THE_BOX)?.home
    if (!before) throw new Error('the home was never measured before the box')
    const poll = await clock.pollUntil(
      () => host.home(),
      (h) => ownBytes(h) <= ownBytes(before) + within,
      { intervalMs: WAIT.pollInterval * 1000, windowSeconds },
    )
    host.sampleHome('after removal', poll.value)
    return { above: ownBytes(poll.value) - ownBytes(before), seconds: poll.elapsedMs / 1000 }
  }

  /**
   * Unmounts and detaches the scenario's filesystem (the boxes must be gone first) and deletes its image; returns
   * the device if mount namespaces of other processes (boxes started meanwhile, under --parallel) still hold a
   * copy of its mount, which the kernel frees when they end. Idempotent. Outside any step (After, or Ctrl-C): not
   * through the ledger, whose records belong to steps.
   */
  async release(): Promise<string | undefined> {
    const fs = this.fs
    if (!fs) return undefined
    await releaseLoopFilesystem(fs, (_what, call) => call(this.scene.clock.limit(HOST_TOOL_SECONDS).timeoutSeconds))
    const poll = await pollUntil(
      () => Promise.resolve(heldElsewhere(fs)),
      (held) => held === undefined,
      { intervalMs: 100, timeoutMs: KERNEL_LETS_GO_MS },
    )
    return poll.value?.device
  }
}

function hostFingerprint(path: string): FileFingerprint {
  return { bytes: statSync(path).size, sha256: sha256OfFile(path) }
}
