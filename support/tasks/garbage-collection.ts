/**
 * gc (features/garbage-collection.feature): a home with disks no box uses, aged by setting its files' times back
 * (upstream's own test does `touch -t 197001010000`), stray files planted beside the runtime's disks, and gc runs
 * measured by the files of the image store before and after. Reads the home only through src/drivers/home-layout.ts
 * and the driver's image store; measures only.
 */
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  existsSync,
  realpathSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { BOXLITE_BASE_DISK_SUFFIX, boxliteBaseDiskDir, boxliteBasesDir } from '../../src/drivers/home-layout'
import type { CommandRecord } from '../../src/drivers/types'
import { type GcReport, parseGcReport } from '../../src/evidence/gc-report'
import { parseBackingChain, qemuImgInfo } from '../../src/host/disk-image'
import { MiB } from '../../src/evidence/units'
import { writeRandomFile } from '../../src/guest/files'
import { command } from '../../src/guest/probe'
import { fileFingerprints, type Fingerprints } from '../../src/guest/measure'
import { named } from '../parts/boxes'
import type { Scene } from '../parts/scene'
import { CALL } from '../timeouts'

/** How far back the home's files are set: far past any grace a runtime may give (PR #647: 10 minutes). */
const AGE_SECONDS = 24 * 3600
/** What a box holds of its own, to find again after gc. */
const KEEPSAKE = '/gc-keepsake'

/** Every regular file under some directories, with its size in bytes. */
export type FileSizes = ReadonlyMap<string, number>

export interface GcRun {
  readonly record: CommandRecord
  /** What the runtime said it reclaimed; absent when no line of its output says it. */
  readonly report?: GcReport
  readonly dryRun: boolean
  /** The files of the image store (images and bases) just before and just after. */
  readonly before: FileSizes
  readonly after: FileSizes
  /** The files of `before` the scenario's boxes' disks are built on (their backing chains), read just before. */
  readonly inUse: ReadonlySet<string>
}

/** What the scenario put beside the runtime's disks: one unused base disk made just now, and foreign files. */
export interface Strays {
  readonly freshBaseDisk: string
  readonly foreign: readonly string[]
}

export class GarbageCollection {
  constructor(private readonly scene: Scene) {}

  /**
   * The base disks a removed box's image left: a box is made and force-removed, then the home's files are set a day
   * back. Returns the base disks still there (the image's, which no box uses any more).
   */
  async leaveUnusedBaseDisk(role: string): Promise<FileSizes> {
    const { boxes, calls, driver } = this.scene
    const box = await boxes.start(role)
    await calls.run(`force-remove ${named(role)}`, 'must-succeed', CALL.forceRemove, (limit) =>
      driver.remove(box.id, limit),
    )
    box.removed = true
    this.ageHome()
    return baseDisks(this.scene.driver.home)
  }

  /** A box that holds a file of its own (fingerprinted), stopped when `stopped`. */
  async boxWithKeepsake(role: string, stopped: boolean): Promise<Fingerprints> {
    const { boxes, calls, driver } = this.scene
    const box = await boxes.start(role)
    await boxes.exec(role, writeRandomFile(KEEPSAKE, 64 * 1024), CALL.quickProbe, 'must-succeed')
    await boxes.exec(role, command('sync', 'sync'), CALL.quickProbe, 'must-succeed')
    const keepsake = (await boxes.exec(role, fileFingerprints([KEEPSAKE]), CALL.fingerprint, 'judged-here')).value
    if (stopped)
      await calls.run(`stop ${named(role)}`, 'must-succeed', CALL.stop, (limit) => driver.stop(box.id, limit))
    return keepsake
  }

  /** `snapshot create` of the box (the scenario needs snapshots); setup, so it must succeed. */
  async snapshot(role: string, name: string): Promise<void> {
    const { boxes, calls, driver } = this.scene
    const snapshotCreate = driver.snapshotCreate?.bind(driver)
    if (!snapshotCreate) throw new Error(`the ${driver.kind} driver cannot take snapshots`)
    const id = boxes.get(role).id
    await calls.run(`snapshot ${named(role)}`, 'must-succeed', CALL.createBox, (limit) =>
      snapshotCreate(id, name, limit),
    )
  }

  /** A clone of the box as `role` (the scenario needs clones); setup, so it must succeed. */
  async cloneOf(source: string, role: string): Promise<void> {
    const { boxes, calls, driver } = this.scene
    const clone = driver.clone?.bind(driver)
    if (!clone) throw new Error(`the ${driver.kind} driver cannot clone a box`)
    const from = boxes.get(source).id
    const name = boxes.reserve(role)
    let id: string | undefined
    await calls.run(`clone ${named(source)} as ${named(role)}`, 'must-succeed', CALL.createBox, async (limit) => {
      const made = await clone(from, name, limit)
      id = made.id
      return made.record
    })
    if (id === undefined) throw new Error(`cloning ${named(source)} gave no id for ${named(role)}`)
    boxes.settle(role, id)
  }

  /**
   * Foreign files beside the runtime's disks (aged with the home), then one unused base disk made after the aging,
   * so it is fresh. The fresh one is a 4 MiB sparse file under a digest-like name: gc judges a file by its name, its
   * references and its age, never by what it holds.
   */
  ageHomeAndPlantStrays(): Strays {
    const home = this.scene.driver.home
    const foreign = [
      join(boxliteBaseDiskDir(home), 'operator-notes.txt'),
      join(boxliteBasesDir(home), 'operator-notes.txt'),
    ]
    for (const path of foreign) {
      mkdirSync(join(path, '..'), { recursive: true })
      writeFileSync(path, 'an operator keeps this here; it is not a disk of the runtime\n')
    }
    this.ageHome()
    const freshBaseDisk = join(
      boxliteBaseDiskDir(home),
      `${randomBytes(32).toString('hex')}${BOXLITE_BASE_DISK_SUFFIX}`,
    )
    closeSync(openSync(freshBaseDisk, 'w'))
    truncateSync(freshBaseDisk, 4 * MiB)
    return { freshBaseDisk, foreign }
  }

  /** Sets every file and directory of the home a day back (symbolic links themselves, never what they point to). */
  ageHome(): number {
    const when = Date.now() / 1000 - AGE_SECONDS
    let aged = 0
    const walk = (path: string) => {
      const st = lstatSync(path, { throwIfNoEntry: false })
      if (!st) return // the runtime deleted it meanwhile (a removal it finishes in the background)
      if (st.isDirectory()) for (const name of listing(path)) walk(join(path, name))
      try {
        lutimesSync(path, when, when)
        aged++
      } catch {
        // gone meanwhile, or a file the runtime holds that cannot be touched: its age is the runtime's business
      }
    }
    walk(this.scene.driver.home)
    return aged
  }

  /** `gc` (or `gc --dry-run`), with the image store listed before and after. */
  async run(dryRun: boolean): Promise<GcRun> {
    const { calls, driver } = this.scene
    if (!driver.gc) throw new Error(`the ${driver.kind} driver has no gc`)
    const before = imageStoreFiles(driver.imageStoreDirs())
    const chains = await this.chainsOfBoxes()
    const inUse = new Set([...before.keys()].filter((path) => chains.has(canonical(path))))
    const record = await calls.run(dryRun ? 'gc --dry-run' : 'gc', 'judged-later', CALL.gc, (limit) =>
      driver.gc!(dryRun, limit),
    )
    const after = imageStoreFiles(driver.imageStoreDirs())
    return { record, report: parseGcReport(record.stdout), dryRun, before, after, inUse }
  }

  /**
   * Every file below the disks of the scenario's boxes that are still there (`qemu-img info --backing-chain`): what
   * the boxes are built on, whatever the runtime's layout, so a gc that deletes one can be told from one that
   * deletes a disk no box uses.
   */
  private async chainsOfBoxes(): Promise<Set<string>> {
    const { boxes, calls, clock, driver } = this.scene
    const files = new Set<string>()
    for (const id of boxes.ids()) {
      const disk = driver.diskPath(id)
      if (!existsSync(disk)) continue // removed
      const record = await qemuImgInfo(disk, clock.limit(CALL.quickProbe).timeoutSeconds)
      calls.note(record)
      for (const image of parseBackingChain(record).slice(1)) files.add(canonical(image.path))
    }
    return files
  }

  async start(role: string): Promise<CommandRecord> {
    const { boxes, calls, driver } = this.scene
    const id = boxes.get(role).id
    return calls.run(`start ${named(role)}`, 'judged-later', CALL.start, (limit) => driver.start(id, limit))
  }

  async keepsakeNow(role: string): Promise<Fingerprints> {
    return (await this.scene.boxes.exec(role, fileFingerprints([KEEPSAKE]), CALL.fingerprint, 'judged-here')).value
  }

  /** The base disks in the home now. */
  baseDisksNow(): FileSizes {
    return baseDisks(this.scene.driver.home)
  }
}

function baseDisks(home: string): FileSizes {
  const dir = boxliteBaseDiskDir(home)
  return new Map(
    [...filesUnder(dir)].filter(
      ([path]) => path.endsWith(BOXLITE_BASE_DISK_SUFFIX) && !path.slice(dir.length + 1).includes('/'),
    ),
  )
}

function imageStoreFiles(dirs: readonly string[]): FileSizes {
  const all = new Map<string, number>()
  for (const dir of dirs) for (const [path, size] of filesUnder(dir)) all.set(path, size)
  return all
}

function filesUnder(dir: string): Map<string, number> {
  const found = new Map<string, number>()
  const walk = (path: string) => {
    const st = lstatSync(path, { throwIfNoEntry: false })
    if (st?.isDirectory()) for (const name of listing(path)) walk(join(path, name))
    else if (st?.isFile()) found.set(path, st.size)
  }
  walk(dir)
  return found
}

function canonical(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

function listing(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}
