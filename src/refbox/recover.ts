/**
 * What a runtime start repairs in the home before any command runs, as BoxLite's `recover_boxes` does: a
 * snapshot a crash cut short (`.snapshot_pending`, BoxLite's `recover_pending_snapshot`, doc §2.5).
 * - live disk missing, layer present: the layer goes back to being the live disk, the snapshot is dropped;
 * - both present and the live disk backs onto the layer: the snapshot completed (it is listed, or made listable);
 * - both present otherwise (a copy of a running box cut short): the half-made snapshot is dropped;
 * - a marker that cannot be read, or that names paths outside its box: the marker alone is dropped.
 * A running box frozen by the cut-short snapshot is thawed.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import type { Ctx } from './box'
import { BOX_ID } from './home'
import { isAlive } from './proc'
import { reachSite } from './sites'
import { backingChain, listSnapshots, pendingMarker, snapshotsDir, thaw, type PendingMarker } from './snapshot'
import { findBox } from './state'
import { sayNote } from './voice'

export function recoverHome(ctx: Ctx): void {
  if (!existsSync(ctx.paths.boxesDir)) return
  for (const id of readdirSync(ctx.paths.boxesDir).filter((d) => BOX_ID.test(d))) {
    const box = ctx.paths.box(id)
    if (!existsSync(pendingMarker(box))) continue
    reachSite(ctx.paths.home, 'snapshot-pending-found')
    // The regression `snapshot-ignores-pending-marker`: a start that never looks for cut-short snapshots.
    if (ctx.defects.has('snapshot-ignores-pending-marker')) continue
    recoverPendingSnapshot(ctx, id)
  }
}

function recoverPendingSnapshot(ctx: Ctx, id: string): void {
  const box = ctx.paths.box(id)
  const marker = readMarker(pendingMarker(box))
  const snapshots = snapshotsDir(box)
  const state = findBox(ctx.paths, id)
  if (state?.shim !== undefined && isAlive(state.shim)) thaw(state.shim.pid, box)
  if (
    marker === undefined ||
    resolve(marker.container_disk) !== box.qcow2 ||
    dirname(resolve(marker.snapshot_dir)) !== snapshots
  ) {
    rmSync(pendingMarker(box), { force: true })
    return
  }
  const dir = resolve(marker.snapshot_dir)
  const layer = join(dir, 'disk.qcow2')
  const name = basename(dir)
  const listed = listSnapshots(box).some((s) => s.name === name)
  if (!existsSync(box.qcow2) && existsSync(layer)) {
    renameSync(layer, box.qcow2)
    rmSync(dir, { recursive: true, force: true })
    sayNote(`refbox: box ${id}: recovered its disk from the snapshot '${name}' a crash cut short\n`)
  } else if (existsSync(box.qcow2) && existsSync(layer) && backingChain(box.qcow2).includes(layer)) {
    if (!listed) completeMeta(ctx, id, dir, layer)
  } else if (!listed) {
    rmSync(dir, { recursive: true, force: true })
  }
  rmSync(pendingMarker(box), { force: true })
}

function readMarker(file: string): PendingMarker | undefined {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Partial<PendingMarker>
    return typeof m.snapshot_dir === 'string' && typeof m.container_disk === 'string'
      ? { snapshot_dir: m.snapshot_dir, container_disk: m.container_disk }
      : undefined
  } catch {
    return undefined
  }
}

/** A fork that finished but was cut short before it was recorded: the live disk needs its layer, so it is kept. */
function completeMeta(ctx: Ctx, id: string, dir: string, layer: string): void {
  const state = findBox(ctx.paths, id)
  const now = Date.now()
  const meta = {
    id: Math.random().toString(36).slice(2, 10).padEnd(8, '0'),
    boxId: id,
    name: basename(dir),
    createdAt: Math.floor(now / 1000),
    createdAtMs: now,
    containerDiskBytes: state?.virtualSize ?? 0,
    sizeBytes: statSync(layer).size,
  }
  writeFileSync(join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`)
}
