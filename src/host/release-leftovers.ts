/**
 * Releases what a dead run left on the host under one of its directories, after its runtime has
 * removed the boxes it knows about: processes that still refer to the directory (a box or storage
 * daemon the runtime lost track of), mounts under it (a FUSE export, the small loop-mounted home of
 * the host-full scenario) and loop devices whose backing file is under it. Everything is found by
 * the directory it refers to (src/host/leftovers.ts), never by a process name, and released by its
 * own pid, mount point or device.
 */
import { findLeftovers, type Leftover } from './leftovers'
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

export async function releaseLeftovers(dir: string): Promise<Release> {
  const released: string[] = []
  const processes = findLeftovers(dir).filter((l) => l.kind === 'process')
  if (processes.length > 0) {
    for (const p of processes) signal(Number(p.target), 'SIGTERM')
    const gone = await pollUntil(
      () => processes.filter((p) => alive(Number(p.target))),
      (living) => living.length === 0,
      { intervalMs: 100, timeoutMs: TERM_GRACE_MS },
    )
    for (const p of gone.ok ? [] : processes) signal(Number(p.target), 'SIGKILL')
    for (const p of processes) released.push(`process ${p.detail}`)
    await pollUntil(
      () => processes.filter((p) => alive(Number(p.target))),
      (living) => living.length === 0,
      { intervalMs: 100, timeoutMs: TERM_GRACE_MS },
    )
  }
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
  for (const l of findLeftovers(dir).filter((x) => x.kind === 'loop device')) {
    const r = await runHostTool('losetup', ['-d', l.target], TOOL_SECONDS, 'mount')
    if (r.exitCode === 0) released.push(`loop device ${l.detail}`)
  }
  // A detached loop device is freed by the kernel a moment later.
  const left = await pollUntil(
    () => findLeftovers(dir),
    (l) => l.length === 0,
    { intervalMs: 100, timeoutMs: released.length > 0 ? 2000 : 0 },
  )
  return { released, left: left.value }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
