/**
 * Every task a step can call, made once per scenario on the scenario's Scene, and every kind of
 * outcome a step can record (support/parts/outcomes.ts). A task acts and measures, never judges;
 * each method returns what happened. Tasks are named by the guarantee they serve: `<feature>.ts`,
 * or a folder of that name when a guarantee needs several; `common/` holds the ones many share.
 *
 * Adding a task: its file, one line in `createTasks`, and any outcome it returns in `OutcomeKinds`
 * with the step that produces it in `PRODUCERS`.
 */
import type { CommandRecord } from '../../src/drivers/types'
import type { FileKinds } from '../../src/guest/file-kinds'
import type { Fingerprints } from '../../src/guest/measure'
import type { Producers } from '../parts/outcomes'
import type { Scene } from '../parts/scene'
import { BaseDisks, type BaseDiskHashes } from './box-disks-on-the-host'
import { type BystanderRun, Neighbours } from './boxes-are-isolated'
import { type Fill, Filling } from './common/filling'
import { HostDisk } from './common/host-disk'
import { Lifecycle, type Removal, type Restart } from './common/lifecycle'
import { Rootfs } from './common/rootfs'
import { Serving } from './common/serving'
import { GarbageCollection, type FileSizes, type GcRun, type Strays } from './garbage-collection'
import { type Copy, Copying } from './host-gets-its-space-back/copying'
import { Reclaim, type SmallFiles } from './host-gets-its-space-back/reclaim'
import { HostFull } from './host-runs-out-of-space'
import { type CloneMade, Clones, type HomeBytes, type UnforcedRemoval } from './clones'
import { Crowd, type CrowdFills, type CrowdStart } from './many-boxes-filling-at-once'
import { Archives, type DamagedImports, type Export, type Import } from './export-and-import'
import { type FillCycles, Recovery } from './recovering-a-full-box'
import { RacingWriters, type WriterRace } from './rootfs-is-its-own-disk'
import { type Exhaustion, Inodes } from './running-out-of-inodes'
import { HardKill } from './surviving-a-crash/hard-kill'
import { InterruptedStarts, type KilledStartOutcome, type TimedStart } from './surviving-a-crash/interrupted-starts'
import { TornDisk } from './surviving-a-crash/torn-disk'
import { type KilledSnapshot, type RemovalStep, Snapshots, type StartAndRead, type TakenSnapshot } from './snapshots'
import { type VolumeFillRun, Volumes, type Witness, type WriteTries } from './volumes'

export function createTasks(scene: Scene) {
  const rootfs = new Rootfs(scene)
  const filling = new Filling(scene, rootfs)
  return {
    // common/: used by many guarantees
    rootfs,
    filling,
    serving: new Serving(scene),
    lifecycle: new Lifecycle(scene),
    hostDisk: new HostDisk(scene),
    // one guarantee each, named by its feature file
    baseDisks: new BaseDisks(scene),
    neighbours: new Neighbours(scene, rootfs),
    reclaim: new Reclaim(scene, rootfs),
    copying: new Copying(scene, rootfs),
    hostFull: new HostFull(scene),
    crowd: new Crowd(scene, rootfs),
    recovery: new Recovery(scene, rootfs, filling),
    racingWriters: new RacingWriters(scene, rootfs),
    inodes: new Inodes(scene, rootfs),
    hardKill: new HardKill(scene, rootfs),
    interruptedStarts: new InterruptedStarts(scene),
    tornDisk: new TornDisk(scene, rootfs),
    garbageCollection: new GarbageCollection(scene),
    snapshots: new Snapshots(scene, rootfs),
    clones: new Clones(scene, rootfs),
    volumes: new Volumes(scene, rootfs),
    archives: new Archives(scene, rootfs),
  }
}

export type Tasks = ReturnType<typeof createTasks>

/** What happened to a box (or a group: the crowd, the home), by kind, as the steps record it. */
export interface OutcomeKinds {
  fill: Fill
  delete: CommandRecord
  restart: Restart
  'force-removal': Removal
  'racing writers': WriterRace
  'inode exhaustion': Exhaustion
  'fingerprints before the stop': Fingerprints
  'fill-and-delete cycles': FillCycles
  'background fill': BystanderRun
  copy: Copy
  'small files': SmallFiles
  'base disk hashes': BaseDiskHashes
  'witness file': Fingerprints
  crowd: CrowdStart
  'crowd fills': CrowdFills
  'files before the kill': Fingerprints
  'timed start': TimedStart
  'killed starts': KilledStartOutcome[]
  'bad-image starts': CommandRecord[]
  'file before the tear': Fingerprints
  'start on the torn disk': CommandRecord
  'gc run': GcRun
  'unused base disks': FileSizes
  strays: Strays
  keepsake: Fingerprints
  'start after gc': CommandRecord
  'word written': string
  'snapshot taken': TakenSnapshot
  'restore of the running box': CommandRecord
  'snapshot removals': RemovalStep[]
  'snapshot restores': Map<string, StartAndRead>
  'home with snapshots': number
  'killed snapshot': KilledSnapshot
  'first file': Fingerprints
  'second file': Fingerprints
  'clone file': Fingerprints
  clone: CloneMade
  'removal without force': UnforcedRemoval
  'removal with force': CommandRecord
  'home baseline': HomeBytes
  'volume size': number
  'volume fill': VolumeFillRun
  'volume witness': Witness
  'volume writes': WriteTries
  'files before the export': FileKinds
  export: Export
  import: Import
  'start after the import': CommandRecord
  'damaged imports': DamagedImports
}

/** Completes "a step that ... must run first" for each kind. */
export const PRODUCERS: Producers<OutcomeKinds> = {
  fill: 'fills its rootfs',
  delete: 'deletes files in it',
  restart: 'stops and starts it',
  'force-removal': 'force-removes it',
  'racing writers': 'races writers to fill its rootfs',
  'inode exhaustion': 'creates files until no inode is left',
  'fingerprints before the stop': 'fills its rootfs and fingerprints what it holds',
  'fill-and-delete cycles': 'fills its rootfs and deletes the fill',
  'background fill': 'fills the victim in the background while the bystander appends',
  copy: 'copies a file into it',
  'small files': 'writes small files to it',
  'base disk hashes': 'records the SHA-256 of its base disks',
  'witness file': 'writes and records a small file in it',
  crowd: 'starts the boxes of the crowd',
  'crowd fills': 'fills every box of the crowd',
  'files before the kill': 'writes the synced and unsynced files',
  'timed start': 'times one start in this home',
  'killed starts': 'kills starts part-way',
  'bad-image starts': 'starts boxes from bad image layouts',
  'file before the tear': 'writes a file and stops the box',
  'start on the torn disk': 'starts the box again on its torn disk',
  'gc run': 'runs gc',
  'unused base disks': 'removes the last box of an image and ages the home',
  strays: 'ages the home and plants a fresh base disk and foreign files',
  keepsake: 'writes a file of its own in it',
  'start after gc': 'starts it after gc',
  'word written': "writes a word to the box's file",
  'snapshot taken': 'takes a snapshot of the box',
  'restore of the running box': 'asks the running box to restore a snapshot',
  'snapshot removals': 'removes the snapshots in turn',
  'snapshot restores': 'restores each snapshot in turn',
  'home with snapshots': 'measures the home with the snapshots',
  'killed snapshot': 'kills the runtime half-way through a snapshot',
  'first file': 'writes a small file in the box before it is cloned',
  'second file': 'writes a second file in the box after the clone',
  'clone file': 'writes a file in the clone',
  clone: 'clones the box',
  'removal without force': 'removes the box without force',
  'removal with force': 'removes it with force',
  'home baseline': 'measures the home with the image cached and no box',
  'volume size': 'starts it with a volume of a known size',
  'volume fill': 'fills its volume',
  'volume witness': 'writes a small file whose SHA-256 is recorded (in the box or the host directory)',
  'volume writes': 'tries to write to its read-only volume',
  'files before the export': 'writes a text file, a binary file, files with modes and a symbolic link',
  export: 'exports it',
  import: 'imports an archive as it',
  'start after the import': 'starts it after its import',
  'damaged imports': 'imports damaged copies of an archive',
}
