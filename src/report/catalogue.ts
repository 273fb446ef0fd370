/**
 * The guarantee catalogue: one entry per `Rule:` of features/*.feature, in the order a reader should
 * meet them (what they protect: the host and the neighbours first, then the box's data, then cost).
 * The single source of what each guarantee means for users and where its numbers come from: the
 * summary reads it, docs/guarantees.md carries a table generated from it, and `npm run lint:features`
 * (scripts/lint-features.ts, test/suite/catalogue.test.ts) fails when a Rule and its entry disagree:
 * a Rule without an entry or an entry without a Rule, or a number a scenario checks that neither the
 * Rule's own text nor `whyThreshold` names.
 */

/**
 * What a broken guarantee hurts: the host and the other boxes on it, the box's own data, or the host's space (cost).
 */
export type Severity = 'host-and-neighbours' | 'data' | 'cost'

export interface Guarantee {
  /** The Rule's title, exactly as in the feature file. */
  readonly rule: string
  /** The feature file's name (no directory). */
  readonly feature: string
  readonly severity: Severity
  /** Position in the reading order, 1 = first. */
  readonly order: number
  /** One plain sentence: what this guarantee means for the people who run boxes. */
  readonly forUsers: string
  /** Where the rule's numbers come from: an upstream test, an upstream issue, or a measurement. */
  readonly whyThreshold: string
}

/** How each severity is named to a reader, in severity order. */
export const SEVERITY_LABEL: Readonly<Record<Severity, string>> = {
  'host-and-neighbours': 'Host and neighbours',
  data: 'Data',
  cost: 'Cost',
}

type Entry = Omit<Guarantee, 'order'>

const ENTRIES: readonly Entry[] = [
  // Host and neighbours: a failure here reaches beyond the box.
  {
    rule: 'The rootfs is a small ext4 disk that belongs to the box alone',
    feature: 'rootfs-is-its-own-disk.feature',
    severity: 'host-and-neighbours',
    forUsers: 'A runaway program in one box can fill only that box, never the machine or the other boxes on it.',
    whyThreshold:
      '50 MiB and 2 GiB are the bounds of upstream test 1 (BoxLite PR #623): a smaller disk is an empty mount, a ' +
      "larger one is the host's own disk or an image sized out of control. A 32 MiB write must grow the box's " +
      'disk file by at least 30 MiB (2 MiB of slack for how ext4 lays the file out), which shows the writes land ' +
      "in this box's own file.",
  },
  {
    rule: 'A box filling its rootfs takes nothing from the boxes next to it',
    feature: 'boxes-are-isolated.feature',
    severity: 'host-and-neighbours',
    forUsers: 'One box filling its disk does not take space from the other boxes or stall their work.',
    whyThreshold:
      "4 MiB is upstream test 2's slack for the idle box's own logs (BoxLite PR #623). More than 5 lines is " +
      "upstream test 7's count; at least 1 per second is this suite's addition, because a fixed count alone " +
      'passes a neighbour slowed many times over (docs/reference/upstream-stress-tests.md).',
  },
  {
    rule: 'Six boxes filling at the same time each stop at their own bound and keep serving',
    feature: 'many-boxes-filling-at-once.feature',
    severity: 'host-and-neighbours',
    forUsers: 'A host running many boxes stays in control when all of them fill their disks at once.',
    whyThreshold:
      'Six boxes, as upstream test 3 races 6 writers inside one box (BoxLite PR #623). Each disk file may grow by ' +
      "its rootfs size plus 16 MiB for the disk file's own bookkeeping, the slack a fresh disk gets too; the home " +
      'by at most 6 times that, the sum of the six bounds. A 64 KiB file in each box must keep its SHA-256.',
  },
  {
    rule: 'A full host fails writes and new boxes cleanly, and recovers once the filler is removed',
    feature: 'host-runs-out-of-space.feature',
    severity: 'host-and-neighbours',
    forUsers:
      'When the host disk fills up, boxes see ordinary write errors, other boxes keep their data, and removing ' +
      'the box that filled it brings the host back.',
    whyThreshold:
      'BoxLite issue #1487: a runaway fill once filled a host and the next box failed to start. The home sits on a ' +
      "384 MiB filesystem of its own, smaller than the box's 1 GiB disk, so the host runs out first; less than " +
      "1 MiB free means it is full. 300 seconds is upstream's time limit for starting a box (the harness of " +
      'BoxLite PR #623): a new box must fail within it, not hang. After the removal a new box must start within ' +
      '30 seconds, the window the reclaim rule gives a removal to hand its space back.',
  },
  {
    rule: "The image's base disk is shared and never written",
    feature: 'box-disks-on-the-host.feature',
    severity: 'host-and-neighbours',
    forUsers:
      'Boxes made from one image share its files without copying them, and nothing one box does can change ' +
      "another box's files.",
    whyThreshold:
      'No tolerance: both boxes must use the very same base file, and its SHA-256 must not change at all. ' +
      "BoxLite's fix for torn disks (issue #866) rebuilds a box from this base disk, so it has to stay intact.",
  },
  {
    rule:
      "Copying in a file bigger than the box's free space fails, " +
      "and costs the host at most the file's size plus 8 MiB",
    feature: 'host-gets-its-space-back.feature',
    severity: 'host-and-neighbours',
    forUsers:
      'Copying a file into a box is held to the same disk limit as any write inside it, so it cannot fill the host.',
    whyThreshold:
      'Upstream test 13 (BoxLite PR #623): the file is twice the free space, so the copy must fail, and the home ' +
      "may grow by at most the file's size plus 8 MiB for the archive's headers and the disk's journal. The suite " +
      'measures the peak during the copy, so a file staged on the host first shows.',
  },
  // Volumes (issue 23): what a box writes to a volume stays out of its rootfs and within the volume's size.
  {
    rule:
      'A box filling a host directory volume leaves its rootfs and its neighbours alone, and the data outlives ' +
      'the box',
    feature: 'volumes.feature',
    severity: 'host-and-neighbours',
    forUsers:
      "Data a box writes to a shared host directory lands there, not in the box's own disk, does not slow the " +
      'boxes next to it, and is still on the host after the box is removed.',
    whyThreshold:
      'BoxLite shares host directories with virtio-fs: data lives on the host filesystem, not in the box disk ' +
      '(docs: boxlite-disks-beyond-rootfs.md section 1.1, guarantee 13). 4 MiB is the slack upstream test 2 leaves ' +
      "for the box's own logs (BoxLite PR #623). The 64 MiB filesystem is the scenario's own, so the fill cannot " +
      'reach the host; at least 32 MiB, half of it, shows the fill reached that filesystem. 10 seconds is ' +
      "upstream's assert_alive window.",
  },
  {
    rule: 'A sized volume holds at most its size, and its disk goes with the box',
    feature: 'volumes.feature',
    severity: 'host-and-neighbours',
    forUsers:
      'A box given a sized volume cannot write more than that size to it, and removing the box gives the space ' +
      'back.',
    whyThreshold:
      'Unreleased BoxLite PR #636 (sized_volume.rs: sized_volume_caps_writes_and_rm_cleans_up_image): a 64 MiB ' +
      'volume fills to ENOSPC, the box keeps serving, and rm -f deletes its image. Here 32 MiB, the same rule at ' +
      "half the cost. 4 MiB is upstream test 2's slack for the box's own logs (BoxLite PR #623), also allowed " +
      "for the runtime's own records after rm; 30 seconds is the reclaim rule's window for a deferred deletion.",
  },
  // Data: a failure here loses or damages what a box wrote, or the box itself.
  {
    rule: 'Data a box synced to disk survives a hard kill of its host process, and the disk stays undamaged',
    feature: 'surviving-a-crash.feature',
    severity: 'data',
    forUsers: 'If a box is killed outright, everything its programs saved to disk is still there when it restarts.',
    whyThreshold:
      "0 errors and 0 corruptions from the disk file's checker (qemu-img check), as Cloud Hypervisor's tests ask " +
      'after every crash test; no filesystem error in the kernel log after the restart, from smolvm issue #1196 ' +
      '(filesystem errors after a kill). Only the 4 MiB synced file must survive; the 64 KiB unsynced one may be lost.',
  },
  {
    rule: 'A box with a full rootfs restarts with its data intact',
    feature: 'recovering-a-full-box.feature',
    severity: 'data',
    forUsers: 'Restarting a box whose disk is full neither fails nor loses what the box had written.',
    whyThreshold:
      'Upstream test 6 (BoxLite PR #623) only checked that the file was still listed; the suite compares size and ' +
      "SHA-256, so a single lost or changed byte fails. Serving within 10 seconds is upstream's liveness check.",
  },
  {
    rule: 'A box whose disk was torn starts from its image or says why, and can always be removed',
    feature: 'surviving-a-crash.feature',
    severity: 'data',
    forUsers:
      'After a crash damaged its disk, a box either comes back fresh from its image and says its data is gone, ' +
      'or refuses to start naming the disk; it never hangs and can always be removed.',
    whyThreshold:
      'BoxLite issue #866: a disk file cut short by a host crash made every restart fail. The disk is cut to 50 % ' +
      "of its length, which loses data the disk's index points to. 60 seconds is far above a normal start, so " +
      'only a start that hangs fails it.',
  },
  {
    rule: 'Filling the rootfs ends in "No space left on device" and the box keeps working',
    feature: 'rootfs-is-its-own-disk.feature',
    severity: 'data',
    forUsers:
      'A program that fills the disk gets the ordinary "disk full" error it knows how to handle, and the box ' +
      'and its files stay fine.',
    whyThreshold:
      'Upstream tests 1 and 3 (BoxLite PR #623): one fill, and 6 writers racing, as upstream runs them. Serving ' +
      "within 10 seconds is upstream's liveness check, retried for 10 seconds.",
  },
  {
    rule: 'With no inodes left, the box keeps working and its existing files stay usable',
    feature: 'running-out-of-inodes.feature',
    severity: 'data',
    forUsers: 'A program that creates too many small files cannot break the box or its existing files.',
    whyThreshold:
      'More than 100 files is the floor of upstream tests 4 and 10 (BoxLite PR #623): fewer means the loop ' +
      "stopped for some other reason. The cap of 500000 files is upstream's too: a disk with more inodes than " +
      'that fails the check instead of running for ever.',
  },
  {
    rule: 'Deleting files on a full rootfs gives the space back',
    feature: 'recovering-a-full-box.feature',
    severity: 'data',
    forUsers: 'A box whose disk is full is fixed by deleting files, as often as it fills up.',
    whyThreshold:
      'Upstream tests 11 and 12 (BoxLite PR #623): the box starts with more than 50 MiB free so the fill is real, ' +
      'less than 1 MiB free means the disk is full, and the free space must come back to within 5 MiB, the slack ' +
      "for ext4's own records.",
  },
  {
    rule: 'A box asked for a bigger disk gets all of it, and no more',
    feature: 'box-disks-on-the-host.feature',
    severity: 'data',
    forUsers:
      'A box given a bigger disk can really use that space, instead of being cut off mid-write, and costs the ' +
      'host no more than that.',
    whyThreshold:
      'BoxLite issue #1152 (fixed by PR #1231): boxes asked for 2 to 8 GiB were cut off near 1 GiB on the host and ' +
      'died mid-write. ext4 keeps part of a disk for its journal and tables, so a 1 GiB disk shows between 0.85 GiB ' +
      'and 1 GiB inside the box; 700 MiB of fill shows most of it is usable; the home may grow by at most 1 GiB ' +
      "plus 16 MiB for the disk file's own bookkeeping.",
  },
  // Snapshots (issue 23)
  {
    rule: 'Restoring a snapshot brings back the disk exactly as it was when the snapshot was taken',
    feature: 'snapshots.feature',
    severity: 'data',
    forUsers:
      'Going back to a snapshot brings back exactly what the box held then, also when the snapshot was taken ' +
      'while the box was running.',
    whyThreshold:
      "BoxLite's test_snapshot_restore_discards_post_snapshot_writes and test_live_disk_isolation_snapshot " +
      '(upstream main): a word written before the snapshot must read back, one written after must not. BoxLite ' +
      "0.10.0 renames a running box's disk into the snapshot, so its live scenario is a known issue there.",
  },
  {
    rule: 'Taking or restoring a snapshot never leaves the box unable to start',
    feature: 'snapshots.feature',
    severity: 'data',
    forUsers: 'A snapshot or a restore never costs the box its ability to start.',
    whyThreshold:
      'BoxLite #323 and its fix #330: the new disk was deleted after a snapshot or a restore and the box never ' +
      "started again. Serving within 10 seconds is upstream's liveness check (BoxLite PR #623).",
  },
  {
    rule: 'A running box cannot be restored, and asking leaves it running with its data',
    feature: 'snapshots.feature',
    severity: 'data',
    forUsers: 'A restore asked of a running box by mistake changes nothing: the box goes on with its data.',
    whyThreshold:
      "BoxLite's test_snapshot_restore_rejected_while_running: any refusal counts, and the box must answer " +
      "within 10 seconds, upstream's liveness check, with the word it wrote last.",
  },
  {
    rule: 'Removing snapshots never breaks the box or the snapshots left',
    feature: 'snapshots.feature',
    severity: 'data',
    forUsers: 'Removing a snapshot never damages the box or the other snapshots, whichever one is removed.',
    whyThreshold:
      "BoxLite's test_snapshot_remove_current_backing_rejected and test_snapshot_chain_remove_oldest_with_newer_" +
      'depending: three snapshots removed newest first, each removal followed by a start of the box and a restore ' +
      'of every snapshot left.',
  },
  {
    rule: 'Snapshots are kept with the box until they are removed',
    feature: 'snapshots.feature',
    severity: 'data',
    forUsers: 'Snapshots are still there after the box or the runtime restarts, and each still restores.',
    whyThreshold:
      "BoxLite's test_snapshot_survives_box_restart and #323's test_snapshots_persist_after_stop: two snapshots, " +
      'each with its own word, listed and restored after a restart.',
  },
  {
    rule: 'A box with a full rootfs can be snapshotted and restored with its data intact',
    feature: 'snapshots.feature',
    severity: 'data',
    forUsers: 'A box whose disk is full can still be snapshotted and brought back from that snapshot intact.',
    whyThreshold:
      'The fill of upstream test 11 (BoxLite PR #623), its size and SHA-256 kept through a snapshot and a restore; ' +
      "serving within 10 seconds is upstream's liveness check.",
  },
  {
    rule: 'A snapshot cut short by a crash is put right at the next start',
    feature: 'snapshots-on-the-host.feature',
    severity: 'data',
    forUsers: 'A runtime that dies in the middle of a snapshot never leaves the box broken or a broken snapshot.',
    whyThreshold:
      "BoxLite's recover_pending_snapshot and its tests (test_recover_pending_snapshot_restores_disk): the runtime " +
      "is killed once the snapshot's marker and layer are on the host; serving within 10 seconds is upstream's " +
      'liveness check.',
  },
  // Clones (features/clones.feature).
  {
    rule: "A clone starts with its source's files, and neither sees what the other writes later",
    feature: 'clones.feature',
    severity: 'data',
    forUsers:
      'A clone begins as an exact copy of its box, and from then on a change made in one of them never shows up ' +
      'in the other.',
    whyThreshold:
      "BoxLite's clone tests (test_clone_write_isolation_from_source, test_clone_data_preserved, and on upstream " +
      'main test_live_disk_isolation_clone for a running box): files are compared by size and SHA-256, so one ' +
      'changed byte fails; the files are 64 KiB of random bytes, synced, so they are on the disk when it is cloned.',
  },
  {
    rule: 'Removing a box or one of its clones never breaks the boxes left',
    feature: 'clones.feature',
    severity: 'data',
    forUsers:
      'A box that others were cloned from cannot be removed by accident, and removing it on purpose, or removing ' +
      'a clone, leaves every other box working with its files.',
    whyThreshold:
      "BoxLite's test_remove_source_box_blocked_by_clone and test_remove_one_of_two_clones_preserves_base: the " +
      'refusal must name the clone so its owner knows what to remove first; files are compared by size and SHA-256.',
  },
  {
    rule: "A read-only volume refuses every write from the box, and the host's files stay as they were",
    feature: 'volumes.feature',
    severity: 'data',
    forUsers: 'A box given a read-only view of a host directory can read it but never change or add a file there.',
    whyThreshold:
      'BoxLite mounts readOnly volumes read-only in the kernel (mount_security.rs readonly_mount_enforced), so a ' +
      'write fails with EROFS, "Read-only file system". 10 seconds is upstream\'s assert_alive window.',
  },
  {
    rule: 'An anonymous volume keeps its data across a restart, and removing the box does not delete it',
    feature: 'volumes.feature',
    severity: 'data',
    forUsers: 'Files a box keeps in an anonymous volume survive a restart, and removing the box does not destroy them.',
    whyThreshold:
      "BoxLite's CLI makes <home>/volumes/anonymous/<ULID>/ for -v /BOX and never deletes it: not rm, not --rm " +
      "(cli.rs VolumeFlags::apply_to; PR #1513). Docker keeps a removed container's anonymous volumes unless asked " +
      'with -v. A file of 16 KiB must keep its SHA-256.',
  },
  // Export and import (issue 23)
  {
    rule: 'An exported box comes back whole, in a new box with a disk of its own',
    feature: 'export-and-import.feature',
    severity: 'data',
    forUsers:
      'A box saved to an archive comes back with every file, mode and link it had, as a box of its own that ' +
      'needs nothing left on the host it came from.',
    whyThreshold:
      "BoxLite's export tests (test_export_import_preserves_file_contents, …_preserves_symlinks, " +
      'test_double_import_from_same_archive): the 1 MiB binary file is random, so its SHA-256 changes with any ' +
      'byte; modes 750 and 600 are the ones a plain file copy would lose; the imported disk must have no backing ' +
      'file at all (test_import_validates_no_backing_references).',
  },
  {
    rule: 'A box with a full rootfs is exported and imported whole',
    feature: 'export-and-import.feature',
    severity: 'data',
    forUsers: 'A box whose disk is full can still be saved to an archive and brought back with all of its data.',
    whyThreshold:
      'The full disk is the one the rootfs guarantees make (upstream PR #623 fills); its files are compared by ' +
      'size and SHA-256, so a single lost or changed byte fails.',
  },
  {
    rule: 'A damaged archive is refused, and no box is made from it',
    feature: 'export-and-import.feature',
    severity: 'data',
    forUsers:
      'An archive that was damaged, cut short, made by a newer runtime or pointing at host files is refused, and ' +
      'leaves no half-made box behind.',
    whyThreshold:
      "BoxLite's import checks (runtime/import.rs): the disk's SHA-256 against the manifest, manifest versions up " +
      'to 5 (so 6 is refused), and no backing file in the disk (test_import_validates_no_backing_references); ' +
      'no tolerance: the box list and the home must be exactly as before.',
  },
  // gc (issue 23): what a sweep of unused disks must never take.
  {
    rule: 'gc keeps what boxes use, what is younger than 10 minutes, and files that are not disks',
    feature: 'garbage-collection.feature',
    severity: 'data',
    forUsers: 'Cleaning up unused disks never breaks a box, a box being made, or files an operator keeps in the home.',
    whyThreshold:
      "10 minutes is BoxLite PR #647's grace for box directories, bases and image disks: a create builds its base " +
      'disk and the overlay on it within seconds, so anything younger may be about to be used. 10 seconds is ' +
      "upstream's assert_alive window for the boxes to serve again.",
  },
  {
    rule: 'A dry run of gc reports what it would delete and deletes nothing',
    feature: 'garbage-collection.feature',
    severity: 'data',
    forUsers: 'An operator can ask what gc would delete without losing anything.',
    whyThreshold:
      "PR #647's CLI test: after the last box of an image is removed and its base disk backdated, the dry run " +
      'reports more than 0 bytes and at least 1 orphan image disk and deletes nothing.',
  },
  // Cost: a failure here wastes host space or leaves things behind; nothing is lost.
  {
    rule: 'Removing a box gives back the space its disk used',
    feature: 'host-gets-its-space-back.feature',
    severity: 'cost',
    forUsers: 'Removing a box frees its disk space on the host, so removed boxes do not slowly fill the machine.',
    whyThreshold:
      'Upstream test 5 (BoxLite PR #623): a fill must grow the disk by at least 50 MiB so the give-back can be ' +
      "measured, and at least 90 % must come back within 30 seconds: 10 % is left for the runtime's own records, " +
      'and 30 seconds for a deletion it puts off.',
  },
  {
    rule: 'Removing a box and its last clone gives back the disk they shared',
    feature: 'clones.feature',
    severity: 'cost',
    forUsers: 'Clones cost disk space only while they exist: removing the last one frees the disk they shared.',
    whyThreshold:
      "BoxLite's test_remove_clone_triggers_base_gc_when_last_dependent: the shared disk goes with its last user. " +
      'The box writes 16 MiB first, so a shared disk left behind is four times the 4 MiB allowed for the ' +
      "runtime's own records; 30 seconds is the window the suite gives any removal that finishes in the background.",
  },
  {
    rule: 'A start that is interrupted or fails leaves nothing behind',
    feature: 'surviving-a-crash.feature',
    severity: 'cost',
    forUsers: 'A box start that is cut short or fails leaves no stray processes, mounts or files on the host.',
    whyThreshold:
      'Starts are killed at 8 points from 5 % to 89 % of the quicker of two measured starts, and as its box ' +
      'directory, disk file and first process appear, so every step of a start is hit, also the one between its ' +
      'process starting and the start returning (SmolVM PR #476: disks left behind after a crash). Within 10 ' +
      'seconds gives the runtime time to end its helper processes.',
  },
  {
    rule: "A fresh box's disk costs the host almost nothing",
    feature: 'box-disks-on-the-host.feature',
    severity: 'cost',
    forUsers: 'An idle box costs the host almost no disk space, however big its disk is.',
    whyThreshold:
      'An empty disk file holds about 0.3 MiB on this disk stack (docs/reference/disk-stack-notes.md); 16 MiB ' +
      "leaves room for a runtime's own headers and still fails the 64 MiB set aside per box by BoxLite PR #618.",
  },
  {
    rule: 'Files deleted inside a box are given back to the host',
    feature: 'host-gets-its-space-back.feature',
    severity: 'cost',
    forUsers:
      "Deleting files inside a box shrinks the box's disk file on the host, so a busy box does not hold its peak.",
    whyThreshold:
      'Upstream tests 8 and 9 (BoxLite PR #623): a 200 MiB file must grow the disk by at least 150 MiB, and after ' +
      'the delete the disk must fall back to within 30 MiB of its start within 15 seconds (ext4 tells the host ' +
      "about freed blocks from a background worker). 1.6 times one fill is upstream test 8's bound. Measuring " +
      "right after the delete is this suite's addition: upstream's second fill alone passes with discard broken " +
      '(docs/reference/disk-stack-notes.md). The 4000 small files must first grow the disk by at least 40 MiB, ' +
      'and a fill by at least 50 MiB, so there is something to give back.',
  },
  {
    rule: 'gc deletes the base disk of an image no box uses, and a second run finds nothing more',
    feature: 'garbage-collection.feature',
    severity: 'cost',
    forUsers: 'Running gc gives back the space of images no box uses any more, which a home otherwise keeps for ever.',
    whyThreshold:
      "PR #647's CLI test: the real run reclaims more than 0 bytes and leaves no orphan base disk; its at-scale " +
      'test: a second pass reclaims 0. Each base disk deleted must be counted.',
  },
  {
    rule: 'Removing a box gives back everything its snapshots held on the host',
    feature: 'snapshots-on-the-host.feature',
    severity: 'cost',
    forUsers: "Removing a box also frees its snapshots' space on the host.",
    whyThreshold:
      "BoxLite's test_box_removal_cleans_all_snapshots: three snapshots of 20 MiB of new data each must grow the " +
      'home by at least 50 MiB, and within 30 seconds of the removal the home must be back within 1 MiB of what ' +
      "it held before the box (the runtime's own records), the image store not counted (BoxLite #1487).",
  },
]

export const GUARANTEES: readonly Guarantee[] = Object.freeze(
  ENTRIES.map((entry, i) => Object.freeze({ ...entry, order: i + 1 })),
)

const BY_RULE = new Map(GUARANTEES.map((g) => [g.rule, g]))

/** The catalogue entry of a Rule title (exact match), or undefined for a title it does not know. */
export function guaranteeOf(rule: string): Guarantee | undefined {
  return BY_RULE.get(rule)
}
