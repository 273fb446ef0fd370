/**
 * The scenario's World: small parts with one job each, composed (not inherited), and the tasks a
 * step calls into. Cucumber makes one per scenario (support/register-world.ts); the Before hook
 * opens it (a fresh home and driver), the After hook closes it (every box removed, nothing left).
 *
 *   calls    every runtime call, recorded and judged (parts/call-ledger.ts)
 *   checks   numbers against thresholds (parts/checks.ts)
 *   clock    TIMEOUT_FACTOR and the running step's budget (parts/clock.ts)
 *   boxes    the scenario's boxes by role (parts/boxes.ts)
 *   host     the boxes' disks as the host sees them (parts/host-meter.ts)
 *   rootfs, filling, inodes, restart, neighbours, serving, reclaim, copying, hardKill, crowd,
 *            interruptedStarts, tornDisk: tasks (tasks/)
 */
import { World, type IWorldOptions } from '@cucumber/cucumber'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createDriver } from '../src/drivers/select'
import type { BoxDriver } from '../src/drivers/types'
import { findLeftovers, type Leftover } from '../src/host/leftovers'
import { pollUntil } from '../src/host/poll'
import { loadSuiteConfig, type SuiteConfig, type WorldParameters } from './config'
import { newScenarioDirs, removeSuiteDirectory, type ScenarioDirs } from './homes'
import { onInterrupt } from './interrupt'
import type { Interruptible } from './step-budget'
import { Boxes } from './parts/boxes'
import { CallLedger } from './parts/call-ledger'
import { Checks } from './parts/checks'
import { Clock } from './parts/clock'
import { HostMeter } from './parts/host-meter'
import type { Report } from './parts/report'
import type { Scene } from './tasks/context'
import { Copying } from './tasks/copying'
import { Crowd } from './tasks/crowd'
import { Filling } from './tasks/filling'
import { HardKill } from './tasks/hard-kill'
import { Inodes } from './tasks/inodes'
import { InterruptedStarts } from './tasks/interrupted-starts'
import { Neighbours } from './tasks/neighbours'
import { Reclaim } from './tasks/reclaim'
import { Restart } from './tasks/restart'
import { Rootfs } from './tasks/rootfs'
import { Serving } from './tasks/serving'
import { TornDisk } from './tasks/torn-disk'
import { WAIT } from './timeouts'

/** What open() makes for a scenario: its home, driver, boxes and tasks. */
interface Opened extends Scene {
  readonly rootfs: Rootfs
  readonly filling: Filling
  readonly inodes: Inodes
  readonly restart: Restart
  readonly neighbours: Neighbours
  readonly serving: Serving
  readonly reclaim: Reclaim
  readonly copying: Copying
  readonly hardKill: HardKill
  readonly crowd: Crowd
  readonly interruptedStarts: InterruptedStarts
  readonly tornDisk: TornDisk
}

export class DiskWorld extends World<WorldParameters> implements Interruptible {
  readonly config: SuiteConfig
  readonly clock: Clock
  readonly calls: CallLedger
  readonly checks: Checks
  private opened?: Opened
  private unregisterInterrupt?: () => void
  private releasing?: Promise<Leftover[]>

  constructor(options: IWorldOptions<WorldParameters>) {
    super(options)
    this.config = loadSuiteConfig(options.parameters ?? {}, process.env)
    this.clock = new Clock(this.config.timeoutFactor)
    this.calls = new CallLedger(this.report)
    this.checks = new Checks(this.report)
  }

  /** A fresh home and driver for this scenario; `driver` may be injected by tests. */
  open(label: string, driver?: BoxDriver): void {
    const dirs = newScenarioDirs(label, this.config.driver)
    const d = driver ?? createDriver(this.config.driver, dirs.home)
    const boxes = new Boxes(d, this.calls, this.clock, this.report, this.config.box)
    const scene: Scene = { config: this.config, dirs, driver: d, calls: this.calls, clock: this.clock, report: this.report, boxes, host: new HostMeter(d, boxes, this.report) }
    const rootfs = new Rootfs(scene)
    const filling = new Filling(scene, rootfs)
    this.opened = {
      ...scene,
      rootfs,
      filling,
      inodes: new Inodes(scene, rootfs),
      restart: new Restart(scene, rootfs),
      neighbours: new Neighbours(scene, rootfs),
      serving: new Serving(scene),
      reclaim: new Reclaim(scene, rootfs),
      copying: new Copying(scene, rootfs),
      hardKill: new HardKill(scene, rootfs),
      crowd: new Crowd(scene, rootfs),
      interruptedStarts: new InterruptedStarts(scene),
      tornDisk: new TornDisk(scene, rootfs),
    }
    this.unregisterInterrupt = onInterrupt(async () => {
      await this.release()
    })
  }

  get dirs(): ScenarioDirs | undefined {
    return this.opened?.dirs
  }
  get boxes(): Boxes {
    return this.scene().boxes
  }
  get host(): HostMeter {
    return this.scene().host
  }
  get rootfs(): Rootfs {
    return this.scene().rootfs
  }
  get filling(): Filling {
    return this.scene().filling
  }
  get inodes(): Inodes {
    return this.scene().inodes
  }
  get restart(): Restart {
    return this.scene().restart
  }
  get neighbours(): Neighbours {
    return this.scene().neighbours
  }
  get serving(): Serving {
    return this.scene().serving
  }
  get reclaim(): Reclaim {
    return this.scene().reclaim
  }
  get copying(): Copying {
    return this.scene().copying
  }
  get hardKill(): HardKill {
    return this.scene().hardKill
  }
  get crowd(): Crowd {
    return this.scene().crowd
  }
  get interruptedStarts(): InterruptedStarts {
    return this.scene().interruptedStarts
  }
  get tornDisk(): TornDisk {
    return this.scene().tornDisk
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
        this.log(`KEEP_BOXES=${this.config.keepBoxes}: kept ${opened.boxes.summary()} in home ${opened.dirs.home}`)
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
   * removes every box, waits briefly for their processes, mounts and loop devices to go, and
   * deletes the scenario's directory when nothing is left.
   */
  private async releaseOnce(): Promise<Leftover[]> {
    const opened = this.opened
    if (!opened) return []
    await opened.driver.interrupt()
    await opened.boxes.removeAll()
    const poll = await pollUntil(() => findLeftovers(opened.dirs.home), (l) => l.length === 0, { intervalMs: 250, timeoutMs: this.clock.ms(WAIT.leftovers) })
    if (poll.ok) removeSuiteDirectory(opened.dirs.dir)
    return poll.value
  }

  private scene(): Opened {
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
