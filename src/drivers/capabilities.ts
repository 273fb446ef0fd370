/**
 * What a runtime can do beyond the rootfs (issue 23), found out once per process:
 * - the `cli` driver asks its binary: `BIN --help` lists the subcommands (`snapshot`, `clone`, `export` and
 *   `import`, `gc`), `BIN run --help` shows `-v`/`--volume` (volumes) and `size=` (sized volumes). BoxLite's CLI
 *   (clap) prints `Commands:` then one `  name   About` line each; refbox prints its usage, some lines naming
 *   several commands. A CLI's `-v` takes anonymous volumes too (`-v /BOX`), so volumes there mean both.
 *   A binary whose help cannot be read has no capability, and the reason is kept for the skip.
 * - the `sdk` driver knows its package: @boxlite-ai/boxlite 0.10.0 has snapshots, clone and export/import, and
 *   host-path volumes; no sized volumes, no gc, no anonymous volumes (those are the CLI's).
 * `BOXLITE_CAPABILITIES` (read in src/settings.ts) replaces or adjusts what was found.
 */
import { execa } from 'execa'
import { CAPABILITIES, type CallOptions, type Capability } from './types'

/** What @boxlite-ai/boxlite 0.10.0 has (docs: boxlite-disks-beyond-rootfs.md §0). */
export const SDK_CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  'snapshots',
  'clone',
  'export',
  'volumes',
])

/**
 * `BOXLITE_CAPABILITIES` as read: `replace` (a list, or `none`) stands instead of what the driver found;
 * `add`/`remove` (`+gc,-clone`) adjust it. Plain data: the driver settings are written to each scenario's
 * driver.json.
 */
export interface CapabilityOverride {
  /** The setting as written, for the sentences that cite it. */
  readonly raw: string
  readonly replace?: readonly Capability[]
  readonly add?: readonly Capability[]
  readonly remove?: readonly Capability[]
}

/** What a driver can do, and where that came from (for the skip sentence). */
export interface CapabilityReport {
  /** What the driver found (the probe, or the package's list), before the override. */
  readonly found: ReadonlySet<Capability>
  /** What the run uses: `found` with `BOXLITE_CAPABILITIES` applied. */
  readonly effective: ReadonlySet<Capability>
  readonly override?: CapabilityOverride
  /** Why the probe found nothing, when the binary's help could not be read. */
  readonly probeProblem?: string
}

/** The accepted form of `BOXLITE_CAPABILITIES`, for its one-sentence error. */
export const CAPABILITIES_FORM =
  `write a comma-separated list of ${CAPABILITIES.join(', ')} (replacing what the driver reports), none, ` +
  `or +NAME/-NAME entries that adjust it (e.g. +gc,-clone)`

/**
 * Reads `BOXLITE_CAPABILITIES`: undefined when unset or blank; throws an Error saying what is wrong with
 * the value (the caller names the setting and the accepted form).
 */
export function parseCapabilityOverride(raw: string | undefined): CapabilityOverride | undefined {
  const value = (raw ?? '').trim()
  if (value === '') return undefined
  if (value === 'none') return { raw: value, replace: [] }
  const entries = value.split(',').map((e) => e.trim())
  if (entries.some((e) => e === '')) throw new Error('has an empty entry')
  const signed = entries.filter((e) => e.startsWith('+') || e.startsWith('-'))
  if (signed.length > 0 && signed.length < entries.length) throw new Error('mixes a list with +/- adjustments')
  const names = entries.map((e) => (signed.length ? e.slice(1) : e))
  const unknown = names.filter((n) => !(CAPABILITIES as readonly string[]).includes(n))
  if (unknown.length) throw new Error(`names no capability ${unknown.map((n) => `"${n}"`).join(', ')}`)
  if (!signed.length) return { raw: value, replace: names as Capability[] }
  const add = entries.filter((e) => e.startsWith('+')).map((e) => e.slice(1) as Capability)
  const remove = entries.filter((e) => e.startsWith('-')).map((e) => e.slice(1) as Capability)
  const both = add.filter((c) => remove.includes(c))
  if (both.length) throw new Error(`both adds and removes ${both.join(', ')}`)
  return { raw: value, add, remove }
}

/** `found` with the override applied. */
export function applyOverride(
  found: ReadonlySet<Capability>,
  override: CapabilityOverride | undefined,
): ReadonlySet<Capability> {
  if (!override) return found
  if (override.replace) return new Set(override.replace)
  const result = new Set(found)
  for (const c of override.add ?? []) result.add(c)
  for (const c of override.remove ?? []) result.delete(c)
  return result
}

/**
 * The subcommand names a help text lists: the first word of each line of its `Commands` section, and on a
 * line naming several (refbox: `start BOX...   stop BOX...`) each later part that reads like a command
 * (followed by arguments, not a lowercase description). `list|ls|ps` names all three.
 */
export function helpCommands(help: string): Set<string> {
  const commands = new Set<string>()
  let inSection = false
  for (const line of help.split('\n')) {
    // The section's heading: `Commands:` (clap), `Commands (BoxLite CLI dialect):` (refbox).
    if (/^\S/.test(line) && /\bcommands\b[^:]*:\s*$/i.test(line)) {
      inSection = true
      continue
    }
    if (!inSection) continue
    if (line.trim() === '' || /^\S/.test(line)) {
      // clap ends the section with a blank line; refbox's usage with its next unindented paragraph.
      if (commands.size > 0) inSection = false
      continue
    }
    // Commands are indented a little (clap: 2 spaces); a description carried onto the next line, far more.
    if (/^\s{5,}/.test(line)) continue
    const parts = line.trim().split(/\s{2,}/)
    parts.forEach((part, i) => {
      const [word, ...rest] = part.split(/\s+/)
      if (!/^[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)*$/.test(word)) return
      // A later part is a command only when an argument follows it (`stop BOX...`, `gc [--dry-run]`) or it stands
      // alone; a description (`write the box to ...`) does not.
      if (i > 0 && rest.length > 0 && !/^([A-Z][A-Z0-9_.:/-]*|[[<(-].*)$/.test(rest[0])) return
      for (const name of word.split('|')) commands.add(name)
    })
  }
  return commands
}

/** The capabilities a boxlite-dialect binary advertises in its top help and its `run --help`. */
export function capabilitiesFromHelp(topHelp: string, runHelp: string): Set<Capability> {
  const commands = helpCommands(topHelp)
  const found = new Set<Capability>()
  if (commands.has('snapshot')) found.add('snapshots')
  if (commands.has('clone')) found.add('clone')
  if (commands.has('export') && commands.has('import')) found.add('export')
  if (commands.has('gc')) found.add('gc')
  const run = `${runHelp}\n${topHelp}`
  // `-v, --volume <VOLUME>` (clap) or `-v HOST:BOX[:ro]` (refbox); not a `-v, --verbose`.
  if (/--volume\b/.test(run) || /(^|[\s[(|,])-v[ =]\S*:/m.test(run)) {
    found.add('volumes')
    // BoxLite's CLI grammar: `-v /BOX` is an anonymous volume in the home (the SDK has no such thing).
    found.add('anonymous-volumes')
  }
  if (found.has('volumes') && /\bsize=/.test(run)) found.add('sized-volumes')
  return found
}

/** One probe per binary per process. */
const probes = new Map<string, Promise<{ found: ReadonlySet<Capability>; problem?: string }>>()

/** Asks the binary once (`--help`, `run --help`); the answer is kept for the rest of the process. */
export function probeCli(
  bin: string,
  opts: CallOptions,
): Promise<{ found: ReadonlySet<Capability>; problem?: string }> {
  let probe = probes.get(bin)
  if (!probe) {
    probe = runProbe(bin, opts)
    probes.set(bin, probe)
  }
  return probe
}

async function runProbe(bin: string, opts: CallOptions): Promise<{ found: ReadonlySet<Capability>; problem?: string }> {
  const help = async (args: string[]) => {
    const r = await execa(bin, args, {
      reject: false,
      stdin: 'ignore',
      timeout: Math.max(1, Math.round(opts.timeoutSeconds * 1000)),
      // No home: asking for help must never touch one (refbox takes `run --help` as a run without a home).
      env: { ...withoutHome(process.env), NO_COLOR: '1' },
      extendEnv: false,
    })
    const text = `${String(r.stdout ?? '')}\n${String(r.stderr ?? '')}`
    if (r.exitCode === 0) return { text }
    const why = r.timedOut ? 'timed out' : r.exitCode === undefined ? String(r.shortMessage) : `exit ${r.exitCode}`
    return { text, problem: `\`${bin} ${args.join(' ')}\` failed (${why})` }
  }
  const top = await help(['--help'])
  if (top.problem) return { found: new Set(), problem: top.problem }
  const run = await help(['run', '--help'])
  // A binary without `run --help` may still say everything in its top help.
  return { found: capabilitiesFromHelp(top.text, run.problem ? '' : run.text) }
}

function withoutHome(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env }
  delete copy.BOXLITE_HOME
  return copy
}

/** What a driver of `kind` can do here, with the override applied. */
export async function capabilityReport(
  kind: 'cli' | 'sdk',
  bin: string,
  override: CapabilityOverride | undefined,
  opts: CallOptions,
): Promise<CapabilityReport> {
  // A list that replaces what the driver reports needs no probe: the binary is not even asked.
  if (override?.replace) {
    const effective = applyOverride(new Set(), override)
    return { found: effective, effective, override }
  }
  const probed: { found: ReadonlySet<Capability>; problem?: string } =
    kind === 'sdk' ? { found: SDK_CAPABILITIES } : await probeCli(bin, opts)
  return {
    found: probed.found,
    effective: applyOverride(probed.found, override),
    ...(override ? { override } : {}),
    ...(probed.problem ? { probeProblem: probed.problem } : {}),
  }
}
