/**
 * Every shell script the suite runs inside a box, each named by what it measures or does, with
 * the parser for its output. Scripts are POSIX sh for busybox (alpine and the refbox image).
 * Steps never build shell strings: they call World methods, which use these probes.
 *
 * Anything that writes more than a few KiB takes a FillBudget from ./interlock and re-checks, in
 * the same shell, that `/` is still below the proven bound before writing a single byte.
 */
import type { CommandRecord } from '../drivers/types'
import { shellQuote as q } from './shell'

export interface GuestProbe<T> {
  /** Short name for errors and evidence. */
  readonly what: string
  readonly script: string
  parse(record: CommandRecord): T
}

/** What the interlock proved about `/`: every sized write derives its cap from it. */
export interface FillBudget {
  /** The bound `/` was proven to be below, in KiB (1K-blocks as `df -P` counts them). */
  readonly limitKiB: number
  /** `/`'s total size when proven, in KiB. */
  readonly totalKiB: number
  /** Largest number of MiB any single fill may write: the proven total plus a margin. */
  readonly capMiB: number
}

export class ProbeError extends Error {
  constructor(what: string, problem: string, record: CommandRecord) {
    super(`${what}: ${problem} (exit ${record.exitCode}; stdout ${JSON.stringify(clip(record.stdout))}; stderr ${JSON.stringify(clip(record.stderr))})`)
    this.name = 'ProbeError'
  }
}

/** Exit status of a script whose own bound re-check refused to write. */
export const REFUSED_EXIT = 97
/** Where the paced (background) fill leaves its state, on the box's tmpfs. */
const PACED = { done: '/tmp/fill.done', err: '/tmp/fill.err', chunks: '/tmp/fill.chunks', pid: '/tmp/fill.pid' } as const
const APPENDER_PID = '/tmp/appender.pid'

// ---------------------------------------------------------------------------------------------
// Measurements

export interface RootfsSpace {
  readonly totalKiB: number
  readonly usedKiB: number
  readonly availKiB: number
  /** Filesystem type of `/` and `/tmp` as the box's mount table shows them. */
  readonly fsType: string
  readonly tmpFsType: string
  readonly inodesTotal?: number
  readonly inodesFree?: number
}

const MEASURE_ROOTFS =
  `df -P / | awk 'NR==2{print "total_kib=" $2; print "used_kib=" $3; print "avail_kib=" $4}'; ` +
  `awk '$2=="/"{t=$3} END{print "fs_type=" t}' /proc/mounts; ` +
  `awk '$2=="/tmp"{t=$3} END{print "tmp_fs_type=" t}' /proc/mounts; ` +
  `df -P -i / 2>/dev/null | awk 'NR==2{print "inodes_total=" $2; print "inodes_free=" $4}'`

/** Size, free space, inodes and filesystem types of the box's `/` (and `/tmp`). */
export const rootfsSpace: GuestProbe<RootfsSpace> = {
  what: 'rootfs space',
  script: MEASURE_ROOTFS,
  parse: parseRootfsSpace,
}

function parseRootfsSpace(record: CommandRecord): RootfsSpace {
  const kv = keyValues(record.stdout)
  const total = int(kv.total_kib)
  const used = int(kv.used_kib)
  const avail = int(kv.avail_kib)
  if (record.exitCode !== 0 || total === undefined || used === undefined || avail === undefined) {
    throw new ProbeError('rootfs space', 'could not read df -P / inside the box', record)
  }
  return {
    totalKiB: total,
    usedKiB: used,
    availKiB: avail,
    fsType: kv.fs_type ?? '',
    tmpFsType: kv.tmp_fs_type ?? '',
    inodesTotal: int(kv.inodes_total),
    inodesFree: int(kv.inodes_free),
  }
}

/**
 * Written by every guarded write before its first real byte: a small file with real blocks, so a
 * later in-place rewrite can prove that a full rootfs still takes writes (a read-only one will not).
 */
export const CANARY = '/.disk-spec-canary'

/** Only the guarded prelude: re-checks the bound and makes sure the canary exists (before a write the suite does not script, e.g. a copy from the host). */
export function ensureCanary(budget: FillBudget): string {
  return `${boundCheck(budget.limitKiB)} [ -s ${CANARY} ]`
}

/** Sizes and SHA-256 of files; a missing file is reported as missing. */
export function fileFingerprints(paths: readonly string[]): GuestProbe<Map<string, FileFingerprint | 'missing'>> {
  return {
    what: 'file fingerprints',
    script: paths
      .map((p) => `if [ -f ${q(p)} ]; then echo "file=$(wc -c < ${q(p)}) $(sha256sum < ${q(p)} | cut -d' ' -f1) ${p}"; else echo "missing=${p}"; fi`)
      .join('; '),
    parse(record) {
      const out = new Map<string, FileFingerprint | 'missing'>()
      for (const line of record.stdout.split('\n')) {
        const file = /^file=\s*(\d+) ([0-9a-f]{64}) (.+)$/.exec(line)
        if (file) out.set(file[3], { bytes: Number(file[1]), sha256: file[2] })
        const missing = /^missing=(.+)$/.exec(line)
        if (missing) out.set(missing[1], 'missing')
      }
      for (const p of paths) {
        if (!out.has(p)) throw new ProbeError('file fingerprints', `no result for ${p}`, record)
      }
      return out
    },
  }
}

export interface FileFingerprint {
  readonly bytes: number
  readonly sha256: string
}

/** Number of lines in a file (0 when it does not exist). */
export function lineCount(path: string): GuestProbe<number> {
  return {
    what: 'line count',
    script: `if [ -f ${q(path)} ]; then echo lines=$(wc -l < ${q(path)}); else echo lines=0; fi`,
    parse(record) {
      const n = int(keyValues(record.stdout).lines)
      if (record.exitCode !== 0 || n === undefined) throw new ProbeError('line count', `cannot count lines of ${path}`, record)
      return n
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Liveness and small reads/writes (their records are judged by the caller)

/** The guest agent runs a command and answers. */
export const alive = { what: 'alive', script: 'echo alive' } as const

/** Writes a word to a new file and reads it back. */
export function writeAndReadBack(path: string, word: string): string {
  return `echo ${q(word)} > ${q(path)} && cat ${q(path)}`
}

/** Appends a line to an existing file and prints the whole file. */
export function appendAndRead(path: string, line: string): string {
  return `echo ${q(line)} >> ${q(path)} && cat ${q(path)}`
}

/**
 * The bystander's heartbeat, run detached: appends a line to `path` every 0.1 s until stopped.
 * Runs inside the box, so its pace does not depend on how fast the host can reach the box.
 */
export function startAppender(path: string): string {
  const dir = path.replace(/\/[^/]*$/, '') || '/'
  return `mkdir -p ${q(dir)} && : > ${q(path)} && echo $$ > ${APPENDER_PID} && while :; do echo tick >> ${q(path)}; sleep 0.1; done`
}

export const stopAppender = { what: 'stop the appender', script: `kill $(cat ${APPENDER_PID}) 2>/dev/null; true` } as const

/**
 * Rewrites the first 4 KiB of an existing file in place with fresh random bytes. Needs no new
 * blocks, so it works on a 100 % full ext4, but fails on a read-only one. `flush: false` leaves
 * the data in the page cache, so only an orderly stop gets it onto the disk.
 */
export function rewriteInPlace(path: string, opts: { flush: boolean }): string {
  return `[ -f ${q(path)} ] && dd if=/dev/urandom of=${q(path)} bs=4096 count=1 conv=${opts.flush ? 'notrunc,fsync' : 'notrunc'} 2>&1`
}

/** A new file of random bytes (small: a keepsake whose content matters). */
export function writeRandomFile(path: string, bytes: number): string {
  if (bytes > 1024 * 1024) throw new Error('writeRandomFile is for small files (at most 1 MiB)')
  return `head -c ${bytes} /dev/urandom > ${q(path)}`
}

/** Tries to write 1 MiB to a new file; prints dd's error (expected: No space left on device). */
export function tryWriteOneMiB(path: string): string {
  return `dd if=/dev/zero of=${q(path)} bs=1M count=1 2>&1; true`
}

/** Deletes files and flushes, so the free space and any discard reach the disk. */
export function removeAndSync(paths: readonly string[]): string {
  return `rm -- ${paths.map(q).join(' ')} && sync`
}

// ---------------------------------------------------------------------------------------------
// Fills: every one is capped by a FillBudget and re-checks the bound first

export interface FillOutcome {
  /** dd reported `No space left on device`. */
  readonly enospc: boolean
  readonly ddExit: number | undefined
  /** The in-box bound re-check refused to write. */
  readonly refused: boolean
  readonly output: string
}

/** Writes zeros to `path` until the disk is full, or until the budget's cap (which means: not full). */
export function fillRootfs(budget: FillBudget, path = '/fill'): GuestProbe<FillOutcome> {
  return {
    what: 'fill',
    script: `${boundCheck(budget.limitKiB)} dd if=/dev/zero of=${q(path)} bs=1M count=${budget.capMiB} 2>&1; echo "dd_exit=$?"`,
    parse(record) {
      const all = `${record.stdout}\n${record.stderr}`
      return {
        enospc: /No space left/.test(all),
        ddExit: int(keyValues(record.stdout).dd_exit),
        refused: record.exitCode === REFUSED_EXIT,
        output: all.trim(),
      }
    },
  }
}

/** Writes exactly `mib` MiB of zeros to `path` and flushes; fails (non-zero) if it does not fit. */
export function writeFileOfSize(budget: FillBudget, path: string, mib: number): string {
  if (mib > budget.capMiB) throw new Error(`refusing to write ${mib} MiB: the proven cap is ${budget.capMiB} MiB`)
  return `${boundCheck(budget.limitKiB)} dd if=/dev/zero of=${q(path)} bs=1M count=${mib} 2>&1 && sync`
}

export interface WriterOutcome {
  readonly index: number
  readonly exitCode: number | undefined
  readonly enospc: boolean
}

/**
 * `writers` dd processes race to fill `/fill1..N`; reports each writer's exit status and error.
 * Each writer keeps its error in memory and prints it as one block, so the report never depends on
 * writing a file (on a full disk, or with /tmp on the rootfs, that write could itself fail).
 */
export function fillRootfsWithConcurrentWriters(budget: FillBudget, writers: number): GuestProbe<WriterOutcome[]> {
  const seq = Array.from({ length: writers }, (_, i) => i + 1).join(' ')
  return {
    what: 'concurrent fill',
    script:
      `${boundCheck(budget.limitKiB)} ` +
      `for i in ${seq}; do ( err=$(dd if=/dev/zero of=/fill$i bs=1M count=${budget.capMiB} 2>&1 >/dev/null); rc=$?; ` +
      `printf '%s\n' "--- writer $i ---" "$err" "RC=$rc FILE=/fill$i" ) & done; wait`,
    parse(record) {
      const outcomes: WriterOutcome[] = []
      const sections = record.stdout.split(/^--- writer (\d+) ---$/m)
      for (let k = 1; k < sections.length; k += 2) {
        const body = sections[k + 1] ?? ''
        const rc = /RC=(\d+) FILE=/.exec(body)
        outcomes.push({ index: Number(sections[k]), exitCode: rc ? Number(rc[1]) : undefined, enospc: /No space left/.test(body) })
      }
      return outcomes
    },
  }
}

/**
 * Background fill in `chunks` paced steps of `chunkMiB`, `pauseSeconds` apart, so that it lasts
 * long enough for a neighbour's progress to be observed while it runs. Leaves its state on /tmp.
 */
export function startPacedFill(budget: FillBudget, chunkMiB: number, chunks: number, pauseSeconds: number): string {
  if (chunkMiB * chunks > budget.capMiB) {
    throw new Error(`refusing a paced fill of ${chunks} x ${chunkMiB} MiB: the proven cap is ${budget.capMiB} MiB`)
  }
  return (
    `rm -f ${PACED.done} ${PACED.err} ${PACED.chunks}; echo $$ > ${PACED.pid}; ` +
    `${boundCheck(budget.limitKiB, `echo refused > ${PACED.err}; touch ${PACED.done};`)} ` +
    `i=0; while [ $i -lt ${chunks} ] && dd if=/dev/zero of=/fill.$i bs=1M count=${chunkMiB} 2>${PACED.err}; ` +
    `do i=$((i + 1)); echo $i > ${PACED.chunks}; sleep ${pauseSeconds.toFixed(2)}; done; ` +
    `echo $i > ${PACED.chunks}; touch ${PACED.done}`
  )
}

/** Whether the background fill has finished, and how many chunks it wrote. */
export const pacedFillState: GuestProbe<{ running: boolean; chunks: number }> = {
  what: 'background fill state',
  script: `if [ -e ${PACED.done} ]; then echo state=done; else echo state=running; fi; echo chunks=$(cat ${PACED.chunks} 2>/dev/null || echo 0)`,
  parse(record) {
    const kv = keyValues(record.stdout)
    if (record.exitCode !== 0 || (kv.state !== 'done' && kv.state !== 'running')) {
      throw new ProbeError('background fill state', 'no state', record)
    }
    return { running: kv.state === 'running', chunks: int(kv.chunks) ?? 0 }
  },
}

/** The last error of the background fill (where `No space left` must appear). */
export const pacedFillError = { what: 'background fill error', script: `cat ${PACED.err} 2>/dev/null; true` } as const

/** Stops a runaway background fill (used only when it outlives its deadline). */
export const stopPacedFill = {
  what: 'stop background fill',
  // By its recorded pid, never by name; the chunk being written is at most one budgeted dd.
  script: `touch ${PACED.done}; kill $(cat ${PACED.pid}) 2>/dev/null; true`,
} as const

// ---------------------------------------------------------------------------------------------
// Inodes

export interface InodeExhaustion {
  readonly created: number
  readonly reachedCap: boolean
  readonly lastError: string
}

/**
 * Creates empty files with a shell builtin (no process per file) until creation fails or `cap`
 * files exist; reports the count and the error that stopped it. Empty files use no data blocks.
 */
export function exhaustInodes(budget: FillBudget, cap: number, dir = '/inotest'): GuestProbe<InodeExhaustion> {
  return {
    what: 'inode exhaustion',
    script:
      `${boundCheck(budget.limitKiB)} mkdir -p ${q(dir)} && cd ${q(dir)} || exit 1; : > /tmp/last.err; i=0; ` +
      // `true`, not `:`: a failed redirection on a special builtin (`:`) makes sh exit at once.
      `while [ $i -lt ${cap} ] && { true > f$i; } 2>/tmp/last.err; do i=$((i + 1)); done; ` +
      `echo created=$i; if [ $i -ge ${cap} ]; then echo reached_cap=yes; fi; echo "last_err=$(tr '\\n' ' ' < /tmp/last.err)"`,
    parse(record) {
      const kv = keyValues(record.stdout)
      const created = int(kv.created)
      if (created === undefined) throw new ProbeError('inode exhaustion', 'no created=N line', record)
      return { created, reachedCap: kv.reached_cap === 'yes', lastError: (kv.last_err ?? '').trim() }
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Many small files (reclaim of sub-cluster frees)

/** Writes `count` files of `bytes` bytes each under `dir` without a process per file, then syncs. */
export function writeSmallFiles(budget: FillBudget, dir: string, count: number, bytes: number): string {
  if ((count * bytes) / 2 ** 20 > budget.capMiB) throw new Error(`refusing ${count} x ${bytes} bytes: above the proven cap`)
  return (
    `${boundCheck(budget.limitKiB)} mkdir -p ${q(dir)} && cd ${q(dir)} || exit 1; ` +
    `s=$(head -c ${bytes} /dev/zero | tr '\\0' x); i=1; ` +
    `while [ $i -le ${count} ]; do printf '%s' "$s" > $i || exit 1; i=$((i + 1)); done; sync`
  )
}

/** Deletes the odd-numbered files, syncs, then the even ones, so no single free spans a cluster. */
export function deleteSmallFilesInterleaved(dir: string, count: number): string {
  return `cd ${q(dir)} && rm $(seq 1 2 ${count}) && sync && rm $(seq 2 2 ${count}) && sync`
}

// ---------------------------------------------------------------------------------------------

/**
 * Starts every script that writes more than a few KiB: re-checks in the same shell that `/` is
 * below the bound and refuses (exit 97) otherwise; then makes sure the canary exists.
 */
function boundCheck(limitKiB: number, onRefuse = ''): string {
  if (!Number.isInteger(limitKiB) || limitKiB <= 0) throw new Error(`bad rootfs bound: ${limitKiB}`)
  return (
    `t=$(df -P / | awk 'NR==2{print $2}'); ` +
    `case "$t" in ''|*[!0-9]*) ${onRefuse} echo "refused: cannot read the size of /"; exit ${REFUSED_EXIT};; esac; ` +
    `if [ "$t" -ge ${limitKiB} ]; then ${onRefuse} echo "refused: / is $t KiB, not below ${limitKiB} KiB"; exit ${REFUSED_EXIT}; fi; ` +
    `[ -s ${CANARY} ] || dd if=/dev/zero of=${CANARY} bs=4096 count=16 conv=fsync 2>/dev/null;`
  )
}

function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)=(.*)$/.exec(line.trim())
    if (m) out[m[1]] = m[2]
  }
  return out
}

function int(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}
