/** A small clap-like option parser: flags first, then positionals; `--` ends the options. */
import { UsageError } from './errors'

interface FlagSpec {
  /** Long name without dashes, e.g. `disk-size`. */
  readonly name: string
  readonly short?: string
  readonly value?: boolean
  readonly repeat?: boolean
}

export interface Parsed {
  readonly flags: Map<string, string[]>
  readonly positionals: string[]
  /** Whether a `--` separator was seen, and how many positionals came before it. */
  readonly dashDashAt?: number
}

/**
 * Parses `argv` against `specs`. With `stopAtPositional`, everything from the first positional on
 * is left as positionals (a box's command keeps its own flags).
 */
export function parseArgs(
  command: string,
  argv: readonly string[],
  specs: readonly FlagSpec[],
  stopAtPositional = true,
): Parsed {
  const flags = new Map<string, string[]>()
  const positionals: string[] = []
  let dashDashAt: number | undefined
  const byLong = new Map(specs.map((s) => [s.name, s]))
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]))
  const set = (spec: FlagSpec, value: string) => {
    const prev = flags.get(spec.name)
    if (prev && !spec.repeat) throw new UsageError(`the argument '--${spec.name}' cannot be used multiple times`)
    flags.set(spec.name, [...(prev ?? []), value])
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (positionals.length > 0 && stopAtPositional) {
      positionals.push(...argv.slice(i)) // verbatim, `--` included: it belongs to what follows
      break
    }
    if (a === '--') {
      dashDashAt = positionals.length
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (a.startsWith('--') || (a.startsWith('-') && a.length > 1)) {
      const long = a.startsWith('--')
      const eq = a.indexOf('=')
      const key = long ? a.slice(2, eq > 0 ? eq : undefined) : a.slice(1, 2)
      const spec = long ? byLong.get(key) : byShort.get(key)
      if (!spec) throw new UsageError(`unexpected argument '${a}' found for '${command}'`)
      if (!spec.value) {
        if (long && eq > 0) throw new UsageError(`unexpected value for '--${spec.name}'`)
        if (!long && a.length > 2) {
          // combined short flags, e.g. -fa
          for (const c of a.slice(1)) {
            const s = byShort.get(c)
            if (!s || s.value) throw new UsageError(`unexpected argument '${a}' found for '${command}'`)
            set(s, 'true')
          }
          continue
        }
        set(spec, 'true')
        continue
      }
      let value: string | undefined
      if (long && eq > 0) value = a.slice(eq + 1)
      else if (!long && a.length > 2) value = a.slice(2)
      else value = argv[++i]
      if (value === undefined) throw new UsageError(`a value is required for '--${spec.name}' but none was supplied`)
      set(spec, value)
      continue
    }
    positionals.push(a)
  }
  return { flags, positionals, dashDashAt }
}

export const flag = (p: Parsed, name: string): boolean => p.flags.has(name)
export const value = (p: Parsed, name: string): string | undefined => p.flags.get(name)?.at(-1)
export const values = (p: Parsed, name: string): string[] => p.flags.get(name) ?? []

/** A positive whole number, or a usage error naming the flag. */
export function positiveInt(name: string, raw: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (raw === undefined) return undefined
  if (!/^\d+$/.test(raw) || Number(raw) <= 0 || Number(raw) > max) {
    throw new UsageError(`invalid value '${raw}' for '--${name}': expected a whole number from 1 to ${max}`)
  }
  return Number(raw)
}
