/**
 * The scenario's world, core part: its own home, its boxes (registered for removal before they
 * even exist), the one path every driver call takes (recorded as evidence, and remembered until a
 * step has looked at any outcome that needs judging), and the measured numbers.
 */
import { World, type IWorldOptions } from '@cucumber/cucumber'
import { expect } from 'chai'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createDriver } from '../src/drivers/select'
import type { BoxDriver, CommandRecord } from '../src/drivers/types'
import { type Check, checksTable, describeCheck, type Headline, judge, type Rule, type Unit } from '../src/evidence/checks'
import { formatRecord } from '../src/evidence/commands'
import type { BoundProof } from '../src/guest/interlock'
import type { GuestProbe, RootfsSpace } from '../src/guest/probes'
import { findLeftovers, type Leftover } from '../src/host/leftovers'
import { pollUntil } from '../src/host/poll'
import { loadSuiteConfig, type SuiteConfig, type WorldParameters } from './config'
import { newScenarioDirs, removeSuiteDirectory, type ScenarioDirs } from './homes'
import { onInterrupt, refuseIfInterrupted } from './interrupt'
import { CALL, WAIT } from './timeouts'

export interface BoxHandle {
  readonly role: string
  /** Unique name given at creation, so the box can be removed even if its id never arrived. */
  readonly name: string
  id?: string
  removed: boolean
  /** The first bound proof: its budget caps every write, its fingerprints are the image baseline. */
  proof?: BoundProof
  /** Our steps used up its blocks or inodes: only in-place writes can still succeed. */
  rootfsFull: boolean
  /** Free space of `/` when a scenario first measured it. */
  startSpace?: RootfsSpace
}

/**
 * How a call's result is judged:
 * - `must-succeed`: the world throws at once unless it exited 0 (setup whose failure is not the claim);
 * - `judged-later`: a Then step must examine it, or the scenario fails in After;
 * - `judged-here`: the caller judges it on the spot (polls, probes with parsers).
 */
export type Judgement = 'must-succeed' | 'judged-later' | 'judged-here'

export class CoreWorld extends World<WorldParameters> {
  readonly config: SuiteConfig
  dirs?: ScenarioDirs
  private driverInstance?: BoxDriver
  readonly boxes = new Map<string, BoxHandle>()
  readonly records: CommandRecord[] = []
  /** Outcomes a Then step still has to look at, with what they were. */
  readonly unexamined = new Map<CommandRecord, string>()
  readonly checks: Check[] = []
  private unregisterInterrupt?: () => void
  private releasing?: Promise<Leftover[]>

  constructor(options: IWorldOptions<WorldParameters>) {
    super(options)
    this.config = loadSuiteConfig(options.parameters ?? {}, process.env)
  }

  get driver(): BoxDriver {
    if (!this.driverInstance) throw new Error('the scenario has no driver yet (the Before hook did not run)')
    return this.driverInstance
  }

  /** Seconds scaled by TIMEOUT_FACTOR. */
  scaled(seconds: number): number {
    return seconds * this.config.timeoutFactor
  }

  // ---- lifecycle (hooks) ---------------------------------------------------------------------

  /** A fresh home and driver for this scenario; `driver` may be injected by tests. */
  open(label: string, driver?: BoxDriver): void {
    this.dirs = newScenarioDirs(label, this.config.driver)
    this.driverInstance = driver ?? createDriver(this.config.driver, this.dirs.home)
    this.unregisterInterrupt = onInterrupt(async () => {
      await this.release()
    })
  }

  /**
   * Removes every box (force), waits for anything of them on the host to go, deletes the
   * scenario's directory. Returns what was still left on the host (the directory is then kept).
   */
  async close(keep: boolean): Promise<Leftover[]> {
    try {
      if (!this.dirs) return []
      if (keep) {
        writeFileSync(join(this.dirs.dir, 'KEPT'), 'kept on purpose (KEEP_BOXES)\n')
        this.log(`KEEP_BOXES=${this.config.keepBoxes}: kept ${this.boxSummary()} in home ${this.dirs.home}`)
        return []
      }
      return await this.release()
    } finally {
      this.unregisterInterrupt?.()
      await this.driverInstance?.close()
    }
  }

  /**
   * Ends any call still in flight (a timed-out step may have left one running or queued), force-
   * removes every box, waits briefly for their processes, mounts and loop devices to go, and
   * deletes the scenario's directory when nothing is left. Returns what is still there.
   */
  private release(): Promise<Leftover[]> {
    // The interrupt handler and the After hook may both get here: they share one release.
    this.releasing ??= this.releaseOnce()
    return this.releasing
  }

  private async releaseOnce(): Promise<Leftover[]> {
    if (!this.dirs) return []
    await this.driver.interrupt()
    for (const box of [...this.boxes.values()].reverse()) {
      if (box.removed) continue
      box.removed = true
      const record = await this.driver.remove(box.id ?? box.name, { timeoutSeconds: this.scaled(CALL.cleanupRemove) })
      this.records.push(record)
      if (record.exitCode !== 0 && box.id) this.attachIfInStep(formatRecord(record), `cleanup: removing ${this.named(box.role)} failed`)
    }
    const poll = await pollUntil(() => findLeftovers(this.dirs!.home), (l) => l.length === 0, {
      intervalMs: 250,
      timeoutMs: this.scaled(WAIT.leftovers) * 1000,
    })
    if (poll.ok) removeSuiteDirectory(this.dirs.dir)
    return poll.value
  }

  /** On the interrupt path no step or hook is running, and cucumber refuses attachments then. */
  private attachIfInStep(text: string, name: string): void {
    try {
      this.attach(text, { mediaType: 'text/plain', fileName: name })
    } catch {
      process.stderr.write(`${name}\n${text}\n`)
    }
  }

  boxSummary(): string {
    return [...this.boxes.values()].map((b) => `${b.role} ${b.id ?? `(name ${b.name})`}`).join(', ') || 'no boxes'
  }

  // ---- the one path every driver call takes ---------------------------------------------------

  /** Runs one driver call, records it as evidence, and judges it as asked. */
  async run(what: string, judgement: Judgement, call: () => Promise<CommandRecord>, opts: { quiet?: boolean } = {}): Promise<CommandRecord> {
    const record = await call()
    this.records.push(record)
    // Collapsed in the report under its name: the checks (logged) are what people read first.
    if (!opts.quiet) this.attach(formatRecord(record), { mediaType: 'text/plain', fileName: what })
    if (judgement === 'judged-later') this.unexamined.set(record, what)
    if (judgement === 'must-succeed' && (record.exitCode !== 0 || record.timedOut)) {
      throw new Error(`${what} failed:\n${formatRecord(record)}`)
    }
    return record
  }

  /** A Then step looked at this outcome. */
  examine(record: CommandRecord | undefined): CommandRecord {
    if (!record) throw new Error('no such outcome: the step that should have produced it did not run')
    this.unexamined.delete(record)
    return record
  }

  /** Failed or pending outcomes no step looked at (the After guard fails the scenario on these). */
  unexaminedOutcomes(): string[] {
    return [...this.unexamined.entries()].map(([r, what]) => `${what}: ${r.command} -> exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}`)
  }

  // ---- boxes ----------------------------------------------------------------------------------

  /** Starts a box; it is registered for removal before the runtime is even asked to create it. */
  async startBox(role: string): Promise<BoxHandle> {
    if (this.boxes.has(role)) throw new Error(`the scenario already has a box called ${role}`)
    refuseIfInterrupted(`${this.named(role)}`)
    const box: BoxHandle = { role, name: `dgs-${role}-${randomBytes(4).toString('hex')}`, removed: false, rootfsFull: false }
    this.boxes.set(role, box)
    const { image, rootfs, memoryMib, diskSizeGb, lifetimeSeconds } = this.config.box
    const spec = { image, rootfs, memoryMib, diskSizeGb, name: box.name, command: ['sleep', String(lifetimeSeconds)] }
    try {
      const { id, record } = await this.driver.create(spec, { timeoutSeconds: this.scaled(CALL.createBox) })
      box.id = id
      this.records.push(record)
      this.log(`started ${this.named(role)}: ${id}`)
      this.attach(formatRecord(record), { mediaType: 'text/plain', fileName: `start ${this.named(role)}` })
    } catch (err) {
      const record = (err as { record?: CommandRecord }).record
      if (record) this.records.push(record)
      throw new Error(`could not start ${this.named(role)}: ${(err as Error).message}${record ? `\n${formatRecord(record)}` : ''}`)
    }
    return box
  }

  /** "the box", "the victim box", "the bystander box": for messages and the report. */
  named(role: string): string {
    return role === 'box' ? 'the box' : `the ${role} box`
  }

  box(role: string): BoxHandle & { id: string } {
    const box = this.boxes.get(role)
    if (!box?.id) throw new Error(`the scenario has no running ${role} box`)
    return box as BoxHandle & { id: string }
  }

  exec(role: string, what: string, script: string, timeoutSeconds: number, judgement: Judgement, opts: { quiet?: boolean; detach?: boolean } = {}) {
    const id = this.box(role).id
    return this.run(`${what} (${role})`, judgement, () => this.driver.exec(id, script, { timeoutSeconds: this.scaled(timeoutSeconds), detach: opts.detach }), opts)
  }

  /** Runs a probe and parses it; the parser throws with the evidence when the output is wrong. */
  async probe<T>(role: string, probe: GuestProbe<T>, timeoutSeconds: number = CALL.probe, opts: { quiet?: boolean } = {}): Promise<T> {
    const record = await this.exec(role, probe.what, probe.script, timeoutSeconds, 'judged-here', opts)
    return probe.parse(record)
  }

  // ---- numbers against thresholds -------------------------------------------------------------

  /**
   * Records a measured number against its threshold (shown in the report) and asserts it. A
   * `headline` marks the number the scenario exists for (the summary page and the trend use it).
   */
  verify(what: string, measured: number, rule: Rule, threshold: number, unit: Unit, headline?: Headline): Check {
    const check = judge(what, measured, rule, threshold, unit, headline)
    this.checks.push(check)
    this.log(describeCheck(check))
    expect(check.passed, describeCheck(check)).to.equal(true)
    return check
  }

  /** The scenario's numbers, for the After hook to attach. */
  checksEvidence(): { table: string; json: string } | undefined {
    if (this.checks.length === 0) return undefined
    return { table: checksTable(this.checks), json: JSON.stringify(this.checks, null, 2) }
  }
}
