/**
 * The `cli` driver: runs a binary that speaks the boxlite CLI dialect (`boxlite` itself, or
 * `./bin/refbox`) with `--home <abs>` before every subcommand.
 *
 * BoxLite holds an exclusive lock on the home for the whole of every CLI invocation, so two calls
 * on one home must never overlap: calls are queued per home and run one after another.
 */
import { isAbsolute, join } from 'node:path'
import { execa, type ResultPromise } from 'execa'
import { renderCommand } from '../shell/command'
import { type CapabilityOverride, capabilityReport } from './capabilities'
import { boxliteImageStore } from './home-layout'
import { parseInspectPid, parseListJson, parseSnapshotList } from './cli-output'
import {
  type BoxDriver,
  type BoxSpec,
  type BoxStatus,
  type CallOptions,
  type Capability,
  type CommandRecord,
  DriverCallError,
  type ExecOptions,
  type KilledStart,
  type KillPoint,
  type SnapshotInfo,
  type VolumeSpec,
} from './types'

interface CliDriverOptions {
  /** Binary name on PATH or a path to it. */
  readonly bin: string
  /** Absolute home directory for every call. */
  readonly home: string
  /** Global flags placed before the subcommand, e.g. `['--registry', 'docker.m.daocloud.io']`. */
  readonly globalArgs?: readonly string[]
  /** Grace period between SIGTERM and SIGKILL when a call times out or is interrupted. */
  readonly killGraceMs?: number
  /**
   * How long interrupt() lets a `run` in flight finish before ending it. A create cut short can
   * leave a half-made box that no later `rm -f` can find or stop; a finished one has an id to remove.
   */
  readonly createGraceMs?: number
  /** `BOXLITE_CAPABILITIES`: replaces or adjusts what the probe of the binary's help finds. */
  readonly capabilities?: CapabilityOverride
}

/** A kill planned for one call, and where the driver notes when it went out. */
interface PlannedKill {
  readonly at: KillPoint
  readonly killed: { afterMs?: number }
}

/** Box ids are 12 Base62 characters today, 26-character ULIDs in early builds. */
const BOX_ID = /^[A-Za-z0-9_-]{1,128}$/
const STATUSES: readonly BoxStatus[] = ['configured', 'running', 'stopped', 'paused', 'failed', 'stopping', 'unknown']

/** Tail of the call chain of each home: a new call starts when the previous one has settled. */
const homeQueues = new Map<string, Promise<unknown>>()

export class CliDriver implements BoxDriver {
  readonly kind = 'cli' as const
  readonly home: string
  /** Calls in flight, and whether they create a box (those are let finish on interrupt). */
  private readonly running = new Map<ResultPromise, { creates: boolean }>()
  /** Bumped by interrupt(): calls queued before it resolve as interrupted without running. */
  private generation = 0

  constructor(private readonly options: CliDriverOptions) {
    if (!isAbsolute(options.home)) throw new Error(`the box home must be an absolute path, got "${options.home}"`)
    if (options.bin.trim() === '') throw new Error('no boxlite binary given (set BOXLITE_BIN)')
    this.home = options.home
  }

  async create(spec: BoxSpec, opts: CallOptions): Promise<{ id: string; record: CommandRecord }> {
    const record = await this.call(runArgs(spec), opts.timeoutSeconds)
    const id = record.stdout.trim()
    if (record.exitCode !== 0 || !BOX_ID.test(id)) {
      const why = record.timedOut
        ? 'timed out'
        : `exit ${record.exitCode}: ${errorText(record.stderr) || 'no error text'}`
      throw new DriverCallError(`the box did not start (${why})`, record)
    }
    return { id, record }
  }

  async hostPid(id: string, opts: CallOptions): Promise<{ pid?: number; record: CommandRecord }> {
    const record = await this.call(['inspect', id], opts.timeoutSeconds)
    return { pid: record.exitCode === 0 ? parseInspectPid(record.stdout) : undefined, record }
  }

  kernelLog(id: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['logs', id], opts.timeoutSeconds)
  }

  async createKilled(spec: BoxSpec, kill: KillPoint, opts: CallOptions): Promise<KilledStart> {
    const killed: { afterMs?: number } = {}
    const record = await this.call(runArgs(spec), opts.timeoutSeconds, { at: kill, killed })
    return { record, killedAfterMs: killed.afterMs }
  }

  async listAll(opts: CallOptions): Promise<{ boxes: Array<{ id: string; name: string }>; record: CommandRecord }> {
    const record = await this.call(['list', '-a', '--format', 'json'], opts.timeoutSeconds)
    return { boxes: record.exitCode === 0 ? parseListJson(record.stdout) : [], record }
  }

  /** What the binary's help advertises (asked once per binary per process), with the override applied. */
  async capabilities(opts: CallOptions): Promise<ReadonlySet<Capability>> {
    return (await capabilityReport('cli', this.options.bin, this.options.capabilities, opts)).effective
  }

  snapshotCreate(id: string, name: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['snapshot', 'create', id, name], opts.timeoutSeconds)
  }

  async snapshotList(id: string, opts: CallOptions): Promise<{ snapshots: SnapshotInfo[]; record: CommandRecord }> {
    const record = await this.call(['snapshot', 'list', id, '--format', 'json'], opts.timeoutSeconds)
    return { snapshots: record.exitCode === 0 ? parseSnapshotList(record.stdout) : [], record }
  }

  snapshotRemove(id: string, name: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['snapshot', 'rm', id, name], opts.timeoutSeconds)
  }

  snapshotRestore(id: string, name: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['snapshot', 'restore', id, name], opts.timeoutSeconds)
  }

  async snapshotCreateKilled(id: string, name: string, kill: KillPoint, opts: CallOptions): Promise<KilledStart> {
    const killed: { afterMs?: number } = {}
    const record = await this.call(['snapshot', 'create', id, name], opts.timeoutSeconds, { at: kill, killed })
    return { record, killedAfterMs: killed.afterMs }
  }

  async clone(
    id: string,
    name: string | undefined,
    opts: CallOptions,
  ): Promise<{ id?: string; record: CommandRecord }> {
    const record = await this.call(['clone', ...(name !== undefined ? ['--name', name] : []), id], opts.timeoutSeconds)
    return { id: newId(record), record }
  }

  removeUnforced(idOrName: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['rm', idOrName], opts.timeoutSeconds)
  }

  async exportBox(
    id: string,
    destDir: string,
    opts: CallOptions,
  ): Promise<{ archive?: string; record: CommandRecord }> {
    const record = await this.call(['export', id, destDir], opts.timeoutSeconds)
    const archive = record.exitCode === 0 ? nonEmptyLines(record.stdout).at(-1) : undefined
    return { archive, record }
  }

  async importBox(
    archive: string,
    name: string | undefined,
    opts: CallOptions,
  ): Promise<{ id?: string; record: CommandRecord }> {
    const args = ['import', ...(name !== undefined ? ['--name', name] : []), archive]
    const record = await this.call(args, opts.timeoutSeconds)
    return { id: newId(record), record }
  }

  gc(dryRun: boolean, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['gc', ...(dryRun ? ['--dry-run'] : [])], opts.timeoutSeconds)
  }

  exec(id: string, script: string, opts: ExecOptions): Promise<CommandRecord> {
    const args = ['exec', ...(opts.detach ? ['-d'] : []), id, '--', 'sh', '-c', script]
    return this.call(args, opts.timeoutSeconds)
  }

  async status(id: string, opts: CallOptions): Promise<{ status: BoxStatus; record: CommandRecord }> {
    const record = await this.call(['inspect', id], opts.timeoutSeconds)
    return { status: record.exitCode === 0 ? parseInspectStatus(record.stdout) : 'unknown', record }
  }

  stop(id: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['stop', id], opts.timeoutSeconds)
  }

  start(id: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['start', id], opts.timeoutSeconds)
  }

  remove(idOrName: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['rm', '-f', idOrName], opts.timeoutSeconds)
  }

  copyIn(hostPath: string, id: string, boxPath: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['cp', hostPath, `${id}:${boxPath}`], opts.timeoutSeconds)
  }

  diskPath(id: string): string {
    if (!BOX_ID.test(id)) throw new Error(`not a box id: ${JSON.stringify(id)}`)
    return join(this.home, 'boxes', id, 'disks', 'disk.qcow2')
  }

  imageStoreDirs(): string[] {
    return boxliteImageStore(this.home)
  }

  async interrupt(): Promise<void> {
    this.generation++
    const inFlight = [...this.running.entries()]
    const timers: NodeJS.Timeout[] = []
    for (const [child, { creates }] of inFlight) {
      if (creates) timers.push(setTimeout(() => child.kill('SIGTERM'), this.options.createGraceMs ?? 20_000))
      else child.kill('SIGTERM')
    }
    await Promise.allSettled(inFlight.map(([child]) => child))
    timers.forEach(clearTimeout)
  }

  async close(): Promise<void> {
    // Nothing is held between calls: every invocation is its own process.
  }

  /** Queues one invocation behind every earlier call on the same home. Never rejects. */
  private call(args: readonly string[], timeoutSeconds: number, kill?: PlannedKill): Promise<CommandRecord> {
    const generation = this.generation
    const previous = homeQueues.get(this.home) ?? Promise.resolve()
    const mine = previous.then(() =>
      generation === this.generation ? this.spawn(args, timeoutSeconds, kill) : this.interrupted(args),
    )
    const tail = mine.catch(() => undefined)
    homeQueues.set(this.home, tail)
    void tail.then(() => {
      if (homeQueues.get(this.home) === tail) homeQueues.delete(this.home)
    })
    return mine
  }

  private async spawn(args: readonly string[], timeoutSeconds: number, kill?: PlannedKill): Promise<CommandRecord> {
    const argv = ['--home', this.home, ...(this.options.globalArgs ?? []), ...args]
    const command = renderCommand(this.options.bin, argv)
    const started = Date.now()
    const child = execa(this.options.bin, argv, {
      // Its own process group: a terminal's Ctrl-C reaches the suite, which decides what to end
      // (interrupt() lets a create finish, so it can be removed); the runtime never dies mid-call.
      detached: true,
      reject: false,
      stdin: 'ignore',
      timeout: Math.max(1, Math.round(timeoutSeconds * 1000)),
      killSignal: 'SIGTERM',
      forceKillAfterDelay: this.options.killGraceMs ?? 5000,
      stripFinalNewline: false,
    })
    this.running.set(child, { creates: args[0] === 'run' })
    // A start cut short on purpose: the runtime's own process (the one just spawned), by its pid.
    const ended = new AbortController()
    // Once it exited (and was reaped) its pid may be someone else's: never signalled then.
    const exited = () => child.exitCode !== null || child.signalCode !== null
    const sigkill = () => {
      if (exited() || ended.signal.aborted || !child.pid || !kill) return
      process.kill(child.pid, 'SIGKILL')
      kill.killed.afterMs = Date.now() - started
    }
    const at = kill?.at
    let killer: NodeJS.Timeout | undefined
    if (typeof at === 'number') killer = setTimeout(sigkill, at)
    else if (at && child.pid !== undefined) void at(child.pid, ended.signal).then(sigkill, () => undefined)
    try {
      const r = await child
      const missing = r.failed && (r as { code?: string }).code === 'ENOENT'
      return {
        command,
        exitCode: r.exitCode ?? -1,
        stdout: String(r.stdout ?? ''),
        stderr: missing
          ? `cannot run "${this.options.bin}": not found (set BOXLITE_BIN to the boxlite binary)`
          : r.timedOut
            ? `${String(r.stderr ?? '')}\n[timed out after ${timeoutSeconds} s]`.trimStart()
            : r.isTerminated && !r.timedOut
              ? `${String(r.stderr ?? '')}\n[interrupted by ${r.signal ?? 'a signal'}]`.trimStart()
              : String(r.stderr ?? ''),
        timedOut: r.timedOut || (r.isTerminated && r.exitCode === undefined),
        durationMs: Date.now() - started,
      }
    } finally {
      ended.abort()
      clearTimeout(killer)
      this.running.delete(child)
    }
  }

  private interrupted(args: readonly string[]): CommandRecord {
    return {
      command: renderCommand(this.options.bin, ['--home', this.home, ...args]),
      exitCode: -1,
      stdout: '',
      stderr: '[not run: the driver was interrupted before this call started]',
      timedOut: true,
      durationMs: 0,
    }
  }
}

/** `inspect` prints a JSON array; the status is `Status` (lowercase) or `State.Status`. */
export function parseInspectStatus(stdout: string): BoxStatus {
  let parsed: unknown
  try {
    parsed = JSON.parse(stdout)
  } catch {
    return 'unknown'
  }
  const entry = (Array.isArray(parsed) ? parsed[0] : parsed) as
    { Status?: unknown; State?: { Status?: unknown } } | undefined
  const raw = entry?.Status ?? entry?.State?.Status
  const status = typeof raw === 'string' ? raw.toLowerCase() : ''
  return (STATUSES as readonly string[]).includes(status) ? (status as BoxStatus) : 'unknown'
}

/** `run -d`'s arguments for a box spec. */
function runArgs(spec: BoxSpec): string[] {
  if ((spec.image === undefined) === (spec.rootfs === undefined))
    throw new Error('a box needs exactly one of image or rootfs')
  const args = ['run', '-d']
  if (spec.name !== undefined) args.push('--name', spec.name)
  if (spec.memoryMib !== undefined) args.push('--memory', String(spec.memoryMib))
  if (spec.cpus !== undefined) args.push('--cpus', String(spec.cpus))
  if (spec.diskSizeGb !== undefined) args.push('--disk-size', String(spec.diskSizeGb))
  for (const v of spec.volumes ?? []) args.push('-v', volumeArg(v))
  args.push(...(spec.rootfs !== undefined ? ['--rootfs', spec.rootfs] : [spec.image as string]), ...spec.command)
  return args
}

/**
 * BoxLite's `-v` grammar: `HOST:BOX[:ro]` for a host directory, `BOX[:ro]` for an anonymous volume, and
 * (unreleased, PR #636) `BOX:size=N[,ro]` for an anonymous volume with its own disk of N bytes.
 */
export function volumeArg(v: VolumeSpec): string {
  if (v.sizeBytes !== undefined) {
    if (v.hostPath !== undefined) throw new Error('a sized volume is anonymous: it takes no host path')
    return `${v.guestPath}:size=${v.sizeBytes}${v.readOnly ? ',ro' : ''}`
  }
  return [...(v.hostPath !== undefined ? [v.hostPath] : []), v.guestPath, ...(v.readOnly ? ['ro'] : [])].join(':')
}

/** The id a box-making call printed (its last stdout line), if the call succeeded and it looks like one. */
function newId(record: CommandRecord): string | undefined {
  const last = nonEmptyLines(record.stdout).at(-1)
  return record.exitCode === 0 && last !== undefined && BOX_ID.test(last) ? last : undefined
}

/**
 * The error a failed call reports: its `Error:` lines (the contract's §2 form), else its last line.
 * Not the first line: a runtime logs warnings to stderr before it (at its default level, `warn`).
 */
export function errorText(stderr: string): string {
  const errors = errorLines(stderr)
  return (errors.length ? errors : nonEmptyLines(stderr).slice(-1)).join(' / ')
}

/** The lines of stderr in the contract's error form (`Error: ...`, `Error removing box ...`). */
export function errorLines(stderr: string): string[] {
  return nonEmptyLines(stderr).filter((l) => /^Error\b/.test(l))
}

function nonEmptyLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
}
