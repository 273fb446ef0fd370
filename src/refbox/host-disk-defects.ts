/**
 * Defects in how a box's disk sits on the host: what a fresh disk costs, whether boxes share the
 * image's base disk and leave it untouched, whether `--disk-size` grows the filesystem, and
 * whether `rm -f` really deletes the disk. Each is one branch taken only when its switch is on.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Defects } from './defects'
import type { BoxPaths, HomePaths } from './home'
import { runTool } from './tools'

const MiB = 1024 * 1024
/** What `reserved-disk-space` sets aside per disk: BoxLite's feature-branch host reserve was 64 MiB. */
const RESERVE_BYTES = 64 * MiB

/** `base-per-box`: the base disk the box's overlay is backed by (a private copy with the defect on). */
export function baseFor(defects: Defects, box: BoxPaths, sharedBase: string): string {
  if (!defects.has('base-per-box')) return sharedBase
  // The regression: each box copies the image's base instead of sharing the cached one.
  const copy = join(box.disks, 'base.ext4')
  runTool('cp', ['--sparse=always', '--no-clobber', sharedBase, copy], 'copying the base disk for the box')
  return copy
}

/**
 * `reserved-disk-space`: host space set aside for a new disk up front (allocated past the end of
 * the file, so the qcow2 never uses it), so even a box that never wrote costs the host 64 MiB.
 */
export function reserveIfDefective(defects: Defects, qcow2: string, virtualSize: number): void {
  if (!defects.has('reserved-disk-space')) return
  runTool(
    'fallocate',
    ['--keep-size', '-o', String(2 * virtualSize), '-l', String(RESERVE_BYTES), qcow2],
    'reserving host space for the disk',
  )
}

/** `base-written-on-restart`: a restart records a boot count in the image's shared base disk. */
export function touchBaseIfDefective(defects: Defects, baseDisk: string, restart: boolean): void {
  if (!restart || !defects.has('base-written-on-restart')) return
  runTool('tune2fs', ['-C', String(1 + Math.floor(Math.random() * 1000)), baseDisk], 'recording the boot count')
}

/** `disk-size-not-grown`: whether the shim grows the filesystem to the disk's virtual size. */
export function resizeWanted(defects: Defects, needsResize: boolean): boolean {
  return needsResize && !defects.has('disk-size-not-grown')
}

/**
 * `rm-defers-disk-delete`: instead of deleting the disk, rm moves it to a deletion queue in the
 * home that nothing ever empties (the caller deletes the rest of the box as usual).
 */
export function deferDiskDeleteIfDefective(defects: Defects, paths: HomePaths, box: BoxPaths): void {
  // A start killed before its disk was made has nothing to defer.
  if (!defects.has('rm-defers-disk-delete') || !existsSync(box.qcow2)) return
  const queue = join(paths.home, 'trash')
  mkdirSync(queue, { recursive: true })
  renameSync(box.qcow2, join(queue, `${randomBytes(6).toString('hex')}.img`))
}
