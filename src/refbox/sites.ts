/**
 * Defect-site coverage. A site is a place in refbox where a defect of ./defects.ts would change
 * behaviour, or where its effect is decided. With `REFBOX_SITE_LOG=FILE` every invocation appends
 * one JSON line per site it reaches, `{"home","site","at"}`, whichever defects are on; the proof
 * then runs each defect only against the scenarios that reached one of its sites.
 *
 * Sound means: if a scenario's healthy run reached none of a defect's sites, that defect cannot
 * change anything the scenario sees. Each entry below says why its sites are enough.
 */
import { accessSync, appendFileSync, constants, existsSync, readFileSync, rmSync, statfsSync } from 'node:fs'
import type { DefectName } from './defects'
import type { VariantName } from './variants'

export const SITE_LOG_ENV = 'REFBOX_SITE_LOG'

export const SITES = {
  'create-requested': 'a box is asked for, before its image is read',
  'create-image-ready': "a box's image was read and its base disk is there",
  'create-unfinished':
    'a box was asked for and its create never got as far as its image (it failed, or was killed): derived, see ' +
    'derivedSites',
  'box-create': 'a box disk is created (its virtual size is decided here)',
  'box-start': 'a box boots (its mount options and /tmp are decided here)',
  'box-up': "a box's start saw its main process run on its disk and recorded it",
  'start-unfinished':
    'a box began to boot and its start never saw it up (it failed, ' +
    'or was killed while the box booted): derived, see derivedSites',
  'start-needing-resize':
    "a box boots whose disk is larger than its image's filesystem (--disk-size), so the filesystem must grow",
  'torn-disk': "a box's disk fails `qemu-img check` when it boots or is removed",
  'start-beside-running-box': 'a box boots while another box of the same home is running',
  restart: 'a box that ran before boots again',
  'start-on-full-rootfs': 'a box boots with less than 2 MiB free on its rootfs',
  'discard-while-running': "the box's filesystem sent its disk at least one discard while the box ran",
  'discard-at-unmount': "the box's filesystem sent its disk at least one discard during its final unmount",
  'rootfs-full': 'a command or copy starts or ends with less than 1 MiB free on the rootfs',
  'rootfs-out-of-inodes': 'a command or copy starts or ends with no free inode on the rootfs',
  'rootfs-nearly-full': 'a command or copy starts or ends with less than 2 MiB or fewer than 2 inodes free',
  'rootfs-read-only':
    'a command or copy starts or ends with the rootfs read-only (ext4 remounts it so after write errors)',
  'exec-beside-running-box': 'a command or copy runs in a box while another box of the home is running',
  'copy-in': 'a host file is copied into a box',
  'remove-box': 'a box is removed',
  'remove-unstarted-box': 'a box that never finished a start is removed',
  'remove-on-full-home': "a box's removal meets a full home filesystem (under 1 MiB free, or ENOSPC on its stop)",
  'home-call': 'refbox is called on a home (every call but --version, --help and build-image)',
  'box-stop': 'a box is stopped (by stop, restart or rm -f)',
  'runtime-message': 'refbox tells the user something on stderr (an error, a notice)',
  'create-on-low-space': 'a run or create finds less free space in the home than space-precheck asks for',
  'kernel-log-read': "a box's kernel log is asked for (logs BOX)",
  gc: 'gc runs and may delete (gc without --dry-run)',
  'gc-dry-run': 'gc runs as a dry run (gc --dry-run)',
  'list-or-inspect': 'boxes or snapshots are listed or inspected (list, inspect, snapshot list)',
  // Snapshots (issue 23)
  'snapshot-create': 'a snapshot is taken (its pending marker is written)',
  'snapshot-of-running-box': "a running box's snapshot is taken",
  'snapshot-of-stopped-box': "a stopped box's snapshot is taken (its disk is forked)",
  'snapshot-box-frozen': "a running box's filesystem is frozen for its snapshot",
  'snapshot-restore': "a box's disk is put back to a snapshot",
  'snapshot-restore-on-running-box': 'a restore is asked of a running box',
  'snapshot-remove': 'a snapshot is removed',
  'snapshot-remove-refused': 'a snapshot removal finds a disk that still reads its layer',
  'snapshot-pending-found': 'a call on the home finds the pending marker of a snapshot a crash cut short',
  'remove-box-with-snapshots': 'a box that has snapshots is removed',
  'clone-box': 'a stopped box is cloned',
  'clone-running-box': 'a running box is cloned',
  'remove-clone-source': 'a box is removed (with force or without) whose clones still exist',
  'remove-base-holder': 'a box is removed whose disk backs onto a clone base',
  'create-with-volumes': 'a box with volumes is created (anonymous directories and sized images are made here)',
  'start-with-volumes': 'a box with volumes boots (its volumes are checked and mounted here)',
  'remove-box-with-volumes': 'a box with volumes is removed',
  'box-export': 'a box is exported to an archive',
  'box-import': 'an archive is imported (its box is made here, and its checks decide whether it may be)',
} as const

type SiteName = keyof typeof SITES

/**
 * Where a defect acts. `hostFilesOnly`: it changes nothing but files in the home (what is in them,
 * or how much host space they take). Every answer of the runtime and everything in the box stay
 * the same, so only a scenario that reads those files can see it.
 */
interface DefectSites {
  readonly sites: readonly SiteName[]
  readonly why: string
  readonly hostFilesOnly?: true
}

/** The sites of each defect: where it acts, and why reaching none of them means it changes nothing. */
export const DEFECT_SITES: Readonly<Record<DefectName, DefectSites>> = {
  'shared-disk': { sites: ['start-beside-running-box'], why: 'it only joins a box that is already running' },
  'unbounded-rootfs': { sites: ['box-create'], why: 'it sets the virtual size when the disk is created' },
  'no-tmpfs': { sites: ['box-start'], why: 'it drops the /tmp mount at boot' },
  'no-discard': {
    sites: ['discard-while-running', 'discard-at-unmount'],
    why: 'mounting without discard only differs once the filesystem frees blocks, which it then discards',
  },
  'leaky-rm': { sites: ['remove-box'], why: 'it acts only in rm' },
  'exec-dies-when-full': {
    sites: ['rootfs-nearly-full', 'rootfs-read-only'],
    why:
      'its 1 MiB staging file only fails with under 1 MiB or no inode free, or on a read-only rootfs; it is ' +
      'removed before the command runs',
  },
  'readonly-when-full': { sites: ['rootfs-full'], why: 'its watchdog remounts only on the same check' },
  'lost-writes-on-stop': { sites: ['restart'], why: 'it re-creates the overlay only on a second boot' },
  'start-refuses-when-full': {
    sites: ['start-on-full-rootfs'],
    why: "it refuses only under 1 MiB free; a first boot has the base disk's 64 MiB of room",
  },
  'inodes-block-appends': { sites: ['rootfs-out-of-inodes'], why: 'its watchdog remounts only on the same check' },
  'cp-exits-zero-on-enospc': { sites: ['copy-in'], why: 'it acts only in cp' },
  'cp-stages-on-host': { sites: ['copy-in'], why: 'it acts only in cp' },
  'freeze-peers-during-fill': {
    sites: ['exec-beside-running-box'],
    why: 'with no other box running there is nothing to pause',
  },
  'rm-defers-disk-delete': { sites: ['remove-box'], why: 'it acts only in rm' },
  'reserved-disk-space': {
    sites: ['box-create'],
    why: 'it reserves host space when the disk is created',
    hostFilesOnly: true,
  },
  'base-written-on-restart': {
    sites: ['restart'],
    why: 'it writes the base only when a box that ran before boots again',
  },
  'base-per-box': {
    sites: ['box-create'],
    why: 'it copies the base when the disk is created; the copy holds the same bytes',
    hostFilesOnly: true,
  },
  'disk-size-not-grown': {
    sites: ['start-needing-resize'],
    why: 'it skips growing the filesystem, which a boot does only when the disk is larger than it',
  },
  'rm-fails-when-host-full': {
    sites: ['remove-on-full-home'],
    why: 'it gives up only where a healthy rm goes on past ENOSPC',
  },
  'rebuild-after-crash': { sites: ['restart'], why: 'it rebuilds only when a box that ran before boots again' },
  'evict-when-crowded': {
    sites: ['exec-beside-running-box'],
    why: "it acts in a background exec with six boxes running, when the other boxes' processes are there to be seen",
  },
  'rm-keeps-unstarted-disks': {
    sites: ['remove-unstarted-box'],
    why: 'it acts only in rm, on a box that never finished a start',
  },
  'failed-create-leaves-dir': {
    sites: ['create-unfinished'],
    why: 'its early box directory is the one a create makes anyway, unless the create ends before it reads its image',
  },
  'torn-disk-unremovable': {
    sites: ['torn-disk'],
    why: 'it skips the rebuild of a torn disk at boot and refuses a torn disk in rm; a sound disk is untouched',
  },
  'shim-recorded-when-up': {
    sites: ['start-unfinished'],
    why:
      'a start that gets its box up records the shim as a healthy one does (only later), and rm -f then finds it ' +
      'in the record; only a start that ends between launching the shim and seeing the box up leaves a shim ' +
      'no record names',
  },
  'gc-ignores-age': { sites: ['gc'], why: 'it acts only in what a gc deletes' },
  'gc-deletes-referenced': { sites: ['gc'], why: 'it acts only in what a gc deletes' },
  'gc-dry-run-deletes': { sites: ['gc-dry-run'], why: 'it acts only in a dry run' },
  'gc-sweeps-foreign': { sites: ['gc'], why: 'it acts only in what a gc deletes' },
  'gc-skips-image-disks': { sites: ['gc', 'gc-dry-run'], why: 'it acts only in what a gc reports and deletes' },
  'snapshot-renames-live-disk': {
    sites: ['snapshot-of-running-box'],
    why: "it renames instead of copying only in a running box's snapshot",
  },
  'snapshot-drops-child-disk': {
    sites: ['snapshot-of-stopped-box', 'snapshot-restore'],
    why: "it deletes the disk a stopped box's fork or a restore makes, and only there",
  },
  'snapshot-restore-while-running': {
    sites: ['snapshot-restore-on-running-box'],
    why: 'it skips only the refusal of a restore asked of a running box',
  },
  'snapshot-rm-ignores-chain': {
    sites: ['snapshot-remove-refused'],
    why: 'it skips only the refusal of a removal whose layer another disk reads',
  },
  'snapshot-ignores-pending-marker': {
    sites: ['snapshot-pending-found'],
    why: 'it skips only the recovery of a pending marker, which a call records when it finds one',
  },
  'snapshot-layers-outlive-box': {
    sites: ['remove-box-with-snapshots'],
    why: 'it moves only the snapshots of a box being removed',
    hostFilesOnly: true,
  },
  'clone-shares-live-disk': { sites: ['clone-box'], why: 'it changes only what a clone of a stopped box backs onto' },
  'live-clone-renames': { sites: ['clone-running-box'], why: 'it acts only when a running box is cloned' },
  'rm-ignores-clones': {
    sites: ['remove-clone-source'],
    why: 'it skips only the refusal, which is made only for a box with clones',
  },
  'force-rm-deletes-base': {
    sites: ['remove-base-holder'],
    why: 'it deletes a base only where a removal releases one',
  },
  'clone-rm-deletes-base': {
    sites: ['remove-base-holder'],
    why: 'it deletes a base only where a removal releases one',
  },
  'base-outlives-last-clone': {
    sites: ['remove-base-holder'],
    why: 'it keeps a base only where a removal releases one; the base is a file in the home nothing else reads',
    hostFilesOnly: true,
  },
  'base-backs-onto-snapshots': {
    sites: ['clone-box', 'clone-running-box'],
    why: "it changes only what a new clone base backs onto, and only when the source's disk backs onto its snapshots",
  },
  'volume-ro-ignored': { sites: ['start-with-volumes'], why: 'it changes only how a boot mounts volumes' },
  'volume-in-rootfs': { sites: ['start-with-volumes'], why: 'it changes only how a boot mounts volumes' },
  'rm-deletes-anonymous-volume': {
    sites: ['remove-box-with-volumes'],
    why: 'it acts only in rm, on a box with volumes',
  },
  'sized-volume-unbounded': {
    sites: ['create-with-volumes'],
    why: 'it changes only what a create makes for a volume',
  },
  'sized-image-kept': {
    sites: ['remove-box-with-volumes'],
    why: 'it acts only in rm, on a box with volumes, and keeps only files in the home',
    hostFilesOnly: true,
  },
  // Export and import (issue 23): each acts only inside the command it names.
  'export-keeps-backing': { sites: ['box-export'], why: 'it acts only in export' },
  'export-drops-symlinks': { sites: ['box-export'], why: 'it acts only in export' },
  'export-loses-modes': { sites: ['box-export'], why: 'it acts only in export' },
  'import-skips-checksum': { sites: ['box-import'], why: 'it acts only in import' },
  'import-trusts-backing': { sites: ['box-import'], why: 'it acts only in import' },
  'import-half-made-box': { sites: ['box-import'], why: 'it acts only in import' },
  'import-shares-disk': { sites: ['box-import'], why: 'it acts only in import' },
}

/**
 * Where each benign variation (./variants.ts) acts. A scenario whose healthy run reached none of
 * them sees exactly what it saw without the variation, so the proof's second half leaves it out.
 * Sites reached after a scenario's steps always count here: a variation must not trip the cleanup
 * either.
 */
export const VARIANT_SITES: Readonly<Record<VariantName, DefectSites>> = {
  'reworded-errors': {
    sites: ['runtime-message'],
    why: 'it changes only the words refbox writes on stderr, and every such line records runtime-message',
  },
  'space-precheck': {
    sites: ['create-on-low-space'],
    why: 'it refuses only a create that finds the home under the same threshold, which is where the site is recorded',
  },
  'slow-lifecycle': {
    sites: [
      'box-start',
      'box-stop',
      'remove-box',
      'snapshot-create',
      'snapshot-restore',
      'snapshot-restore-on-running-box',
    ],
    why: 'it waits only around a start, a stop, a removal, a snapshot and a restore',
  },
  'runtime-files': {
    sites: ['home-call'],
    why: 'it writes its files on every call on a home; they change nothing but files in the home',
    hostFilesOnly: true,
  },
  'list-format': {
    sites: ['list-or-inspect'],
    why: 'it changes only what list, inspect and snapshot list print',
  },
  'ids-and-names': {
    sites: ['create-requested', 'box-import'],
    why: 'it changes the id (and a missing name) a create or an import gives; every later call names that box by it',
  },
  'no-kernel-log': { sites: ['kernel-log-read'], why: 'it changes only what logs BOX answers' },
  'deferred-delete': {
    sites: ['remove-box'],
    why: 'it changes only how rm deletes what it removes, and every removal that deletes records remove-box',
  },
  'stderr-warnings': {
    sites: ['home-call', 'runtime-message'],
    why: 'it adds its warning to a call on a home, before anything else that call writes on stderr',
  },
}

/** Sites no refbox call records: derivedSites infers them from the others. */
export const DERIVED_SITES: readonly SiteName[] = ['create-unfinished', 'start-unfinished']

/**
 * The derived sites of one home, from its records (`sites`, with repeats): a create that was
 * asked for more often than its image was ready, or a boot begun more often than a box came up,
 * failed or was killed in between (a killed process records nothing more, so the gap is the evidence).
 */
export function derivedSites(sites: readonly string[]): SiteName[] {
  const count = (site: SiteName) => sites.filter((s) => s === site).length
  return [
    ...(count('create-requested') > count('create-image-ready') ? (['create-unfinished'] as const) : []),
    ...(count('box-start') > count('box-up') ? (['start-unfinished'] as const) : []),
  ]
}

const MiB = 1024 * 1024
const reachedHere = new Set<string>()

/** Whether this invocation records sites (so callers skip measuring when nobody listens). */
export function recordingSites(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env[SITE_LOG_ENV])
}

/** Appends one line per site and home, once per invocation. Small appends are atomic (O_APPEND). */
export function reachSite(home: string, site: SiteName, env: NodeJS.ProcessEnv = process.env): void {
  const log = env[SITE_LOG_ENV]
  if (!log || reachedHere.has(`${home}\0${site}`)) return
  reachedHere.add(`${home}\0${site}`)
  appendFileSync(log, `${JSON.stringify({ home, site, at: Date.now() })}\n`)
}

/** The rootfs checks run around every exec and copy, on the box root the escape guard opened. */
export function reachPressureSites(home: string, rootPath: string): void {
  if (!recordingSites()) return
  const fs = statfsSync(rootPath)
  const free = fs.bavail * fs.bsize
  if (free < MiB) reachSite(home, 'rootfs-full')
  if (fs.ffree === 0) reachSite(home, 'rootfs-out-of-inodes')
  if (free < 2 * MiB || fs.ffree < 2) reachSite(home, 'rootfs-nearly-full')
  // A full host can end a fill in EIO, after which ext4 turns read-only with room left.
  if (isReadOnly(rootPath)) reachSite(home, 'rootfs-read-only')
}

function isReadOnly(path: string): boolean {
  try {
    accessSync(path, constants.W_OK)
    return false
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EROFS'
  }
}

/** At boot: a rootfs that the start-refuses check would have found full. */
export function reachBootSites(home: string, rootPath: string): void {
  if (!recordingSites()) return
  const fs = statfsSync(rootPath)
  if (fs.bavail * fs.bsize < 2 * MiB) reachSite(home, 'start-on-full-rootfs')
}

/**
 * The box shim, when sites are recorded, counts the discards its disk (the loop device) received
 * while the box ran and during the final unmount, into `run/discards` (`running=N unmount=M`).
 * Read once, then removed. A missing or unreadable count is taken as both: a site is only ever
 * left out on evidence.
 */
export function collectDiscardReport(home: string, reportFile: string, expected: boolean): void {
  if (!recordingSites()) return
  if (!existsSync(reportFile) && !expected) return
  const text = existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : ''
  rmSync(reportFile, { force: true })
  const count = (key: string) => Number(new RegExp(`${key}=(\\d+)`).exec(text)?.[1] ?? NaN)
  if (!(count('running') === 0)) reachSite(home, 'discard-while-running')
  if (!(count('unmount') === 0)) reachSite(home, 'discard-at-unmount')
}
