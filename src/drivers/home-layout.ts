/**
 * BoxLite's home layout (docs/reference/boxlite-contract.md §5), which both drivers share: the image
 * store (`images/`, with the base ext4 disks in `images/disk-images/`) and the base cache (`bases/`).
 */
import { join } from 'node:path'

export function boxliteImageStore(home: string): string[] {
  return [join(home, 'images'), join(home, 'bases')]
}
