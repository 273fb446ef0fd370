/**
 * The escape guard. Entering a box means entering the namespaces of its recorded pid 1 and taking
 * that process's root as `/`. If the pid were wrong (dead and reused, or a host process, or the
 * box's `unshare` whose root is the host's), a command meant for the box would run against the host
 * filesystem: once, a "fill the rootfs" command wrote 85 GB to a host disk that way. So before any
 * exec or cp, the guard opens the target's namespaces and root *as file descriptors* and proves,
 * on those very descriptors, that they belong to the live box and that `/` is the box's own disk.
 * The descriptors are then handed to nsenter, so what was checked is what is entered.
 */
import { closeSync, fstatSync, openSync, statSync, constants } from 'node:fs'
import { RefboxError } from './errors'
import { isAlive, type ProcRef } from './proc'

/** What refbox recorded when the box came up. */
interface BoxIdentity {
  readonly id: string
  readonly main?: ProcRef
  /** `MAJ:MIN` of the box's mounted disk. */
  readonly rootDev?: string
}

export interface BoxHandles {
  /** Open descriptors of the box's mount namespace, pid namespace and root directory. */
  readonly mntFd: number
  readonly pidFd: number
  readonly rootFd: number
  close(): void
}

/** Linux's loop block device major: the box disk is always loop-mounted. */
const LOOP_MAJOR = 7
/** Inode number of an ext4 filesystem's root directory. */
const EXT4_ROOT_INO = 2

/** glibc's makedev: how Node reports st_dev. */
export function makedev(major: number, minor: number): number {
  return (major & 0xfff) * 256 + (minor & 0xff) + (minor & ~0xff) * 4096 + Math.floor(major / 0x1000) * 2 ** 32
}

export function parseMajMin(s: string | undefined): { major: number; minor: number } | undefined {
  const m = /^\s*(\d+):(\d+)\s*$/.exec(s ?? '')
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined
}

export class GuardRefusal extends RefboxError {
  constructor(id: string, reason: string) {
    super(`refusing to enter box ${id}: ${reason}; nothing was run`)
  }
}

export function openBoxHandles(box: BoxIdentity): BoxHandles {
  function refuse(reason: string): never {
    throw new GuardRefusal(box.id, reason)
  }
  const dev = parseMajMin(box.rootDev) ?? refuse('no root device recorded for the box')
  if (dev.major !== LOOP_MAJOR) refuse(`recorded root device ${box.rootDev} is not a loop device`)
  const main: ProcRef = box.main ?? refuse('no main process recorded for the box')
  if (!isAlive(main)) refuse(`its main process ${box.main?.pid} is not running (or its pid was reused)`)

  const fds: number[] = []
  const close = () => fds.splice(0).forEach((fd) => closeSync(fd))
  try {
    const open = (path: string, flags: number) => {
      const fd = openSync(path, flags)
      fds.push(fd)
      return fd
    }
    const mntFd = open(`/proc/${main.pid}/ns/mnt`, constants.O_RDONLY)
    const pidFd = open(`/proc/${main.pid}/ns/pid`, constants.O_RDONLY)
    const rootFd = open(`/proc/${main.pid}/root`, constants.O_RDONLY | constants.O_DIRECTORY)
    // Same start time after opening: the descriptors belong to the recorded process, not a pid reuse.
    if (!isAlive(main)) refuse(`its main process ${box.main?.pid} ended while being checked`)
    const root = fstatSync(rootFd)
    const hostRoot = statSync('/')
    if (root.dev === hostRoot.dev) refuse(`pid ${main.pid}'s / is the host's root filesystem`)
    if (root.dev !== makedev(dev.major, dev.minor)) refuse(`pid ${main.pid}'s / is not on the box disk ${box.rootDev}`)
    if (root.ino !== EXT4_ROOT_INO) refuse(`pid ${main.pid}'s / is not the root directory of the box disk`)
    if (fstatSync(mntFd).ino === statSync('/proc/self/ns/mnt').ino)
      refuse(`pid ${main.pid} shares the host's mount namespace`)
    if (fstatSync(pidFd).ino === statSync('/proc/self/ns/pid').ino)
      refuse(`pid ${main.pid} shares the host's pid namespace`)
    return { mntFd, pidFd, rootFd, close }
  } catch (e) {
    close()
    if (e instanceof RefboxError) throw e
    return refuse(`cannot inspect pid ${main.pid}: ${(e as Error).message}`)
  }
}
