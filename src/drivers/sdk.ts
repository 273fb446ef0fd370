/**
 * The `sdk` driver: the BoxLite runtime embedded through @boxlite-ai/boxlite (0.10.x), one
 * `JsBoxlite({ homeDir })` per scenario home. Same contract as the `cli` driver, so a feature never
 * knows which one runs it. The package is loaded on first use, so the `cli` driver works on hosts
 * where the embedded runtime cannot even be loaded. The runtime comes through a factory
 * (sdk-runtime.ts), so unit tests drive this class against a scripted runtime.
 *
 * SDK facts this relies on (docs/reference/boxlite-contract.md §9): `rt.create()` only configures a box (state
 * `configured`), `box.start()` boots it; `detach: true` needs `autoRemove: false`; a handle dies
 * with `stop()`, so every call takes a fresh one from `rt.get(id)`; `rt.remove(id, true)` rejects
 * with `box not found: <id>` for a missing box; the home lock is held until the runtime object is
 * garbage-collected (`close()` is a no-op).
 */
import { isAbsolute, join } from 'node:path'
import { renderCommand } from '../shell/command'
import { type CapabilityOverride, capabilityReport } from './capabilities'
import { volumeArg } from './cli'
import { boxliteImageStore } from './home-layout'
import { type CallOutcome, type Deadline, drain, readAll, SdkCalls } from './sdk-calls'
import {
  embeddedRuntime,
  imageRegistries,
  type RuntimeFactory,
  type SdkBox,
  type SdkBoxOptions,
  type SdkExecution,
  type SdkRuntime,
  type SdkSnapshotInfo,
} from './sdk-runtime'
import {
  type BoxDriver,
  type BoxSpec,
  type BoxStatus,
  type CallOptions,
  type Capability,
  type CommandRecord,
  DriverCallError,
  type ExecOptions,
  type SnapshotInfo,
  type VolumeSpec,
} from './types'

interface SdkDriverOptions {
  /** Absolute BoxLite home of this runtime. */
  readonly home: string
  /** `BOXLITE_REGISTRY` hosts, `host[:port]` (HTTPS), searched in order for unqualified images. */
  readonly registries?: readonly string[]
  /** Makes the runtime of the home (default: the real `JsBoxlite`); tests pass a scripted one. */
  readonly runtime?: RuntimeFactory
  /** `BOXLITE_CAPABILITIES`: replaces or adjusts what the package has. */
  readonly capabilities?: CapabilityOverride
}

const STATUSES: readonly BoxStatus[] = ['configured', 'running', 'stopped', 'paused', 'failed', 'stopping', 'unknown']
/** close() may wait this long per leftover box: a boot still running first, then the removal. */
const CLOSE_REMOVE_SECONDS = 180
/** The records name the runtime like a command, so evidence reads the same for both drivers. */
const SDK = 'boxlite-sdk'

export class SdkDriver implements BoxDriver {
  readonly kind = 'sdk' as const
  readonly home: string
  private runtime: SdkRuntime | undefined
  /** Boxes this driver made and has not removed: close() removes any the caller left behind. */
  private readonly created = new Set<string>()
  /** Executions in flight, killed on timeout or interrupt. */
  private readonly executions = new Set<SdkExecution>()
  /** Calls in flight and boots still going (remove() and close() wait for those first, within their own limit). */
  private readonly calls = new SdkCalls()

  constructor(private readonly options: SdkDriverOptions) {
    if (!isAbsolute(options.home)) throw new Error(`the box home must be an absolute path, got "${options.home}"`)
    this.home = options.home
  }

  async create(spec: BoxSpec, opts: CallOptions): Promise<{ id: string; record: CommandRecord }> {
    if ((spec.image === undefined) === (spec.rootfs === undefined)) {
      throw new Error('a box needs exactly one of image or rootfs')
    }
    const boxOptions = {
      ...(spec.rootfs !== undefined ? { rootfsPath: spec.rootfs } : { image: spec.image }),
      ...(spec.memoryMib !== undefined ? { memoryMib: spec.memoryMib } : {}),
      ...(spec.cpus !== undefined ? { cpus: spec.cpus } : {}),
      ...(spec.diskSizeGb !== undefined ? { diskSizeGb: spec.diskSizeGb } : {}),
      ...(spec.command.length > 0 ? { cmd: [...spec.command] } : {}),
      ...(spec.volumes?.length ? { volumes: spec.volumes.map(hostPathVolume) } : {}),
      detach: true,
      autoRemove: false,
    } satisfies SdkBoxOptions
    const argv = ['run', '-d', ...(spec.name !== undefined ? ['--name', spec.name] : [])]
    for (const v of spec.volumes ?? []) argv.push('-v', volumeArg(v))
    argv.push(...(spec.rootfs !== undefined ? ['--rootfs', spec.rootfs] : [spec.image as string]), ...spec.command)
    let id = ''
    const record = await this.call(
      argv,
      opts.timeoutSeconds,
      async () => {
        const box = await this.rt().create(boxOptions, spec.name ?? null)
        id = box.id
        this.created.add(id)
        await box.start()
        return { exitCode: 0, stdout: `${id}\n`, stderr: '' }
      },
      true,
    )
    if (record.exitCode !== 0) {
      // The configured box keeps its logs for the caller; remove(name) or close() clears it.
      const why = record.timedOut ? 'timed out' : firstLine(record.stderr)
      throw new DriverCallError(`the box did not start (${why})`, id ? { ...record, stdout: `${id}\n` } : record)
    }
    return { id, record }
  }

  exec(id: string, script: string, opts: ExecOptions): Promise<CommandRecord> {
    const argv = ['exec', ...(opts.detach ? ['-d'] : []), id, '--', 'sh', '-c', script]
    return this.call(argv, opts.timeoutSeconds, async (deadline) => {
      const box = await this.handle(id)
      // timeoutSecs makes the guest end the command too, not only this wait (inferred, not yet seen: these hosts cannot
      // boot BoxLite).
      const execution = await box.exec(
        'sh',
        ['-c', script],
        null,
        false,
        null,
        opts.detach ? null : Math.ceil(opts.timeoutSeconds),
        null,
      )
      if (opts.detach) {
        void drain(execution).catch(() => undefined)
        return { exitCode: 0, stdout: '', stderr: '' }
      }
      this.executions.add(execution)
      deadline.onExpire(() => execution.kill())
      try {
        const [out, err] = await Promise.all([readAll(execution.stdout()), readAll(execution.stderr())])
        const result = await execution.wait()
        return {
          exitCode: cliExitCode(result.exitCode),
          stdout: out,
          stderr: result.errorMessage
            ? `${err}${err.endsWith('\n') || err === '' ? '' : '\n'}${result.errorMessage}`
            : err,
        }
      } finally {
        this.executions.delete(execution)
      }
    })
  }

  async status(id: string, opts: CallOptions): Promise<{ status: BoxStatus; record: CommandRecord }> {
    let status: BoxStatus = 'unknown'
    const record = await this.call(['inspect', id], opts.timeoutSeconds, async () => {
      const info = await this.rt().getInfo(id)
      if (!info) return missingBox(id)
      status = toStatus(info.state.status)
      return { exitCode: 0, stdout: `${JSON.stringify(info)}\n`, stderr: '' }
    })
    return { status: record.exitCode === 0 ? status : 'unknown', record }
  }

  async listAll(opts: CallOptions): Promise<{ boxes: Array<{ id: string; name: string }>; record: CommandRecord }> {
    let boxes: Array<{ id: string; name: string }> = []
    const record = await this.call(['list', '-a'], opts.timeoutSeconds, async () => {
      const infos = await this.rt().listInfo()
      boxes = infos.map((i) => ({ id: i.id, name: i.name ?? '' }))
      return { exitCode: 0, stdout: `${JSON.stringify(infos)}\n`, stderr: '' }
    })
    return { boxes: record.exitCode === 0 ? boxes : [], record }
  }

  stop(id: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['stop', id], opts.timeoutSeconds, async () => {
      const box = await this.rt().get(id)
      if (!box) return missingBox(id)
      await box.stop()
      return { exitCode: 0, stdout: `${id}\n`, stderr: '' }
    })
  }

  start(id: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(
      ['start', id],
      opts.timeoutSeconds,
      async () => {
        await (await this.handle(id)).start()
        return { exitCode: 0, stdout: `${id}\n`, stderr: '' }
      },
      true,
    )
  }

  remove(idOrName: string, opts: CallOptions): Promise<CommandRecord> {
    return this.removeBox(idOrName, true, opts)
  }

  /** `rt.remove(id, false)`: a box others depend on (clones) is refused, in the runtime's words. */
  removeUnforced(idOrName: string, opts: CallOptions): Promise<CommandRecord> {
    return this.removeBox(idOrName, false, opts)
  }

  snapshotCreate(id: string, name: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['snapshot', 'create', id, name], opts.timeoutSeconds, async () => {
      const info = await (await this.handle(id)).snapshot.create(name, null)
      return { exitCode: 0, stdout: `${info.name}\n`, stderr: '' }
    })
  }

  async snapshotList(id: string, opts: CallOptions): Promise<{ snapshots: SnapshotInfo[]; record: CommandRecord }> {
    let snapshots: SnapshotInfo[] = []
    const record = await this.call(['snapshot', 'list', id, '--format', 'json'], opts.timeoutSeconds, async () => {
      const listed = await (await this.handle(id)).snapshot.list()
      snapshots = listed.map(toSnapshotInfo)
      return { exitCode: 0, stdout: `${JSON.stringify(listed)}\n`, stderr: '' }
    })
    return { snapshots: record.exitCode === 0 ? snapshots : [], record }
  }

  snapshotRemove(id: string, name: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['snapshot', 'rm', id, name], opts.timeoutSeconds, async () => {
      await (await this.handle(id)).snapshot.remove(name)
      return { exitCode: 0, stdout: '', stderr: '' }
    })
  }

  snapshotRestore(id: string, name: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['snapshot', 'restore', id, name], opts.timeoutSeconds, async () => {
      await (await this.handle(id)).snapshot.restore(name)
      return { exitCode: 0, stdout: '', stderr: '' }
    })
  }

  async clone(
    id: string,
    name: string | undefined,
    opts: CallOptions,
  ): Promise<{ id?: string; record: CommandRecord }> {
    let cloneId: string | undefined
    const argv = ['clone', ...(name !== undefined ? ['--name', name] : []), id]
    const record = await this.call(argv, opts.timeoutSeconds, async () => {
      const made = await (await this.handle(id)).cloneBox(null, name ?? null)
      cloneId = made.id
      this.created.add(made.id)
      return { exitCode: 0, stdout: `${made.id}\n`, stderr: '' }
    })
    return { id: record.exitCode === 0 ? cloneId : undefined, record }
  }

  async exportBox(
    id: string,
    destDir: string,
    opts: CallOptions,
  ): Promise<{ archive?: string; record: CommandRecord }> {
    let archive: string | undefined
    const record = await this.call(['export', id, destDir], opts.timeoutSeconds, async () => {
      archive = await (await this.handle(id)).export(destDir, null)
      return { exitCode: 0, stdout: `${archive}\n`, stderr: '' }
    })
    return { archive: record.exitCode === 0 ? archive : undefined, record }
  }

  async importBox(
    archive: string,
    name: string | undefined,
    opts: CallOptions,
  ): Promise<{ id?: string; record: CommandRecord }> {
    let importedId: string | undefined
    const argv = ['import', ...(name !== undefined ? ['--name', name] : []), archive]
    const record = await this.call(argv, opts.timeoutSeconds, async () => {
      const made = await this.rt().importBox(archive, name ?? null)
      importedId = made.id
      this.created.add(made.id)
      return { exitCode: 0, stdout: `${made.id}\n`, stderr: '' }
    })
    return { id: record.exitCode === 0 ? importedId : undefined, record }
  }

  copyIn(hostPath: string, id: string, boxPath: string, opts: CallOptions): Promise<CommandRecord> {
    return this.call(['cp', hostPath, `${id}:${boxPath}`], opts.timeoutSeconds, async () => {
      await (await this.handle(id)).copyIn(hostPath, boxPath, null)
      return { exitCode: 0, stdout: '', stderr: '' }
    })
  }

  /** What @boxlite-ai/boxlite 0.10.0 has (capabilities.ts), with the override applied. */
  async capabilities(opts: CallOptions): Promise<ReadonlySet<Capability>> {
    return (await capabilityReport('sdk', SDK, this.options.capabilities, opts)).effective
  }

  diskPath(id: string): string {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) throw new Error(`not a box id: ${JSON.stringify(id)}`)
    return join(this.home, 'boxes', id, 'disks', 'disk.qcow2')
  }

  imageStoreDirs(): string[] {
    return boxliteImageStore(this.home)
  }

  interrupt(): Promise<void> {
    for (const execution of this.executions) void execution.kill().catch(() => undefined)
    this.calls.interrupt()
    return Promise.resolve()
  }

  /**
   * Waits for boots still in progress, removes any box the caller left behind, then lets go of
   * the runtime (its home lock goes when the object is garbage-collected).
   */
  async close(): Promise<void> {
    for (const id of [...this.created]) await this.remove(id, { timeoutSeconds: CLOSE_REMOVE_SECONDS })
    this.runtime?.close()
    this.runtime = undefined
  }

  /** Removes a box (forced or not); a box it made is forgotten once removed or missing. */
  private async removeBox(idOrName: string, force: boolean, opts: CallOptions): Promise<CommandRecord> {
    let removedId: string | undefined
    const record = await this.call(['rm', ...(force ? ['-f'] : []), idOrName], opts.timeoutSeconds, async () => {
      await this.calls.bootsSettled()
      removedId = (await this.rt().getInfo(idOrName))?.id
      await this.rt().remove(idOrName, force)
      return { exitCode: 0, stdout: `${idOrName}\n`, stderr: '' }
    })
    // Bookkeeping, not a judgement: the embedded SDK is BoxLite's own, and its words are fixed by the
    // contract (`box not found: …`, docs/reference/boxlite-contract.md §2). Drivers sit below
    // src/evidence, so checks that judge a runtime's words use src/evidence/vocabulary.ts instead.
    if (record.exitCode === 0 || /box not found/i.test(record.stderr)) {
      this.created.delete(removedId ?? idOrName)
      this.created.delete(idOrName)
    }
    return record
  }

  /** The runtime of this home, made on first use (that runs BoxLite's KVM check and takes the home lock). */
  private rt(): SdkRuntime {
    if (!this.runtime) {
      const registries = imageRegistries(this.options.registries ?? [])
      const make = this.options.runtime ?? embeddedRuntime
      this.runtime = make({ homeDir: this.home, ...(registries.length ? { imageRegistries: registries } : {}) })
    }
    return this.runtime
  }

  /** A fresh handle: the one a stop() used is dead. */
  private async handle(id: string): Promise<SdkBox> {
    const box = await this.rt().get(id)
    if (!box) throw new Error(`No such box: ${id}`)
    return box
  }

  /** One SDK operation as a record named like the CLI command it stands for (see SdkCalls.run). */
  private call(
    argv: readonly string[],
    timeoutSeconds: number,
    work: (deadline: Deadline) => Promise<CallOutcome>,
    boots = false,
  ): Promise<CommandRecord> {
    return this.calls.run(renderCommand(SDK, ['--home', this.home, ...argv]), timeoutSeconds, work, boots)
  }
}

function missingBox(id: string): CallOutcome {
  return { exitCode: 1, stdout: '', stderr: `Error: No such box: ${id}\n` }
}

/**
 * A volume as the SDK takes it: only host directories. Anonymous and sized volumes are the CLI's
 * (`-v /BOX`, `-v /BOX:size=N`); the embedded runtime has no way to ask for them.
 */
function hostPathVolume(v: VolumeSpec): { hostPath: string; guestPath: string; readOnly?: boolean } {
  if (v.sizeBytes !== undefined)
    throw new Error(
      `the embedded runtime has no sized volumes (${v.guestPath}): only BoxLite's CLI may (-v PATH:size=N)`,
    )
  if (v.hostPath === undefined)
    throw new Error(
      `the embedded runtime has no anonymous volumes (${v.guestPath}): give a host path, or use the cli driver (-v /BOX)`,
    )
  return { hostPath: v.hostPath, guestPath: v.guestPath, ...(v.readOnly !== undefined ? { readOnly: v.readOnly } : {}) }
}

function toSnapshotInfo(s: SdkSnapshotInfo): SnapshotInfo {
  return { name: s.name, createdAt: s.createdAt, containerDiskBytes: s.containerDiskBytes, sizeBytes: s.sizeBytes }
}

function toStatus(raw: string): BoxStatus {
  const status = raw.toLowerCase()
  return (STATUSES as readonly string[]).includes(status) ? (status as BoxStatus) : 'unknown'
}

/** The CLI reports death by signal N as 128+N; the SDK may give -N (inferred, not yet seen on a booting host). */
function cliExitCode(code: number): number {
  return code < 0 ? 128 - code : code
}

/** The headline of a runtime message; a line ending in ':' takes the next one along (`…after trying 1 registry: - ` +
  `host: …`). */
function firstLine(text: string): string {
  const [first = '', second = ''] = text.trim().split('\n')
  const line = first.endsWith(':') && second ? `${first} ${second.trim()}` : first
  return line.replace(/^Error:\s*/, '')
}
