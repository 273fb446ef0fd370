/**
 * A small ext4 filesystem of a fixed size, in an image file, loop-mounted on an empty directory:
 * a stand-in host disk that a scenario may run out of space. Everything written under the mount
 * point lands in the image, and a loop device never grows its backing file, so the host's own
 * filesystem can lose at most the image's size. Each step is a host tool run as a record; the
 * loop device and the mount are released by their own names, after checking they are ours.
 */
import {
  closeSync,
  existsSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
} from 'node:fs'
import { basename, dirname } from 'node:path'
import type { CommandRecord } from '../drivers/types'
import { runHostTool } from './host-tool'

/** Runs one host tool call; the caller decides its limit (in seconds, already scaled) and records it. */
type HostCall = (what: string, call: (timeoutSeconds: number) => Promise<CommandRecord>) => Promise<CommandRecord>

export interface LoopFilesystem {
  readonly image: string
  readonly mountPoint: string
  readonly bytes: number
  /** Set as soon as the loop device exists, so a release after an interrupt finds it. */
  device?: string
  mounted: boolean
}

/** Free bytes left for the host's own filesystem after the image is fully allocated. */
const HOST_MARGIN_BYTES = 1024 ** 3

/**
 * Refuses unless root, the mount point is an empty directory, and the host holds the whole image with room to spare.
 */
export function checkLoopFilesystemPlan(image: string, mountPoint: string, bytes: number): void {
  if (process.getuid?.() !== 0)
    throw new Error('a filesystem of its own for the scenario needs root (mount and loop devices)')
  if (!existsSync(mountPoint) || !statSync(mountPoint).isDirectory() || readdirSync(mountPoint).length > 0)
    throw new Error(`${mountPoint} is not an empty directory`)
  if (existsSync(image)) throw new Error(`${image} already exists`)
  const host = statfsSync(dirname(image))
  if (host.bavail * host.bsize < bytes + HOST_MARGIN_BYTES)
    throw new Error(`the host filesystem of ${dirname(image)} has less than the image's ${bytes} bytes plus 1 GiB free`)
}

/** Makes the image (sparse, `bytes` long), formats it, attaches a loop device, mounts it. */
export async function mountLoopFilesystem(fs: LoopFilesystem, call: HostCall): Promise<void> {
  const fd = openSync(fs.image, 'wx')
  try {
    ftruncateSync(fd, fs.bytes)
  } finally {
    closeSync(fd)
  }
  // No reserved blocks: "full" means full for root too (the runtime runs as root).
  await must(
    call,
    `format ${basename(fs.image)}`,
    'mkfs.ext4',
    ['-q', '-F', '-m', '0', '-E', 'nodiscard', fs.image],
    'e2fsprogs',
  )
  const attach = await must(
    call,
    `attach ${basename(fs.image)} to a loop device`,
    'losetup',
    ['--find', '--show', fs.image],
    'mount',
  )
  fs.device = attach.stdout.trim()
  if (!/^\/dev\/loop\d+$/.test(fs.device))
    throw new Error(`losetup gave no loop device: ${JSON.stringify(attach.stdout)}`)
  await must(call, `mount ${fs.device} on the home`, 'mount', ['-t', 'ext4', fs.device, fs.mountPoint], 'mount')
  fs.mounted = true
}

/** Unmounts, detaches (only our device: its backing file must be our image) and deletes the image. Idempotent. */
export async function releaseLoopFilesystem(fs: LoopFilesystem, call: HostCall): Promise<void> {
  if (fs.mounted && fs.device && mountedAt(fs.mountPoint) === fs.device) {
    const r = await call(`unmount ${fs.mountPoint}`, (timeoutSeconds) =>
      runHostTool('umount', [fs.mountPoint], timeoutSeconds, 'mount'),
    )
    if (r.exitCode !== 0)
      throw new Error(`cannot unmount the scenario's filesystem from ${fs.mountPoint}: ${r.stderr.trim()}`)
  }
  fs.mounted = false
  if (fs.device && backingFile(fs.device) === fs.image) {
    const r = await call(`detach ${fs.device}`, (timeoutSeconds) =>
      runHostTool('losetup', ['-d', fs.device!], timeoutSeconds, 'mount'),
    )
    if (r.exitCode !== 0) throw new Error(`cannot detach ${fs.device}: ${r.stderr.trim()}`)
  }
  rmSync(fs.image, { force: true })
}

/**
 * After the release: a loop device of ours still there, and the pids whose mount namespaces still
 * hold a copy of its mount. A mount namespace made while the filesystem was mounted (any box
 * started meanwhile, by anyone) copies it; the detached device is freed by the kernel when the
 * last of those ends.
 */
export function heldElsewhere(fs: LoopFilesystem): { device: string; pids: number[] } | undefined {
  if (!fs.device || backingFile(fs.device)?.replace(/ \(deleted\)$/, '') !== fs.image) return undefined
  const pids: number[] = []
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${pid}/mountinfo`, 'utf8').includes(` ${fs.device} `)) pids.push(Number(pid))
    } catch {
      // gone, or not ours to read
    }
  }
  return { device: fs.device, pids }
}

/** What shows that the home is the small filesystem: its device, size, free space, and the image behind it. */
export function describeLoopFilesystem(fs: LoopFilesystem): {
  device: string
  backing: string
  sizeBytes: number
  freeBytes: number
  imageBytes: number
  plannedBytes: number
} {
  const st = statfsSync(fs.mountPoint)
  return {
    device: mountedAt(fs.mountPoint) ?? 'not mounted',
    backing: fs.device ? (backingFile(fs.device) ?? 'none') : 'none',
    sizeBytes: st.blocks * st.bsize,
    freeBytes: st.bavail * st.bsize,
    imageBytes: statSync(fs.image).size,
    plannedBytes: fs.bytes,
  }
}

async function must(call: HostCall, what: string, bin: string, args: string[], pkg: string): Promise<CommandRecord> {
  const r = await call(what, (timeoutSeconds) => runHostTool(bin, args, timeoutSeconds, pkg))
  if (r.exitCode !== 0) throw new Error(`${what} failed (exit ${r.exitCode}): ${r.stderr.trim()}`)
  return r
}

/** The source of the topmost mount at exactly `mountPoint` in our mount namespace. */
function mountedAt(mountPoint: string): string | undefined {
  let source: string | undefined
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ')
    if (right && left.split(' ')[4] === mountPoint) source = right.split(' ')[1]
  }
  return source
}

function backingFile(device: string): string | undefined {
  try {
    return readFileSync(`/sys/block/${basename(device)}/loop/backing_file`, 'utf8').trim()
  } catch {
    return undefined
  }
}
