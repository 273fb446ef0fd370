/**
 * Volumes (`-v`, doc boxlite-disks-beyond-rootfs.md §1): a host directory shared into the box
 * (`HOST:BOX[:ro]`), an anonymous one refbox makes in its home (`/BOX[:ro]`, kept after rm as BoxLite's CLI
 * keeps it), and a sized one with its own ext4 image of N bytes (`/BOX:size=N[,ro]`, PR #636, deleted with the
 * box). The box shim mounts them inside the box's private mount namespace, so they go when the box stops.
 */
import { spawnSync } from 'node:child_process'
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs'
import { isAbsolute, join, posix, resolve } from 'node:path'
import type { Defects } from './defects'
import { RefboxError } from './errors'
import { homeAvailableBytes, type BoxPaths, type HomePaths } from './home'
import { newBoxId, type VolumeState } from './state'

/** A volume as the user asked for it on the command line. */
export interface VolumeRequest {
  readonly guestPath: string
  /** Absolute host directory (or file); absent for an anonymous or sized volume. */
  readonly hostPath?: string
  readonly readOnly: boolean
  readonly sizeBytes?: number
}

const MiB = 1024 ** 2
const GiB = 1024 ** 3
/** PR #636's smallest sized volume. */
export const MIN_SIZED_VOLUME = 16 * MiB
/**
 * Free space a sized volume must leave on the home's filesystem. BoxLite asks for N + 10 GiB; refbox runs its
 * boxes in scratch homes on CI hosts and small VMs with a few GiB free, where that rule would refuse every sized
 * volume, so it keeps the same shape (never over-commit the host) with 1 GiB, the margin the suite's own
 * loop filesystems leave the host.
 */
export const SIZED_VOLUME_HOST_MARGIN = GiB

const MULTIPLIERS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: MiB, g: GiB }

/** `size=N[K|M|G]` (binary multiples, any case, bare bytes allowed) in bytes. */
export function parseVolumeSize(raw: string, spec: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(raw)
  if (!m) throw invalid(`invalid volume size '${raw}' in '${spec}': expected bytes or a number with K, M or G`)
  const bytes = Number(m[1]) * MULTIPLIERS[m[2].toLowerCase()]
  if (!Number.isSafeInteger(bytes)) throw invalid(`volume size '${raw}' in '${spec}' is too large`)
  if (bytes < MIN_SIZED_VOLUME)
    throw invalid(`volume size must be at least ${MIN_SIZED_VOLUME} bytes (16 MiB), got ${bytes} in '${spec}'`)
  return bytes
}

const invalid = (message: string) => new RefboxError(`invalid argument: ${message}`)

/**
 * One `-v` value: `HOST:BOX[:OPTS]`, `BOX[:OPTS]` with OPTS a comma list of `ro`, `rw`, `size=N` (the last on an
 * anonymous volume only). A host path is one that starts with `/`, `.` or `~`; anything else is a managed volume
 * name, which a local runtime cannot resolve. Relative host paths are taken from `cwd`.
 */
export function parseVolumeSpec(spec: string, cwd = process.cwd(), home = process.env.HOME): VolumeRequest {
  if (/[\t\n\0]/.test(spec)) throw invalid(`invalid volume spec ${JSON.stringify(spec)}: control characters`)
  const fields = spec.split(':')
  if (fields.length > 3 || fields.some((f) => f === ''))
    throw invalid(`invalid volume spec '${spec}': expected HOST:BOX[:ro], /BOX[:ro] or /BOX:size=N[,ro]`)
  let source: string | undefined
  let box: string
  let opts: string | undefined
  if (fields.length === 3) [source, box, opts] = fields
  else if (fields.length === 2 && fields[1].startsWith('/')) [source, box] = fields
  else [box, opts] = fields
  if (!box.startsWith('/')) throw invalid(`volume box path must be absolute (e.g. /data), got '${box}'`)
  const guestPath = posix.normalize(box).replace(/(.)\/+$/, '$1')
  if (guestPath === '/' || guestPath.split('/').includes('..'))
    throw invalid(`volume box path '${box}' must name a directory below / without '..'`)
  let readOnly = false
  let sizeBytes: number | undefined
  for (const opt of opts === undefined ? [] : opts.split(',')) {
    if (opt === 'ro' || opt === 'rw') readOnly = opt === 'ro'
    else if (opt.startsWith('size=')) sizeBytes = parseVolumeSize(opt.slice('size='.length), spec)
    else throw invalid(`unknown volume option '${opt}' in '${spec}' (accepted: ro, rw, size=N)`)
  }
  if (source === undefined) return { guestPath, readOnly, sizeBytes }
  if (sizeBytes !== undefined) throw invalid(`size= is only valid on anonymous volumes, got '${spec}'`)
  if (!/^[./~]/.test(source))
    throw new RefboxError(
      `unsupported: managed volume "${source}" is only supported by REST runtimes; ` +
        'the local runtime has no volume backend to resolve it against',
    )
  const expanded = source === '~' || source.startsWith('~/') ? join(home ?? '/root', source.slice(1)) : source
  const hostPath = isAbsolute(expanded) ? posix.normalize(expanded) : resolve(cwd, expanded)
  return { guestPath, hostPath, readOnly }
}

/** Every `-v` of one run or create; two volumes on one box path are refused. */
export function parseVolumeSpecs(specs: readonly string[], cwd?: string): VolumeRequest[] {
  const volumes = specs.map((s) => parseVolumeSpec(s, cwd))
  const seen = new Set<string>()
  for (const v of volumes) {
    if (seen.has(v.guestPath)) throw invalid(`duplicate volume box path ${v.guestPath}`)
    seen.add(v.guestPath)
  }
  return volumes
}

/** `<home>/volumes/anonymous`: anonymous volumes, which no refbox command deletes. */
export const anonymousVolumesDir = (paths: HomePaths): string => join(paths.home, 'volumes', 'anonymous')

/** `<home>/boxes/<id>/volumes`: the box's sized volume images. */
export const sizedVolumesDir = (box: BoxPaths): string => join(box.dir, 'volumes')

/**
 * Makes what the volumes need at create: anonymous directories and sized images. The box directory exists; a
 * failure leaves the anonymous directories made so far (BoxLite's CLI makes them before the box, and never
 * deletes them).
 */
export function createVolumes(
  paths: HomePaths,
  box: BoxPaths,
  requests: readonly VolumeRequest[],
  defects: Defects,
): VolumeState[] {
  const sized = requests.filter((v) => v.sizeBytes !== undefined && !defects.has('sized-volume-unbounded'))
  const wanted = sized.reduce((sum, v) => sum + (v.sizeBytes ?? 0), 0)
  if (sized.length > 0) {
    const free = homeAvailableBytes(paths.home)
    if (wanted + SIZED_VOLUME_HOST_MARGIN > free)
      throw new RefboxError(
        `storage error: sized volume of ${wanted} bytes plus a ${SIZED_VOLUME_HOST_MARGIN} byte margin does not ` +
          `fit in the ${free} bytes free under ${paths.home}: refusing to over-commit`,
      )
  }
  return requests.map((v, i) => {
    if (v.hostPath !== undefined) return { guestPath: v.guestPath, hostPath: v.hostPath, readOnly: v.readOnly }
    // The regression `sized-volume-unbounded`: size= is dropped and the volume is an anonymous directory on the host.
    if (v.sizeBytes === undefined || defects.has('sized-volume-unbounded')) {
      const dir = join(anonymousVolumesDir(paths), newBoxId(true))
      mkdirSync(dir, { recursive: true })
      return { guestPath: v.guestPath, hostPath: dir, anonymous: true, readOnly: v.readOnly }
    }
    const image = join(sizedVolumesDir(box), `uservol${i}.img`)
    makeExt4Image(image, v.sizeBytes)
    return { guestPath: v.guestPath, readOnly: v.readOnly, sizeBytes: v.sizeBytes, image }
  })
}

/** A sparse raw file of exactly `bytes`, formatted ext4 in place (PR #636: `mke2fs -t ext4 -F -q`). */
function makeExt4Image(image: string, bytes: number): void {
  mkdirSync(join(image, '..'), { recursive: true })
  const fd = openSync(image, 'wx')
  try {
    ftruncateSync(fd, bytes)
  } finally {
    closeSync(fd)
  }
  const r = spawnSync('mkfs.ext4', ['-F', '-q', image], { encoding: 'utf8' })
  if (r.status !== 0) {
    rmSync(image, { force: true })
    throw new RefboxError(`storage error: cannot format the sized volume ${image}: ${(r.stderr ?? '').trim()}`)
  }
}

/** Checked at every start, as BoxLite resolves volumes at boot: a host path must exist then. */
export function checkVolumesAtStart(volumes: readonly VolumeState[]): void {
  for (const v of volumes) {
    if (v.image !== undefined && !existsSync(v.image))
      throw new RefboxError(`storage error: the sized volume image ${v.image} of ${v.guestPath} is missing`)
    if (v.hostPath === undefined) continue
    let st
    try {
      st = statSync(v.hostPath)
    } catch {
      throw new RefboxError(`configuration error: Volume host path does not exist: ${v.hostPath}`)
    }
    if (!st.isDirectory() && !st.isFile())
      throw new RefboxError(`configuration error: Volume host path is not a file or directory: ${v.hostPath}`)
  }
}

/**
 * The shim's mount list (REFBOX_VOLUMES): one line per volume, `KIND<TAB>RO<TAB>SOURCE<TAB>BOX_PATH`, KIND `bind`
 * (a host directory or file), `image` (a sized volume's ext4 image, loop-mounted) or `dir` (only a directory in
 * the rootfs: the regression `volume-in-rootfs`). RO is 1 for a read-only mount (0 under `volume-ro-ignored`).
 */
export function shimVolumeLines(volumes: readonly VolumeState[], defects: Defects): string {
  return volumes
    .map((v) => {
      const ro = v.readOnly && !defects.has('volume-ro-ignored') ? '1' : '0'
      if (v.image !== undefined) return ['image', ro, v.image, v.guestPath].join('\t')
      // The regression `volume-in-rootfs`: the box path is made in the rootfs and nothing is mounted on it.
      if (defects.has('volume-in-rootfs')) return ['dir', ro, '-', v.guestPath].join('\t')
      return ['bind', ro, v.hostPath ?? '', v.guestPath].join('\t')
    })
    .join('\n')
}

/**
 * What rm does to a box's volumes beyond its directory (which holds the sized images): nothing, since host
 * directories and anonymous volumes belong to the user. Under `rm-deletes-anonymous-volume` the anonymous
 * directories are deleted with the box.
 */
export function removeVolumes(paths: HomePaths, volumes: readonly VolumeState[], defects: Defects): void {
  if (!defects.has('rm-deletes-anonymous-volume')) return
  const root = anonymousVolumesDir(paths)
  for (const v of volumes)
    if (v.anonymous && v.hostPath?.startsWith(`${root}/`)) rmSync(v.hostPath, { recursive: true, force: true })
}
