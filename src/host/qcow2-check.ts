/**
 * `qemu-img check` of a box's disk on the host, read-only. A disk still held by a storage process
 * that is shutting down is locked; the check is retried until it is free or the time is up.
 */
import { execa } from 'execa'
import type { CommandRecord } from '../drivers/types'
import { renderCommand } from '../shell/command'
import { sleep } from './poll'

export interface Qcow2Check {
  readonly record: CommandRecord
  /**
   * `check-errors`, `corruptions` and `leaks` of the JSON report (absent counts are 0); undefined if there was none.
   */
  readonly result?: { readonly checkErrors: number; readonly corruptions: number; readonly leaks: number }
}

export async function checkQcow2(path: string, timeoutSeconds: number): Promise<Qcow2Check> {
  const deadline = Date.now() + timeoutSeconds * 1000
  const args = ['check', '--output=json', path]
  for (;;) {
    const started = Date.now()
    const r = await execa('qemu-img', args, { reject: false, timeout: Math.max(1000, deadline - started) })
    const record: CommandRecord = {
      command: renderCommand('qemu-img', args),
      exitCode: r.exitCode ?? -1,
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? ''),
      timedOut: r.timedOut,
      durationMs: Date.now() - started,
    }
    // qemu-img's own words (the suite's host tool, not the runtime): the disk is still locked, so retry.
    if (/lock/i.test(record.stderr) && Date.now() < deadline) {
      await sleep(250)
      continue
    }
    return { record, result: parseCheck(record.stdout) }
  }
}

function parseCheck(stdout: string): Qcow2Check['result'] {
  try {
    const j = JSON.parse(stdout) as Record<string, unknown>
    const n = (k: string) => (typeof j[k] === 'number' ? j[k] : 0)
    return typeof j['check-errors'] === 'number'
      ? { checkErrors: n('check-errors'), corruptions: n('corruptions'), leaks: n('leaks') }
      : undefined
  } catch {
    return undefined
  }
}
