/**
 * Known disk regressions refbox can inject, to prove each scenario of the suite catches the one it
 * guards against. Switched on per invocation by `REFBOX_DEFECTS=name[,name...]`; each is one small
 * branch in the code path it breaks (grep for `defects.has('<name>')`).
 */
import { Switches } from './switches'

export const DEFECTS = {
  'shared-disk': "boxes of one home share one filesystem (a new box reuses a running box's mounted disk)",
  'unbounded-rootfs': "the box's / is a sparse 8 GiB disk standing in for the host disk instead of the image-sized one",
  'no-tmpfs': '/tmp lives on the rootfs instead of a tmpfs',
  'no-discard': 'the rootfs is mounted without discard, so deletes never reach the qcow2',
  'leaky-rm': 'rm -f deletes the box but leaves its disk file behind',
  'exec-dies-when-full': 'exec stages each command (1 MiB) in the rootfs, so commands fail once it is full',
  'readonly-when-full': 'a full rootfs is remounted read-only (reads work, rm fails)',
  'lost-writes-on-stop': 'start re-creates the overlay, so a box comes back from the base image',
  'start-refuses-when-full': 'start refuses a box whose rootfs is full',
  'inodes-block-appends': 'a rootfs out of inodes is remounted read-only, so appends fail',
  'cp-exits-zero-on-enospc': "cp ignores the in-box copy's failure (exit 0, partial file left)",
  'cp-stages-on-host': 'cp buffers the file in the home first and leaves it there when the copy fails',
  'freeze-peers-during-fill': 'while one box runs a command, the other boxes of the home are paused (SIGSTOP)',
  'rm-defers-disk-delete': "rm -f moves the box's disk to a deletion queue in the home that is never emptied",
  'reserved-disk-space': 'every new disk reserves 64 MiB of host space up front, so a fresh box is not sparse',
  'base-written-on-restart': "starting a stopped box writes a boot count into the image's shared base disk",
  'base-per-box': "every box gets a private copy of the image's base disk instead of sharing one",
  'disk-size-not-grown': '--disk-size sizes the disk but the filesystem is not grown to fill it',
  'rm-fails-when-host-full':
    "rm -f gives up when the home's filesystem is full, so the disk that filled the host is never freed",
  'rebuild-after-crash': "start after an unclean exit rebuilds the overlay from the base, so even fsync'd data is lost",
  'evict-when-crowded': "with six or more boxes running in a home, a background exec stops the home's oldest box",
  'rm-keeps-unstarted-disks':
    'rm -f of a box that never finished starting deletes its record but leaves its disk behind',
  'failed-create-leaves-dir':
    'a create makes the box directory before it reads the image and leaves it when the image is bad',
  'torn-disk-unremovable':
    'a torn disk is neither rebuilt at start nor removable: start fails on it and rm -f refuses it',
  'shim-recorded-when-up':
    "a start records the box's shim only once the box is up, and rm -f stops only recorded " +
    'processes: a start killed while its box boots leaves the shim, storage daemon and box running',
  // gc (issue 23): the sweep of PR #647 gone wrong.
  'gc-ignores-age': 'gc deletes unreferenced files however young, so the image a create just built can go',
  'gc-deletes-referenced':
    "gc pins only what each box's live disk names directly (the first backing level), so a box whose disk backs " +
    'onto a snapshot or a clone base loses the image below it',
  'gc-dry-run-deletes': 'gc --dry-run deletes what it reports, like the real run',
  'gc-sweeps-foreign':
    'gc deletes every unreferenced aged file in bases/ and disk-images/, not only the qcow2 and ext4 disks',
  'gc-skips-image-disks':
    'gc never sweeps the image disks (images/disk-images/), the space BoxLite 0.10.0 never gives back (#1487)',
  // Snapshots (issue 23)
  'snapshot-renames-live-disk':
    "a running box's snapshot renames its live disk (BoxLite 0.10.0): the storage daemon keeps the renamed file " +
    'open, so writes made after the snapshot land in it',
  'snapshot-drops-child-disk':
    "snapshot create and restore delete the box's new disk right after making it (BoxLite #323): the box cannot start",
  'snapshot-restore-while-running':
    'restore does not check the state: on a running box it replaces the disk under the storage daemon',
  'snapshot-rm-ignores-chain': 'snapshot rm deletes a layer the live disk or another snapshot still reads',
  'snapshot-ignores-pending-marker':
    'a runtime start never looks for snapshots a crash cut short: a box whose disk was moved into one cannot start',
  'snapshot-layers-outlive-box':
    "snapshot layers are kept in a store of their own under the home, which the box's removal forgets",
  // Clones (issue 23): ./clone.ts, ./bases.ts and the clone rules of ./remove.ts.
  'clone-shares-live-disk':
    "a clone's disk backs straight onto its stopped source's live disk, so the source's later writes reach the clone",
  'live-clone-renames':
    "cloning a running box renames its open disk into the clone base, so the box's later writes land in the base " +
    'the clone reads (BoxLite 0.10.0)',
  'rm-ignores-clones': 'rm without force removes a box that clones depend on',
  'force-rm-deletes-base': 'force-removing a cloned box deletes the clone base with it, so its clones cannot start',
  'clone-rm-deletes-base': 'removing one clone deletes the clone base that the source and the other clones still use',
  'base-outlives-last-clone': 'a clone base is never deleted, even once no box uses it',
  'base-backs-onto-snapshots':
    "a clone base keeps backing onto its source's snapshots, so force-removing the source breaks the clone",
  'volume-ro-ignored': 'a read-only volume (-v HOST:BOX:ro) is mounted read-write',
  'volume-in-rootfs':
    "a host-path or anonymous volume's box path is a directory in the rootfs: its writes fill the rootfs, " +
    'never reach the host directory, and are lost with the box',
  'rm-deletes-anonymous-volume': "rm deletes the box's anonymous volumes under <home>/volumes/anonymous/",
  'sized-volume-unbounded': 'size= is ignored: a sized volume is an anonymous directory on the host, without a cap',
  'sized-image-kept': 'rm deletes the box but leaves its sized volume images (boxes/<id>/volumes/) behind',
  // Export and import (issue 23)
  'export-keeps-backing':
    "export archives the box's live disk layer as it is, still naming the base disk under it, instead of a " +
    'flattened standalone disk',
  'export-drops-symlinks': 'export copies the files the box made file by file over the image and skips symbolic links',
  'export-loses-modes':
    'export copies the files the box made or changed file by file over the image, each with a fresh copy’s mode ' +
    '(0644, directories 0755)',
  'import-skips-checksum': "import never compares the disk's SHA-256 with the manifest's, so a damaged disk is taken",
  'import-trusts-backing':
    'import takes a disk that names a backing file, which then reads a host file the archive chose',
  'import-half-made-box':
    'import records the new box before it checks the archive, and a refused import leaves it behind',
  'import-shares-disk':
    'imports of one archive share one disk file (deduplicated by checksum), so their boxes share data',
} as const

export type DefectName = keyof typeof DEFECTS

/** Every defect name, in a stable order (the proof runs one suite per name). */
export const KNOWN_DEFECTS: readonly DefectName[] = Object.keys(DEFECTS) as DefectName[]

/** The defects switched on for one invocation. */
export type Defects = Switches<DefectName>
export const Defects = {
  parse: (spec: string | undefined): Defects =>
    Switches.parse(spec, KNOWN_DEFECTS, { noun: 'defect', setting: 'REFBOX_DEFECTS' }),
  none: (): Defects => Switches.none<DefectName>(),
}
