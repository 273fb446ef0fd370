/**
 * `refbox snapshot create|list|rm|restore`: BoxLite's snapshots on its layout
 * (../shared/docs/boxlite-disks-beyond-rootfs.md §2):
 *
 *   boxes/<id>/disks/disk.qcow2              the live disk
 *   boxes/<id>/snapshots/<name>/disk.qcow2   the snapshot's layer (qcow2; backing = the layer below it)
 *   boxes/<id>/snapshots/<name>/meta.json    what `list` shows; written last, so a layer without it is half-made
 *   boxes/<id>/.snapshot_pending             {snapshot_dir, container_disk} while a create runs (./recover.ts)
 *
 * A stopped box is forked as BoxLite does: its live disk is renamed into the snapshot and a new qcow2 child
 * of it becomes the live disk. A running box's storage daemon keeps the live disk open, so a rename would
 * send its later writes into the snapshot (BoxLite 0.10.0's bug): its filesystem is frozen, the live disk
 * copied, and thawed (upstream main's `DiskSnapshotMode::Copy`). Snapshots live in the box directory,
 * so removing the box removes them.
 */
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import { flag, parseArgs, value } from './args'
import type { Ctx } from './box'
import { RefboxError, UsageError } from './errors'
import type { BoxPaths } from './home'
import { reachSite } from './sites'
import { findBox, isRunning, type BoxState } from './state'
import { runTool } from './tools'
import { slowly } from './variant-effects'

/** What `snapshot list --format json` prints per snapshot (the SDK's `JsSnapshotInfo`). */
export interface SnapshotMeta {
  readonly id: string
  readonly boxId: string
  readonly name: string
  /** Unix seconds. */
  readonly createdAt: number
  /** Milliseconds, so snapshots taken within one second still list newest first. */
  readonly createdAtMs: number
  /** The disk's virtual size when the snapshot was taken. */
  readonly containerDiskBytes: number
  /** The layer's own file size when it was taken. */
  readonly sizeBytes: number
}

/** The pending marker's JSON, as BoxLite writes it. */
export interface PendingMarker {
  readonly snapshot_dir: string
  readonly container_disk: string
}

const out = (s: string) => process.stdout.write(s)

export function snapshotsDir(box: BoxPaths): string {
  return join(box.dir, 'snapshots')
}

export function pendingMarker(box: BoxPaths): string {
  return join(box.dir, '.snapshot_pending')
}

const layerOf = (dir: string) => join(dir, 'disk.qcow2')
const metaOf = (dir: string) => join(dir, 'meta.json')

export async function cmdSnapshot(ctx: Ctx, args: string[]): Promise<number> {
  const [action, ...rest] = args
  const usage = 'snapshot create|list|rm|restore BOX [NAME]'
  if (action === undefined) throw new UsageError(`the following required arguments were not provided: ${usage}`)
  if (action === 'list' || action === 'ls') return list(ctx, rest)
  const p = parseArgs(`snapshot ${action}`, rest, [], false)
  const [ref, name, extra] = p.positionals
  if (ref === undefined || name === undefined)
    throw new UsageError(`the following required arguments were not provided: <BOX> <NAME> (${usage})`)
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}' found for 'snapshot ${action}'`)
  const state = lookup(ctx, ref)
  switch (action) {
    case 'create':
      await slowly(ctx, () => Promise.resolve(createSnapshot(ctx, state, name)))
      out(`${name}\n`)
      return 0
    case 'rm':
    case 'remove':
      removeSnapshot(ctx, state, name)
      out(`${name}\n`)
      return 0
    case 'restore':
      await slowly(ctx, () => Promise.resolve(restoreSnapshot(ctx, state, name)))
      out(`${name}\n`)
      return 0
    default:
      throw new UsageError(`unrecognized subcommand 'snapshot ${action}' (${usage})`)
  }
}

function lookup(ctx: Ctx, ref: string): BoxState {
  const state = findBox(ctx.paths, ref)
  if (!state) throw new RefboxError(`box not found: ${ref}`)
  return state
}

/** BoxLite's `validate_snapshot_name`, with its messages. */
export function validateSnapshotName(name: string): void {
  if (name.length === 0) throw new RefboxError('invalid argument: Snapshot name cannot be empty')
  if (name.length > 255)
    throw new RefboxError(`invalid argument: Snapshot name too long (${name.length} chars, max 255)`)
  if (name === '.' || name === '..' || name.startsWith('.'))
    throw new RefboxError("invalid argument: Snapshot name cannot start with '.'")
  if (/[/\\\0]/.test(name))
    throw new RefboxError('invalid argument: Snapshot name contains invalid characters (/, \\, or null byte)')
}

function list(ctx: Ctx, args: string[]): number {
  const p = parseArgs(
    'snapshot list',
    args,
    [
      { name: 'format', value: true },
      { name: 'quiet', short: 'q' },
    ],
    false,
  )
  const [ref, extra] = p.positionals
  if (ref === undefined) throw new UsageError('the following required arguments were not provided: <BOX>')
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}' found for 'snapshot list'`)
  const format = value(p, 'format') ?? 'table'
  if (format !== 'json' && format !== 'table')
    throw new UsageError(`invalid value '${format}' for '--format <FORMAT>' [possible values: table, json]`)
  const state = lookup(ctx, ref)
  reachSite(ctx.paths.home, 'list-or-inspect')
  const snapshots = listSnapshots(ctx.paths.box(state.id))
  if (flag(p, 'quiet')) out(snapshots.map((s) => `${s.name}\n`).join(''))
  else if (format === 'json') out(`${snapshotsJson(ctx, snapshots)}\n`)
  else {
    const rows = snapshots.map((s) => [s.id, s.name, new Date(s.createdAt * 1000).toISOString(), String(s.sizeBytes)])
    out(table([['ID', 'NAME', 'CREATED', 'SIZE'], ...rows]))
  }
  return 0
}

function snapshotsJson(ctx: Ctx, snapshots: readonly SnapshotMeta[]): string {
  const rows = snapshots.map(({ createdAtMs: _, ...s }) => s)
  // `list-format`: compact, with an extra field and another order, as a runtime's own JSON may be.
  if (ctx.variants.has('list-format'))
    return JSON.stringify(rows.map((s) => ({ kind: 'disk', ...Object.fromEntries(Object.entries(s).reverse()) })))
  return JSON.stringify(rows, null, 2)
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows
    .map(
      (r) =>
        `${r
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('')
}

/** The box's snapshots, newest first; a snapshot directory without its meta.json is not one (yet). */
export function listSnapshots(box: BoxPaths): SnapshotMeta[] {
  const dir = snapshotsDir(box)
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .map((name) => readMeta(join(dir, name)))
    .filter((m): m is SnapshotMeta => m !== undefined)
    .sort((a, b) => b.createdAtMs - a.createdAtMs)
}

function readMeta(snapshotDir: string): SnapshotMeta | undefined {
  try {
    return JSON.parse(readFileSync(metaOf(snapshotDir), 'utf8')) as SnapshotMeta
  } catch {
    return undefined
  }
}

function findSnapshot(ctx: Ctx, state: BoxState, name: string): { dir: string; meta: SnapshotMeta } {
  validateSnapshotName(name)
  const dir = join(snapshotsDir(ctx.paths.box(state.id)), name)
  const meta = readMeta(dir)
  if (!meta || !existsSync(layerOf(dir)))
    throw new RefboxError(`box not found: snapshot '${name}' not found for box '${state.id}'`)
  return { dir, meta }
}

/** A qcow2 child of `backing` (a qcow2 layer) at `file`, made beside it and renamed in, so a crash leaves no stub. */
export function createChild(backing: string, file: string, virtualSize: number): void {
  const partial = `${file}.new`
  rmSync(partial, { force: true })
  runTool(
    'qemu-img',
    ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', resolve(backing), partial, String(virtualSize)],
    'creating the box disk on the snapshot',
  )
  renameSync(partial, file)
}

/** The files of `file`'s backing chain below it (absolute, symlinks resolved), as qemu opens them. */
export function backingChain(file: string): string[] {
  const info = runTool(
    'qemu-img',
    ['info', '--output', 'json', '--backing-chain', '-U', file],
    `reading the backing chain of ${file}`,
  )
  const images = JSON.parse(info) as Array<{ filename: string }>
  return images.slice(1).map((i) => canonical(i.filename))
}

function canonical(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

function createSnapshot(ctx: Ctx, state: BoxState, name: string): void {
  validateSnapshotName(name)
  const box = ctx.paths.box(state.id)
  const dir = join(snapshotsDir(box), name)
  if (existsSync(dir)) throw new RefboxError(`already exists: snapshot '${name}' already exists for box '${state.id}'`)
  // BoxLite makes the disk at the first start; refbox makes it at create, so a box never started has none yet.
  if (state.startedAt === undefined || !existsSync(box.qcow2))
    throw new RefboxError(`storage error: Container disk not found at ${box.qcow2}`)
  const running = isRunning(state)
  const marker: PendingMarker = { snapshot_dir: dir, container_disk: box.qcow2 }
  writeFileSync(pendingMarker(box), `${JSON.stringify(marker)}\n`)
  mkdirSync(dir, { recursive: true })
  reachSite(ctx.paths.home, 'snapshot-create')
  if (running) {
    reachSite(ctx.paths.home, 'snapshot-of-running-box')
    frozen(ctx, state, box, () => {
      // The regression `snapshot-renames-live-disk` (BoxLite 0.10.0): the running daemon keeps the renamed file open.
      if (ctx.defects.has('snapshot-renames-live-disk')) fork(ctx, state, box, dir)
      else copyLive(box, dir)
    })
  } else {
    reachSite(ctx.paths.home, 'snapshot-of-stopped-box')
    fork(ctx, state, box, dir)
  }
  const createdAtMs = Date.now()
  const meta: SnapshotMeta = {
    id: randomId(),
    boxId: state.id,
    name,
    createdAt: Math.floor(createdAtMs / 1000),
    createdAtMs,
    containerDiskBytes: state.virtualSize,
    sizeBytes: statSync(layerOf(dir)).size,
  }
  writeFileSync(`${metaOf(dir)}.new`, `${JSON.stringify(meta, null, 2)}\n`)
  renameSync(`${metaOf(dir)}.new`, metaOf(dir))
  rmSync(pendingMarker(box), { force: true })
}

/** BoxLite's fork: the live disk becomes the snapshot's layer, and a new child of it the live disk. */
function fork(ctx: Ctx, state: BoxState, box: BoxPaths, dir: string): void {
  renameSync(box.qcow2, layerOf(dir))
  createChild(layerOf(dir), box.qcow2, state.virtualSize)
  // The regression `snapshot-drops-child-disk` (BoxLite #323): the new child is an RAII temporary, deleted on drop.
  if (ctx.defects.has('snapshot-drops-child-disk')) rmSync(box.qcow2, { force: true })
}

/**
 * A consistent copy of the live disk, taken while the box's filesystem is frozen (the freeze flushed it through
 * the loop device and the FUSE export into the storage daemon, which wrote its qcow2 out). The copy keeps the
 * live disk's backing file, so it is a layer on the same chain; the live disk goes on as it was.
 */
function copyLive(box: BoxPaths, dir: string): void {
  const partial = `${layerOf(dir)}.tmp`
  runTool('cp', ['--sparse=always', box.qcow2, partial], 'copying the running box disk')
  renameSync(partial, layerOf(dir))
}

/** Runs `work` with the running box's filesystem frozen (`fsfreeze` in the shim's mount namespace), then thaws it. */
function frozen(ctx: Ctx, state: BoxState, box: BoxPaths, work: () => void): void {
  const shim = state.shim?.pid
  if (shim === undefined) throw new RefboxError(`invalid state: box ${state.id} is running but its shim is unknown`)
  runTool('nsenter', ['-t', String(shim), '-m', '--', 'fsfreeze', '-f', box.root], 'freezing the box filesystem')
  try {
    reachSite(ctx.paths.home, 'snapshot-box-frozen')
    work()
  } finally {
    thaw(shim, box)
  }
}

/** Thaws the box's filesystem; a filesystem that is not frozen says so, which is not an error here. */
export function thaw(shimPid: number, box: BoxPaths): void {
  try {
    runTool('nsenter', ['-t', String(shimPid), '-m', '--', 'fsfreeze', '-u', box.root], 'thawing the box filesystem')
  } catch {
    // not frozen (or the box is gone): nothing to thaw
  }
}

function restoreSnapshot(ctx: Ctx, state: BoxState, name: string): void {
  if (isRunning(state)) {
    reachSite(ctx.paths.home, 'snapshot-restore-on-running-box')
    // The regression `snapshot-restore-while-running`: the state check is missing.
    if (!ctx.defects.has('snapshot-restore-while-running'))
      throw new RefboxError('invalid state: Cannot restore snapshot while box is running. Stop the box first.')
  }
  const { dir } = findSnapshot(ctx, state, name)
  const box = ctx.paths.box(state.id)
  reachSite(ctx.paths.home, 'snapshot-restore')
  // Every write since the last snapshot is discarded, as BoxLite does (no automatic snapshot first).
  createChild(layerOf(dir), box.qcow2, state.virtualSize)
  if (ctx.defects.has('snapshot-drops-child-disk')) rmSync(box.qcow2, { force: true })
}

function removeSnapshot(ctx: Ctx, state: BoxState, name: string): void {
  const { dir } = findSnapshot(ctx, state, name)
  const layer = canonical(layerOf(dir))
  const dependant = dependantOf(ctx, state, layer)
  if (dependant !== undefined) {
    reachSite(ctx.paths.home, 'snapshot-remove-refused')
    // The regression `snapshot-rm-ignores-chain`: a layer something still reads is deleted.
    if (!ctx.defects.has('snapshot-rm-ignores-chain')) throw new RefboxError(dependant)
  }
  reachSite(ctx.paths.home, 'snapshot-remove')
  rmSync(metaOf(dir), { force: true }) // unlisted first, as BoxLite deletes the row before the directory
  rmSync(dir, { recursive: true, force: true })
}

/** Why `layer` may not be removed (BoxLite's words), or undefined when no disk reads it. */
function dependantOf(ctx: Ctx, state: BoxState, layer: string): string | undefined {
  const box = ctx.paths.box(state.id)
  if (existsSync(box.qcow2) && backingChain(box.qcow2).includes(layer))
    return (
      'invalid state: Cannot remove snapshot: current disk depends on this snapshot. ' +
      'Restore a different snapshot first.'
    )
  const name = layer.split('/').at(-2)
  for (const other of listSnapshots(box)) {
    const file = layerOf(join(snapshotsDir(box), other.name))
    if (other.name === name || !existsSync(file)) continue
    if (backingChain(file).includes(layer))
      return `invalid state: Cannot remove snapshot '${name}': snapshot '${other.name}' depends on it via backing chain`
  }
  const bases = join(ctx.paths.home, 'bases')
  if (existsSync(bases)) {
    for (const base of readdirSync(bases).filter((f) => f.endsWith('.qcow2'))) {
      if (backingChain(join(bases, base)).includes(layer))
        return `invalid state: Cannot remove snapshot '${name}': a clone base disk (${base}) depends on it`
    }
  }
  return undefined
}

/**
 * Box removal: the snapshots go with the box directory. The regression `snapshot-layers-outlive-box` keeps
 * them in a store of their own under the home (as a runtime that files layers by snapshot id would) and
 * forgets them there.
 */
export function releaseSnapshotsOnRemove(ctx: Ctx, box: BoxPaths): void {
  const dir = snapshotsDir(box)
  if (!existsSync(dir) || readdirSync(dir).length === 0) return
  reachSite(ctx.paths.home, 'remove-box-with-snapshots')
  if (!ctx.defects.has('snapshot-layers-outlive-box')) return
  const store = join(ctx.paths.home, 'snapshot-store')
  mkdirSync(store, { recursive: true })
  renameSync(dir, join(store, randomId()))
}

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-'

/** An 8-character nanoid, as BoxLite gives snapshots. */
function randomId(): string {
  return [...randomBytes(8)].map((b) => ID_ALPHABET[b % 64]).join('')
}
