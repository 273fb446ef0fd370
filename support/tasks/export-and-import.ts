/**
 * Boxes written to archives and brought back (features/export-and-import.feature): the files a box holds, its
 * export, imports of the archive and of damaged copies made from it on the host, and what the runtime and its home
 * show around them. Archives live in the scenario's own host files and go with its directory. Measures only; the
 * Then steps judge.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import type { CommandRecord } from '../../src/drivers/types'
import { sha256OfFile } from '../../src/host/disk-image'
import { runHostTool } from '../../src/host/host-tool'
import { type FileKinds, readFileKinds, writeFileKinds } from '../../src/guest/file-kinds'
import { command } from '../../src/guest/probe'
import { named } from '../parts/boxes'
import type { Scene } from '../parts/scene'
import { CALL } from '../timeouts'
import type { Rootfs } from './common/rootfs'

/** Per-call limits (seconds): an export flattens and compresses the whole disk, an import unpacks and checks it. */
export const ARCHIVE_CALL = { export: 180, import: 180, hostTool: 60 } as const

/** Where the file kinds live in the box. */
const KINDS = '/kinds'

export interface Export {
  readonly record: CommandRecord
  /** The archive's path as the runtime reported it. */
  readonly archive?: string
  /** The exported box's id. */
  readonly sourceId: string
}

export interface Import {
  readonly record: CommandRecord
  /** The new box's id, when the runtime gave one. */
  readonly id?: string
}

export interface DamagedImport extends Import {
  /** What was done to the archive. */
  readonly damage: string
}

export interface DamagedImports {
  readonly attempts: readonly DamagedImport[]
  /** The runtime's box list, and the entries of the home's box directory, before and after the imports. */
  readonly listed: { readonly before: readonly string[]; readonly after: readonly string[] }
  readonly boxDirs: { readonly before: readonly string[]; readonly after: readonly string[] }
  readonly boxesDir: string
}

/** The damaged copies a scenario imports: one changed disk byte, no manifest, a newer version, a backing file. */
const DAMAGES = ['a changed byte in the disk', 'no manifest', 'manifest version 6', 'a disk naming a backing file']

export class Archives {
  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  /** Writes the file kinds (1 MiB: after the bound proof) and reads them back as the box holds them. */
  async writeFileKinds(role: string): Promise<FileKinds> {
    await this.rootfs.proveBounded(role)
    await this.scene.boxes.exec(role, writeFileKinds(KINDS), CALL.quickProbe, 'must-succeed')
    return this.fileKinds(role)
  }

  async fileKinds(role: string): Promise<FileKinds> {
    return (await this.scene.boxes.exec(role, readFileKinds(KINDS), CALL.quickProbe, 'judged-here')).value
  }

  /**
   * Exports the box into the scenario's archive directory. A running box is synced first: what a program wrote
   * but the box's kernel still holds in memory is not on its disk yet, for any runtime.
   */
  async export(role: string, how: 'running' | 'stopped', judgement: 'judged-later' | 'must-succeed'): Promise<Export> {
    const { boxes, calls, driver } = this.scene
    const id = boxes.get(role).id
    if (how === 'running') await boxes.exec(role, command('sync', 'sync'), CALL.quickProbe, 'must-succeed')
    else await calls.run(`stop ${named(role)}`, 'must-succeed', CALL.stop, (limit) => driver.stop(id, limit))
    const exportBox = driver.exportBox?.bind(driver)
    if (!exportBox) throw new Error(`the ${driver.kind} driver cannot export a box`)
    const dir = join(this.scene.dirs.hostFiles, 'archives')
    mkdirSync(dir, { recursive: true })
    let archive: string | undefined
    const record = await calls.run(`export ${named(role)}`, judgement, ARCHIVE_CALL.export, async (limit) => {
      const r = await exportBox(id, dir, limit)
      archive = r.archive
      return r.record
    })
    return { record, archive, sourceId: id }
  }

  /** Imports the archive as a new box of `role`, registered for removal by the name it is given before it exists. */
  async import(archive: string, role: string): Promise<Import> {
    const { boxes, calls, driver } = this.scene
    const importBox = driver.importBox?.bind(driver)
    if (!importBox) throw new Error(`the ${driver.kind} driver cannot import an archive`)
    const name = boxes.reserve(role)
    let id: string | undefined
    const record = await calls.run(
      `import the archive as ${named(role)}`,
      'judged-later',
      ARCHIVE_CALL.import,
      async (limit) => {
        const r = await importBox(archive, name, limit)
        id = r.id
        return r.record
      },
    )
    if (id !== undefined) boxes.settle(role, id)
    return { record, id }
  }

  /** Starts an imported box; the Then step judges the record. */
  start(role: string): Promise<CommandRecord> {
    const { boxes, calls, driver } = this.scene
    const id = boxes.get(role).id
    return calls.run(`start ${named(role)}`, 'judged-later', CALL.start, (limit) => driver.start(id, limit))
  }

  /** Writes a file only this box should have (`/written-in-<role>`). */
  async writeOwnFile(role: string): Promise<void> {
    await this.scene.boxes.exec(
      role,
      command(`write ${ownFile(role)}`, `echo written > ${ownFile(role)} && sync`),
      CALL.quickProbe,
      'must-succeed',
    )
  }

  /** Which of the given boxes' own files this box sees. */
  async ownFilesSeen(role: string, owners: readonly string[]): Promise<string[]> {
    const script = owners.map((o) => `[ -e ${ownFile(o)} ] && echo seen=${ownFile(o)}`).join('; ')
    const { record } = await this.scene.boxes.exec(
      role,
      command("look for the other boxes' files", `${script}; true`),
      CALL.quickProbe,
      'judged-here',
    )
    return [...record.stdout.matchAll(/^seen=(\S+)$/gm)].map((m) => m[1])
  }

  /**
   * Damaged copies of a good archive, made on the host with tar, zstd and qemu-img in the scenario's own files,
   * imported one by one; the runtime's list and the home's box directory are read before and after (@host-access).
   */
  async importDamaged(good: Export): Promise<DamagedImports> {
    if (!good.archive) throw new Error('the export reported no archive path')
    const boxesDir = dirname(dirname(dirname(this.scene.driver.diskPath(good.sourceId))))
    const archives = await this.damagedCopies(good.archive)
    const listed = { before: await this.listed(), after: [] as string[] }
    const boxDirs = { before: entries(boxesDir), after: [] as string[] }
    const attempts: DamagedImport[] = []
    for (const [i, { damage, path }] of archives.entries()) {
      attempts.push({ damage, ...(await this.import(path, `damaged-${i + 1}`)) })
    }
    listed.after = await this.listed()
    boxDirs.after = entries(boxesDir)
    return { attempts, listed, boxDirs, boxesDir }
  }

  /** Every box id the runtime lists. */
  private async listed(): Promise<string[]> {
    const { calls, driver } = this.scene
    const listAll = driver.listAll?.bind(driver)
    if (!listAll) throw new Error(`the ${driver.kind} driver cannot list every box`)
    let ids: string[] = []
    await calls.run('list every box', 'must-succeed', CALL.quickProbe, async (limit) => {
      const r = await listAll(limit)
      ids = r.boxes.map((b) => b.id)
      return r.record
    })
    return ids.sort()
  }

  private async damagedCopies(archive: string): Promise<Array<{ damage: string; path: string }>> {
    const root = join(this.scene.dirs.hostFiles, 'damaged')
    const good = join(root, 'good')
    mkdirSync(good, { recursive: true })
    await this.hostTool('tar', [...decompress(archive), '-xf', archive, '-C', good])
    const manifest = JSON.parse(readFileSync(join(good, 'manifest.json'), 'utf8')) as Record<string, unknown>
    const disk = join(good, 'disk.qcow2')
    const made: Array<{ damage: string; path: string }> = []
    for (const [i, damage] of DAMAGES.entries()) {
      const dir = join(root, `copy-${i + 1}`)
      mkdirSync(dir)
      const members = ['manifest.json', 'disk.qcow2']
      if (i === 0) {
        copyFileSync(disk, join(dir, 'disk.qcow2'))
        flipMiddleByte(join(dir, 'disk.qcow2'))
        writeJson(join(dir, 'manifest.json'), manifest)
      } else if (i === 1) {
        copyFileSync(disk, join(dir, 'disk.qcow2'))
        members.shift()
      } else if (i === 2) {
        copyFileSync(disk, join(dir, 'disk.qcow2'))
        writeJson(join(dir, 'manifest.json'), { ...manifest, version: 6 })
      } else {
        // A thin disk over the good one, with the checksum it really has: only the backing file is wrong.
        await this.hostTool('qemu-img', [
          'create',
          '-q',
          '-f',
          'qcow2',
          '-F',
          'qcow2',
          '-b',
          disk,
          join(dir, 'disk.qcow2'),
        ])
        writeJson(join(dir, 'manifest.json'), {
          ...manifest,
          container_disk_checksum: sha256OfFile(join(dir, 'disk.qcow2')),
        })
      }
      const path = join(root, `damaged-${i + 1}.boxlite`)
      await this.hostTool('tar', ['-C', dir, '-I', 'zstd -3 -q', '-cf', path, ...members])
      made.push({ damage, path })
    }
    return made
  }

  private async hostTool(bin: string, args: string[]): Promise<void> {
    const pkg = { tar: 'tar', 'qemu-img': 'qemu-utils' }[bin] ?? bin
    await this.scene.calls.run(`${bin} (making a damaged archive)`, 'must-succeed', ARCHIVE_CALL.hostTool, (limit) =>
      runHostTool(bin, args, limit.timeoutSeconds, pkg),
    )
  }
}

const ownFile = (role: string) => `/written-in-${role.replace(/[^a-z0-9]+/g, '-')}`

function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : []
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`)
}

/** tar's option to read the archive: zstd when it starts with zstd's magic, else a plain tar. */
function decompress(archive: string): string[] {
  const head = Buffer.alloc(4)
  const fd = openSync(archive, 'r')
  try {
    readSync(fd, head, 0, 4, 0)
  } finally {
    closeSync(fd)
  }
  return head.equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])) ? ['-I', 'zstd -d -q'] : []
}

/** Inverts one byte in the middle of the file: the disk's checksum no longer matches its manifest. */
function flipMiddleByte(path: string): void {
  const at = Math.floor(statSync(path).size / 2)
  const fd = openSync(path, 'r+')
  try {
    const b = Buffer.alloc(1)
    readSync(fd, b, 0, 1, at)
    b[0] ^= 0xff
    writeSync(fd, b, 0, 1, at)
  } finally {
    closeSync(fd)
  }
}
