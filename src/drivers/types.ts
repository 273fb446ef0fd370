/**
 * The one interface every way of driving a box implements. Features and steps only ever see this:
 * they never know whether a `boxlite`-dialect binary (`cli`) or the embedded runtime (`sdk`) runs
 * the box.
 */

/** What one driver operation did: kept as evidence and for the "unexamined failure" guard. */
export interface CommandRecord {
  /** Human-readable form of what was run, e.g. `boxlite --home H exec ID -- sh -c '...'`. */
  readonly command: string
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  readonly timedOut: boolean
  readonly durationMs: number
}

/** How to make a box. Either `image` (registry reference) or `rootfs` (local OCI layout). */
export interface BoxSpec {
  readonly image?: string
  readonly rootfs?: string
  readonly memoryMib?: number
  readonly cpus?: number
  readonly diskSizeGb?: number
  /** Unique per run, so a box whose id never arrived (create timed out) can still be removed. */
  readonly name?: string
  /** The box's main process; its lifetime is the box's lifetime. */
  readonly command: readonly string[]
  /** Extra disks and shared directories (capability `volumes`; `sizeBytes` needs `sized-volumes`). */
  readonly volumes?: readonly VolumeSpec[]
}

/**
 * One volume of a box, as BoxLite's `-v` and the SDK's `volumes` say it:
 * - `hostPath` set: a host directory shared into the box (`-v HOST:BOX[:ro]`, SDK `{hostPath, guestPath}`);
 * - `hostPath` absent: an anonymous volume the runtime makes in its home (`-v /BOX[:ro]`, CLI only);
 * - `sizeBytes` set (anonymous only): a volume with its own disk of that size (`-v /BOX:size=N`, unreleased).
 */
export interface VolumeSpec {
  readonly guestPath: string
  readonly hostPath?: string
  readonly readOnly?: boolean
  readonly sizeBytes?: number
}

/**
 * What a driver can do beyond the rootfs (issue 23). A scenario tagged `@needs-<capability>` is skipped,
 * with a sentence naming the capability and the driver that has it, when the runtime under test lacks it.
 * - `snapshots`: snapshot create/list/remove/restore;
 * - `clone`: clone a box;
 * - `export`: export a box to an archive and import it;
 * - `volumes`: host-path volumes (BoxLite's SDK and CLI);
 * - `anonymous-volumes`: volumes the runtime makes in its home (`-v /BOX`; BoxLite's CLI only, not its SDK);
 * - `sized-volumes`: anonymous volumes with their own bounded disk (`-v /BOX:size=N`);
 * - `gc`: `gc [--dry-run]`, the sweep of what no box uses.
 */
export const CAPABILITIES = [
  'snapshots',
  'clone',
  'export',
  'volumes',
  'anonymous-volumes',
  'sized-volumes',
  'gc',
] as const
export type Capability = (typeof CAPABILITIES)[number]

/** A snapshot as the runtime lists it (SDK `JsSnapshotInfo`; refbox `snapshot list --format json`). */
export interface SnapshotInfo {
  readonly name: string
  /** Unix seconds. */
  readonly createdAt?: number
  /** The box disk's virtual size when the snapshot was taken. */
  readonly containerDiskBytes?: number
  /** The snapshot layer's own file size when it was taken. */
  readonly sizeBytes?: number
}

/** Lowercase, as BoxLite's `inspect` and SDK `info().state.status` report it. */
export type BoxStatus = 'configured' | 'running' | 'stopped' | 'paused' | 'failed' | 'stopping' | 'unknown'

export interface CallOptions {
  /** Per-call limit; the call is killed and reported as timed out when it passes. */
  readonly timeoutSeconds: number
}

export interface ExecOptions extends CallOptions {
  /** Start the command and return at once (boxlite `exec -d`). */
  readonly detach?: boolean
}

/** A driver call that could not produce what was asked for (e.g. no box id); carries the evidence. */
export class DriverCallError extends Error {
  constructor(
    message: string,
    readonly record: CommandRecord,
  ) {
    super(message)
    this.name = 'DriverCallError'
  }
}

export interface BoxDriver {
  readonly kind: 'cli' | 'sdk'
  /** Absolute BoxLite home this driver works in (one per scenario). */
  readonly home: string
  /**
   * Creates and starts a detached box; resolves to its id.
   * Rejects with a DriverCallError carrying the runtime's message when no box id came back.
   */
  create(spec: BoxSpec, opts: CallOptions): Promise<{ id: string; record: CommandRecord }>
  /** Runs `sh -c script` inside the box. Never rejects on a non-zero exit. */
  exec(id: string, script: string, opts: ExecOptions): Promise<CommandRecord>
  /** This box's own state (not "some box in the home is running"). `unknown` when it cannot be read. */
  status(id: string, opts: CallOptions): Promise<{ status: BoxStatus; record: CommandRecord }>
  stop(id: string, opts: CallOptions): Promise<CommandRecord>
  start(id: string, opts: CallOptions): Promise<CommandRecord>
  /** Force-removes (stopping first). A missing box is reported, not thrown. Accepts an id or a name. */
  remove(idOrName: string, opts: CallOptions): Promise<CommandRecord>
  /** Copies a host file into the box (boxlite `cp HOST ID:/path`). */
  copyIn(hostPath: string, id: string, boxPath: string, opts: CallOptions): Promise<CommandRecord>
  /** The box's host-side main process as the runtime reports it (`inspect`'s State.Pid; absent if it reports none). */
  hostPid?(id: string, opts: CallOptions): Promise<{ pid?: number; record: CommandRecord }>
  /** The box's kernel log as the runtime exposes it (`logs BOX`). */
  kernelLog?(id: string, opts: CallOptions): Promise<CommandRecord>
  /** `run -d` whose runtime process is SIGKILLed, by its pid, at `kill` (see KillPoint). */
  createKilled?(spec: BoxSpec, kill: KillPoint, opts: CallOptions): Promise<KilledStart>
  /** Every box the runtime lists, running or not (`list -a`). */
  listAll?(opts: CallOptions): Promise<{ boxes: Array<{ id: string; name: string }>; record: CommandRecord }>
  /**
   * What this runtime can do beyond the rootfs. The cli driver asks the binary (its help), the sdk driver
   * knows its package; `BOXLITE_CAPABILITIES` overrides both.
   */
  capabilities(opts: CallOptions): Promise<ReadonlySet<Capability>>
  /** Snapshot `name` of the box (running or stopped). Never rejects: a refusal is a failed record. */
  snapshotCreate?(id: string, name: string, opts: CallOptions): Promise<CommandRecord>
  /** The box's snapshots, newest first as the runtime lists them. */
  snapshotList?(id: string, opts: CallOptions): Promise<{ snapshots: SnapshotInfo[]; record: CommandRecord }>
  snapshotRemove?(id: string, name: string, opts: CallOptions): Promise<CommandRecord>
  /** Puts the box's disk back to snapshot `name` (the box must be stopped). */
  snapshotRestore?(id: string, name: string, opts: CallOptions): Promise<CommandRecord>
  /** `snapshot create` whose runtime process is SIGKILLed at `kill` (cli driver only: a crash mid-snapshot). */
  snapshotCreateKilled?(id: string, name: string, kill: KillPoint, opts: CallOptions): Promise<KilledStart>
  /** A new box with the source's disk and options; `id` absent when none came back. */
  clone?(id: string, name: string | undefined, opts: CallOptions): Promise<{ id?: string; record: CommandRecord }>
  /** Removes a box without force (a box others depend on may be refused). */
  removeUnforced?(idOrName: string, opts: CallOptions): Promise<CommandRecord>
  /** Writes the box to an archive in `destDir`; `archive` is the path the runtime reports. */
  exportBox?(id: string, destDir: string, opts: CallOptions): Promise<{ archive?: string; record: CommandRecord }>
  /** A new box from an archive; `id` absent when none came back. */
  importBox?(
    archive: string,
    name: string | undefined,
    opts: CallOptions,
  ): Promise<{ id?: string; record: CommandRecord }>
  /** `gc [--dry-run]`: sweeps what no box uses; stdout says what it reclaimed. */
  gc?(dryRun: boolean, opts: CallOptions): Promise<CommandRecord>
  /** Host path of the box's rootfs overlay: `<home>/boxes/<id>/disks/disk.qcow2`. */
  diskPath(id: string): string
  /**
   * Host directories where the runtime keeps what the boxes of an image share (the image store
   * and base disks; BoxLite: `<home>/images`, `<home>/bases`). A box's base disk lives there, and
   * its share of them is a cache, not the box's own space.
   */
  imageStoreDirs(): string[]
  /**
   * Ends every call still running or queued (they resolve as timed out), so that cleanup after an
   * interrupt or a step timeout can reach the home at once. The driver stays usable afterwards.
   */
  interrupt(): Promise<void>
  /** Releases driver resources (runtime handles); boxes are removed by the caller first. */
  close(): Promise<void>
}

/**
 * When a start is killed: this many ms after its process started, or once `when` resolves (it is
 * given the start's pid, and a signal aborted when the start ended on its own).
 */
export type KillPoint = number | ((pid: number, ended: AbortSignal) => Promise<unknown>)

/** A start cut short on purpose: its call, and when the SIGKILL went out (absent: it had ended first). */
export interface KilledStart {
  readonly record: CommandRecord
  readonly killedAfterMs?: number
}
