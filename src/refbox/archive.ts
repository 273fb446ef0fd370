/**
 * `refbox export` and `import`: BoxLite's `.boxlite` archives on its layout (docs: boxlite-disks-beyond-rootfs.md §4).
 * An archive is a tar compressed with zstd (level 3) holding `manifest.json` and `disk.qcow2`, the box's whole disk
 * chain flattened into one standalone qcow2. Import checks everything in `<home>/tmp/` before a box exists, so a
 * refused archive leaves no box behind.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  closeSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { parseArgs, value } from './args'
import type { Ctx } from './box'
import { RefboxError, UsageError } from './errors'
import { BOX_NAME } from './home'
import { isAlive } from './proc'
import { reachSite } from './sites'
import { findBox, generatedName, isRunning, listStates, newBoxId, writeState, type BoxState } from './state'
import { requireRootAndFuse, requireTools, runTool } from './tools'

/** The manifest version refbox writes (BoxLite writes 3 unless the box has a capability policy or published ports). */
const ARCHIVE_VERSION = 3
/** The newest manifest version BoxLite 0.10.0 imports. */
const MAX_ARCHIVE_VERSION = 5
const MANIFEST = 'manifest.json'
const DISK = 'disk.qcow2'
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd])

/** BoxLite's `ArchiveManifest`, the fields refbox writes and reads. */
export interface ArchiveManifest {
  readonly version: number
  readonly box_name: string | null
  readonly image: string
  readonly box_options: BoxOptions
  readonly container_disk_checksum: string
  readonly exported_at: string
}

/** The box's options as the manifest carries them (snake_case, as BoxLite serialises its BoxOptions). */
interface BoxOptions {
  readonly cpus: number
  readonly memory_mib: number
  readonly disk_size_gb: number | null
  readonly rootfs: { readonly path: string }
  readonly cmd: readonly string[]
}

const out = (s: string) => process.stdout.write(s)

export function cmdExport(ctx: Ctx, args: string[]): Promise<number> {
  const p = parseArgs('export', args, [], false)
  const [ref, dest, extra] = p.positionals
  if (ref === undefined || dest === undefined)
    throw new UsageError('the following required arguments were not provided: <BOX> <DEST>')
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}' found for 'export'`)
  const state = findBox(ctx.paths, ref)
  if (!state) throw new RefboxError(`box not found: ${ref}`)
  out(`${exportBox(ctx, state, resolve(dest))}\n`)
  return Promise.resolve(0)
}

/** Writes the box's archive; returns its path. */
function exportBox(ctx: Ctx, state: BoxState, dest: string): string {
  requireTools('qemu-img', 'tar', 'zstd')
  const disk = ctx.paths.box(state.id).qcow2
  if (!existsSync(disk)) throw new RefboxError(`invalid state: box ${state.id} has no disk to export`)
  const archive = isDirectory(dest) ? join(dest, `${state.name ?? 'box'}.boxlite`) : dest
  reachSite(ctx.paths.home, 'box-export')
  mkdirSync(ctx.paths.tmpDir, { recursive: true })
  const work = mkdtempSync(join(ctx.paths.tmpDir, 'export-'))
  const partial = `${archive}.partial-${process.pid}`
  try {
    const flat = join(work, DISK)
    flattenConsistently(ctx, state, disk, flat)
    const manifest: ArchiveManifest = {
      version: ARCHIVE_VERSION,
      box_name: state.name ?? null,
      image: state.image,
      box_options: {
        cpus: state.cpus,
        memory_mib: state.memoryMib,
        disk_size_gb: state.diskSizeGb ?? null,
        rootfs: { path: state.rootfs },
        cmd: state.command,
      },
      container_disk_checksum: sha256File(flat),
      exported_at: new Date().toISOString(),
    }
    writeFileSync(join(work, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`)
    runTool('tar', ['-C', work, '-I', 'zstd -3 -q', '-cf', partial, MANIFEST, DISK], 'writing the archive')
    renameSync(partial, archive) // an archive that is there is whole
    return archive
  } finally {
    rmSync(work, { recursive: true, force: true })
    rmSync(partial, { force: true })
  }
}

/**
 * The disk as one standalone qcow2. A running box's filesystem is frozen while its disk is read, so the
 * copy is what the box had written at one moment, journal and all (its storage daemon flushes on the freeze).
 */
function flattenConsistently(ctx: Ctx, state: BoxState, disk: string, flat: string): void {
  const running = isRunning(state) && isAlive(state.shim) && state.rootDev !== undefined
  const root = ctx.paths.box(state.id).root
  const freeze = (how: '-f' | '-u') =>
    runTool('nsenter', ['-t', String(state.shim?.pid), '-m', '--', 'fsfreeze', how, root], 'freezing the box disk')
  if (running) {
    requireTools('nsenter', 'fsfreeze')
    thawWhenGone(state.shim?.pid ?? 0, root)
    freeze('-f')
  }
  try {
    flatten(ctx, disk, flat)
  } finally {
    if (running) freeze('-u')
  }
  if (ctx.defects.has('export-drops-symlinks') || ctx.defects.has('export-loses-modes'))
    copyFilesBackIn(ctx, state, flat)
}

/**
 * An export killed while the box's filesystem is frozen would leave the box hanging on its next write, and its
 * removal on the unmount: a watcher thaws it once this process is gone (a thaw of a thawed filesystem just fails).
 */
function thawWhenGone(shimPid: number, root: string): void {
  const watcher = spawn(
    'sh',
    [
      '-c',
      'while kill -0 "$1" 2>/dev/null; do sleep 0.2; done; nsenter -t "$2" -m -- fsfreeze -u "$3" 2>/dev/null; true',
      'refbox-thaw',
      String(process.pid),
      String(shimPid),
      root,
    ],
    { detached: true, stdio: 'ignore', cwd: '/' },
  )
  watcher.unref()
}

function flatten(ctx: Ctx, disk: string, flat: string): void {
  if (ctx.defects.has('export-keeps-backing')) {
    // The regression: the live layer is archived as it is, still naming the layers under it.
    runTool('cp', ['--sparse=always', disk, flat], 'copying the box disk')
    return
  }
  // Reads through the whole chain (overlay and base disk); zero clusters are left out.
  runTool('qemu-img', ['convert', '-U', '-O', 'qcow2', disk, flat], 'flattening the box disk')
}

/**
 * The regressions `export-drops-symlinks` and `export-loses-modes`: the box's own files reach the archive through a
 * file-by-file copy over the image, which skips the symbolic links the box made, or gives every file the box made
 * or changed the default mode of a fresh copy (0644, 0755 for directories).
 */
function copyFilesBackIn(ctx: Ctx, state: BoxState, flat: string): void {
  const raw = `${flat}.raw`
  const mnt = `${flat}.mnt`
  const base = `${flat}.base`
  mkdirSync(mnt)
  mkdirSync(base)
  const what = ctx.defects.has('export-drops-symlinks') ? 'symlinks' : 'modes'
  try {
    runTool('qemu-img', ['convert', '-O', 'raw', flat, raw], 'unpacking the disk for the file copy')
    runTool(
      'unshare',
      ['--mount', '--propagation', 'private', 'bash', '-c', FILE_COPY, 'copy', raw, mnt, state.baseDisk, base, what],
      'copying the box files',
    )
    runTool('qemu-img', ['convert', '-O', 'qcow2', raw, flat], 'packing the copied files')
  } finally {
    rmSync(raw, { force: true })
    rmSync(mnt, { recursive: true, force: true })
    rmSync(base, { recursive: true, force: true })
  }
}

/** In a private mount namespace: $1 the disk, $2 its mount point, $3 the base disk, $4 its mount point, $5 the loss. */
const FILE_COPY = `set -e
mount -o loop,noatime "$1" "$2"
mount -o loop,ro,noload "$3" "$4"
cd "$2"
find . -xdev -mindepth 1 ! -path ./lost+found -print0 | while IFS= read -r -d '' f; do
  if [ "$5" = symlinks ]; then
    if [ -L "$f" ] && [ ! -L "$4/$f" ]; then rm -f "$f"; fi
  elif [ ! -L "$f" ] && [ "$(stat -c %a%Y "$f")" != "$(stat -c %a%Y "$4/$f" 2>/dev/null)" ]; then
    if [ -d "$f" ]; then chmod 755 "$f"; else chmod 644 "$f"; fi
  fi
done
cd /
umount "$4"
umount "$2"`

export function cmdImport(ctx: Ctx, args: string[]): Promise<number> {
  const p = parseArgs('import', args, [{ name: 'name', value: true }], false)
  const [archive, extra] = p.positionals
  if (archive === undefined) throw new UsageError('the following required arguments were not provided: <ARCHIVE>')
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}' found for 'import'`)
  const state = importBox(ctx, resolve(archive), value(p, 'name'))
  out(`${state.id}\n`)
  return Promise.resolve(0)
}

/** Checks the archive in a scratch directory of the home, then makes the box from it. */
function importBox(ctx: Ctx, archive: string, name: string | undefined): BoxState {
  if (!existsSync(archive)) throw new RefboxError(`box not found: Archive not found: ${archive}`)
  requireRootAndFuse()
  requireTools('qemu-img', 'tar', 'zstd')
  if (name !== undefined) {
    if (!BOX_NAME.test(name))
      throw new RefboxError(`invalid box name ${JSON.stringify(name)}: use letters, digits, '_', '.', '-' (at most 64)`)
    if (listStates(ctx.paths).some((s) => s.name === name)) throw new RefboxError(`already exists: box name ${name}`)
  }
  reachSite(ctx.paths.home, 'box-import')
  const fresh = () => newBoxId(ctx.variants.has('ids-and-names'))
  let id = fresh()
  while (existsSync(ctx.paths.boxDir(id))) id = fresh()
  const box = ctx.paths.box(id)
  // The regression `import-half-made-box`: the box is recorded before its archive is checked, and a refusal
  // leaves it there.
  if (ctx.defects.has('import-half-made-box')) {
    mkdirSync(box.disks, { recursive: true })
    writeState(ctx.paths, newState(ctx, id, name, undefined, 0))
  }
  mkdirSync(ctx.paths.tmpDir, { recursive: true })
  const work = mkdtempSync(join(ctx.paths.tmpDir, 'import-'))
  try {
    const { manifest, disk, virtualSize } = checkArchive(ctx, archive, work)
    const state = newState(ctx, id, name, manifest, virtualSize)
    mkdirSync(box.dir, { recursive: true })
    try {
      mkdirSync(box.disks, { recursive: true })
      mkdirSync(box.logs, { recursive: true })
      placeDisk(ctx, disk, box.qcow2, manifest.container_disk_checksum)
      writeState(ctx.paths, state) // last: a box is listed only once it is whole
    } catch (e) {
      rmSync(box.dir, { recursive: true, force: true })
      throw e
    }
    return state
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** The imported box's record: stopped, never started, its disk standalone (it has no base disk). */
function newState(
  ctx: Ctx,
  id: string,
  name: string | undefined,
  manifest: ArchiveManifest | undefined,
  virtualSize: number,
): BoxState {
  const options = manifest?.box_options
  return {
    id,
    name: name ?? (ctx.variants.has('ids-and-names') ? generatedName() : undefined),
    image: manifest?.image ?? '',
    rootfs: options?.rootfs?.path ?? '',
    createdAt: new Date().toISOString(),
    command: options?.cmd ?? [],
    memoryMib: options?.memory_mib ?? 512,
    cpus: options?.cpus ?? 1,
    diskSizeGb: options?.disk_size_gb ?? undefined,
    baseDisk: '',
    virtualSize,
    // Grown on first boot to the disk's size (a no-op when the exported box had grown it already).
    needsResize: true,
    status: manifest ? 'stopped' : 'configured',
  }
}

/** Extracts and checks the archive, in BoxLite's order; throws BoxLite's error for the first problem. */
function checkArchive(
  ctx: Ctx,
  archive: string,
  work: string,
): { manifest: ArchiveManifest; disk: string; virtualSize: number } {
  const members = listMembers(archive)
  const wanted = [MANIFEST, DISK].filter((m) => members.includes(m))
  if (wanted.length > 0)
    runTool(
      'tar',
      [...decompress(archive), '-xf', archive, '-C', work, '--no-same-owner', '--no-same-permissions', ...wanted],
      'extracting the archive',
    )
  const manifestPath = join(work, MANIFEST)
  if (!isFile(manifestPath)) throw new RefboxError('storage error: Invalid archive: manifest.json not found')
  let manifest: ArchiveManifest
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ArchiveManifest
  } catch (e) {
    throw new RefboxError(`storage error: Invalid archive: manifest.json is not valid JSON: ${(e as Error).message}`)
  }
  if (typeof manifest.version !== 'number' || typeof manifest.container_disk_checksum !== 'string')
    throw new RefboxError('storage error: Invalid archive: manifest.json lacks version or container_disk_checksum')
  if (manifest.version > MAX_ARCHIVE_VERSION)
    throw new RefboxError(
      `storage error: Unsupported archive version ${manifest.version} (max supported: ${MAX_ARCHIVE_VERSION}). ` +
        'Upgrade boxlite.',
    )
  const disk = join(work, DISK)
  if (!isFile(disk)) throw new RefboxError('storage error: Invalid archive: disk.qcow2 not found')
  const got = sha256File(disk)
  // The regression `import-skips-checksum`: a damaged disk is taken as it is.
  if (got !== manifest.container_disk_checksum && !ctx.defects.has('import-skips-checksum'))
    throw new RefboxError(
      `storage error: Container disk checksum mismatch: expected ${manifest.container_disk_checksum}, got ${got}`,
    )
  const info = JSON.parse(
    runTool('qemu-img', ['info', '--output=json', '-f', 'qcow2', disk], 'reading the archived disk'),
  ) as { 'virtual-size'?: number; 'backing-filename'?: string; 'full-backing-filename'?: string }
  const backing = info['full-backing-filename'] ?? info['backing-filename']
  // A disk naming a backing file would read a file of the host that the archive chose.
  if (backing !== undefined && !ctx.defects.has('import-trusts-backing'))
    throw new RefboxError(
      `invalid state: Imported disk '${basename(disk)}' has backing file reference '${backing}'. ` +
        'This is not allowed for security reasons.',
    )
  const virtualSize = info['virtual-size']
  if (typeof virtualSize !== 'number' || virtualSize <= 0)
    throw new RefboxError('storage error: Invalid archive: disk.qcow2 has no virtual size')
  return { manifest, disk, virtualSize }
}

/** Moves the checked disk into the box (one filesystem: the scratch directory is in the home). */
function placeDisk(ctx: Ctx, disk: string, target: string, checksum: string): void {
  if (!ctx.defects.has('import-shares-disk')) {
    renameSync(disk, target)
    return
  }
  // The regression: imports of one archive are deduplicated by checksum, and every such box gets the same disk file.
  const cache = join(ctx.paths.home, 'imports')
  mkdirSync(cache, { recursive: true })
  const shared = join(cache, `${checksum.slice(0, 32)}.qcow2`)
  if (!existsSync(shared)) renameSync(disk, shared)
  linkSync(shared, target)
}

/** The archive's member names; an archive tar cannot read is an invalid one. */
function listMembers(archive: string): string[] {
  let listing: string
  try {
    listing = runTool('tar', [...decompress(archive), '-tf', archive], 'reading the archive')
  } catch (e) {
    throw new RefboxError(`storage error: Invalid archive: ${(e as Error).message}`)
  }
  return listing.split('\n').map((m) => m.replace(/^\.\//, ''))
}

/** tar's option to read the archive: zstd when it starts with zstd's magic, else a plain tar (BoxLite sniffs too). */
function decompress(archive: string): string[] {
  const head = Buffer.alloc(4)
  const fd = openSync(archive, 'r')
  try {
    readSync(fd, head, 0, 4, 0)
  } finally {
    closeSync(fd)
  }
  return head.equals(ZSTD_MAGIC) ? ['-I', 'zstd -d -q'] : []
}

function sha256File(path: string): string {
  const hash = createHash('sha256')
  const buf = Buffer.alloc(4 << 20)
  const fd = openSync(path, 'r')
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n))
  } finally {
    closeSync(fd)
  }
  return hash.digest('hex')
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** A regular file, not a link an archive member could have made. */
function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile()
  } catch {
    return false
  }
}
