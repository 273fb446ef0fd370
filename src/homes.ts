/**
 * Where scenarios keep their BoxLite homes: a fresh absolute directory per scenario under
 * `<os.tmpdir()>/boxlite-disk-spec/run-<pid>-<random>/`, so runs and parallel workers never share one.
 * Deleting is confined to that tree and never follows symlinks.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve, sep } from 'node:path'
import { randomBytes } from 'node:crypto'
import { createDriver, type DriverSettings } from './drivers/select'
import { findLeftovers, procStat } from './host/leftovers'
import { awaitingFree, endRuntimeCalls, releaseLeftovers } from './host/release-leftovers'
import { SCENARIO_LOG_ENV } from './proof/selection'

export const SUITE_ROOT = join(tmpdir(), 'boxlite-disk-spec')
let runRoot: string | undefined

/** This process's run directory (created on first use; records its owner pid). */
export function runDirectory(): string {
  if (!runRoot) {
    mkdirSync(SUITE_ROOT, { recursive: true })
    runRoot = join(SUITE_ROOT, `run-${process.pid}-${randomBytes(3).toString('hex')}`)
    mkdirSync(runRoot)
    writeFileSync(join(runRoot, 'owner.pid'), String(process.pid))
    const started = procStat(process.pid)?.startTime
    if (started !== undefined) writeFileSync(join(runRoot, 'owner.start'), String(started))
  }
  return runRoot
}

export interface ScenarioDirs {
  /** The scenario's own directory; removed as a whole. */
  readonly dir: string
  /** The BoxLite home (`--home`). */
  readonly home: string
  /** Host-side files the scenario makes (e.g. the source of a copy), outside the home. */
  readonly hostFiles: string
}

/** Each scenario directory records how its boxes are driven, so a later run can remove them if this one dies. */
export function newScenarioDirs(label: string, driver: DriverSettings): ScenarioDirs {
  const safe =
    label
      .replace(/[^A-Za-z0-9]+/g, '-')
      .slice(0, 40)
      .replace(/^-|-$/g, '') || 'scenario'
  const dir = mkdtempSync(join(runDirectory(), `${safe}-`))
  const home = join(dir, 'home')
  const hostFiles = join(dir, 'host-files')
  mkdirSync(home)
  mkdirSync(hostFiles)
  writeFileSync(join(dir, 'driver.json'), JSON.stringify(driver))
  return { dir, home, hostFiles }
}

/**
 * With DISK_SPEC_SCENARIO_LOG=FILE, one JSON line per scenario naming the home it used, so a tool
 * can relate what a runtime did in a home (e.g. refbox's defect sites) to the scenario.
 */
export function recordScenarioHome(
  scenario: { name: string; uri: string },
  home: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const log = env[SCENARIO_LOG_ENV]
  if (log) appendFileSync(log, `${JSON.stringify({ scenario: scenario.name, uri: scenario.uri, home })}\n`)
}

export function readDriverSettings(scenarioDir: string): DriverSettings {
  return JSON.parse(readFileSync(join(scenarioDir, 'driver.json'), 'utf8')) as DriverSettings
}

/** Removes a directory of this suite's tree; anything outside its root (SUITE_ROOT) is refused. */
export function removeSuiteDirectory(dir: string, root = SUITE_ROOT): void {
  const abs = resolve(dir)
  if (!abs.startsWith(root + sep)) throw new Error(`refusing to delete ${abs}: not under ${root}`)
  rmSync(abs, { recursive: true, force: true })
}

/**
 * Removes this process's run directory, except scenario directories kept on purpose and any that
 * something on the host still uses (a box that would not die: the next run's sweep retries it).
 */
export function sweepRunDirectory(kept: ReadonlySet<string>): void {
  if (!runRoot || !existsSync(runRoot)) return
  let remaining = 0
  for (const entry of readdirSync(runRoot).filter((e) => e !== 'owner.pid' && e !== 'owner.start')) {
    const path = join(runRoot, entry)
    if (kept.has(path) || findLeftovers(path).length > 0) remaining++
    else removeSuiteDirectory(path)
  }
  if (remaining === 0) removeSuiteDirectory(runRoot)
}

/** Run directories whose owner process is gone (a run that was killed): candidates for a sweep. */
export function orphanedRunDirectories(root = SUITE_ROOT): string[] {
  if (!existsSync(root)) return []
  return readdirSync(root)
    .filter((e) => e.startsWith('run-'))
    .map((e) => join(root, e))
    .filter((dir) => {
      try {
        const pid = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'))
        const start = existsSync(join(dir, 'owner.start')) ? readFileSync(join(dir, 'owner.start'), 'utf8') : undefined
        return !(pid > 0 && ownerRunning(pid, start))
      } catch {
        return false // being created right now, or not ours
      }
    })
}

/**
 * The run's process is still there: not gone, not a zombie waiting to be reaped (procStat says
 * neither), and not a later process that got its pid (its start time differs from the recorded one).
 */
function ownerRunning(pid: number, recordedStart: string | undefined): boolean {
  if (process.platform !== 'linux') return processAlive(pid) // no procfs: kill(0) is all there is
  const stat = procStat(pid)
  return stat !== undefined && (recordedStart === undefined || recordedStart === String(stat.startTime))
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export interface Sweep {
  /** One line per thing removed: boxes (through their runtime), processes, mounts, loop devices, homes. */
  readonly removed: string[]
  /** What could not be cleaned, one line per run directory. */
  readonly problems: string[]
  /** Scenario directories kept on purpose (KEEP_BOXES), left alone unless asked. */
  readonly kept: string[]
}

/**
 * A run that was killed outright (SIGKILL, a crashed machine, a parent killed while reading its
 * output) left its boxes running: remove each through the runtime it was made with, then release
 * what is still on the host under its directory (processes, mounts such as the loop-mounted home of
 * the host-full scenario, loop devices: src/host/release-leftovers.ts) and delete the directory.
 * Scenario directories kept on purpose stay, with everything in them, unless `includeKept`.
 * Every run does this at its start (support/hooks.ts); `boxlite-disk-spec clean` does it on demand.
 */
export async function sweepOrphanedRuns(
  o: { removeTimeoutSeconds?: number; includeKept?: boolean; root?: string } = {},
): Promise<Sweep> {
  const { removeTimeoutSeconds = 30, includeKept = false, root = SUITE_ROOT } = o
  const sweep: Sweep = { removed: [], problems: [], kept: [] }
  for (const run of orphanedRunDirectories(root)) {
    const scenarios = readdirSync(run)
      .map((e) => join(run, e))
      .filter((d) => existsSync(join(d, 'driver.json')))
    const kept = includeKept ? [] : scenarios.filter((d) => existsSync(join(d, 'KEPT')))
    sweep.kept.push(...kept)
    for (const scenario of scenarios.filter((d) => !kept.includes(d))) {
      const boxes = join(scenario, 'home', 'boxes')
      // The dead run's runtime calls still in flight (a fill, a start) hold the home's lock: a
      // removal through the runtime waits for none of them. They name the home on their command line.
      sweep.removed.push(...(await endRuntimeCalls(join(scenario, 'home'))))
      if (existsSync(boxes)) {
        const driver = createDriver(readDriverSettings(scenario), join(scenario, 'home'))
        for (const id of readdirSync(boxes)) {
          const r = await driver.remove(id, { timeoutSeconds: removeTimeoutSeconds })
          sweep.removed.push(
            r.exitCode === 0
              ? `box ${id} of ${scenario}`
              : `nothing through the runtime for box ${id} of ${scenario} (rm -f exit ${r.exitCode}: ` +
                  `${(r.stderr.trim().split('\n')[0] ?? '').slice(0, 160)}); its processes are ended below`,
          )
        }
        await driver.close()
      }
      const { released } = await releaseLeftovers(scenario)
      sweep.removed.push(...released)
    }
    // What refers to the run but to no scenario of it (a directory being made when the run died).
    if (kept.length === 0) sweep.removed.push(...(await releaseLeftovers(run)).released)
    const left = findLeftovers(run).filter(
      (l) => !kept.some((k) => l.detail.includes(k)) && !(l.kind === 'loop device' && awaitingFree(l.target)),
    )
    if (left.length > 0) {
      sweep.problems.push(`${run}: ${left.map((l) => l.detail).join('; ')}`)
      continue
    }
    if (kept.length === 0) {
      removeSuiteDirectory(run, root)
      sweep.removed.push(`run directory ${run}`)
    } else
      for (const scenario of scenarios.filter((d) => !kept.includes(d))) {
        removeSuiteDirectory(scenario, root)
        sweep.removed.push(`scenario directory ${scenario}`)
      }
  }
  return sweep
}
