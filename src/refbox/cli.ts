/**
 * refbox: a BoxLite-dialect CLI over BoxLite's disk stack, without a VM. Global flags come before the
 * subcommand (`refbox --home /abs/h run -d ...`). Errors: `Error: <message>` on stderr, exit 1;
 * usage errors exit 2.
 */
import { resolve } from 'node:path'
import { flag, parseArgs, positiveInt, value, values, type Parsed } from './args'
import { createBox, startBox, stopBox, type Ctx } from './box'
import { removeBox } from './remove'
import { buildImage, DEFAULT_BUSYBOX } from './build-image'
import { Defects } from './defects'
import { RefboxError, ReportedFailure, UsageError } from './errors'
import { copyIntoBox, execInBox } from './exec'
import { cmdInspect, cmdList } from './cli-show'
import { HomePaths, lockHome, resolveHome } from './home'
import { cmdLogs } from './kernel-log'
import { cmdExport, cmdImport } from './archive'
import { cmdClone } from './clone'
import { cmdGc } from './gc'
import { recoverHome } from './recover'
import { cmdSnapshot } from './snapshot'
import { prune } from './prune'
import { versionLine } from './version'
import { Variants } from './variants'
import { runtimeFilesIfVaried, spacePrecheck } from './variant-effects'
import { reachSite } from './sites'
import { sayError, sayNote, setVoice, warnFirst } from './voice'
import { findBox, isRunning, listStates, type BoxState } from './state'
import { parseVolumeSpecs } from './volumes'

const USAGE = `Usage: refbox [--home ABS_PATH] <command> [args]
       refbox --version

Commands (BoxLite CLI dialect):
  run -d [--name N] [--memory MiB] [--cpus N] [--disk-size GB] (--rootfs OCI_LAYOUT | IMAGE) [CMD ARGS...]
  create [same options as run]      create a box without starting it
    -v, --volume HOST:BOX[:ro] | -v /BOX[:ro] | -v /BOX:size=N[,ro]   (repeatable, on run and create)
                                    a host directory, an anonymous volume kept in the home after rm,
                                    or one with its own ext4 disk of N bytes (K/M/G; at least 16M), deleted with the box
  exec [-d] [-i] [-e K=V] BOX -- CMD [ARGS...]
  list|ls|ps [-a] [-q] [--format table|json]
  inspect [--format json|'{{.State.Status}}'] BOX...
  start BOX...   stop BOX...   restart BOX...   rm [-f] [-a] BOX...
  clone [--name N] BOX              a new stopped box with BOX's disk and options; prints its id
  cp HOST_FILE BOX:/path            stream a host file into the box
  logs BOX                          the kernel's messages about the box's disk since it booted
  prune                             release what crashed runs left in the home
  gc [--dry-run]                    delete box directories, bases and image disks no box uses (10 min grace)
  snapshot create BOX NAME | snapshot list BOX [--format table|json] | snapshot rm BOX NAME |
  snapshot restore BOX NAME         snapshots of a box's disk (restore: the box must be stopped)
  build-image --out DIR [--busybox PATH]   offline busybox OCI layout for --rootfs
  export BOX DEST                   write the box to a .boxlite archive (DEST a directory: DEST/<name>.boxlite)
  import [--name N] ARCHIVE         a new, stopped box from a .boxlite archive

Home: --home ABS_PATH or BOXLITE_HOME. Defects: REFBOX_DEFECTS=name[,name...] (see src/refbox/defects.ts).
Benign variations: REFBOX_VARIANTS=name[,name...] (see src/refbox/variants.ts).
`

const out = (s: string) => process.stdout.write(s)

const DEFAULT_COMMAND = ['sleep', '2147483647']

export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await dispatch(argv)
  } catch (e) {
    if (e instanceof ReportedFailure) return e.exitCode
    if (e instanceof RefboxError) {
      sayError(e.message, e.detail)
      if (e instanceof UsageError) sayNote(`\nFor more information, try 'refbox --help'.`)
      return e instanceof UsageError ? 2 : 1
    }
    sayError(`internal error: ${(e as Error).message}`)
    if (process.env.REFBOX_DEBUG) process.stderr.write(`${(e as Error).stack}\n`)
    return 1
  }
}

async function dispatch(argv: readonly string[]): Promise<number> {
  const global = parseArgs('refbox', argv, [
    { name: 'home', value: true },
    { name: 'registry', value: true, repeat: true },
    { name: 'config', value: true },
    { name: 'debug' },
    { name: 'help', short: 'h' },
    { name: 'version', short: 'V' },
  ])
  const [command, ...rest] = global.positionals
  if (flag(global, 'help') || command === 'help' || (command === undefined && !flag(global, 'version'))) {
    out(USAGE)
    return command === undefined && !flag(global, 'help') ? 2 : 0
  }
  const defects = Defects.parse(process.env.REFBOX_DEFECTS)
  const variants = Variants.parse(process.env.REFBOX_VARIANTS)
  setVoice(variants)
  if (flag(global, 'version')) {
    out(`${versionLine(defects, variants)}\n`)
    return 0
  }
  if (command === 'build-image') return cmdBuildImage(rest)
  const homeCommands: Record<string, (ctx: Ctx, args: string[]) => Promise<number> | number> = {
    run: (c, a) => cmdRun(c, a, true),
    create: (c, a) => cmdRun(c, a, false),
    exec: cmdExec,
    list: cmdList,
    ls: cmdList,
    ps: cmdList,
    inspect: cmdInspect,
    start: (c, a) => cmdEach(c, a, 'start'),
    stop: (c, a) => cmdEach(c, a, 'stop'),
    restart: (c, a) => cmdEach(c, a, 'restart'),
    rm: cmdRm,
    cp: cmdCp,
    prune: cmdPrune,
    logs: cmdLogs,
    snapshot: cmdSnapshot,
    clone: cmdClone,
    export: cmdExport,
    import: cmdImport,
    gc: cmdGc,
  }
  const handler = homeCommands[command]
  if (!handler) throw new UsageError(`unrecognized subcommand '${command}'`)
  const paths = new HomePaths(resolveHome(value(global, 'home'), process.env))
  lockHome(paths)
  setVoice(variants, paths.home)
  warnFirst()
  const ctx: Ctx = { paths, defects, variants }
  recoverHome(ctx)
  reachSite(paths.home, 'home-call')
  runtimeFilesIfVaried(ctx, command)
  return handler(ctx, rest)
}

function cmdBuildImage(args: string[]): number {
  const p = parseArgs(
    'build-image',
    args,
    [
      { name: 'out', value: true },
      { name: 'busybox', value: true },
    ],
    false,
  )
  const dir = value(p, 'out')
  if (!dir) throw new UsageError('the following required arguments were not provided: --out <DIR>')
  if (p.positionals.length) throw new UsageError(`unexpected argument '${p.positionals[0]}' found for 'build-image'`)
  const digest = buildImage(resolve(dir), value(p, 'busybox') ?? DEFAULT_BUSYBOX)
  out(`${resolve(dir)} ${digest}\n`)
  return 0
}

async function cmdRun(ctx: Ctx, args: string[], start: boolean): Promise<number> {
  const name = start ? 'run' : 'create'
  const p = parseArgs(name, args, [
    { name: 'detach', short: 'd' },
    { name: 'name', value: true },
    { name: 'memory', value: true },
    { name: 'cpus', value: true },
    { name: 'disk-size', value: true },
    { name: 'rootfs', value: true },
    { name: 'rm' },
    { name: 'volume', short: 'v', value: true, repeat: true },
  ])
  const memoryMib = positiveInt('memory', value(p, 'memory'), 1 << 20) ?? 512
  const cpus = Math.min(positiveInt('cpus', value(p, 'cpus'), 1 << 16) ?? 1, 255)
  const diskSizeGb = positiveInt('disk-size', value(p, 'disk-size'), 1 << 16)
  const rootfsFlag = value(p, 'rootfs')
  const positionals = [...p.positionals]
  let image: string
  let rootfs: string
  if (rootfsFlag !== undefined) {
    if (rootfsFlag === '') throw new UsageError("a value is required for '--rootfs <PATH>' but none was supplied")
    rootfs = resolve(rootfsFlag)
    image = rootfs
  } else {
    const ref = positionals.shift()
    if (ref === undefined)
      throw new UsageError('the following required arguments were not provided: <IMAGE> (or --rootfs PATH)')
    throw new RefboxError(
      `images error: cannot resolve image '${ref}': refbox works offline and cannot pull from a registry; ` +
        `pass a local OCI layout with --rootfs PATH (build one with 'refbox build-image --out DIR')`,
    )
  }
  if (start && !flag(p, 'detach')) throw new RefboxError('unsupported: refbox runs boxes detached only; use run -d')
  const command = positionals.length > 0 ? positionals : DEFAULT_COMMAND
  const volumes = parseVolumeSpecs(values(p, 'volume'))
  spacePrecheck(ctx)
  const state = createBox(ctx, { image, rootfs, name: value(p, 'name'), memoryMib, cpus, diskSizeGb, command, volumes })
  if (start) await startBox(ctx, state)
  out(`${state.id}\n`)
  return 0
}

function lookup(ctx: Ctx, idOrName: string): BoxState {
  const s = findBox(ctx.paths, idOrName)
  if (!s) throw new RefboxError(`No such box: ${idOrName}`)
  return s
}

/** `exec` on a stopped or configured box boots it first, as BoxLite does. */
async function ensureRunning(ctx: Ctx, state: BoxState): Promise<void> {
  if (!isRunning(state)) await startBox(ctx, state)
  if (!isRunning(state))
    throw new RefboxError(`invalid state: box ${state.id} is not running (its main command exited)`)
}

async function cmdExec(ctx: Ctx, args: string[]): Promise<number> {
  const p = parseArgs(
    'exec',
    args,
    [
      { name: 'detach', short: 'd' },
      { name: 'interactive', short: 'i' },
      { name: 'tty', short: 't' },
      { name: 'env', short: 'e', value: true, repeat: true },
    ],
    false,
  )
  const [box, ...command] = p.positionals
  if (box === undefined) throw new UsageError('the following required arguments were not provided: <BOX>')
  if (p.dashDashAt === undefined && command.length > 0)
    throw new UsageError("the command must follow '--': exec BOX -- CMD [ARGS...]")
  if (command.length === 0) throw new UsageError('the following required arguments were not provided: <COMMAND>...')
  const env = values(p, 'env')
  for (const e of env)
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(e))
      throw new UsageError(`invalid value '${e}' for '--env': expected KEY=VALUE`)
  const state = lookup(ctx, box)
  await ensureRunning(ctx, state)
  const argv = env.length > 0 ? ['/usr/bin/env', ...env, ...command] : command
  return execInBox(ctx, state, argv, flag(p, 'detach'), flag(p, 'interactive'))
}

async function cmdEach(ctx: Ctx, args: string[], action: 'start' | 'stop' | 'restart'): Promise<number> {
  const p = parseArgs(action, args, [], false)
  if (p.positionals.length === 0) throw new UsageError('the following required arguments were not provided: <BOX>...')
  let failed = 0
  for (const ref of p.positionals) {
    try {
      const s = lookup(ctx, ref)
      if (action !== 'start') await stopBox(ctx, s)
      if (action !== 'stop') await startBox(ctx, s)
      out(`${ref}\n`)
    } catch (e) {
      if (!(e instanceof RefboxError)) throw e
      failed++
      sayError(e.message)
    }
  }
  if (failed === 0) return 0
  sayError(`Failed to ${action} all ${failed} box(es)`)
  return 1
}

async function cmdRm(ctx: Ctx, args: string[]): Promise<number> {
  const p = parseArgs(
    'rm',
    args,
    [
      { name: 'force', short: 'f' },
      { name: 'all', short: 'a' },
    ],
    false,
  )
  const targets = flag(p, 'all') ? listStates(ctx.paths).map((s) => s.id) : p.positionals
  if (flag(p, 'all') && !flag(p, 'force')) throw new RefboxError('refusing to remove all boxes without --force')
  if (targets.length === 0 && !flag(p, 'all'))
    throw new UsageError('the following required arguments were not provided: <BOX>...')
  let failed = false
  for (const ref of targets) {
    try {
      const s = findBox(ctx.paths, ref)
      if (!s) throw new RefboxError(`box not found: ${ref}`)
      await removeBox(ctx, s, flag(p, 'force'))
      out(`${ref}\n`)
    } catch (e) {
      if (!(e instanceof RefboxError)) throw e
      failed = true
      sayNote(`Error removing box '${ref}': ${e.message}`)
    }
  }
  if (!failed) return 0
  sayError('Some boxes could not be removed')
  return 1
}

async function cmdCp(ctx: Ctx, args: string[]): Promise<number> {
  const p = parseArgs('cp', args, [{ name: 'follow-symlinks' }, { name: 'no-overwrite' }], false)
  if (p.positionals.length !== 2) throw new UsageError('cp takes exactly two arguments: SRC DST (one of them BOX:PATH)')
  const [src, dst] = p.positionals
  const boxSide = (s: string) => /^[A-Za-z0-9][A-Za-z0-9_.-]*:/.exec(s) && !s.startsWith('/') && !s.startsWith('.')
  if (boxSide(src) && boxSide(dst)) throw new RefboxError('cp: exactly one of SRC and DST must be BOX:PATH, not both')
  if (!boxSide(dst)) {
    if (boxSide(src))
      throw new RefboxError('unsupported: refbox copies from the host into a box only (cp HOST_FILE BOX:/path)')
    throw new RefboxError('cp: one of SRC and DST must be BOX:PATH')
  }
  const colon = dst.indexOf(':')
  const state = lookup(ctx, dst.slice(0, colon))
  await ensureRunning(ctx, state)
  return copyIntoBox(ctx, state, resolve(src), dst.slice(colon + 1))
}

async function cmdPrune(ctx: Ctx, args: string[]): Promise<number> {
  const p: Parsed = parseArgs('prune', args, [], false)
  if (p.positionals.length) throw new UsageError(`unexpected argument '${p.positionals[0]}' found for 'prune'`)
  const released = await prune(ctx)
  out(released.length === 0 ? 'nothing to release\n' : released.map((r) => `released: ${r}\n`).join(''))
  return 0
}
