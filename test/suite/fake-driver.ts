/** A BoxDriver that runs nothing: it answers each in-box script from a table and remembers every script it was sent. */
import type {
  BoxDriver,
  BoxSpec,
  BoxStatus,
  CallOptions,
  Capability,
  CommandRecord,
  ExecOptions,
} from '../../src/drivers/types'

export type Responder = (script: string) => Partial<CommandRecord>

export class FakeDriver implements BoxDriver {
  readonly kind = 'cli' as const
  readonly scripts: string[] = []
  readonly removed: string[] = []
  constructor(
    readonly home: string,
    private readonly respond: Responder,
  ) {}

  async create(spec: BoxSpec, _opts: CallOptions): Promise<{ id: string; record: CommandRecord }> {
    return { id: 'FAKEBOX00001', record: record(`run ${spec.name}`, { stdout: 'FAKEBOX00001\n' }) }
  }
  async exec(_id: string, script: string, _opts: ExecOptions): Promise<CommandRecord> {
    this.scripts.push(script)
    return record(script, this.respond(script))
  }
  async status(): Promise<{ status: BoxStatus; record: CommandRecord }> {
    return { status: 'running', record: record('inspect', {}) }
  }
  async stop(): Promise<CommandRecord> {
    return record('stop', {})
  }
  async start(): Promise<CommandRecord> {
    return record('start', {})
  }
  async remove(idOrName: string): Promise<CommandRecord> {
    this.removed.push(idOrName)
    return record('rm -f', {})
  }
  async copyIn(): Promise<CommandRecord> {
    return record('cp', {})
  }
  capabilities(): Promise<ReadonlySet<Capability>> {
    return Promise.resolve(new Set<Capability>())
  }

  diskPath(id: string): string {
    return `${this.home}/boxes/${id}/disks/disk.qcow2`
  }
  imageStoreDirs(): string[] {
    return [`${this.home}/images`]
  }
  async interrupt(): Promise<void> {}
  async close(): Promise<void> {}
}

function record(command: string, r: Partial<CommandRecord>): CommandRecord {
  return { command, exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 1, ...r }
}

/** What `df` and the proof script print for a rootfs of `totalKiB`. */
export function rootfsReport(totalKiB: number): string {
  return [
    `total_kib=${totalKiB}`,
    'used_kib=2000',
    `avail_kib=${totalKiB - 2000}`,
    'fs_type=ext4',
    'tmp_fs_type=tmpfs',
    `file=${'1'.padStart(3)} ${'a'.repeat(64)} /etc/os-release`,
    `file=10 ${'b'.repeat(64)} /bin/busybox`,
  ].join('\n')
}
