/**
 * The boxes of one scenario, by role ("box", "victim", "bystander"): each is registered for
 * removal before the runtime is even asked to create it (by a unique name, then by its id), and
 * removeAll() force-removes every one of them, also after a failed or timed-out step.
 */
import { randomBytes } from 'node:crypto'
import type { BoxStatus, CommandRecord, VolumeSpec } from '../../src/drivers/types'
import { formatRecord } from '../../src/evidence/commands'
import type { BoundProof } from '../../src/guest/interlock'
import type { GuestProbe } from '../../src/guest/probe'
import type { RootfsSpace } from '../../src/guest/measure'
import { withAdvice } from '../../src/preflight/advice'
import { refuseIfInterrupted } from '../interrupt'
import { CALL } from '../timeouts'
import type { Judgement } from './call-ledger'
import type { Basics } from './basics'

export interface BoxHandle {
  readonly role: string
  /** Unique name given at creation, so the box can be removed even if its id never arrived. */
  readonly name: string
  id?: string
  removed: boolean
  /** The first bound proof: its budget caps every write, its fingerprints are the image baseline. */
  proof?: BoundProof
  /** The scenario used up its blocks or inodes: only in-place writes can still succeed. */
  rootfsFull: boolean
  /** Free space of `/` when the scenario first measured it. */
  startSpace?: RootfsSpace
}

export type RunningBox = BoxHandle & { readonly id: string }

export class Boxes {
  private readonly byRole = new Map<string, BoxHandle>()

  constructor(private readonly scene: Basics) {}

  /**
   * Starts a box (the run's settings, unless `overrides` say otherwise); it is registered for removal before the
   * runtime is asked to create it.
   */
  async start(
    role: string,
    overrides: { diskSizeGb?: number; volumes?: readonly VolumeSpec[] } = {},
  ): Promise<RunningBox> {
    if (this.byRole.has(role)) throw new Error(`the scenario already has a box called ${role}`)
    refuseIfInterrupted(named(role))
    const box: BoxHandle = {
      role,
      name: `dgs-${role.replace(/[^A-Za-z0-9]+/g, '-')}-${randomBytes(4).toString('hex')}`,
      removed: false,
      rootfsFull: false,
    }
    this.byRole.set(role, box)
    const { image, rootfs, memoryMib, lifetimeSeconds } = this.scene.settings.box
    const diskSizeGb = overrides.diskSizeGb ?? this.scene.settings.box.diskSizeGb
    const spec = {
      image,
      rootfs,
      memoryMib,
      diskSizeGb,
      name: box.name,
      command: ['sleep', String(lifetimeSeconds)],
      volumes: overrides.volumes,
    }
    try {
      const { id, record } = await this.scene.driver.create(spec, this.scene.clock.limit(CALL.createBox))
      box.id = id
      this.scene.calls.note(record)
      this.scene.report.log(`started ${named(role)}: ${id}`)
      this.scene.report.attach(formatRecord(record), { mediaType: 'text/plain', fileName: `start ${named(role)}` })
    } catch (err) {
      const record = (err as { record?: CommandRecord }).record
      if (record) this.scene.calls.note(record)
      // The driver gives the runtime's words; what to do about them is said here, where a person reads it.
      const failure =
        record && !record.timedOut ? withAdvice((err as Error).message, record.stderr) : (err as Error).message
      const message = `could not start ${named(role)}: ${failure}${record ? `\n${formatRecord(record)}` : ''}`
      // The record goes along, so a step can read the runtime's own words rather than this sentence.
      throw Object.assign(new Error(message, { cause: err }), { record })
    }
    return box as RunningBox
  }

  /**
   * Registers a box the scenario will ask for without waiting for its id (a start it interrupts):
   * removeAll() force-removes it by its unique name. Returns that name.
   */
  reserve(role: string): string {
    if (this.byRole.has(role)) throw new Error(`the scenario already has a box called ${role}`)
    refuseIfInterrupted(named(role))
    const box: BoxHandle = {
      role,
      name: `dgs-${role.replace(/[^A-Za-z0-9]+/g, '-')}-${randomBytes(4).toString('hex')}`,
      removed: false,
      rootfsFull: false,
    }
    this.byRole.set(role, box)
    return box.name
  }

  /** A reserved box the runtime made from something else (an import, a clone): its id, once the runtime gave one. */
  settle(role: string, id: string): RunningBox {
    const box = this.byRole.get(role)
    if (!box) throw new Error(`the scenario reserved no box called ${role}`)
    box.id = id
    return box as RunningBox
  }

  /** A box the scenario removed itself, found by the unique name it was given: cleanup skips it. */
  removedByName(name: string): void {
    for (const box of this.byRole.values()) if (box.name === name) box.removed = true
  }

  /** The running box of this role. */
  get(role: string): RunningBox {
    const box = this.byRole.get(role)
    if (!box?.id) throw new Error(`the scenario has no running ${role} box`)
    return box as RunningBox
  }

  /**
   * Runs a probe in the box through the ledger and parses what it printed. A `judged-later`
   * outcome waits for a Then step; `detach` starts it and returns at once (`exec -d`).
   */
  async exec<T>(
    role: string,
    probe: GuestProbe<T>,
    callSeconds: number,
    judgement: Judgement,
    opts: { quiet?: boolean; detach?: boolean } = {},
  ): Promise<{ value: T; record: CommandRecord }> {
    const id = this.get(role).id
    const record = await this.scene.calls.run(
      `${probe.what} (${role})`,
      judgement,
      callSeconds,
      (limit) => this.scene.driver.exec(id, probe.script, { ...limit, detach: opts.detach }),
      opts,
    )
    return { value: probe.parse(record), record }
  }

  /** This box's own state (not "some box in the home is running"). */
  async status(role: string): Promise<{ status: BoxStatus; record: CommandRecord }> {
    const r = await this.scene.driver.status(this.get(role).id, this.scene.clock.limit(CALL.quickProbe))
    this.scene.calls.note(r.record)
    return r
  }

  /** Force-removes every box not yet removed, newest first; failures are reported, not thrown. */
  async removeAll(): Promise<void> {
    for (const box of [...this.byRole.values()].reverse()) {
      if (box.removed) continue
      box.removed = true
      const remove = () => this.scene.driver.remove(box.id ?? box.name, this.scene.clock.limit(CALL.cleanupRemove))
      let record = await remove()
      // Cut short (a signal, its time limit): once more, since a box left running is what cleanup must never leave.
      if (record.timedOut) record = await remove()
      this.scene.calls.note(record)
      if (record.exitCode !== 0 && box.id)
        this.attachOutsideSteps(formatRecord(record), `cleanup: removing ${named(box.role)} failed`)
    }
  }

  /** Ids of every box the scenario created (removed ones too). */
  ids(): string[] {
    return [...this.byRole.values()].flatMap((b) => (b.id ? [b.id] : []))
  }

  summary(): string {
    return [...this.byRole.values()].map((b) => `${b.role} ${b.id ?? `(name ${b.name})`}`).join(', ') || 'no boxes'
  }

  /** On the interrupt path no step or hook is running, and cucumber refuses attachments then. */
  private attachOutsideSteps(text: string, name: string): void {
    try {
      this.scene.report.attach(text, { mediaType: 'text/plain', fileName: name })
    } catch {
      process.stderr.write(`${name}\n${text}\n`)
    }
  }
}

/** "the box", "the victim box", "the bystander box": for messages and the report. */
export function named(role: string): string {
  return role === 'box' ? 'the box' : `the ${role} box`
}
