/**
 * What a box can leave behind on the host after it was removed: processes (box init, shim,
 * storage daemon), mounts (FUSE exports) and loop devices whose files live under a directory.
 * Looking is read-only; ending a box is the runtime's job (`rm -f`). Only when the runtime left
 * processes behind does the suite end them itself (endLeftoverProcesses), so none outlives the run.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { processIds } from './footprint'

export interface Leftover {
  readonly kind: 'process' | 'mount' | 'loop device'
  readonly detail: string
  /** A process's pid and its start time (clock ticks since boot): together they name it, a pid alone is reused. */
  readonly pid?: number
  readonly startTime?: number
}

/**
 * Everything on the host that still refers to `dir` (a scenario home or one box's directory), or
 * whose command line names `needle` (e.g. a box id). Our own process is never counted.
 */
export function findLeftovers(dir: string, needle?: string): Leftover[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`
  const under = (p: string) => p === dir || p.startsWith(prefix)
  return [...processesNaming(dir, needle), ...leftoverMounts(under), ...leftoverLoopDevices(under)]
}

/**
 * Processes whose command line names `dir` (or `needle`), or whose working directory, root,
 * executable or an open file is under it. `skip` leaves a process out before it is read further
 * (a caller that samples often skips the processes it has seen before).
 */
export function processesNaming(dir: string, needle?: string, skip?: (pid: number) => boolean): Leftover[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`
  const under = (p: string) => p === dir || p.startsWith(prefix)
  const found: Leftover[] = []
  for (const pid of processIds()) {
    if (pid === process.pid || skip?.(pid)) continue
    let cmdline: string
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
    } catch {
      continue // gone
    }
    if (cmdline === '') continue // kernel thread or zombie
    const reasons: string[] = []
    if (cmdline.includes(dir) || (needle !== undefined && cmdline.includes(needle))) reasons.push('command line')
    for (const link of ['cwd', 'root', 'exe']) {
      const target = readlinkQuiet(`/proc/${pid}/${link}`)
      if (target !== undefined && under(target.replace(/ \(deleted\)$/, ''))) reasons.push(link)
    }
    if (reasons.length === 0) {
      let fds: string[] = []
      try {
        fds = readdirSync(`/proc/${pid}/fd`)
      } catch {
        // not ours to read, or gone
      }
      for (const fd of fds) {
        const target = readlinkQuiet(`/proc/${pid}/fd/${fd}`)
        if (target !== undefined && under(target.replace(/ \(deleted\)$/, ''))) {
          reasons.push(`open file ${target}`)
          break
        }
      }
    }
    if (reasons.length)
      found.push({
        kind: 'process',
        detail: `pid ${pid} (${reasons.join(', ')}): ${cmdline.slice(0, 200)}`,
        pid,
        startTime: procStat(pid)?.startTime,
      })
  }
  return found
}

/** Fields of /proc/<pid>/stat a caller needs to tell processes apart; undefined when gone or a zombie. */
export function procStat(pid: number): { session: number; startTime: number } | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // comm (field 2) may hold spaces and parentheses: the fields after the last ')' start at field 3.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  if (f[0] === 'Z' || f[0] === 'X') return undefined
  return { session: Number(f[3]), startTime: Number(f[19]) }
}

/**
 * Last resort after a runtime left processes behind under a scenario's own directory: SIGKILL
 * each, by pid and only while its start time still matches (a reused pid is someone else), so
 * that a failed scenario never leaves them running on the host. Returns the details of those ended.
 */
export function endLeftoverProcesses(leftovers: readonly Leftover[]): string[] {
  const ended: string[] = []
  for (const l of leftovers) {
    if (l.kind !== 'process' || l.pid === undefined || l.startTime === undefined) continue
    if (procStat(l.pid)?.startTime !== l.startTime) continue
    try {
      process.kill(l.pid, 'SIGKILL')
      ended.push(l.detail)
    } catch {
      // gone meanwhile
    }
  }
  return ended
}

/** Mounts in our mount namespace whose mount point or source is under the directory. */
function leftoverMounts(under: (p: string) => boolean): Leftover[] {
  let text: string
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8')
  } catch {
    return []
  }
  const found: Leftover[] = []
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ')
    if (!right) continue
    const mountPoint = unescapeMount(left.split(' ')[4] ?? '')
    const source = unescapeMount(right.split(' ')[1] ?? '')
    if (under(mountPoint) || under(source))
      found.push({ kind: 'mount', detail: `${source} on ${mountPoint} (${right.split(' ')[0]})` })
  }
  return found
}

/** Loop devices whose backing file is under the directory. */
function leftoverLoopDevices(under: (p: string) => boolean): Leftover[] {
  let devices: string[]
  try {
    devices = readdirSync('/sys/block').filter((d) => d.startsWith('loop'))
  } catch {
    return []
  }
  const found: Leftover[] = []
  for (const dev of devices) {
    let backing: string
    try {
      backing = readFileSync(`/sys/block/${dev}/loop/backing_file`, 'utf8').trim()
    } catch {
      continue // not attached
    }
    if (under(backing.replace(/ \(deleted\)$/, '')))
      found.push({ kind: 'loop device', detail: `/dev/${dev} backed by ${backing}` })
  }
  return found
}

function readlinkQuiet(path: string): string | undefined {
  try {
    return readlinkSync(path)
  } catch {
    return undefined
  }
}

function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)))
}
