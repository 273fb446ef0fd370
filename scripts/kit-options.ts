/**
 * The command line of `boxlite-disk-spec`: its commands, their options and help, and one-sentence
 * errors for a bad option (the option, the value, the accepted form), never a stack trace.
 */
import parseTagExpression from '@cucumber/tag-expressions'

export const COMMANDS = ['run', 'doctor', 'clean', 'list'] as const
export type Command = (typeof COMMANDS)[number]

interface OptionSpec {
  readonly name: string
  /** Shown in help and in errors: the value's accepted form ("PATH", "i/n"); none for a flag. */
  readonly value?: string
  readonly repeatable?: boolean
  readonly help: string
  /** Checks a value; returns the accepted form when it is wrong. */
  readonly check?: (value: string) => string | undefined
}

const RUNTIME: readonly OptionSpec[] = [
  { name: '--bin', value: 'PATH', help: 'a boxlite-dialect binary to test, e.g. ./target/release/boxlite' },
  { name: '--sdk', help: 'the runtime embedded in @boxlite-ai/boxlite (installed with this package)' },
  { name: '--self-test', help: "the bundled reference runtime, refbox (no KVM; root and Debian's qemu tools)" },
]

/** A tag expression cucumber can parse; else the accepted form. */
const tagExpression = (v: string) => {
  try {
    parseTagExpression(v)
    return undefined
  } catch {
    return 'a tag expression such as "@disk-guest and not @host-full" (tags joined by and, or, not, parentheses)'
  }
}

const wholeNumber = (min: number, max: number, example: string) => (v: string) =>
  /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max
    ? undefined
    : `a whole number from ${min} to ${max}, e.g. ${example}`

const OPTIONS: Readonly<Record<Command, readonly OptionSpec[]>> = {
  run: [
    ...RUNTIME,
    { name: '--reports', value: 'DIR', help: 'where the reports go (default $REPORTS_DIR, else ./reports)' },
    {
      name: '--expectations',
      value: 'FILE',
      help: "the known issues to apply (default: the bundled expectations/known-issues.json; 'none' for none)",
    },
    {
      name: '--tags',
      value: 'EXPR',
      help: 'cucumber tag expression, e.g. "@disk-guest and not @host-full"',
      check: tagExpression,
    },
    { name: '--name', value: 'REGEXP', repeatable: true, help: 'only scenarios whose title matches (repeatable)' },
    {
      name: '--parallel',
      value: 'N',
      help: 'run N scenarios side by side (each boxes of its own)',
      check: wholeNumber(1, 64, '2'),
    },
    { name: '--fail-fast', help: 'stop after the first failing scenario' },
    {
      name: '--shard',
      value: 'i/n',
      help: 'run one duration-balanced shard of n (merge with `npm run merge-shards`)',
      check: (v) => (/^\d+\/\d+$/.test(v) ? undefined : 'i/n with 1 <= i <= n, e.g. 1/2'),
    },
    {
      name: '--shard-durations',
      value: 'FILE',
      help: "an earlier run's cucumber-messages.ndjson to balance shards by",
    },
    {
      name: '--record-sites',
      help: 'also record which refbox defect sites each scenario reaches (for `npm run prove --healthy-from`)',
    },
  ],
  doctor: RUNTIME,
  clean: [{ name: '--include-kept', help: 'also remove the boxes of scenarios kept on purpose (KEEP_BOXES)' }],
  list: [
    { name: '--tags', value: 'EXPR', help: 'only the scenarios this tag expression selects', check: tagExpression },
  ],
}

const SUMMARY: Readonly<Record<Command, string>> = {
  run: 'run the guarantees against a runtime; exit 0 when the run guard finds nothing wrong (the default command)',
  doctor: 'check that a run can start here: the preflight, the KVM class, the tools and the free space',
  clean: 'remove every box, storage daemon, mount, loop device and home left by runs of this suite that were killed',
  list: 'list the guarantees and their scenarios with their tags, to choose what to select',
}

export interface Parsed {
  readonly command: Command
  readonly help: boolean
  /** Flags as `true`, valued options as their values (repeatable ones in order). */
  readonly options: ReadonlyMap<string, string[] | true>
}

/** A bad command line; its message is the one sentence printed. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export function parseCommandLine(argv: readonly string[]): Parsed {
  const args = [...argv]
  let command: Command = 'run'
  if (args[0] !== undefined && !args[0].startsWith('-')) {
    if (!(COMMANDS as readonly string[]).includes(args[0]))
      throw new UsageError(`"${args[0]}" is not a command: use one of ${COMMANDS.join(', ')} (run is the default).`)
    command = args.shift() as Command
  }
  const specs = OPTIONS[command]
  const options = new Map<string, string[] | true>()
  let help = false
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s)
    if (flag === '--help' || flag === '-h') {
      help = true
      continue
    }
    const spec = specs.find((s) => s.name === flag)
    if (!spec) {
      const accepted = specs.map((s) => s.name).join(', ')
      throw new UsageError(
        `${command}: "${args[i]}" is not an option of ${command}: use ${accepted || 'no option'} or --help.`,
      )
    }
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`${command}: ${flag} takes no value, so "${args[i]}" is wrong.`)
      options.set(flag, true)
      continue
    }
    const value = inline ?? args[++i]
    if (value === undefined || (inline === undefined && value.startsWith('--')))
      throw new UsageError(`${command}: ${flag} needs a value: write ${flag} ${spec.value}.`)
    const wrong = spec.check?.(value)
    if (wrong) throw new UsageError(`${command}: ${flag} "${value}" is not usable: write ${wrong}.`)
    const before = options.get(flag)
    if (before !== undefined && !spec.repeatable)
      throw new UsageError(`${command}: ${flag} is given twice: give it once.`)
    options.set(flag, [...(Array.isArray(before) ? before : []), value])
  }
  const runtimes = RUNTIME.map((r) => r.name).filter((n) => options.has(n))
  if (runtimes.length > 1 && specs.includes(RUNTIME[0]))
    throw new UsageError(`${command}: ${runtimes.join(' and ')} name different runtimes: give one of them.`)
  return { command, help, options }
}

export function value(p: Parsed, name: string): string | undefined {
  const v = p.options.get(name)
  return Array.isArray(v) ? v[v.length - 1] : undefined
}

export function values(p: Parsed, name: string): string[] {
  const v = p.options.get(name)
  return Array.isArray(v) ? v : []
}

export function flag(p: Parsed, name: string): boolean {
  return p.options.get(name) === true
}

export function usage(command?: Command): string {
  if (command === undefined) {
    return [
      'usage: boxlite-disk-spec [COMMAND] [OPTIONS]',
      '',
      'The guest-disk guarantees of BoxLite, as a runnable spec. Reports go to ./reports of the caller.',
      '',
      ...COMMANDS.map((c) => `  ${c.padEnd(7)} ${SUMMARY[c]}`),
      '',
      'Examples:',
      '  npx boxlite-disk-spec --bin ./target/release/boxlite    the whole suite against a binary',
      '  npx boxlite-disk-spec run --self-test --tags @disk-guest the suite against the bundled reference runtime',
      '  npx boxlite-disk-spec doctor                             can a run start on this host?',
      '',
      'Without --bin or --sdk the runtime comes from the environment (BOXLITE_DRIVER, BOXLITE_BIN, ...:',
      'docs/running-the-suite.md "Settings"). `boxlite-disk-spec COMMAND --help` shows its options.',
    ].join('\n')
  }
  const width = Math.max(...OPTIONS[command].map((s) => `${s.name}${s.value ? ` ${s.value}` : ''}`.length), 10)
  return [
    `usage: boxlite-disk-spec ${command} [OPTIONS]`,
    '',
    `${SUMMARY[command][0].toUpperCase()}${SUMMARY[command].slice(1)}.`,
    '',
    ...OPTIONS[command].map((s) => `  ${`${s.name}${s.value ? ` ${s.value}` : ''}`.padEnd(width)}  ${s.help}`),
    `  ${'--help'.padEnd(width)}  this text`,
  ].join('\n')
}
