/**
 * The scenario's World: small parts with one job each, composed (not inherited), and the tasks a
 * step calls into. Cucumber makes one per scenario (support/register-world.ts); the Before hook
 * opens it (a fresh home and driver), the After hook closes it (every box removed, nothing left).
 *
 *   calls    every runtime call, recorded and judged (parts/call-ledger.ts)
 *   checks   numbers against thresholds (parts/checks.ts)
 *   settings the run's settings, read once per process (src/settings.ts)
 *   clock    TIMEOUT_FACTOR at work: every limit, poll and window is scaled by it (src/settings.ts)
 *   boxes    the scenario's boxes by role (parts/boxes.ts)
 *   host     the boxes' disks as the host sees them (parts/host-meter.ts)
 *   tasks    what a step calls: every task of tasks/index.ts, made once per scenario on one Scene
 *   outcomes what the tasks returned, by kind and box, for the Then steps (parts/outcomes.ts)
 */
import { World, type IWorldOptions } from '@cucumber/cucumber'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createDriver } from '../src/drivers/select'
import type { BoxDriver } from '../src/drivers/types'
import { endLeftoverProcesses, findLeftovers, type Leftover } from '../src/host/leftovers'
import { type Clock, runSettings, type Settings, type WorldParameters } from '../src/settings'
import { newScenarioDirs, removeSuiteDirectory, type ScenarioDirs } from '../src/homes'
import { onInterrupt } from './interrupt'
import type { Interruptible } from './step-budget'
import { Boxes } from './parts/boxes'
import { CallLedger } from './parts/call-ledger'
import { Checks } from './parts/checks'
import { HostMeter } from './parts/host-meter'
import { gateDirs, gateDriver } from './parts/host-gate'
import type { Report } from './parts/report'
import { Outcomes } from './parts/outcomes'
import type { Scene } from './parts/scene'
import { createTasks, type OutcomeKinds, PRODUCERS, type Tasks } from './tasks'
import { WAIT } from './timeouts'

export class DiskWorld extends World<WorldParameters> implements Interruptible {
  readonly settings: Settings
  readonly clock: Clock
  readonly calls: CallLedger
  readonly checks: Checks
  readonly boxes: Boxes
  readonly host: HostMeter
  readonly tasks: Tasks
  readonly outcomes: Outcomes<OutcomeKinds>
  /** The scenario's home and driver, from open() on; `scene` is what the tasks get (parts/host-gate.ts). */
  private opened?: {
    readonly label: string
    readonly dirs: ScenarioDirs
    readonly driver: BoxDriver
    readonly scene: { readonly dirs: ScenarioDirs; readonly driver: BoxDriver; readonly hostAccess: boolean }
  }
  private unregisterInterrupt?: () => void
  private releasing?: Promise<Leftover[]>
  /**
   * Processes a runtime left behind that the cleanup ended itself (their details), after the scenario's boxes were
   * removed.
   */
  endedLeftovers: string[] = []

  constructor(options: IWorldOptions<WorldParameters>) {
    super(options)
    this.settings = runSettings(options.parameters ?? {})
    this.clock = this.settings.clock
    this.calls = new CallLedger(this.report, this.clock)
    this.checks = new Checks(this.report)
    const scene = this.scene()
    this.boxes = scene.boxes
    this.host = scene.host
    this.tasks = createTasks(scene)
    this.outcomes = new Outcomes(PRODUCERS, this.calls)
  }

  /**
   * A fresh home and driver for this scenario; `driver` may be injected by tests. Without
   * `hostAccess` (the @host-access tag) the tasks cannot read the runtime's files on the host.
   */
  open(label: string, driver?: BoxDriver, hostAccess = false): void {
    const dirs = newScenarioDirs(label, this.settings.driver)
    const opened = driver ?? createDriver(this.settings.driver, dirs.home)
    this.opened = {
      label,
      dirs,
      driver: opened,
      scene: { dirs: gateDirs(dirs, hostAccess), driver: gateDriver(opened, hostAccess), hostAccess },
    }
    this.unregisterInterrupt = onInterrupt(async () => {
      await this.release()
    })
  }

  get dirs(): ScenarioDirs | undefined {
    return this.opened?.dirs
  }

  /** Ends the runtime calls in flight when a step runs past its budget (support/step-budget.ts). */
  async interruptCalls(): Promise<void> {
    await this.opened?.driver.interrupt()
  }

  /**
   * Removes every box (force), waits for anything of them on the host to go, deletes the
   * scenario's directory. Returns what was still left on the host (the directory is then kept).
   */
  async close(keep: boolean): Promise<Leftover[]> {
    const opened = this.opened
    try {
      if (!opened) return []
      if (keep) {
        writeFileSync(join(opened.dirs.dir, 'KEPT'), 'kept on purpose (KEEP_BOXES)\n')
        this.log(`KEEP_BOXES=${this.settings.keepBoxes}: kept ${this.boxes.summary()} in home ${opened.dirs.home}`)
        return []
      }
      return await this.release()
    } finally {
      this.unregisterInterrupt?.()
      await opened?.driver.close()
    }
  }

  /** The interrupt handler and the After hook may both get here: they share one release. */
  private release(): Promise<Leftover[]> {
    this.releasing ??= this.releaseOnce()
    return this.releasing
  }

  /**
   * Ends any call still in flight (a timed-out step may have left one running or queued), force-
   * removes every box, unmounts a filesystem the scenario put under its home, waits briefly for
   * their processes, mounts and loop devices to go, and deletes the scenario's directory when
   * nothing is left.
   */
  private async releaseOnce(): Promise<Leftover[]> {
    const opened = this.opened
    if (!opened) return []
    await opened.driver.interrupt()
    await this.boxes.removeAll()
    const detachedDevices: string[] = []
    for (const release of [() => this.tasks.hostFull.release(), () => this.tasks.volumes.release()]) {
      try {
        const device = await release()
        if (device) detachedDevices.push(device)
      } catch (err) {
        // the leftover check below names what stayed
        process.stderr.write(`boxlite-disk-spec: ${(err as Error).message}\n`)
      }
    }
    // A detached loop device that only other processes' copied mounts still hold is released by us; the kernel frees
    // it.
    const left = () =>
      findLeftovers(opened.dirs.dir).filter(
        (l) => !(l.kind === 'loop device' && detachedDevices.some((d) => l.detail.startsWith(`${d} `))),
      )
    const poll = await this.clock.pollUntil(left, (l) => l.length === 0, {
      intervalMs: 250,
      windowSeconds: WAIT.leftovers,
    })
    if (poll.ok) {
      removeSuiteDirectory(opened.dirs.dir)
      return poll.value
    }
    // The runtime left processes under the scenario's own directory: the scenario fails naming
    // them, and they are ended here, by pid, so that they do not go on running on the host.
    this.endedLeftovers = endLeftoverProcesses(poll.value)
    if (this.endedLeftovers.length > 0)
      await this.clock.pollUntil(left, (l) => !l.some((x) => x.kind === 'process'), {
        intervalMs: 250,
        windowSeconds: 5,
      })
    return poll.value
  }

  /** The parts the tasks share; the home and the driver are read when used, after open(). */
  private scene(): Scene {
    const opening = () => this.opening()
    const label = () => this.opened?.label
    const scene = {
      settings: this.settings,
      calls: this.calls,
      clock: this.clock,
      report: this.report,
      get dirs() {
        return opening().scene.dirs
      },
      get driver() {
        return opening().scene.driver
      },
      get hostAccess() {
        return opening().scene.hostAccess
      },
      get scenario() {
        return label()
      },
    } as { -readonly [K in keyof Scene]: Scene[K] }
    scene.boxes = new Boxes(scene)
    scene.host = new HostMeter(scene)
    return scene
  }

  private opening(): NonNullable<DiskWorld['opened']> {
    if (!this.opened) throw new Error('the scenario was not opened (the Before hook did not run)')
    return this.opened
  }

  /** Cucumber's log and attach of the running step, for the parts. */
  private get report(): Report {
    return {
      log: (text) => this.log(text),
      attach: (data, options) => (typeof data === 'string' ? this.attach(data, options) : this.attach(data, options)),
    }
  }
}
