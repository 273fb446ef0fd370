/** The read-only commands of refbox's CLI: `list` and `inspect`, printed as BoxLite prints them. */
import { flag, parseArgs, value } from './args'
import type { Ctx } from './box'
import { UsageError } from './errors'
import { inspectItem, listRow, listTable } from './format'
import { findBox, isRunning, listStates } from './state'

const out = (s: string) => process.stdout.write(s)
const err = (s: string) => process.stderr.write(s)

export function cmdList(ctx: Ctx, args: string[]): number {
  const p = parseArgs(
    'list',
    args,
    [
      { name: 'all', short: 'a' },
      { name: 'quiet', short: 'q' },
      { name: 'format', value: true },
    ],
    false,
  )
  if (p.positionals.length) throw new UsageError(`unexpected argument '${p.positionals[0]}' found for 'list'`)
  const format = value(p, 'format') ?? 'table'
  if (format !== 'table' && format !== 'json')
    throw new UsageError(`invalid value '${format}' for '--format': refbox supports table, json`)
  const states = listStates(ctx.paths).filter((s) => flag(p, 'all') || isRunning(s))
  if (flag(p, 'quiet')) out(states.map((s) => `${s.id}\n`).join(''))
  else if (format === 'json') out(`${JSON.stringify(states.map(listRow), null, 2)}\n`)
  else out(listTable(states))
  return 0
}

export function cmdInspect(ctx: Ctx, args: string[]): number {
  const p = parseArgs('inspect', args, [{ name: 'format', short: 'f', value: true }], false)
  if (p.positionals.length === 0) throw new UsageError('the following required arguments were not provided: <BOX>...')
  const format = value(p, 'format') ?? 'json'
  const items: ReturnType<typeof inspectItem>[] = []
  const missing: string[] = []
  for (const ref of p.positionals) {
    const s = findBox(ctx.paths, ref)
    if (s) items.push(inspectItem(s))
    else missing.push(ref)
  }
  const template = /^\{\{\s*((?:\.[A-Za-z]+)+)\s*\}\}$/.exec(format)
  if (template) {
    for (const item of items) {
      let v: unknown = item
      for (const key of template[1].slice(1).split('.')) v = (v as Record<string, unknown> | undefined)?.[key]
      out(`${typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v)}\n`)
    }
  } else if (format === 'json') {
    out(`${JSON.stringify(items, null, 2)}\n`)
  } else {
    throw new UsageError(`invalid value '${format}' for '--format': refbox supports json and '{{.Field.Path}}'`)
  }
  if (missing.length === 0) return 0
  for (const m of missing) err(`Error: no such box: ${m}\n`)
  return 1
}
