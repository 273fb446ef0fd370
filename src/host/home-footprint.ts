/**
 * Everything a runtime keeps on the host, wherever in its home it keeps it: the whole home's
 * allocated bytes (deleted files still held open included), split into the image store the boxes
 * share (a cache), the boxes' disk files, and the rest. A runtime that moves a disk elsewhere,
 * keeps a side file or defers a deletion still shows in the total.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { boxDiskFootprint, treeAllocatedBytes } from './footprint'

export interface HomeFootprint {
  /** Every file under the home, plus deleted files under it still held open. */
  readonly total: number
  /** The part under the runtime's image store (shared by the boxes of an image). */
  readonly store: number
  /** The boxes' disk files (each with its deleted-but-open files). */
  readonly disks: number
}

export function homeFootprint(home: string, storeDirs: readonly string[], diskPaths: readonly string[]): HomeFootprint {
  const store = storeDirs.filter((d) => existsSync(d)).reduce((sum, d) => sum + treeAllocatedBytes(d), 0)
  const disks = diskPaths.reduce((sum, p) => sum + boxDiskFootprint(p), 0)
  return { total: treeAllocatedBytes(home), store, disks }
}

/** What the boxes themselves hold: the home outside the shared image store. */
export function ownBytes(f: HomeFootprint): number {
  return f.total - f.store
}

/** Paths under `dir` (relative) whose name contains one of `needles` (a box id, a box name). */
export function pathsNaming(dir: string, needles: readonly string[]): string[] {
  const found: string[] = []
  const walk = (rel: string) => {
    let entries
    try {
      entries = readdirSync(join(dir, rel), { withFileTypes: true })
    } catch {
      return // vanished, or not a directory
    }
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name
      if (needles.some((n) => n !== '' && e.name.includes(n))) found.push(path)
      if (e.isDirectory()) walk(path)
    }
  }
  walk('')
  return found
}
