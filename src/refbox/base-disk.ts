/**
 * The read-only base ext4 of an image, built like BoxLite builds `images/disk-images/*.ext4`:
 * layers unpacked into a tree, `mkfs.ext4 -d`, sized content x 1.1 + 64 MiB, at least 256 MiB.
 * Built once per manifest digest (atomically: temp name, then rename) and shared by all boxes.
 */
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { join, normalize } from 'node:path'
import { RefboxError } from './errors'
import type { HomePaths } from './home'
import type { LoadedImage } from './oci'
import { runTool } from './tools'
import { sayNote } from './voice'

const MiB = 1024 * 1024
const MIN_BASE = 256 * MiB
const JOURNAL_ROOM = 64 * MiB

interface BaseDisk {
  readonly path: string
  readonly size: number
}

/** BoxLite's sizing rule for the base ext4. */
function baseDiskSize(contentBytes: number): number {
  const wanted = Math.ceil(contentBytes * 1.1) + JOURNAL_ROOM
  return Math.max(MIN_BASE, Math.ceil(wanted / MiB) * MiB)
}

export function ensureBaseDisk(paths: HomePaths, image: LoadedImage): BaseDisk {
  const target = join(paths.diskImagesDir, `${image.manifestHex}.ext4`)
  if (existsSync(target)) return { path: target, size: statSync(target).size }
  mkdirSync(paths.diskImagesDir, { recursive: true })
  mkdirSync(paths.tmpDir, { recursive: true })
  const work = mkdtempSync(join(paths.tmpDir, 'unpack-'))
  const partial = `${target}.tmp-${process.pid}`
  try {
    const tree = join(work, 'rootfs')
    mkdirSync(tree)
    for (const layer of image.layers) applyLayer(tree, layer.path)
    const size = baseDiskSize(contentSize(tree))
    sayNote(`refbox: building base disk ${image.manifestHex.slice(0, 12)}.ext4 (${size / MiB} MiB)\n`)
    writeFileSync(partial, '')
    truncateSync(partial, size)
    runTool('mkfs.ext4', ['-q', '-F', '-b', '4096', '-m', '0', '-d', tree, partial], 'building the base disk')
    chmodSync(partial, 0o444)
    renameSync(partial, target)
    return { path: target, size }
  } finally {
    rmSync(work, { recursive: true, force: true })
    rmSync(partial, { force: true })
  }
}

/** Unpacks one layer over `tree`, honouring OCI whiteouts (`.wh.NAME`, `.wh..wh..opq`). */
function applyLayer(tree: string, layer: string): void {
  const members = runTool('tar', ['-t', '-f', layer], 'listing an image layer').split('\n').filter(Boolean)
  for (const member of members) {
    const clean = normalize(member).replace(/^\/+/, '').replace(/\/+$/, '')
    if (clean.split('/').includes('..'))
      throw new RefboxError(`images error: layer member escapes the rootfs: ${member}`)
    const slash = clean.lastIndexOf('/')
    const dir = slash < 0 ? '' : clean.slice(0, slash)
    const base = clean.slice(slash + 1)
    if (!base.startsWith('.wh.')) continue
    if (base === '.wh..wh..opq') {
      const target = join(tree, dir)
      if (existsSync(target))
        for (const child of readdirSync(target)) rmSync(join(target, child), { recursive: true, force: true })
    } else {
      rmSync(join(tree, dir, base.slice('.wh.'.length)), { recursive: true, force: true })
    }
  }
  // GNU tar strips leading '/' and '..', and defers unsafe symlinks, so nothing lands outside `tree`.
  runTool(
    'tar',
    ['-x', '-f', layer, '-C', tree, '--numeric-owner', '--same-owner', '-p', '--exclude=.wh.*'],
    'unpacking an image layer',
  )
}

/** Bytes the tree occupies in 4 KiB blocks. */
function contentSize(dir: string): number {
  let total = 4096
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    const st = lstatSync(p)
    if (st.isDirectory()) total += contentSize(p)
    else if (st.isFile()) total += Math.ceil(st.size / 4096) * 4096
  }
  return total
}
