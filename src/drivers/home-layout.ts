/**
 * BoxLite's home layout (docs/reference/boxlite-contract.md §5), which both drivers share: the image
 * store (`images/`, with the base ext4 disks in `images/disk-images/`) and the base cache (`bases/`).
 */
import { join } from 'node:path'

export function boxliteImageStore(home: string): string[] {
  return [join(home, 'images'), join(home, 'bases')]
}

/** Where BoxLite keeps each image's base disk (`<home>/images/disk-images/<digest>.ext4`), which gc sweeps. */
export function boxliteBaseDiskDir(home: string): string {
  return join(home, 'images', 'disk-images')
}

/** The file name BoxLite gives an image's base disk: what gc may delete in boxliteBaseDiskDir. */
export const BOXLITE_BASE_DISK_SUFFIX = '.ext4'

/** Where BoxLite keeps clone and snapshot bases (`<home>/bases/<id>.qcow2`), which gc sweeps too. */
export function boxliteBasesDir(home: string): string {
  return join(home, 'bases')
}

/**
 * BoxLite's snapshot files (boxlite-disks-beyond-rootfs.md §2.3): the pending marker a snapshot leaves while it
 * is taken, and the layer of snapshot `name`. Both drivers' runtimes keep them there.
 */
export function boxliteSnapshotPending(home: string, id: string): string {
  return join(home, 'boxes', id, '.snapshot_pending')
}

export function boxliteSnapshotLayer(home: string, id: string, name: string): string {
  return join(home, 'boxes', id, 'snapshots', name, 'disk.qcow2')
}
