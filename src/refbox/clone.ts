/**
 * `refbox clone [--name N] BOX`: a new stopped box with BOX's disk and options, on BoxLite's layout (its
 * `clone_export.rs`). The source's disk becomes a read-only base, `<home>/bases/<nanoid8>.qcow2` (./bases.ts), and
 * the source and the clone each get a thin qcow2 child of it, so neither ever sees what the other writes later.
 * A stopped source's disk is renamed into the base (nothing is copied). A running source keeps writing to its
 * open disk file, so a rename would let its later writes land in the base the clone reads: its filesystem is
 * frozen (which flushes it through the loop device and the storage daemon into the qcow2 file) and the disk is
 * copied instead, as upstream main does since 0.10.0.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, constants, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs, value } from './args'
import type { Ctx } from './box'
import { addHolders, baseAt, basesDir, forgetBase, newBaseName, writeRefs } from './bases'
import { RefboxError, UsageError } from './errors'
import { BOX_NAME } from './home'
import { isAlive } from './proc'
import { reachSite } from './sites'
import { findBox, generatedName, isRunning, listStates, newBoxId, writeState, type BoxState } from './state'
import { requireRootAndFuse, requireTools, runTool } from './tools'
import { createVolumes } from './volumes'

export function cmdClone(ctx: Ctx, args: string[]): number {
  const p = parseArgs('clone', args, [{ name: 'name', value: true }], false)
  const [ref, ...extra] = p.positionals
  if (ref === undefined) throw new UsageError('the following required arguments were not provided: <BOX>')
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}' found for 'clone'`)
  const source = findBox(ctx.paths, ref)
  if (!source) throw new RefboxError(`box not found: ${ref}`)
  const clone = cloneBox(ctx, source, value(p, 'name'))
  process.stdout.write(`${clone.id}\n`)
  return 0
}

export function cloneBox(ctx: Ctx, source: BoxState, name: string | undefined): BoxState {
  requireRootAndFuse()
  requireTools('qemu-img', 'nsenter', 'fsfreeze')
  if (name !== undefined) {
    if (!BOX_NAME.test(name))
      throw new RefboxError(
        `invalid argument: invalid box name ${JSON.stringify(name)}: use letters, digits, '_', '.', '-' (at most 64)`,
      )
    if (listStates(ctx.paths).some((s) => s.name === name)) throw new RefboxError(`already exists: box name ${name}`)
  }
  const src = ctx.paths.box(source.id)
  // BoxLite makes a box's disk at its first start; refbox makes it at create, so a never-started box counts as none.
  if (source.startedAt === undefined || !existsSync(src.qcow2))
    throw new RefboxError(`storage error: Container disk not found at ${src.qcow2}`)
  const running = isRunning(source)
  if (!running && isAlive(source.shim))
    throw new RefboxError(`invalid state: box ${source.id} is still shutting down; try again once it has stopped`)

  const fresh = () => newBoxId(ctx.variants.has('ids-and-names'))
  let id = fresh()
  while (existsSync(ctx.paths.boxDir(id))) id = fresh()
  const box = ctx.paths.box(id)
  const clone: BoxState = {
    ...source,
    id,
    name: name ?? (ctx.variants.has('ids-and-names') ? generatedName() : undefined),
    createdAt: new Date().toISOString(),
    status: 'stopped',
    shim: undefined,
    qsd: undefined,
    unshare: undefined,
    main: undefined,
    rootDev: undefined,
    startedAt: undefined,
    failure: undefined,
  }

  if (!running && ctx.defects.has('clone-shares-live-disk')) {
    // The regression: the clone's disk backs straight onto the source's live disk, which nothing froze.
    reachSite(ctx.paths.home, 'clone-box')
    return provision(ctx, clone, () => createChild(src.qcow2, box.qcow2, source.virtualSize))
  }
  mkdirSync(basesDir(ctx.paths), { recursive: true })
  const baseName = newBaseName(ctx.paths)
  const base = join(basesDir(ctx.paths), baseName)
  // The regression `live-clone-renames` (BoxLite 0.10.0): a running source's disk is renamed as if it were stopped.
  const fork = !running || ctx.defects.has('live-clone-renames')
  reachSite(ctx.paths.home, running ? 'clone-running-box' : 'clone-box')
  if (fork) {
    renameSync(src.qcow2, base)
    try {
      createChild(base, src.qcow2, source.virtualSize)
    } catch (e) {
      renameSync(base, src.qcow2)
      throw e
    }
  } else {
    copyLiveDisk(ctx, source, base)
  }
  try {
    const parent = flattenOntoShared(ctx, base)
    writeRefs(ctx.paths, baseName, {
      source: source.id,
      boxes: fork ? [source.id] : [],
      bases: [],
      ...(parent ? { parent } : {}),
    })
    if (parent) addHolders(ctx.paths, parent, { bases: [baseName] })
    const made = provision(ctx, clone, () => createChild(base, box.qcow2, source.virtualSize))
    addHolders(ctx.paths, baseName, { boxes: [id] })
    return made
  } catch (e) {
    if (fork) {
      rmSync(src.qcow2, { force: true })
      renameSync(base, src.qcow2) // the base holds the same bytes, so the source gets its disk back as it was
    } else {
      rmSync(base, { force: true })
    }
    forgetBase(ctx.paths, baseName)
    throw e
  }
}

/**
 * Records the new box first (as create does, so a killed clone leaves a box rm -f removes), then makes its disk
 * and volumes. The clone has the source's volumes, as BoxLite copies the options: the same host directories
 * (anonymous ones too: their path is the option), and a sized volume of the same size of its own, since the
 * source's image lives in the source's directory and goes with it.
 */
function provision(ctx: Ctx, clone: BoxState, makeDisk: () => void): BoxState {
  const box = ctx.paths.box(clone.id)
  mkdirSync(box.dir, { recursive: true })
  writeState(ctx.paths, { ...clone, volumes: undefined })
  try {
    mkdirSync(box.disks, { recursive: true })
    mkdirSync(box.logs, { recursive: true })
    makeDisk()
    const volumes = clone.volumes
    if (volumes?.length) {
      reachSite(ctx.paths.home, 'create-with-volumes')
      const requests = volumes.map((v) =>
        v.image === undefined
          ? { guestPath: v.guestPath, hostPath: v.hostPath, readOnly: v.readOnly }
          : { guestPath: v.guestPath, readOnly: v.readOnly, sizeBytes: v.sizeBytes },
      )
      const made = createVolumes(ctx.paths, box, requests, ctx.defects)
      clone = { ...clone, volumes: volumes.map((v, i) => (v.image === undefined ? v : made[i])) }
    }
    writeState(ctx.paths, clone)
  } catch (e) {
    rmSync(box.dir, { recursive: true, force: true })
    throw e
  }
  return clone
}

function createChild(backing: string, qcow2: string, virtualSize: number): void {
  runTool(
    'qemu-img',
    // -u: the size is given, and a running source's renamed disk (live-clone-renames) is locked by its daemon.
    ['create', '-q', '-u', '-f', 'qcow2', '-F', 'qcow2', '-b', backing, qcow2, String(virtualSize)],
    'creating the clone disk',
  )
}

/**
 * A consistent copy of a running box's disk: its filesystem frozen (in the box's mount namespace, where its root
 * is mounted) for the copy. The freeze flushes the filesystem to its loop device, whose flush reaches the FUSE
 * export as an fsync, which makes the storage daemon write out its qcow2 metadata; while frozen nothing writes.
 */
function copyLiveDisk(ctx: Ctx, source: BoxState, base: string): void {
  const src = ctx.paths.box(source.id)
  const shim = String(source.shim?.pid)
  const watcher = thawIfKilled(shim, src.root)
  runTool('nsenter', ['-t', shim, '-m', 'fsfreeze', '-f', src.root], `freezing box ${source.id}'s filesystem`)
  try {
    copyFileSync(src.qcow2, base, constants.COPYFILE_EXCL)
  } catch (e) {
    rmSync(base, { force: true })
    throw new RefboxError(`storage error: cannot copy ${src.qcow2}: ${(e as Error).message}`)
  } finally {
    runTool('nsenter', ['-t', shim, '-m', 'fsfreeze', '-u', src.root], `thawing box ${source.id}'s filesystem`)
    watcher.kill('SIGKILL') // thawed: it must not thaw a later freeze of the same box
  }
}

/**
 * A clone killed while the box's filesystem is frozen would leave every write of the box, and its removal, hanging:
 * this watcher thaws it once this process is gone. Killed after the normal thaw.
 */
function thawIfKilled(shim: string, root: string): ChildProcess {
  const watcher = spawn(
    'sh',
    [
      '-c',
      'while kill -0 "$1" 2>/dev/null; do sleep 0.2; done; nsenter -t "$2" -m -- fsfreeze -u "$3" 2>/dev/null; true',
      'refbox-clone-thaw',
      String(process.pid),
      shim,
      root,
    ],
    { detached: true, stdio: 'ignore', cwd: '/' },
  )
  watcher.unref()
  return watcher
}

interface ChainLink {
  readonly filename: string
  readonly format: string
}

/**
 * If the base backs onto layers under a box's own directory (the source's snapshots), merges them into it and
 * backs it onto the first shared layer below them (another base, or the image's disk), so removing that box can
 * never break the base. Returns the name of the base it now backs onto, if it backs onto one.
 */
function flattenOntoShared(ctx: Ctx, base: string): string | undefined {
  const chain = JSON.parse(
    runTool('qemu-img', ['info', '-U', '--backing-chain', '--output=json', base], 'reading the clone base'),
  ) as ChainLink[]
  const inBoxes = (f: string) => f.startsWith(`${ctx.paths.boxesDir}/`)
  const below = chain.slice(1).find((link) => !inBoxes(link.filename))
  if (chain.length > 1 && inBoxes(chain[1].filename) && !ctx.defects.has('base-backs-onto-snapshots')) {
    if (!below) throw new RefboxError(`storage error: the disk chain of ${base} has no shared layer at its bottom`)
    runTool(
      'qemu-img',
      ['rebase', '-q', '-f', 'qcow2', '-b', below.filename, '-F', below.format, base],
      'merging the source snapshots into the clone base',
    )
  }
  const next = chain.length < 2 ? undefined : inBoxes(chain[1].filename) ? below : chain[1]
  return next ? baseAt(ctx.paths, next.filename)?.name : undefined
}
