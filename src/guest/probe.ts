/**
 * The one shape of everything the suite runs inside a box: a named POSIX sh script (busybox:
 * alpine and the refbox image) and the parser of what it printed. Steps never build shell strings;
 * the suite's tasks run these through a driver.
 */
import type { CommandRecord } from '../drivers/types'

export interface GuestProbe<T> {
  /** Short name for errors and evidence. */
  readonly what: string
  readonly script: string
  parse(record: CommandRecord): T
}

export class ProbeError extends Error {
  constructor(what: string, problem: string, record: CommandRecord) {
    super(
      `${what}: ${problem} (exit ${record.exitCode}; stdout ${JSON.stringify(clip(record.stdout))}; stderr ` +
        `${JSON.stringify(clip(record.stderr))})`,
    )
    this.name = 'ProbeError'
  }
}

/** A script whose result is its record: whoever runs it judges the exit status and output. */
export function command(what: string, script: string): GuestProbe<CommandRecord> {
  return { what, script, parse: (record) => record }
}

/** `key=value` lines of a script's output. */
export function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)=(.*)$/.exec(line.trim())
    if (m) out[m[1]] = m[2]
  }
  return out
}

export function int(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}
