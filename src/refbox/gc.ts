/**
 * `refbox gc [--dry-run]`: the sweep of BoxLite's unreleased PR #647 (`src/boxlite/src/runtime/gc.rs` at bfba74aa),
 * on refbox's layout. Three sweeps, in this order:
 *   1. `boxes/<id>/` directories without a box record (no readable state.json);
 *   2. `bases/*.qcow2` that nothing kept references;
 *   3. `images/disk-images/*.ext4` that nothing kept references.
 * Orphan box directories go first, so their stale overlays no longer pin the bases and images below them.
 * A file is deleted only on a referential signal (no record, in no kept chain); its age is a guard, never the reason:
 * anything modified in the last 10 minutes stays, as a create in flight may be about to reference it. Files of
 * another kind (not `.qcow2` in bases/, not `.ext4` in disk-images/) are never touched, and neither are
 * `images/layers`, `logs/`, `tmp/` or `volumes/`. Sizes are apparent sizes, as upstream counts them.
 *
 * What "referenced" means here: every file in the backing chain (`qemu-img info --backing-chain`) of every qcow2 a
 * kept box directory holds (its live disks and its snapshot layers), the base disk each box record names (a torn disk
 * is rebuilt from it), every base the clone records name, and the chains of every base kept.
 */
import { spawnSync } from 'node:child_process'
import { lstatSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Ctx } from './box'
import { UsageError } from './errors'
import { BOX_ID, type HomePaths } from './home'
import { flag, parseArgs } from './args'
import { reachSite } from './sites'

/** PR #647's DISK_IMAGE_GRACE = BOX_DIR_GRACE = BASE_GRACE: a create in flight finishes well within it. */
export const GC_GRACE_MS = 600_000

/** How deep a chain is followed: far past BoxLite's MAX_BACKING_CHAIN_DEPTH of 8, so no real chain is cut short. */
const MAX_CHAIN = 256

interface Sweep {
  count: number
  bytes: number
}

export interface GcReport {
  readonly dryRun: boolean
  readonly boxDirs: Sweep
  readonly bases: Sweep
  readonly images: Sweep
  /** What was (or would be) deleted, for tests and the curious. */
  readonly paths: string[]
}

export async function cmdGc(ctx: Ctx, args: string[]): Promise<number> {
  const p = parseArgs('gc', args, [{ name: 'dry-run', short: 'n' }], false)
  if (p.positionals.length) throw new UsageError(`unexpected argument '${p.positionals[0]}' found for 'gc'`)
  const report = collectGarbage(ctx, flag(p, 'dry-run'))
  process.stdout.write(formatGcReport(report))
  return Promise.resolve(0)
}

/** PR #647's two lines (the second only for a dry run). */
export function formatGcReport(r: GcReport): string {
  const total = r.boxDirs.bytes + r.bases.bytes + r.images.bytes
  const line =
    `${r.dryRun ? 'Would reclaim' : 'Reclaimed'} ${humanBytes(total)} total (${r.boxDirs.count} orphan box dir(s), ` +
    `${r.bases.count} orphan base(s), ${r.images.count} orphan image disk(s))\n`
  return r.dryRun ? `${line}(dry run — nothing deleted; re-run without --dry-run to apply)\n` : line
}

/** PR #647's human_bytes: GiB with two decimals from 1 GiB on, MiB with one below. */
export function humanBytes(bytes: number): string {
  const GiB = 1024 ** 3
  return bytes >= GiB ? `${(bytes / GiB).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`
}

export function collectGarbage(ctx: Ctx, dryRun: boolean, now: number = Date.now()): GcReport {
  const { paths, defects } = ctx
  reachSite(paths.home, dryRun ? 'gc-dry-run' : 'gc')
  const report: GcReport = {
    dryRun,
    boxDirs: { count: 0, bytes: 0 },
    bases: { count: 0, bytes: 0 },
    images: { count: 0, bytes: 0 },
    paths: [],
  }
  // The regression `gc-dry-run-deletes`: the dry run shares the real run's code path and forgets its flag.
  const deleting = !dryRun || defects.has('gc-dry-run-deletes')
  // The regression `gc-ignores-age`: whatever is unreferenced goes, even a file a create made a moment ago.
  const aged = (path: string) => defects.has('gc-ignores-age') || isPastGrace(path, now)
  const reclaim = (sweep: Sweep, path: string, bytes: number) => {
    if (deleting) rmSync(path, { recursive: true, force: true })
    sweep.count++
    sweep.bytes += bytes
    report.paths.push(path)
  }

  // 1. Box directories without a record. Names that are not box ids (a removal's work directory, a staging area)
  // are not box directories, and are left to whoever made them.
  const keptBoxDirs: string[] = []
  for (const name of entries(paths.boxesDir)) {
    const dir = join(paths.boxesDir, name)
    if (!BOX_ID.test(name) || !isDirectory(dir)) continue
    if (hasRecord(paths, name) || !aged(dir)) keptBoxDirs.push(dir)
    else reclaim(report.boxDirs, dir, treeBytes(dir))
  }

  // What the kept boxes reference, through their disks' chains and their records.
  const chains = new ChainReader(defects.has('gc-deletes-referenced'))
  const pinned = new Set<string>()
  const pin = (path: string) => pinned.add(canonical(path))
  for (const dir of keptBoxDirs) {
    const recorded = recordedBase(dir)
    if (recorded !== undefined && !chains.shallow) pin(recorded)
    for (const disk of boxDisks(dir, chains.shallow)) for (const f of chains.read(disk)) pin(f)
  }
  if (!chains.shallow) for (const base of cloneRecordedBases(paths)) for (const f of chains.read(base)) pin(f)

  // 2. Bases nothing kept references. The chains of the bases kept pin what lies below them.
  const basesDir = join(paths.home, 'bases')
  for (const name of entries(basesDir)) {
    const path = join(basesDir, name)
    if (!isFile(path) || !sweepable(name, '.qcow2', defects.has('gc-sweeps-foreign'))) continue
    if (pinned.has(canonical(path)) || !aged(path)) {
      if (!chains.shallow) for (const f of chains.read(path)) pin(f)
      continue
    }
    reclaim(report.bases, path, statSync(path).size)
  }

  // 3. Image disks nothing kept references. The regression `gc-skips-image-disks` never looks there (BoxLite
  // 0.10.0 collects no image disk at all, #1487).
  for (const name of defects.has('gc-skips-image-disks') ? [] : entries(paths.diskImagesDir)) {
    const path = join(paths.diskImagesDir, name)
    if (!isFile(path) || !sweepable(name, '.ext4', defects.has('gc-sweeps-foreign'))) continue
    if (pinned.has(canonical(path)) || !aged(path)) continue
    reclaim(report.images, path, statSync(path).size)
  }
  return report
}

/**
 * Whether a file of this name is one the sweep may delete. The regression `gc-sweeps-foreign`: anything in the
 * directory that nothing references goes, whatever it is (an operator's note, a partial download).
 */
function sweepable(name: string, ext: string, foreignToo: boolean): boolean {
  return foreignToo || (name.endsWith(ext) && name.length > ext.length)
}

/** Modified at least the grace period ago. A file whose age cannot be read stays. */
function isPastGrace(path: string, now: number): boolean {
  try {
    return now - lstatSync(path).mtimeMs >= GC_GRACE_MS
  } catch {
    return false
  }
}

function hasRecord(paths: HomePaths, id: string): boolean {
  try {
    const state = JSON.parse(readFileSync(paths.box(id).state, 'utf8')) as { id?: unknown }
    return state.id === id
  } catch {
    return false
  }
}

/** The base disk a box record names: what a torn disk is rebuilt from. */
function recordedBase(boxDir: string): string | undefined {
  try {
    const state = JSON.parse(readFileSync(join(boxDir, 'state.json'), 'utf8')) as { baseDisk?: unknown }
    return typeof state.baseDisk === 'string' && state.baseDisk !== '' ? state.baseDisk : undefined
  } catch {
    return undefined
  }
}

/**
 * Every qcow2 a box directory holds: its live disks (`disks/`) and its snapshot layers (`snapshots/<name>/`).
 * `liveOnly`: the regression `gc-deletes-referenced` looks at the live disks alone.
 */
function boxDisks(boxDir: string, liveOnly: boolean): string[] {
  const found: string[] = []
  const walk = (dir: string, depth: number) => {
    for (const name of entries(dir)) {
      const path = join(dir, name)
      if (name.endsWith('.qcow2') && isFile(path)) found.push(path)
      else if (depth > 0 && isDirectory(path)) walk(path, depth - 1)
    }
  }
  walk(join(boxDir, 'disks'), 0)
  if (!liveOnly) walk(join(boxDir, 'snapshots'), 2)
  return found
}

/**
 * Bases the clone records name (BoxLite: a `base_disk` row), even where no chain reaches them any more. refbox keeps
 * each base's record beside it, as `bases/<name>.refs.json` (./bases.ts); like PR #647, a base with a record is kept
 * whatever the record says, and an unreadable record counts as one.
 */
function cloneRecordedBases(paths: HomePaths): string[] {
  const basesDir = join(paths.home, 'bases')
  return entries(basesDir)
    .filter((name) => name.endsWith(REFS_SUFFIX) && name.length > REFS_SUFFIX.length)
    .map((name) => join(basesDir, `${name.slice(0, -REFS_SUFFIX.length)}.qcow2`))
}

const REFS_SUFFIX = '.refs.json'

/** Reads backing chains once per file. */
class ChainReader {
  private readonly cache = new Map<string, string[]>()

  /** `shallow`: the regression `gc-deletes-referenced` reads only a disk's first backing level. */
  constructor(readonly shallow: boolean) {}

  /** The file and every file below it in its backing chain, as absolute paths. */
  read(file: string): string[] {
    const known = this.cache.get(file)
    if (known) return known
    const chain = this.shallow ? [file, ...levelBelow(file)] : (wholeChain(file) ?? levelByLevel(file))
    this.cache.set(file, chain)
    return chain
  }
}

interface ImageInfo {
  readonly filename?: string
  readonly 'backing-filename'?: string
  readonly 'full-backing-filename'?: string
}

function qemuInfo(file: string, chain: boolean): unknown {
  const args = ['info', '-U', '--output', 'json', ...(chain ? ['--backing-chain'] : []), file]
  const r = spawnSync('qemu-img', args, { encoding: 'utf8', maxBuffer: 16 << 20 })
  if (r.status !== 0) return undefined
  try {
    return JSON.parse(r.stdout) as unknown
  } catch {
    return undefined
  }
}

/** The backing file `info` names, absolute (a relative name is relative to the file's directory). */
function backingOf(file: string, info: ImageInfo): string | undefined {
  const backing = info['full-backing-filename'] ?? info['backing-filename']
  return backing === undefined || backing === '' ? undefined : resolve(dirname(file), backing)
}

/** `qemu-img info --backing-chain`: the whole chain in one call, or undefined when a level cannot be opened. */
function wholeChain(file: string): string[] | undefined {
  const infos = qemuInfo(file, true)
  if (!Array.isArray(infos)) return undefined
  const chain = [file]
  for (const info of infos as ImageInfo[]) {
    const below = backingOf(info.filename ?? chain[chain.length - 1], info)
    if (below !== undefined) chain.push(below)
  }
  return chain
}

/**
 * A chain with a missing or unreadable level: followed one file at a time as far as it goes. Every name read is kept,
 * also the one that cannot be opened.
 */
function levelByLevel(file: string): string[] {
  const chain = [file]
  let current = file
  while (chain.length < MAX_CHAIN) {
    const below = levelBelow(current)[0]
    if (below === undefined || chain.includes(below)) break
    chain.push(below)
    current = below
  }
  return chain
}

function levelBelow(file: string): string[] {
  const info = qemuInfo(file, false)
  if (info === undefined || typeof info !== 'object') return []
  const below = backingOf(file, info as ImageInfo)
  return below === undefined ? [] : [below]
}

/** The path with symlinks resolved, so a chain that names a file another way still pins it. */
function canonical(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir).sort()
  } catch {
    return []
  }
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory()
  } catch {
    return false
  }
}

function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile()
  } catch {
    return false
  }
}

/** Apparent bytes of every file under `dir` (links not followed). */
function treeBytes(dir: string): number {
  let total = 0
  for (const name of entries(dir)) {
    const path = join(dir, name)
    const st = lstatSync(path, { throwIfNoEntry: false })
    if (st?.isDirectory()) total += treeBytes(path)
    else if (st?.isFile()) total += st.size
  }
  return total
}
