/**
 * How far one box start got, as a user sees it from the host: a new directory under `<home>/boxes/`
 * (the box is configured), a qcow2 file in it (its disk is made), a process naming the home that is
 * not the start command or a helper it waits for (the box's host process runs), and the start
 * command's return. Only what the BoxLite contract states is assumed (`boxes/<id>/`, its disk a
 * `.qcow2` in it, box processes naming the home); anything else in the home is the runtime's own.
 * A sign that a start which returned never showed is "not observable" on that runtime, not a fault.
 */
import { type Dirent, existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { processIds } from './footprint'
import { procStat, processesNaming } from './leftovers'

export const START_PHASES = [
  'nothing yet',
  'configured',
  'disk made',
  'host process running',
  'start returned',
] as const
export type StartPhase = (typeof START_PHASES)[number]

/** The signs of a start the host can show, in the order a start makes them. */
export const SIGNS = ['box directory', 'disk file', 'host process'] as const
export type Sign = (typeof SIGNS)[number]

/** The phase each sign marks. */
const PHASE_OF: Readonly<Record<Sign, StartPhase>> = {
  'box directory': 'configured',
  'disk file': 'disk made',
  'host process': 'host process running',
}

/** What was there before a start: the entries of `boxes/` and every process. */
export interface Baseline {
  readonly boxEntries: ReadonlySet<string>
  readonly pids: ReadonlySet<number>
}

/** What one start has made so far, apart from its baseline. */
export interface StartSight {
  readonly boxDirs: readonly string[]
  readonly disks: readonly string[]
  readonly processes: readonly string[]
}

export function baselineOf(home: string): Baseline {
  return { boxEntries: new Set(boxEntries(home)), pids: new Set(processIds()) }
}

/**
 * The start's signs now. `isStartCommand(session)` tells the start command's own session (the cli
 * driver runs every call as a session leader): its helpers live and die with the call, so a
 * process there is not the box's. Left out, every new process naming the home counts.
 */
export function sightOf(home: string, baseline: Baseline, isStartCommand?: (session: number) => boolean): StartSight {
  const boxDirs = boxEntries(home)
    .filter((e) => !baseline.boxEntries.has(e))
    .map((e) => join(home, 'boxes', e))
    .filter(isDirectory)
  const disks = boxDirs.flatMap((d) => qcow2Files(d, 3))
  // Sampled every few ms while a start runs: a process of the baseline is skipped on its pid alone
  // (a pid reused within one start is left out of the sight, which is all that can go wrong).
  const seen = (pid: number) => {
    if (baseline.pids.has(pid)) return true
    const stat = procStat(pid)
    return !stat || (isStartCommand?.(stat.session) ?? false)
  }
  const processes = processesNaming(home, undefined, seen).map((p) => p.detail)
  return { boxDirs, disks, processes }
}

/** The signs a sight shows. */
export function signsIn(sight: StartSight): Sign[] {
  return SIGNS.filter(
    (s) => (s === 'box directory' ? sight.boxDirs : s === 'disk file' ? sight.disks : sight.processes).length > 0,
  )
}

/**
 * The furthest phase a start reached: returned if its command ended before the kill, else the
 * latest sign seen (a runtime may make them in another order; the furthest one counts).
 */
export function phaseOf(signs: readonly Sign[], returned: boolean): StartPhase {
  if (returned) return 'start returned'
  let phase: StartPhase = 'nothing yet'
  for (const s of signs) if (START_PHASES.indexOf(PHASE_OF[s]) > START_PHASES.indexOf(phase)) phase = PHASE_OF[s]
  return phase
}

/** How many kills landed in each phase, every phase named (zero included), in start order. */
export function countByPhase(phases: readonly StartPhase[]): Array<[StartPhase, number]> {
  return START_PHASES.map((p) => [p, phases.filter((q) => q === p).length])
}

/**
 * Whether the cli driver's call with this session is one of ours: a session whose leader is a
 * direct child of this process (the call itself). Its helpers share that session.
 */
export function isOurCallSession(session: number): boolean {
  try {
    const stat = readFileSync(`/proc/${session}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid
  } catch {
    return false // the leader is gone: what is left of its session outlived the call
  }
}

/** Resolves once `sign` shows (relative to `baseline`), polling every `intervalMs`; never once `stop` is aborted. */
export async function signShows(
  home: string,
  baseline: Baseline,
  sign: Sign,
  stop: AbortSignal,
  intervalMs = 5,
): Promise<void> {
  while (!stop.aborted) {
    if (signsIn(sightOf(home, baseline, isOurCallSession)).includes(sign)) return
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  return new Promise(() => undefined) // the start ended first: no kill
}

/** When each sign first showed during a start, in ms from `startedAt` (absent: never seen). */
export class SignClock {
  readonly firstSeenMs: Partial<Record<Sign, number>> = {}
  private timer?: NodeJS.Timeout

  constructor(
    private readonly home: string,
    private readonly baseline: Baseline,
    private readonly startedAt = Date.now(),
    private readonly intervalMs = 5,
  ) {
    this.tick()
  }

  stop(): void {
    clearTimeout(this.timer)
  }

  private tick(): void {
    const now = Date.now() - this.startedAt
    for (const s of signsIn(sightOf(this.home, this.baseline, isOurCallSession))) this.firstSeenMs[s] ??= now
    this.timer = setTimeout(() => this.tick(), this.intervalMs)
  }
}

function boxEntries(home: string): string[] {
  const dir = join(home, 'boxes')
  try {
    return existsSync(dir) ? readdirSync(dir) : []
  } catch {
    return []
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/**
 * Regular `.qcow2` files under `dir`, `depth` levels down at most (BoxLite: `disks/disk.qcow2`; older: `disk.qcow2`).
 */
function qcow2Files(dir: string, depth: number): string[] {
  let entries: Dirent[]
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return []
  }
  return entries.flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isFile() && e.name.endsWith('.qcow2')) return [path]
    return e.isDirectory() && depth > 1 ? qcow2Files(path, depth - 1) : []
  })
}
