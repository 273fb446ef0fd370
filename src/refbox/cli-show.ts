/** The read-only commands of refbox's CLI: `list` and `inspect`, printed as BoxLite prints them. */
import { flag, parseArgs, value } from './args'
import type { Ctx } from './box'
import { UsageError } from './errors'
import { inspectItem, inspectItemVaried, listRow, listRowVaried, listTable } from './format'
import { reachSite } from './sites'
import { findBox, isRunning, listStates } from './state'
import { sayError } from './voice'

const out = (s: string) => process.stdout.write(s)

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
  reachSite(ctx.paths.home, 'list-or-inspect')
  const varied = ctx.variants.has('list-format')
  if (flag(p, 'quiet')) out(states.map((s) => `${s.id}\n`).join(''))
  else if (format === 'json') out(json(states.map(varied ? listRowVaried : listRow), varied))
  else out(listTable(states, varied))
  return 0
}

export function cmdInspect(ctx: Ctx, args: string[]): number {
  const p = parseArgs('inspect', args, [{ name: 'format', short: 'f', value: true }], false)
  if (p.positionals.length === 0) throw new UsageError('the following required arguments were not provided: <BOX>...')
  const format = value(p, 'format') ?? 'json'
  reachSite(ctx.paths.home, 'list-or-inspect')
  const varied = ctx.variants.has('list-format')
  const items: object[] = []
  const missing: string[] = []
  for (const ref of p.positionals) {
    const s = findBox(ctx.paths, ref)
    if (s) items.push(varied ? inspectItemVaried(s) : inspectItem(s))
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
    out(json(items, varied))
  } else {
    throw new UsageError(`invalid value '${format}' for '--format': refbox supports json and '{{.Field.Path}}'`)
  }
  if (missing.length === 0) return 0
  for (const m of missing) sayError(`no such box: ${m}`)
  return 1
}

/** Pretty-printed as BoxLite prints it; with `list-format`, compact on one line. */
function json(value: unknown, compact: boolean): string {
  return `${compact ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`
}
