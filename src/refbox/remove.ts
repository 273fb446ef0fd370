/** Removing a box (rm -f stops it first), and the host processes a box still has (for prune and freeze). */
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { stopBox, type Ctx } from './box'
import { cloneDependents, deleteBase, listBases, releaseBox } from './bases'
import { RefboxError } from './errors'
import { homeAvailableBytes } from './home'
import { deferDiskDeleteIfDefective } from './host-disk-defects'
import { tornDisk } from './overlay'
import { isAlive, type ProcRef } from './proc'
import { reachSite, recordingSites } from './sites'
import { releaseSnapshotsOnRemove } from './snapshot'
import { deferDelete, slowly } from './variant-effects'
import { findBox, isRunning, type BoxState } from './state'
import { removeVolumes, sizedVolumesDir } from './volumes'

export async function removeBox(ctx: Ctx, state: BoxState, force: boolean): Promise<void> {
  return slowly(ctx, () => removeNow(ctx, state, force))
}

async function removeNow(ctx: Ctx, state: BoxState, force: boolean): Promise<void> {
  refuseIfCloned(ctx, state, force)
  if (isRunning(state) && !force) {
    throw new RefboxError(
      `invalid state: cannot remove box ${state.id} with live pid ${state.main?.pid}. Use force=true to stop first`,
    )
  }
  const box = ctx.paths.box(state.id)
  const torn = recordingSites() || ctx.defects.has('torn-disk-unremovable') ? tornDisk(box.qcow2) : undefined
  if (torn !== undefined) {
    reachSite(ctx.paths.home, 'torn-disk')
    // The regression `torn-disk-unremovable`: a torn disk blocks removal.
    if (ctx.defects.has('torn-disk-unremovable'))
      throw new RefboxError(`cannot remove the box: its disk ${box.qcow2} cannot be read: ${torn}`)
  }
  if (state.startedAt === undefined) reachSite(ctx.paths.home, 'remove-unstarted-box')
  // Judged before the stop: whether the stop's small state write still finds a free block is luck.
  const homeFull = homeAvailableBytes(ctx.paths.home) < FULL_HOME_BYTES
  let stopError: Error | undefined
  try {
    await stopBox(ctx, state)
  } catch (e) {
    // A full home cannot take the state update; the box is down, so its removal goes on and frees the space.
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC' || isAlive(state.shim)) throw e
    stopError = e as NodeJS.ErrnoException
  }
  if (homeFull || stopError !== undefined) {
    reachSite(ctx.paths.home, 'remove-on-full-home')
    if (ctx.defects.has('rm-fails-when-host-full')) {
      throw (
        stopError ??
        new RefboxError(
          `cannot remove box ${state.id}: no space left on device in ${ctx.paths.home} to record its removal`,
        )
      )
    }
  }
  // After the stop, which reports the discards of the box's last run (./sites); in a healthy run every removal gets
  // here.
  reachSite(ctx.paths.home, 'remove-box')
  releaseSnapshotsOnRemove(ctx, box)
  releaseBases(ctx, state.id)
  if (state.volumes?.length) {
    reachSite(ctx.paths.home, 'remove-box-with-volumes')
    removeVolumes(ctx.paths, state.volumes, ctx.defects)
    // The regression `sized-image-kept`: everything of the box goes but its sized volume images.
    if (ctx.defects.has('sized-image-kept') && state.volumes.some((v) => v.image !== undefined)) {
      for (const entry of readdirSync(box.dir))
        if (join(box.dir, entry) !== sizedVolumesDir(box))
          rmSync(join(box.dir, entry), { recursive: true, force: true })
      return
    }
  }
  if (ctx.defects.has('leaky-rm') || (ctx.defects.has('rm-keeps-unstarted-disks') && state.startedAt === undefined)) {
    // The regression: cleanup removes the box's record and logs but forgets its disks/ directory.
    for (const entry of readdirSync(box.dir))
      if (entry !== 'disks') rmSync(join(box.dir, entry), { recursive: true, force: true })
    return
  }
  deferDiskDeleteIfDefective(ctx.defects, ctx.paths, box)
  if (deferDelete(ctx, box, state.id)) return
  // Retried: a start killed a moment ago may still have a tool finishing a write in the directory.
  rmSync(box.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
}

/** BoxLite's rule: a box its clones still depend on is removed only by force (their shared base stays). */
function refuseIfCloned(ctx: Ctx, state: BoxState, force: boolean): void {
  const dependents = cloneDependents(ctx.paths, state.id, (id) => findBox(ctx.paths, id) !== undefined)
  if (dependents.length === 0) return
  reachSite(ctx.paths.home, 'remove-clone-source')
  // The regression `rm-ignores-clones`: a plain rm removes a box whatever depends on it.
  if (force || ctx.defects.has('rm-ignores-clones')) return
  throw new RefboxError(
    `invalid state: Cannot remove box: boxes [${dependents.join(', ')}] have clone dependencies on it. ` +
      'Remove those first or use force=true.',
  )
}

/** The box no longer holds its clone bases: each one nothing holds any more goes (./bases.ts). */
function releaseBases(ctx: Ctx, id: string): void {
  const held = listBases(ctx.paths).filter((b) => b.refs.boxes.includes(id))
  if (held.length === 0) return
  reachSite(ctx.paths.home, 'remove-base-holder')
  for (const base of held) {
    const source = base.refs.source === id
    // The regressions: the source's removal takes its base along (`force-rm-deletes-base`), or any clone's does,
    // however many boxes still back onto it (`clone-rm-deletes-base`).
    if ((source && ctx.defects.has('force-rm-deletes-base')) || (!source && ctx.defects.has('clone-rm-deletes-base')))
      deleteBase(ctx.paths, base)
  }
  // The regression `base-outlives-last-clone`: the base stays when its last holder goes.
  releaseBox(ctx.paths, id, ctx.defects.has('base-outlives-last-clone'))
}

/**
 * Under this much free space the home counts as full: what the host-full scenario establishes before it removes its
 * filler.
 */
const FULL_HOME_BYTES = 1024 * 1024

/** Host pids of the box's processes still worth knowing about (for prune and freeze). */
export function recordedRefs(state: BoxState): ProcRef[] {
  return [state.main, state.unshare, state.shim, state.qsd].filter((r): r is ProcRef => isAlive(r))
}
