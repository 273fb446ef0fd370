/**
 * Releases what a dead run left on the host under one of its directories, after its runtime has
 * removed the boxes it knows about: processes that still refer to the directory (a box or storage
 * daemon the runtime lost track of), mounts under it (a FUSE export, the small loop-mounted home of
 * the host-full scenario) and loop devices whose backing file is under it. Everything is found by
 * the directory it refers to (src/host/leftovers.ts), never by a process name, and released by its
 * own pid, mount point or device.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { processIds } from './footprint'
import { findLeftovers, type Leftover, procStat } from './leftovers'
import { pollUntil } from './poll'
import { runHostTool } from './host-tool'

export interface Release {
  /** One line per thing released: "process pid 123 (command line): …", "mount …", "loop device …". */
  readonly released: readonly string[]
  /** What is still there afterwards. */
  readonly left: readonly Leftover[]
}

/** How long a process gets to end after SIGTERM (a storage daemon unmounts its export) before SIGKILL. */
const TERM_GRACE_MS = 3000
const TOOL_SECONDS = 30

/**
 * Ends the runtime calls of a dead run that are still in flight in `home`: a boxlite-dialect CLI
 * gets `--home HOME` on every call (src/drivers/cli.ts). Their boxes stay for the runtime's removal.
 */
export async function endRuntimeCalls(home: string): Promise<string[]> {
  const marker = `--home ${home} `
  return endProcesses(findLeftovers(home).filter((l) => l.kind === 'process' && commandLine(l.target).includes(marker)))
}

export async function releaseLeftovers(dir: string): Promise<Release> {
  const released = await endProcesses(findLeftovers(dir).filter((l) => l.kind === 'process'))
  // Innermost first: a box's FUSE export inside the loop-mounted home comes off before the home.
  const mounts = findLeftovers(dir)
    .filter((l) => l.kind === 'mount')
    .sort((a, b) => b.target.length - a.target.length)
  for (const m of mounts) {
    let r = await runHostTool('umount', [m.target], TOOL_SECONDS, 'mount')
    // A FUSE export whose daemon died answers "Transport endpoint is not connected": detach it lazily.
    if (r.exitCode !== 0) r = await runHostTool('umount', ['--lazy', m.target], TOOL_SECONDS, 'mount')
    if (r.exitCode === 0) released.push(`mount ${m.detail}`)
  }
  for (const l of findLeftovers(dir).filter((x) => x.kind === 'loop device' && !awaitingFree(x.target))) {
    const r = await runHostTool('losetup', ['-d', l.target], TOOL_SECONDS, 'mount')
    if (r.exitCode === 0) released.push(`loop device ${l.detail}`)
  }
  // A detached loop device is freed by the kernel a moment later, or once the last mount namespace
  // holding a copy of its mount ends: any process started while it was mounted (another run's box,
  // not ours to end) made such a copy. It is released as far as anyone can release it.
  const left = await pollUntil(
    () => findLeftovers(dir).filter((l) => !(l.kind === 'loop device' && awaitingFree(l.target))),
    (l) => l.length === 0,
    { intervalMs: 100, timeoutMs: released.length > 0 ? 2000 : 0 },
  )
  for (const l of findLeftovers(dir).filter((x) => x.kind === 'loop device' && awaitingFree(x.target))) {
    const holders = mountNamespaceHolders(l.target)
    released.push(
      `loop device ${l.detail}: detached; the kernel frees it when ` +
        `${holders.length ? `pids ${holders.join(', ')} end` : 'its last user ends'} ` +
        '(processes started while it was mounted hold a copy of its mount)',
    )
  }
  return { released, left: left.value }
}

/**
 * A loop device already detached (autoclear set, as `losetup -d` leaves a busy device) and mounted
 * nowhere in our mount namespace: only copies of its mount elsewhere keep it.
 */
export function awaitingFree(device: string): boolean {
  try {
    const autoclear = readFileSync(`/sys/block/${basename(device)}/loop/autoclear`, 'utf8').trim() === '1'
    return autoclear && !readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${device} `)
  } catch {
    return false
  }
}

/** Pids whose mount namespace still shows the device mounted. */
export function mountNamespaceHolders(device: string): number[] {
  const pids: number[] = []
  for (const pid of processIds()) {
    try {
      if (readFileSync(`/proc/${pid}/mountinfo`, 'utf8').includes(` ${device} `)) pids.push(pid)
    } catch {
      // gone, or not ours to read
    }
  }
  return pids
}

/**
 * SIGTERM, a grace period, then SIGKILL for those still there; one line per process. Each is
 * signalled by pid only while its start time still matches (a reused pid is someone else).
 */
async function endProcesses(processes: readonly Leftover[]): Promise<string[]> {
  const same = (p: Leftover) =>
    p.pid !== undefined && p.startTime !== undefined && procStat(p.pid)?.startTime === p.startTime
  const living = () => processes.filter(same)
  if (processes.length === 0) return []
  for (const p of living()) signal(p.pid as number, 'SIGTERM')
  const ended = await pollUntil(living, (l) => l.length === 0, { intervalMs: 100, timeoutMs: TERM_GRACE_MS })
  for (const p of ended.value) signal(p.pid as number, 'SIGKILL')
  await pollUntil(living, (l) => l.length === 0, { intervalMs: 100, timeoutMs: TERM_GRACE_MS })
  return processes.map((p) => `process ${p.detail}`)
}

function commandLine(pid: string): string {
  try {
    return `${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')} `
  } catch {
    return ''
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch {
    // already gone
  }
}
