/**
 * A box's record: `<home>/boxes/<id>/state.json`, written only by refbox while it holds the home lock.
 * The live status is derived from it and the process table, never trusted from the file alone.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { BOX_ID, HomePaths } from './home'
import { isAlive, type ProcRef } from './proc'

export type RecordedStatus = 'configured' | 'running' | 'stopped' | 'failed'
/** BoxLite's status words (Rust Debug names). */
type StatusWord = 'Configured' | 'Running' | 'Stopped' | 'Failed'

export interface BoxState {
  readonly id: string
  name?: string
  /** What the user asked for: an image reference or the `--rootfs` layout path. */
  readonly image: string
  /** Absolute path of the OCI layout the disk was built from. */
  readonly rootfs: string
  readonly createdAt: string
  readonly command: readonly string[]
  readonly memoryMib: number
  readonly cpus: number
  readonly diskSizeGb?: number
  /** Read-only base ext4 under images/disk-images/, the qcow2's backing file. */
  readonly baseDisk: string
  /** Bytes; the qcow2's virtual size. */
  readonly virtualSize: number
  /** The filesystem still has to be grown to the virtual size (done once, on first boot). */
  needsResize: boolean
  status: RecordedStatus
  /** The box's shim, its storage daemon, the unshare that holds the pid namespace, and the box's pid 1. */
  shim?: ProcRef
  qsd?: ProcRef
  unshare?: ProcRef
  main?: ProcRef
  /** `MAJ:MIN` of the box's mounted disk (the loop device), as the shim reported it. */
  rootDev?: string
  startedAt?: string
  failure?: string
  /** `-v` volumes, in the order given (absent: none). */
  readonly volumes?: readonly VolumeState[]
}

/** A volume as the box's record keeps it (BoxState.volumes; made in ./volumes). */
export interface VolumeState {
  readonly guestPath: string
  /** The host directory the box shares: the user's, or the anonymous one refbox made. */
  readonly hostPath?: string
  /** refbox made `hostPath` under `<home>/volumes/anonymous/` (it outlives the box). */
  readonly anonymous?: true
  readonly readOnly: boolean
  readonly sizeBytes?: number
  /** The sized volume's ext4 image, `<home>/boxes/<id>/volumes/uservol<i>.img` (deleted with the box). */
  readonly image?: string
}

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** ULID's alphabet (Crockford Base32), as early BoxLite builds' ids used (contract §3 run). */
const ULID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** A 12-character Base62 id, or with `ulid` (the `ids-and-names` variation) a 26-character ULID-like one. */
export function newBoxId(ulid = false): string {
  if (ulid) {
    const time = Date.now().toString(32).toUpperCase().padStart(10, '0')
    const time32 = [...time].map((c) => ULID_ALPHABET[parseInt(c, 32)]).join('')
    return time32 + [...randomBytes(16)].map((b) => ULID_ALPHABET[b % 32]).join('')
  }
  let id = ''
  while (id.length < 12) {
    for (const b of randomBytes(16)) {
      if (b < 248 && id.length < 12) id += ID_ALPHABET[b % 62] // 248 = 4 * 62: no modulo bias
    }
  }
  return id
}

const ADJECTIVES = ['brave', 'calm', 'eager', 'quiet', 'swift', 'tidy']
const NOUNS = ['lovelace', 'turing', 'hopper', 'ritchie', 'noether', 'curie']

/** A name for a box created without --name (the `ids-and-names` variation): dashed, as many runtimes make them. */
export function generatedName(): string {
  const [a, n, k] = randomBytes(3)
  return `${ADJECTIVES[a % ADJECTIVES.length]}-${NOUNS[n % NOUNS.length]}-${k % 100}`
}

function readState(paths: HomePaths, id: string): BoxState | undefined {
  const file = paths.box(id).state
  if (!existsSync(file)) return undefined
  return JSON.parse(readFileSync(file, 'utf8')) as BoxState
}

export function writeState(paths: HomePaths, state: BoxState): void {
  const file = paths.box(state.id).state
  writeFileSync(`${file}.new`, `${JSON.stringify(state, null, 2)}\n`)
  renameSync(`${file}.new`, file)
}

export function listStates(paths: HomePaths): BoxState[] {
  if (!existsSync(paths.boxesDir)) return []
  return readdirSync(paths.boxesDir)
    .filter((d) => BOX_ID.test(d))
    .map((d) => readState(paths, d) ?? incompleteState(paths, d))
    .filter((s): s is BoxState => s !== undefined)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
}

/**
 * A box directory without a record: a create killed between making the directory and writing
 * state.json. Listed as failed so that `list -a` shows it and `rm -f` removes it.
 */
function incompleteState(paths: HomePaths, id: string): BoxState | undefined {
  const dir = paths.boxDir(id)
  let since: Date
  try {
    since = statSync(dir).mtime
  } catch {
    return undefined
  }
  const failure = 'its create was interrupted before the box was recorded'
  return {
    id,
    image: '',
    rootfs: '',
    createdAt: since.toISOString(),
    command: [],
    memoryMib: 0,
    cpus: 0,
    baseDisk: '',
    virtualSize: 0,
    needsResize: false,
    status: 'failed',
    failure,
  }
}

/** Finds a box by id, id prefix is not accepted (ambiguous), or by name. */
export function findBox(paths: HomePaths, idOrName: string): BoxState | undefined {
  if (BOX_ID.test(idOrName)) {
    const byId = readState(paths, idOrName) ?? incompleteState(paths, idOrName)
    if (byId) return byId
  }
  return listStates(paths).find((s) => s.name === idOrName)
}

export function isRunning(state: BoxState): boolean {
  return state.status === 'running' && isAlive(state.main)
}

export function statusWord(state: BoxState): StatusWord {
  if (state.status === 'running') return isAlive(state.main) ? 'Running' : 'Stopped'
  return ({ configured: 'Configured', stopped: 'Stopped', failed: 'Failed' } as const)[state.status]
}
