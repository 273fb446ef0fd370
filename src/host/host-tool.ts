/** Runs a host tool (qemu-img, mkfs.ext4, losetup, mount) with a time limit, as a record for the report. */
import { execa } from 'execa'
import type { CommandRecord } from '../drivers/types'
import { renderCommand } from '../shell/command'

export async function runHostTool(
  bin: string,
  args: readonly string[],
  timeoutSeconds: number,
  debianPackage: string,
): Promise<CommandRecord> {
  const started = Date.now()
  const r = await execa(bin, args, {
    reject: false,
    timeout: Math.max(1, Math.round(timeoutSeconds * 1000)),
    stdin: 'ignore',
  })
  const missing = (r as { code?: string }).code === 'ENOENT'
  return {
    command: renderCommand(bin, args),
    exitCode: r.exitCode ?? -1,
    stdout: String(r.stdout ?? ''),
    stderr: missing ? `${bin} not found (Debian package ${debianPackage})` : String(r.stderr ?? ''),
    timedOut: r.timedOut,
    durationMs: Date.now() - started,
  }
}
