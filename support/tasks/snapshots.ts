/**
 * Snapshots of a box's disk (features/snapshots.feature, features/snapshots-on-the-host.feature): a small file
 * whose word says which moment the disk is at, snapshots taken, restored and removed through the driver, the
 * box started and its file read after each step, a snapshot cut short by a killed runtime, and the home
 * measured around a box's removal. Measures only; the Then steps judge.
 */
import { existsSync } from 'node:fs'
import { boxliteSnapshotLayer, boxliteSnapshotPending } from '../../src/drivers/home-layout'
import type { BoxDriver, CommandRecord, SnapshotInfo } from '../../src/drivers/types'
import { formatBytes } from '../../src/evidence/units'
import { writeRandomFileOfSize } from '../../src/guest/guarded-writes'
import { command } from '../../src/guest/probe'
import { ownBytes } from '../../src/host/home-footprint'
import { named } from '../parts/boxes'
import { BEFORE_THE_BOX } from '../parts/host-meter'
import type { Scene } from '../parts/scene'
import { CALL, WAIT } from '../timeouts'
import type { Rootfs } from './common/rootfs'

/** The file whose word tells which moment the box's disk is at. */
const FILE = '/snapshot-word'

/** A snapshot call: a disk operation on the host, as long as a stop. */
const SNAPSHOT_CALL = CALL.stop

/** How often a killed snapshot is tried again when the runtime finished it before the kill could land. */
const KILL_ATTEMPTS = 5
/** Attempts that wait for the layer beside the marker (the box's disk moved into it); later ones, the marker alone. */
const LAYER_ATTEMPTS = 3

/** The box started after a snapshot step, and what its file said then. */
export interface StartAndRead {
  readonly start: CommandRecord
  /** The file's word, or undefined when it could not be read. */
  readonly word?: string
  readonly read?: CommandRecord
}

/** One removal of the chain scenario and what was seen after it. */
export interface RemovalStep {
  readonly name: string
  readonly record: CommandRecord
  readonly listedAfter: readonly string[]
  /** The word the box's own disk held before the removal, and what it read after (started once). */
  readonly expected: string
  readonly box: StartAndRead
  /** Every snapshot of the scenario still listed, restored and started: its word. */
  readonly restores: ReadonlyArray<{ readonly name: string; readonly expected: string; readonly seen: StartAndRead }>
}

export interface KilledSnapshot {
  readonly name: string
  readonly attempts: number
  /** When the SIGKILL went out (absent: every attempt ended before it could be killed mid-snapshot). */
  readonly killedAfterMs?: number
  readonly record: CommandRecord
}

export interface ReclaimedHome {
  /** What the home held outside the image store before the box, at the snapshots' peak, and at the end. */
  readonly before: number
  readonly peak: number
  readonly after: number
  readonly seconds: number
}

type SnapshotMethods = Required<
  Pick<BoxDriver, 'snapshotCreate' | 'snapshotList' | 'snapshotRemove' | 'snapshotRestore'>
>

/** A snapshot the scenario took, and the word the box's file held then. */
export interface TakenSnapshot {
  readonly name: string
  readonly word: string
}

export class Snapshots {
  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  private get driver(): SnapshotMethods {
    const d = this.scene.driver
    if (!d.snapshotCreate || !d.snapshotList || !d.snapshotRemove || !d.snapshotRestore)
      throw new Error(`the ${d.kind} driver cannot take snapshots (it has no snapshot methods)`)
    return d as BoxDriver & SnapshotMethods
  }

  async write(role: string, word: string): Promise<void> {
    const script = `echo ${word} > ${FILE} && sync`
    await this.scene.boxes.exec(role, command(`write "${word}" to ${FILE}`, script), CALL.quickProbe, 'must-succeed')
  }

  async read(role: string): Promise<{ word?: string; record: CommandRecord }> {
    const { record } = await this.scene.boxes.exec(
      role,
      command(`read ${FILE}`, `cat ${FILE}`),
      CALL.quickProbe,
      'judged-here',
    )
    return { word: record.exitCode === 0 ? record.stdout.trim() : undefined, record }
  }

  async stop(role: string): Promise<void> {
    const id = this.scene.boxes.get(role).id
    await this.scene.calls.run(`stop ${named(role)}`, 'must-succeed', CALL.stop, (l) => this.scene.driver.stop(id, l))
  }

  async start(role: string): Promise<void> {
    const id = this.scene.boxes.get(role).id
    await this.scene.calls.run(`start ${named(role)}`, 'must-succeed', CALL.start, (l) =>
      this.scene.driver.start(id, l),
    )
  }

  /** Starts the box and reads its file; both are judged by the Then step. */
  async startAndRead(role: string): Promise<StartAndRead> {
    const id = this.scene.boxes.get(role).id
    const start = await this.scene.calls.run(`start ${named(role)}`, 'judged-here', CALL.start, (l) =>
      this.scene.driver.start(id, l),
    )
    if (start.exitCode !== 0) return { start }
    const { word, record } = await this.read(role)
    return { start, word, read: record }
  }

  /** Takes snapshot `name`, remembering the word the box's file holds; setup, so it must succeed. */
  async take(role: string, name: string, word: string): Promise<TakenSnapshot> {
    const id = this.scene.boxes.get(role).id
    await this.scene.calls.run(`snapshot "${name}" of ${named(role)}`, 'must-succeed', SNAPSHOT_CALL, (l) =>
      this.driver.snapshotCreate(id, name, l),
    )
    return { name, word }
  }

  async restore(role: string, name: string): Promise<void> {
    const id = this.scene.boxes.get(role).id
    await this.scene.calls.run(`restore ${named(role)} to "${name}"`, 'must-succeed', SNAPSHOT_CALL, (l) =>
      this.driver.snapshotRestore(id, name, l),
    )
  }

  /** A restore asked of the box as it is (running): the Then step judges the answer. */
  async askRestore(role: string, name: string): Promise<CommandRecord> {
    const id = this.scene.boxes.get(role).id
    return this.scene.calls.run(`restore ${named(role)} to "${name}"`, 'judged-later', SNAPSHOT_CALL, (l) =>
      this.driver.snapshotRestore(id, name, l),
    )
  }

  async list(role: string): Promise<SnapshotInfo[]> {
    const id = this.scene.boxes.get(role).id
    let listed: SnapshotInfo[] = []
    await this.scene.calls.run(`list the snapshots of ${named(role)}`, 'must-succeed', CALL.quickProbe, async (l) => {
      const r = await this.driver.snapshotList(id, l)
      listed = r.snapshots
      return r.record
    })
    return listed
  }

  /** From a stopped box: one snapshot per name, the box started and given the name as its word before each. */
  async chain(role: string, names: readonly string[]): Promise<TakenSnapshot[]> {
    const taken: TakenSnapshot[] = []
    for (const name of names) {
      await this.start(role)
      await this.write(role, name)
      await this.stop(role)
      taken.push(await this.take(role, name, name))
    }
    return taken
  }

  /** Restores each snapshot (the box stopped first) and starts the box on it; returns what each read. */
  async restoreEach(role: string, names: readonly string[]): Promise<Map<string, StartAndRead>> {
    const seen = new Map<string, StartAndRead>()
    for (const name of names) {
      await this.restore(role, name)
      const r = await this.startAndRead(role)
      seen.set(name, r)
      if (r.start.exitCode === 0) await this.stop(role)
    }
    return seen
  }

  /**
   * Removes each snapshot in `order` from a stopped box whose disk holds `current`; after each removal the box
   * is started on its own disk, then every snapshot still listed is restored and started (so the disk holds the
   * last one restored afterwards).
   */
  async removeInTurn(role: string, taken: readonly TakenSnapshot[], current: string): Promise<RemovalStep[]> {
    const id = this.scene.boxes.get(role).id
    const order = [...taken].reverse().map((t) => t.name)
    const wordOf = (n: string) => taken.find((t) => t.name === n)?.word ?? ''
    const steps: RemovalStep[] = []
    let expected = current
    for (const name of order) {
      const record = await this.scene.calls.run(`remove snapshot "${name}"`, 'judged-here', SNAPSHOT_CALL, (l) =>
        this.driver.snapshotRemove(id, name, l),
      )
      const listedAfter = (await this.list(role)).map((s) => s.name)
      const box = await this.startAndRead(role)
      if (box.start.exitCode === 0) await this.stop(role)
      const still = order.filter((n) => listedAfter.includes(n))
      const seen = await this.restoreEach(role, still)
      const restores = still.map((n) => ({ name: n, expected: wordOf(n), seen: seen.get(n) as StartAndRead }))
      steps.push({ name, record, listedAfter, expected, box, restores })
      if (still.length > 0) expected = wordOf(still.at(-1) as string)
      if (box.start.exitCode !== 0 && still.length === 0) break
    }
    return steps
  }

  /**
   * `snapshot create` SIGKILLed once its pending marker and its layer are both on the host (a snapshot half
   * made); tried again under a new name when it finished first, the last tries as soon as the marker shows (a
   * runtime may fill its layer too fast to be caught in between). Returns the attempt that was killed, or the last.
   */
  async createKilled(role: string, name: string): Promise<KilledSnapshot | undefined> {
    const driver = this.scene.driver
    if (!driver.snapshotCreateKilled) return undefined
    const id = this.scene.boxes.get(role).id
    const home = driver.home
    let last: KilledSnapshot | undefined
    for (let attempt = 1; attempt <= KILL_ATTEMPTS; attempt++) {
      const tryName = attempt === 1 ? name : `${name}-${attempt}`
      const needsLayer = attempt <= LAYER_ATTEMPTS
      const halfMade = () =>
        existsSync(boxliteSnapshotPending(home, id)) &&
        (!needsLayer || existsSync(boxliteSnapshotLayer(home, id, tryName)))
      const when = async (_pid: number, ended: AbortSignal) => {
        while (!ended.aborted && !halfMade()) await new Promise((r) => setTimeout(r, 1))
      }
      let killed: { record: CommandRecord; killedAfterMs?: number } | undefined
      await this.scene.calls.run(
        `snapshot "${tryName}" of ${named(role)}, killed half-way`,
        'judged-here',
        SNAPSHOT_CALL,
        async (l) => {
          killed = await driver.snapshotCreateKilled?.(id, tryName, when, l)
          return killed?.record as CommandRecord
        },
      )
      const k = killed as { record: CommandRecord; killedAfterMs?: number }
      last = { name: tryName, attempts: attempt, killedAfterMs: k.killedAfterMs, record: k.record }
      if (k.killedAfterMs !== undefined || k.record.exitCode !== 0 || k.record.timedOut) return last
      this.scene.report.log(`attempt ${attempt}: the snapshot finished before it could be killed half-way`)
    }
    return last
  }

  /** Writes `mib` MiB of fresh data before each of `names`, snapshotting the running box after each write. */
  async fillSnapshots(role: string, names: readonly string[], mib: number): Promise<TakenSnapshot[]> {
    const proof = await this.rootfs.proveBounded(role)
    const taken: TakenSnapshot[] = []
    for (const name of names) {
      const path = `/data-${name}`
      await this.scene.boxes.exec(role, writeRandomFileOfSize(proof.budget, path, mib), CALL.bigWrite, 'must-succeed')
      taken.push(await this.take(role, name, name))
    }
    return taken
  }

  get driverKind(): string {
    return this.scene.driver.kind
  }

  /** What the home holds outside its image store before the box and now (sampled for the chart). */
  homeGrowth(label: string): { before: number; peak: number } {
    const { host } = this.scene
    return { before: ownBytes(host.homeAt(BEFORE_THE_BOX)), peak: ownBytes(host.sampleHome(label).home) }
  }

  /** Polls until the home is back within `within` of what it held before the box, or the window passed. */
  async homeBack(within: number, windowSeconds: number, peak: number): Promise<ReclaimedHome> {
    const { host, report } = this.scene
    const before = ownBytes(host.homeAt(BEFORE_THE_BOX))
    const poll = await this.scene.clock.pollUntil(
      () => host.home(),
      (h) => ownBytes(h) <= before + within,
      { intervalMs: WAIT.pollInterval * 1000, windowSeconds },
    )
    host.sampleHome('after rm -f', poll.value)
    host.homeChart([
      { label: `before the box + ${formatBytes(within)}`, bytes: host.homeAt(BEFORE_THE_BOX).total + within },
    ])
    const seconds = poll.elapsedMs / 1000
    report.log(
      `the home held ${formatBytes(before)} before the box, ${formatBytes(peak)} with its snapshots, ` +
        `${formatBytes(ownBytes(poll.value))} ${seconds.toFixed(1)} s after rm -f (image store not counted)`,
    )
    return { before, peak, after: ownBytes(poll.value), seconds }
  }
}
