/**
 * `build-image`: a tiny OCI image layout made offline from Debian's busybox-static: busybox, its
 * applet links, /etc/os-release, /etc/passwd, /etc/group and the usual empty directories. The
 * same busybox binary always gives a byte-identical layout (fixed timestamps and owners, sorted
 * entries, gzip without a file name or time).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { RefboxError } from './errors'
import { MEDIA, ociArch, sha256Hex, type Descriptor, type ImageManifest } from './oci'
import { writeTar, type TarEntry } from './tar-writer'
import { findTool } from './tools'

export const DEFAULT_BUSYBOX = '/bin/busybox'

const DIRS: readonly [string, number][] = [
  ['bin', 0o755],
  ['dev', 0o755],
  ['etc', 0o755],
  ['proc', 0o555],
  ['root', 0o700],
  ['run', 0o755],
  ['sbin', 0o755],
  ['sys', 0o555],
  ['tmp', 0o1777],
  ['usr', 0o755],
  ['usr/bin', 0o755],
  ['usr/sbin', 0o755],
  ['var', 0o755],
  ['var/tmp', 0o1777],
]

function busyboxInfo(busybox: string): { version: string; applets: string[] } {
  const help = spawnSync(busybox, [], { encoding: 'utf8' })
  const version = /BusyBox v([^\s]+)/.exec(`${help.stdout}${help.stderr}`)?.[1]
  const list = spawnSync(busybox, ['--list-full'], { encoding: 'utf8' })
  if (!version || list.status !== 0) throw new RefboxError(`${busybox} does not look like a busybox binary`)
  // `--list-full` includes busybox itself: never link it to itself.
  const applets = list.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && l !== 'bin/busybox')
  return { version, applets }
}

export function imageEntries(busybox: string): TarEntry[] {
  const { version, applets } = busyboxInfo(busybox)
  const entries = new Map<string, TarEntry>()
  for (const [path, mode] of DIRS) entries.set(path, { type: 'dir', path, mode })
  const file = (path: string, text: string, mode = 0o644) =>
    entries.set(path, { type: 'file', path, mode, data: Buffer.from(text) })
  entries.set('bin/busybox', { type: 'file', path: 'bin/busybox', mode: 0o755, data: readFileSync(busybox) })
  for (const applet of applets) {
    if (entries.has(applet) || !/^[a-z0-9_/.[-]+$/i.test(applet)) continue
    let dir = dirname(applet)
    while (dir !== '.' && !entries.has(dir)) {
      entries.set(dir, { type: 'dir', path: dir, mode: 0o755 })
      dir = dirname(dir)
    }
    entries.set(applet, { type: 'symlink', path: applet, target: '/bin/busybox' })
  }
  file(
    'etc/os-release',
    [
      'NAME="refbox test image"',
      'ID=refbox-busybox',
      `VERSION_ID=${version}`,
      `PRETTY_NAME="refbox busybox test image (BusyBox ${version})"`,
      '',
    ].join('\n'),
  )
  file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n')
  file('etc/group', 'root:x:0:\nnogroup:x:65534:\n')
  file('etc/hostname', 'refbox\n')
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

function descriptor(mediaType: string, data: Buffer): Descriptor {
  return { mediaType, digest: `sha256:${sha256Hex(data)}`, size: data.length }
}

/** Writes the layout to `out` (replacing a layout already there); returns the manifest digest. */
export function buildImage(out: string, busybox = DEFAULT_BUSYBOX): string {
  if (!existsSync(busybox)) {
    const hint = findTool('busybox') ? '' : ' (install the Debian package busybox-static)'
    throw new RefboxError(`busybox binary not found at ${busybox}${hint}`)
  }
  return writeLayout(out, imageEntries(busybox))
}

/** Writes a one-layer OCI layout holding `entries`; returns the manifest digest. */
export function writeLayout(out: string, entries: readonly TarEntry[]): string {
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, 'oci-layout'))) {
    throw new RefboxError(`refusing to write the image into ${out}: it is not empty and not an OCI layout`)
  }
  const tar = writeTar(entries)
  const layer = gzipSync(tar, { level: 9 }) // Node's gzip header carries no name and mtime 0
  const config = Buffer.from(
    JSON.stringify({
      architecture: ociArch(),
      os: 'linux',
      config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'], WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha256Hex(tar)}`] },
      history: [{ created_by: 'refbox build-image (busybox-static)' }],
    }),
  )
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: descriptor(MEDIA.config, config),
    layers: [descriptor(MEDIA.layerGzip, layer)],
  }
  const manifestJson = Buffer.from(JSON.stringify(manifest))
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [
      {
        ...descriptor(MEDIA.manifest, manifestJson),
        annotations: { 'org.opencontainers.image.ref.name': 'latest' },
        platform: { architecture: ociArch(), os: 'linux' },
      },
    ],
  }
  // Build next to `out`, then swap in, so a reader never sees half a layout.
  const staging = `${out.replace(/\/+$/, '')}.building-${process.pid}`
  rmSync(staging, { recursive: true, force: true })
  const blobs = join(staging, 'blobs', 'sha256')
  mkdirSync(blobs, { recursive: true })
  for (const blob of [layer, config, manifestJson]) writeFileSync(join(blobs, sha256Hex(blob)), blob)
  writeFileSync(join(staging, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  writeFileSync(join(staging, 'index.json'), JSON.stringify(index))
  rmSync(out, { recursive: true, force: true })
  mkdirSync(dirname(out), { recursive: true })
  renameSync(staging, out)
  return `sha256:${sha256Hex(manifestJson)}`
}
