/**
 * Host-side disk footprint, in bytes actually allocated (st_blocks x 512), never apparent size:
 * a qcow2 that had holes punched keeps its length but gives the blocks back.
 *
 * A file that was deleted while a process still holds it open keeps its blocks, so a runtime that
 * "removes" a disk but leaves its storage daemon running has not given anything back. Those files
 * are found through /proc/<pid>/fd and counted too.
 */
import { lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** Allocated bytes of one file; 0 when it does not exist. */
export function allocatedBytes(path: string): number {
  try {
    return statSync(path).blocks * 512
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
}

/**
 * Allocated bytes of the box's disk: `disk.qcow2` itself plus any deleted file of its `disks/`
 * directory that a process still holds open.
 */
export function boxDiskFootprint(diskPath: string): number {
  return allocatedBytes(diskPath) + deletedButHeldOpenBytes(dirname(diskPath))
}

/**
 * Allocated bytes of everything under `dir` (symlinks not followed, hard links counted once), plus deleted-but-open
 * files under it.
 */
export function treeAllocatedBytes(dir: string): number {
  const seen = new Set<string>()
  let total = 0
  const walk = (path: string) => {
    let st
    try {
      st = lstatSync(path)
    } catch {
      return // vanished while walking
    }
    const key = `${st.dev}:${st.ino}`
    if (seen.has(key)) return
    seen.add(key)
    total += st.blocks * 512
    if (st.isDirectory()) {
      let entries: string[]
      try {
        entries = readdirSync(path)
      } catch {
        return
      }
      for (const e of entries) walk(join(path, e))
    }
  }
  walk(dir)
  return total + deletedButHeldOpenBytes(dir)
}

/** Files under `dir` that are deleted but still open in some process, counted once each. */
function deletedButHeldOpenBytes(dir: string): number {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`
  const seen = new Set<string>()
  let total = 0
  for (const fd of openFileDescriptors()) {
    if (!fd.target.startsWith(prefix) || !fd.target.endsWith(' (deleted)')) continue
    try {
      const st = statSync(fd.path)
      const key = `${st.dev}:${st.ino}`
      if (seen.has(key)) continue
      seen.add(key)
      total += st.blocks * 512
    } catch {
      // closed meanwhile
    }
  }
  return total
}

/** Every open file descriptor of every process we may read: `/proc/<pid>/fd/<n>` and what it points to. */
function* openFileDescriptors(): Generator<{ pid: number; path: string; target: string }> {
  for (const pid of processIds()) {
    const fdDir = `/proc/${pid}/fd`
    let fds: string[]
    try {
      fds = readdirSync(fdDir)
    } catch {
      continue
    }
    for (const n of fds) {
      const path = `${fdDir}/${n}`
      try {
        yield { pid, path, target: readlinkSync(path) }
      } catch {
        // closed meanwhile
      }
    }
  }
}

export function processIds(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
}
