/**
 * A scripted stand-in for @boxlite-ai/boxlite's `JsBoxlite`, behind the sdk driver's runtime seam
 * (src/drivers/sdk-runtime.ts). It keeps boxes in memory, says what BoxLite 0.10.0 says in the
 * same words (RUNTIME_SAYS; test/host/sdk-runtime.test.ts checks them against the real package on
 * a KVM host), and lets a test decide how each boot and command ends. No KVM, no network.
 */
import { strict as assert } from 'node:assert'
import type { JsOptions } from '@boxlite-ai/boxlite'
import type {
  RuntimeFactory,
  SdkBox,
  SdkBoxInfo,
  SdkBoxOptions,
  SdkExecution,
  SdkRuntime,
  SdkSnapshotInfo,
  SdkSnapshots,
  SdkStream,
} from '../../src/drivers/sdk-runtime'
import { DriverCallError } from '../../src/drivers/types'
import { withAdvice } from '../../src/preflight/advice'

/** BoxLite 0.10.0's own messages for the cases the driver maps. */
export const RUNTIME_SAYS = {
  noKvm: 'unsupported: KVM is not available on this host.',
  boxNotFound: (idOrName: string) => `box not found: ${idOrName}`,
  homeInUse: (home: string) =>
    `Another BoxliteRuntime is already using directory: ${home}\nOnly one runtime instance can use a BOXLITE_HOME ` +
    `directory at a time.`,
  pullFailed: (image: string, registry: string) =>
    `storage error: Failed to pull image '${image}' after trying 1 registry:\n  - ${registry}/library/${image}: ` +
    `storage error: failed to pull manifest: error sending request for url ` +
    `(https://${registry}/v2/library/${image.replace(':', '/manifests/')})`,
  rootfsMissing: (path: string) => `storage error: Rootfs path does not exist: ${path}`,
  // Issue 23 (docs: boxlite-disks-beyond-rootfs.md §2-§4, the 0.10.0 addon's strings).
  noDisk: (home: string, id: string) =>
    `storage error: Container disk not found at ${home}/boxes/${id}/disks/disk.qcow2`,
  snapshotNameEmpty: 'invalid argument: Snapshot name cannot be empty',
  snapshotExists: (name: string, id: string) => `already exists: snapshot '${name}' already exists for box '${id}'`,
  snapshotMissing: (name: string, id: string) => `box not found: snapshot '${name}' not found for box '${id}'`,
  restoreRunning: 'invalid state: Cannot restore snapshot while box is running. Stop the box first.',
  snapshotInUse:
    'invalid state: Cannot remove snapshot: current disk depends on this snapshot. Restore a different snapshot first.',
  cloneDependencies: (ids: readonly string[]) =>
    `invalid state: Cannot remove box: boxes [${ids.join(', ')}] have clone dependencies on it. Remove those ` +
    `first or use force=true.`,
  archiveMissing: (path: string) => `box not found: Archive not found: ${path}`,
  nameTaken: (name: string) => `already exists: box with name '${name}' already exists`,
  deadHandle: 'Handle invalidated after stop(). Use runtime.get() to get a new handle.',
}

/** A command as the driver asked for it. */
export interface ExecCall {
  readonly box: ScriptedBox
  readonly command: string
  readonly args: readonly string[]
  readonly timeoutSecs: number | null
}

/** How a command ends: its output chunks and result, or `hang` until killed. */
export interface ExecScript {
  readonly stdout?: readonly string[]
  readonly stderr?: readonly string[]
  readonly exitCode?: number
  readonly errorMessage?: string
  readonly hang?: boolean
}

export interface Script {
  /** Thrown by the runtime's constructor (BoxLite's host check), e.g. RUNTIME_SAYS.noKvm. */
  readonly refuse?: string
  /** How a box's boot ends: resolve (it runs) or reject with the runtime's message. Default: it runs. */
  readonly start?: (box: ScriptedBox) => Promise<void>
  /** What a command prints and how it ends. Default: exit 0, no output. */
  readonly exec?: (call: ExecCall) => ExecScript
}

/** Homes with a live runtime: like BoxLite's lock file, held until the object is gone (close() is a no-op). */
const homesInUse = new Set<string>()

export class ScriptedBox implements SdkBox {
  status = 'configured'
  /** A box has a disk once it booted (or was made from one: a clone, an import). */
  hasDisk = false
  /** Its snapshots in the order made, and the one its disk now sits on (the newest, or the last restored). */
  readonly snapshots: SdkSnapshotInfo[] = []
  current: string | undefined
  /** The box whose disk this clone shares (its base), as BoxLite's clone dependency. */
  cloneOf: string | undefined
  readonly snapshot: SdkSnapshots
  constructor(
    readonly id: string,
    readonly name: string | null,
    readonly options: SdkBoxOptions,
    private readonly runtime: ScriptedRuntime,
  ) {
    this.snapshot = new ScriptedSnapshots(this, runtime)
  }

  async start(): Promise<void> {
    this.runtime.events.push(`start ${this.name}`)
    try {
      await (this.runtime.script.start ?? (async () => undefined))(this)
      this.status = 'running'
      this.hasDisk = true
    } finally {
      this.runtime.events.push(`start settled ${this.name}`)
    }
  }

  /** Bumped by stop(): a handle fetched before it is dead, as in BoxLite (handle() in the runtime). */
  stops = 0

  async stop(): Promise<void> {
    this.status = 'stopped'
    this.stops++
  }

  async exec(
    command: string,
    args: string[] | null,
    _env: null,
    _tty: boolean,
    _user: null,
    timeoutSecs: number | null,
  ): Promise<SdkExecution> {
    const call = { box: this, command, args: args ?? [], timeoutSecs }
    this.runtime.execs.push(call)
    const execution = new ScriptedExecution((this.runtime.script.exec ?? (() => ({})))(call))
    this.runtime.executions.push(execution)
    return execution
  }

  async copyIn(hostPath: string, containerDest: string): Promise<void> {
    this.runtime.events.push(`copyIn ${hostPath} ${containerDest}`)
  }

  async cloneBox(_options: null, name: string | null): Promise<ScriptedBox> {
    this.needsDisk()
    const clone = this.runtime.add(this.options, name)
    clone.status = 'stopped'
    clone.hasDisk = true
    clone.cloneOf = this.id
    this.runtime.events.push(`clone ${this.id} ${clone.id}`)
    return clone
  }

  async export(dest: string): Promise<string> {
    this.needsDisk()
    const archive = `${dest}/${this.name ?? 'box'}.boxlite`
    this.runtime.archives.add(archive)
    return archive
  }

  /** A never-started box has no disk to snapshot, clone or export. */
  needsDisk(): void {
    if (!this.hasDisk) throw new Error(RUNTIME_SAYS.noDisk(this.runtime.options.homeDir ?? '', this.id))
  }
}

/** `box.snapshot` of a scripted box, with 0.10.0's rules: names unique, restore only stopped, no removing the layer in use. */
class ScriptedSnapshots implements SdkSnapshots {
  constructor(
    private readonly box: ScriptedBox,
    private readonly runtime: ScriptedRuntime,
  ) {}

  async create(name: string): Promise<SdkSnapshotInfo> {
    if (name === '') throw new Error(RUNTIME_SAYS.snapshotNameEmpty)
    this.box.needsDisk()
    if (this.find(name)) throw new Error(RUNTIME_SAYS.snapshotExists(name, this.box.id))
    const info = {
      id: `s${this.box.snapshots.length + 1}`.padEnd(8, '0'),
      boxId: this.box.id,
      name,
      createdAt: 1_790_000_000 + this.box.snapshots.length,
      containerDiskBytes: 2 ** 30,
      sizeBytes: 196_608,
    }
    this.box.snapshots.push(info)
    this.box.current = name
    this.runtime.events.push(`snapshot create ${this.box.id} ${name}`)
    return info
  }

  async list(): Promise<SdkSnapshotInfo[]> {
    return [...this.box.snapshots]
  }

  async remove(name: string): Promise<void> {
    if (!this.find(name)) throw new Error(RUNTIME_SAYS.snapshotMissing(name, this.box.id))
    if (this.box.current === name) throw new Error(RUNTIME_SAYS.snapshotInUse)
    this.box.snapshots.splice(
      this.box.snapshots.findIndex((s) => s.name === name),
      1,
    )
    this.runtime.events.push(`snapshot remove ${this.box.id} ${name}`)
  }

  async restore(name: string): Promise<void> {
    if (this.box.status === 'running') throw new Error(RUNTIME_SAYS.restoreRunning)
    if (!this.find(name)) throw new Error(RUNTIME_SAYS.snapshotMissing(name, this.box.id))
    this.box.current = name
    this.runtime.events.push(`snapshot restore ${this.box.id} ${name}`)
  }

  private find(name: string): SdkSnapshotInfo | undefined {
    return this.box.snapshots.find((s) => s.name === name)
  }
}

export class ScriptedExecution implements SdkExecution {
  killed = false
  private endKilled: () => void = () => undefined
  private readonly killedNow = new Promise<void>((resolve) => (this.endKilled = resolve))

  constructor(private readonly script: ExecScript) {}

  async stdout(): Promise<SdkStream> {
    return this.stream(this.script.stdout ?? [])
  }

  async stderr(): Promise<SdkStream> {
    return this.stream(this.script.stderr ?? [])
  }

  async wait(): Promise<{ exitCode: number; errorMessage?: string }> {
    if (this.script.hang) await this.killedNow
    if (this.killed) return { exitCode: -9 }
    return {
      exitCode: this.script.exitCode ?? 0,
      ...(this.script.errorMessage ? { errorMessage: this.script.errorMessage } : {}),
    }
  }

  async kill(): Promise<void> {
    this.killed = true
    this.endKilled()
  }

  /** The chunks, then the end; a hanging command's stream ends with an error when it is killed, as BoxLite's does. */
  private stream(chunks: readonly string[]): SdkStream {
    const queue = [...chunks]
    return {
      next: async () => {
        if (queue.length > 0) return queue.shift() as string
        if (!this.script.hang) return null
        await this.killedNow
        throw new Error('execution killed')
      },
    }
  }
}

export class ScriptedRuntime implements SdkRuntime {
  readonly boxes = new Map<string, ScriptedBox>()
  /** What happened, in order (boots starting and settling, removals, copies). */
  readonly events: string[] = []
  readonly execs: ExecCall[] = []
  readonly executions: ScriptedExecution[] = []
  /** Archives export wrote (import accepts only those). */
  readonly archives = new Set<string>()
  closed = false

  constructor(
    readonly options: JsOptions,
    readonly script: Script,
  ) {
    if (script.refuse) throw new Error(script.refuse)
    const home = options.homeDir ?? ''
    if (homesInUse.has(home)) throw new Error(RUNTIME_SAYS.homeInUse(home))
    homesInUse.add(home)
  }

  async create(options: SdkBoxOptions, name: string | null): Promise<ScriptedBox> {
    return this.add(options, name)
  }

  /** A new box in the runtime's table; a name already taken is refused as BoxLite refuses it. */
  add(options: SdkBoxOptions, name: string | null): ScriptedBox {
    if (name !== null && this.find(name)) throw new Error(RUNTIME_SAYS.nameTaken(name))
    const box = new ScriptedBox(newId(), name, options, this)
    this.boxes.set(box.id, box)
    return box
  }

  async importBox(archivePath: string, name: string | null): Promise<ScriptedBox> {
    if (!this.archives.has(archivePath)) throw new Error(RUNTIME_SAYS.archiveMissing(archivePath))
    const box = this.add({}, name)
    box.status = 'stopped'
    box.hasDisk = true
    this.events.push(`import ${archivePath} ${box.id}`)
    return box
  }

  async get(idOrName: string): Promise<ScriptedBox | null> {
    const box = this.find(idOrName)
    return box ? handle(box) : null
  }

  async getInfo(idOrName: string): Promise<SdkBoxInfo | null> {
    const box = this.find(idOrName)
    return box ? { id: box.id, state: { status: box.status } } : null
  }

  async listInfo(): Promise<Array<SdkBoxInfo & { name?: string }>> {
    return [...this.boxes.values()].map((b) => ({
      id: b.id,
      ...(b.name !== null ? { name: b.name } : {}),
      state: { status: b.status },
    }))
  }

  async remove(idOrName: string, force: boolean): Promise<void> {
    const box = this.find(idOrName)
    if (!box) throw new Error(RUNTIME_SAYS.boxNotFound(idOrName))
    const clones = [...this.boxes.values()].filter((b) => b.cloneOf === box.id).map((b) => b.id)
    if (!force && clones.length > 0) throw new Error(RUNTIME_SAYS.cloneDependencies(clones))
    this.boxes.delete(box.id)
    this.events.push(`remove ${box.name}`)
  }

  close(): void {
    this.closed = true
  }

  private find(idOrName: string): ScriptedBox | undefined {
    return this.boxes.get(idOrName) ?? [...this.boxes.values()].find((b) => b.name === idOrName)
  }
}

/**
 * A handle on a box, as `rt.get` gives it: after the box is stopped (through any handle) every call but
 * `id`/`name` rejects with BoxLite's words, so a driver that keeps a handle across a stop is caught.
 */
function handle(box: ScriptedBox): ScriptedBox {
  const born = box.stops
  type Method = (...args: unknown[]) => Promise<unknown>
  /** Every method of `target` checks the handle first; other members pass through. */
  const guarded = <T extends object>(object: T, nested?: (key: PropertyKey, value: unknown) => unknown): T =>
    new Proxy(object, {
      get(target, key): unknown {
        const value: unknown = Reflect.get(target, key, target)
        const inner = nested?.(key, value)
        if (inner !== undefined) return inner
        if (typeof value !== 'function') return value
        return (...args: unknown[]) =>
          box.stops !== born
            ? Promise.reject(new Error(RUNTIME_SAYS.deadHandle))
            : (value as Method).apply(target, args)
      },
    })
  return guarded(box, (key, value) => (key === 'snapshot' ? guarded(value as SdkSnapshots) : undefined))
}

/** A factory for the driver, and every runtime it made (one per driver that made a call). */
export function scripted(script: Script = {}): { factory: RuntimeFactory; runtimes: ScriptedRuntime[] } {
  const runtimes: ScriptedRuntime[] = []
  return {
    runtimes,
    factory: (options) => {
      const runtime = new ScriptedRuntime(options, script)
      runtimes.push(runtime)
      return runtime
    },
  }
}

/** A boot that ends when the test says so. */
export function pendingBoot(): { start: () => Promise<void>; finish: () => void; fail: (message: string) => void } {
  let finish: () => void = () => undefined
  let fail: (message: string) => void = () => undefined
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve
    fail = (message) => reject(new Error(message))
  })
  return { start: () => done, finish, fail }
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** BoxLite's ids: 12 letters and digits. */
function newId(): string {
  return Array.from({ length: 12 }, () => ID_CHARS[Math.floor(Math.random() * ID_CHARS.length)]).join('')
}

/** The create error a test expects: a DriverCallError carrying the runtime's record. */
export async function createError(promise: Promise<unknown>): Promise<DriverCallError> {
  const error = await promise.then(
    () => assert.fail('the box was created'),
    (e: unknown) => e,
  )
  assert.ok(error instanceof DriverCallError, String(error))
  return error
}

/** The failure as a person reads it: the driver's words, then the advice the World adds (support/parts/boxes.ts). */
export function asRead(error: DriverCallError): string {
  return withAdvice(error.message, error.record.stderr)
}
