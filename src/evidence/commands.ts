/** How a driver call appears in the report: the command, its exit, and its output cut to a readable size. */
import type { CommandRecord } from '../drivers/types'

/** Keeps the head and tail of long output, saying how much was left out. */
export function trimOutput(text: string, max = 1500): string {
  const t = text.replace(/\s+$/, '')
  if (t.length <= max) return t
  const head = Math.floor(max * 0.6)
  const tail = max - head
  return `${t.slice(0, head)}\n… [${t.length - max} characters left out] …\n${t.slice(-tail)}`
}

/** A long inline script is shortened in the command line; the output is shown below it. */
export function formatRecord(r: CommandRecord, maxOutput = 1500): string {
  const status = r.timedOut
    ? `TIMED OUT after ${(r.durationMs / 1000).toFixed(1)} s`
    : `exit ${r.exitCode} in ${(r.durationMs / 1000).toFixed(2)} s`
  const lines = [`$ ${trimOutput(r.command, 600)}`, `→ ${status}`]
  if (r.stdout.trim()) lines.push(`stdout:\n${indent(trimOutput(r.stdout, maxOutput))}`)
  if (r.stderr.trim()) lines.push(`stderr:\n${indent(trimOutput(r.stderr, maxOutput))}`)
  return lines.join('\n')
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')
}
