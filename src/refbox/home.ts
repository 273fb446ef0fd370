/**
 * The refbox home: where it lives, its exclusive lock, and every path refbox builds inside it.
 * Paths for a box are only ever built from an id that passed `assertBoxId`.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, openSync, statfsSync } from 'node:fs'
import { isAbsolute, join, normalize } from 'node:path'
import { RefboxError } from './errors'
import { requireTools } from './tools'

/** BoxLite ids: 12 Base62 characters, or 26-character ULIDs (early builds; the `ids-and-names` variation). */
export const BOX_ID = /^(?:[0-9A-Za-z]{12}|[0-9A-HJKMNP-TV-Z]{26})$/
/** Box names: conservative, so a name can never be mistaken for a path. */
export const BOX_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

function assertBoxId(id: string): string {
  if (!BOX_ID.test(id)) throw new RefboxError(`invalid box id: ${JSON.stringify(id)}`)
  return id
}

export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const raw = flag ?? env.BOXLITE_HOME
  if (raw === undefined || raw === '') {
    throw new RefboxError('no home directory: pass --home ABS_PATH or set BOXLITE_HOME')
  }
  if (!isAbsolute(raw)) throw new RefboxError(`home_dir must be absolute path, got: ${raw}`)
  const home = normalize(raw).replace(/\/+$/, '')
  if (home === '' || home === '/') throw new RefboxError('refusing to use / as the home directory')
  return home
}

export class HomePaths {
  constructor(readonly home: string) {}
  get lockFile(): string {
    return join(this.home, '.lock')
  }
  get boxesDir(): string {
    return join(this.home, 'boxes')
  }
  get diskImagesDir(): string {
    return join(this.home, 'images', 'disk-images')
  }
  get tmpDir(): string {
    return join(this.home, 'tmp')
  }
  boxDir(id: string): string {
    return join(this.boxesDir, assertBoxId(id))
  }
  box(id: string): BoxPaths {
    return new BoxPaths(this.boxDir(id))
  }
}

export class BoxPaths {
  constructor(readonly dir: string) {}
  get state(): string {
    return join(this.dir, 'state.json')
  }
  get disks(): string {
    return join(this.dir, 'disks')
  }
  get qcow2(): string {
    return join(this.dir, 'disks', 'disk.qcow2')
  }
  /** Regular file the storage daemon's FUSE export is mounted on (inside the box's namespace only). */
  get raw(): string {
    return join(this.dir, 'disks', 'disk.raw')
  }
  /** Mount point of the box's `/` (inside the box's namespace only). */
  get root(): string {
    return join(this.dir, 'root')
  }
  get logs(): string {
    return join(this.dir, 'logs')
  }
  get shimLog(): string {
    return join(this.dir, 'logs', 'shim.log')
  }
  /** Files the shim writes for the current boot (pids, root device, ready/failed markers). */
  get run(): string {
    return join(this.dir, 'run')
  }
  runFile(
    name:
      | 'ready'
      | 'failed'
      | 'resized'
      | 'rootdev'
      | 'main.pid'
      | 'unshare.pid'
      | 'qsd.pid'
      | 'loopdev'
      | 'boot-uptime'
      | 'discards',
  ): string {
    return join(this.dir, 'run', name)
  }
  get exit(): string {
    return join(this.dir, 'exit')
  }
}

/** Exit status flock(1) uses when the lock is taken. */
const LOCK_BUSY = 75

/**
 * Holds `<home>/.lock` exclusively until this process exits, as every BoxLite runtime does.
 * flock(1) locks the open file description we share with it, which stays locked after flock exits.
 * Node opens files O_CLOEXEC, so box processes started later never inherit the lock.
 */
export function lockHome(paths: HomePaths): void {
  mkdirSync(paths.home, { recursive: true })
  requireTools('flock')
  const fd = openSync(paths.lockFile, 'a')
  const r = spawnSync('flock', ['-n', '-E', String(LOCK_BUSY), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] })
  if (r.status === LOCK_BUSY) {
    throw new RefboxError(`Another BoxliteRuntime is already using directory: ${paths.home}`, [
      'Only one runtime instance can use a BOXLITE_HOME directory at a time.',
    ])
  }
  if (r.status !== 0) {
    throw new RefboxError(`cannot lock ${paths.lockFile}: ${r.error?.message ?? r.stderr.toString().trim()}`)
  }
  // fd stays open (and locked) for the rest of this process.
}

/** Bytes an unprivileged write could still use on the home's filesystem (what `df` shows as available). */
export function homeAvailableBytes(home: string): number {
  const fs = statfsSync(home)
  return fs.bavail * fs.bsize
}
