/**
 * Host prerequisites. refbox needs root and a handful of Debian tools; when one is missing the user
 * is told which tool and which package provides it, instead of seeing a spawn ENOENT stack trace.
 */
import { spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'
import { join } from 'node:path'
import { RefboxError } from './errors'

/** Tool -> Debian package that ships it. */
const PACKAGE_OF: Readonly<Record<string, string>> = {
  'qemu-storage-daemon': 'qemu-system-common',
  'qemu-img': 'qemu-utils',
  'mkfs.ext4': 'e2fsprogs',
  resize2fs: 'e2fsprogs',
  tune2fs: 'e2fsprogs',
  fallocate: 'util-linux',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  setpriv: 'util-linux',
  flock: 'util-linux',
  findmnt: 'util-linux',
  losetup: 'mount',
  mount: 'mount',
  umount: 'mount',
  tar: 'tar',
  cp: 'coreutils',
  busybox: 'busybox-static',
  zstd: 'zstd',
  fsfreeze: 'util-linux',
}

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

/** Absolute path of an executable, or undefined. */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter((d) => d.startsWith('/')), ...SEARCH_PATH]
  for (const dir of dirs) {
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

export function requireTools(...names: string[]): void {
  const missing = names.filter((n) => findTool(n) === undefined)
  if (missing.length > 0) throw missingTools(missing)
}

/** Absolute path of a tool, or the missing-tool error naming its package. */
function toolPath(name: string): string {
  const path = findTool(name)
  if (path === undefined) throw missingTools([name])
  return path
}

function missingTools(missing: readonly string[]): RefboxError {
  const packages = [...new Set(missing.map((n) => PACKAGE_OF[n] ?? n))]
  return new RefboxError(
    `missing tool${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}; install the Debian ` +
      `package${packages.length > 1 ? 's' : ''} ` +
      `${packages.join(' ')} (apt-get install ${packages.join(' ')}, or run scripts/setup.sh)`,
  )
}

/** Boxes need root (mounts, namespaces, loop devices) and the FUSE device. */
export function requireRootAndFuse(): void {
  if (process.getuid?.() !== 0) {
    throw new RefboxError('refbox must run as root: it mounts disks and creates namespaces (try sudo)')
  }
  if (!existsSync('/dev/fuse')) {
    throw new RefboxError('/dev/fuse is missing: load the fuse kernel module (modprobe fuse) and install fuse3')
  }
}

/** Everything `run`/`start` use to bring a box up. */
export const BOX_TOOLS = [
  'qemu-storage-daemon',
  'qemu-img',
  'mkfs.ext4',
  'resize2fs',
  'unshare',
  'setpriv',
  'findmnt',
  'mount',
  'umount',
  'tar',
] as const

/** setpriv's path, looked up once per process. */
let setpriv: string | undefined

/**
 * Runs a host tool to completion; throws with its stderr when it fails. The tool dies with refbox
 * (setpriv's parent-death signal): a `run` killed part-way must not leave a cp or qemu-img
 * writing into a box directory that `rm -f` is deleting.
 */
export function runTool(cmd: string, args: readonly string[], what: string, input?: Buffer): string {
  setpriv ??= toolPath('setpriv')
  const r = spawnSync(setpriv, ['--pdeathsig', 'KILL', '--', toolPath(cmd), ...args], {
    input,
    stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  })
  if (r.error) throw new RefboxError(`${what}: cannot run ${cmd}: ${r.error.message}`)
  if (r.status !== 0) {
    const err = r.stderr.toString().trim().split('\n').slice(-3).join('; ')
    throw new RefboxError(`${what}: ${cmd} failed (${r.signal ?? `exit ${r.status}`})${err ? `: ${err}` : ''}`)
  }
  return r.stdout.toString()
}
