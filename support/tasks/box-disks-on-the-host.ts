/**
 * A box's disk image on the host (@host-access): its virtual size and backing chain as `qemu-img
 * info` reads them, the base disk(s) it is backed by, and their SHA-256 over a scenario. Measures
 * only; the Then steps judge.
 */
import { realpathSync, statSync } from 'node:fs'
import { sep } from 'node:path'
import { type DiskImage, parseBackingChain, qemuImgInfo, sha256OfFile } from '../../src/host/disk-image'
import { named } from '../parts/boxes'
import { CALL } from '../timeouts'
import type { Scene } from '../parts/scene'

export interface BaseDisk {
  /** The backing file as the box's disk names it. */
  readonly path: string
  /** Where it really is (symlinks resolved) and which file it is (device and inode). */
  readonly realPath: string
  readonly fileId: string
  /** Whether it lies inside the runtime's image store (the driver says where that is). */
  readonly inImageStore: boolean
}

/** SHA-256 of each base disk, by its real path. */
export type BaseDiskHashes = ReadonlyMap<string, string>

export class BaseDisks {
  constructor(private readonly scene: Scene) {}

  /** The box's disk, then each backing file down the chain. */
  async chain(role: string): Promise<DiskImage[]> {
    const { calls, host } = this.scene
    const path = host.diskPath(role)
    const record = await calls.run(`qemu-img info (${named(role)})`, 'judged-here', CALL.quickProbe, (limit) =>
      qemuImgInfo(path, limit.timeoutSeconds),
    )
    return parseBackingChain(record)
  }

  /** The base disk(s) under the box's own disk. */
  async bases(role: string): Promise<BaseDisk[]> {
    const stores = this.scene.driver.imageStoreDirs().map((d) => realpathOr(d))
    return (await this.chain(role)).slice(1).map((image) => {
      const realPath = realpathOr(image.path)
      const st = statSync(realPath)
      return {
        path: image.path,
        realPath,
        fileId: `${st.dev}:${st.ino}`,
        inImageStore: stores.some((d) => realPath.startsWith(d + sep)),
      }
    })
  }

  async hashes(role: string): Promise<BaseDiskHashes> {
    const bases = await this.bases(role)
    if (bases.length === 0)
      throw new Error(`${named(role)}'s disk has no backing file: there is no shared base disk to watch`)
    const hashes = new Map(bases.map((b) => [b.realPath, sha256OfFile(b.realPath)]))
    for (const [path, sha] of hashes) this.scene.report.log(`base disk ${path}: sha256 ${sha}`)
    return hashes
  }

  /** The same base disks' SHA-256 now ('missing' for one that is gone). */
  now(recorded: BaseDiskHashes): BaseDiskHashes {
    return new Map([...recorded.keys()].map((p) => [p, tryHash(p)]))
  }
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

function tryHash(path: string): string {
  try {
    return sha256OfFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw err
  }
}
