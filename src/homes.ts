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
import { findLeftovers } from './host/leftovers'
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

/** Removes a directory of this suite's tree; anything outside SUITE_ROOT is refused. */
export function removeSuiteDirectory(dir: string): void {
  const abs = resolve(dir)
  if (!abs.startsWith(SUITE_ROOT + sep)) throw new Error(`refusing to delete ${abs}: not under ${SUITE_ROOT}`)
  rmSync(abs, { recursive: true, force: true })
}

/**
 * Removes this process's run directory, except scenario directories kept on purpose and any that
 * something on the host still uses (a box that would not die: the next run's sweep retries it).
 */
export function sweepRunDirectory(kept: ReadonlySet<string>): void {
  if (!runRoot || !existsSync(runRoot)) return
  let remaining = 0
  for (const entry of readdirSync(runRoot).filter((e) => e !== 'owner.pid')) {
    const path = join(runRoot, entry)
    if (kept.has(path) || findLeftovers(path).length > 0) remaining++
    else removeSuiteDirectory(path)
  }
  if (remaining === 0) removeSuiteDirectory(runRoot)
}

/** Run directories whose owner process is gone (a run that was killed): candidates for a sweep. */
export function orphanedRunDirectories(): string[] {
  if (!existsSync(SUITE_ROOT)) return []
  return readdirSync(SUITE_ROOT)
    .filter((e) => e.startsWith('run-'))
    .map((e) => join(SUITE_ROOT, e))
    .filter((dir) => {
      try {
        const pid = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'))
        return !(pid > 0 && processAlive(pid))
      } catch {
        return false // being created right now, or not ours
      }
    })
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * A run that was killed outright (SIGKILL, a crashed machine) left its boxes running: remove each
 * through the runtime it was made with, then delete the run's directory if nothing of it is left
 * on the host and nothing in it was kept on purpose. Returns what could not be cleaned.
 */
export async function sweepOrphanedRuns(removeTimeoutSeconds = 30): Promise<string[]> {
  const problems: string[] = []
  for (const run of orphanedRunDirectories()) {
    const scenarios = readdirSync(run)
      .map((e) => join(run, e))
      .filter((d) => existsSync(join(d, 'driver.json')))
    for (const scenario of scenarios) {
      const boxes = join(scenario, 'home', 'boxes')
      if (existsSync(join(scenario, 'KEPT')) || !existsSync(boxes)) continue
      const driver = createDriver(readDriverSettings(scenario), join(scenario, 'home'))
      for (const id of readdirSync(boxes)) await driver.remove(id, { timeoutSeconds: removeTimeoutSeconds })
    }
    const kept = scenarios.some((d) => existsSync(join(d, 'KEPT')))
    const left = findLeftovers(run)
    if (!kept && left.length === 0) removeSuiteDirectory(run)
    else if (left.length > 0) problems.push(`${run}: ${left.map((l) => l.detail).join('; ')}`)
  }
  return problems
}
