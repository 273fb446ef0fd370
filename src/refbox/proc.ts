/**
 * /proc helpers. A pid alone is not an identity (pids are reused), so refbox always records a pid
 * together with its start time (field 22 of /proc/<pid>/stat) and checks both before acting on it.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'

export interface ProcRef {
  readonly pid: number
  /** Clock ticks since boot at which the process started. */
  readonly startTime: number
}

/** Start time of a live process, or undefined when it is gone (or a zombie). */
function startTimeOf(pid: number): number | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // comm (field 2) may contain spaces and parentheses: parse after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined
  const start = Number(fields[19]) // field 22 overall; fields[0] is field 3
  return Number.isFinite(start) ? start : undefined
}

/** Parent pid (field 4 of /proc/<pid>/stat), or undefined when gone. */
export function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return undefined
  }
}

export function refOf(pid: number): ProcRef | undefined {
  const startTime = startTimeOf(pid)
  return startTime === undefined ? undefined : { pid, startTime }
}

/** True when the recorded process still runs (same pid, same start time). */
export function isAlive(ref: ProcRef | undefined): ref is ProcRef {
  return ref !== undefined && startTimeOf(ref.pid) === ref.startTime
}

/** Sends a signal only to the recorded process; false when it is gone. */
export function signalRef(ref: ProcRef | undefined, signal: NodeJS.Signals): boolean {
  if (!isAlive(ref)) return false
  try {
    process.kill(ref.pid, signal)
    return true
  } catch {
    return false
  }
}

export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
}

/** Namespace identity (`mnt:[4026531841]`) of a process, or undefined. */
export function namespaceOf(pid: number | 'self', kind: 'mnt' | 'pid' | 'pid_for_children'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${kind}`)
  } catch {
    return undefined
  }
}

/**
 * Processes in a pid namespace, plus those that entered it from outside (nsenter, unshare: their
 * children are born in it). A box's whole process tree, seen from the host.
 */
export function pidNamespaceMembers(ns: string): number[] {
  return allPids().filter((p) => namespaceOf(p, 'pid') === ns || namespaceOf(p, 'pid_for_children') === ns)
}

export function cmdlineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((s) => s !== '')
  } catch {
    return []
  }
}

/** Whether a process's environment holds exactly `NAME=VALUE` (root can read every process's). */
export function hasEnv(pid: number, name: string, value: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${name}=${value}`)
  } catch {
    return false
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Polls until `done()` or the deadline; returns whether it became true. */
export async function waitFor(done: () => boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (done()) return true
    if (Date.now() >= deadline) return false
    await sleep(stepMs)
  }
}
