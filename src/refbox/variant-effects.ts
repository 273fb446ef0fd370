/**
 * Where the benign variations of ./variants.ts act, when each needs more than one line at its
 * call site. Each also records its site (./sites.ts) whichever variations are on, so the proof can
 * leave out the scenarios a variation cannot reach.
 */
import { spawn } from 'node:child_process'
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { RefboxError } from './errors'
import { homeAvailableBytes, type BoxPaths, type HomePaths } from './home'
import { reachSite, recordingSites } from './sites'
import type { Variants } from './variants'

/** What of an invocation's context the variations need (box.ts's Ctx has it). */
interface Ctx {
  readonly paths: HomePaths
  readonly variants: Variants
}

const MiB = 1024 * 1024
/** What `space-precheck` asks of the home before a create: room for a fresh disk and its first writes. */
export const PRECHECK_NEEDS_BYTES = 64 * MiB

/** `space-precheck`: refuse a create at once, in the runtime's own words, when the home is nearly full. */
export function spacePrecheck(ctx: Ctx): void {
  // Nothing to decide unless the variation is on or the proof records where it could act.
  if (!ctx.variants.has('space-precheck') && !recordingSites()) return
  const available = homeAvailableBytes(ctx.paths.home)
  if (available >= PRECHECK_NEEDS_BYTES) return
  reachSite(ctx.paths.home, 'create-on-low-space')
  if (!ctx.variants.has('space-precheck')) return
  throw new RefboxError(
    `not enough free space in ${ctx.paths.home} to create a box: ${Math.floor(available / MiB)} MiB available, ` +
      `at least ${PRECHECK_NEEDS_BYTES / MiB} MiB needed`,
  )
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `slow-lifecycle`: about three times as long, idle before and after the work (so a kill can land in either). */
export async function slowly<T>(ctx: Ctx, work: () => Promise<T>): Promise<T> {
  if (!ctx.variants.has('slow-lifecycle')) return work()
  const before = 300
  await pause(before)
  const t0 = Date.now()
  const result = await work()
  await pause(Math.max(0, 2 * (Date.now() - t0) - before))
  return result
}

/**
 * `runtime-files`: what a runtime keeps in its home for itself (BoxLite: db/, locks/, logs/). The
 * log grows by a line on every call; the database starts at 256 KiB of real blocks and grows by
 * 16 KiB per box created, and never shrinks (as an SQLite file without VACUUM). None is removed.
 */
export function runtimeFilesIfVaried(ctx: Ctx, command: string): void {
  if (!ctx.variants.has('runtime-files')) return
  try {
    keepRuntimeFiles(ctx.paths.home, command)
  } catch (e) {
    // A full home must not fail the call: the runtime's own bookkeeping gives way, as a log does.
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e
  }
}

function keepRuntimeFiles(home: string, command: string): void {
  for (const dir of ['db', 'locks', 'logs']) mkdirSync(join(home, dir), { recursive: true })
  const lock = join(home, 'locks', 'runtime.lock')
  if (!existsSync(lock)) closeSync(openSync(lock, 'a'))
  appendFileSync(join(home, 'logs', 'refbox.log'), `${new Date().toISOString()} pid ${process.pid}: ${command}\n`)
  const db = join(home, 'db', 'refbox.db')
  const grow = !existsSync(db) ? 256 * 1024 : command === 'run' || command === 'create' ? 16 * 1024 : 0
  if (grow === 0) return
  const fd = openSync(db, 'a')
  try {
    writeSync(fd, Buffer.alloc(grow, 0x5a))
  } finally {
    closeSync(fd)
  }
}

/**
 * `deferred-delete`: the box leaves the list at once (its directory is renamed `boxes/.deleting-<id>.<ms>`),
 * a background process deletes its disk about 3 s later and the rest about 5 s later. Returns
 * false when the variation is off, so rm deletes in place.
 */
export function deferDelete(ctx: Ctx, box: BoxPaths, id: string): boolean {
  if (!ctx.variants.has('deferred-delete')) return false
  // A rename beside it needs no new block: a removal must work on a full home too.
  const moved = join(ctx.paths.boxesDir, `.deleting-${id}.${Date.now()}`)
  renameSync(box.dir, moved)
  const child = spawn(
    'sh',
    ['-c', 'sleep 3; rm -rf "$1/disks"; sleep 2; rm -rf "$1"', 'refbox-deferred-delete', moved],
    { detached: true, stdio: 'ignore', cwd: '/' },
  )
  child.unref()
  return true
}
