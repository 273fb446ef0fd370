/** Reading a box's disk without changing it: size and free space of `/`, file fingerprints, line counts. */
import { shellQuote as q } from '../shell/command'
import { type GuestProbe, int, keyValues, ProbeError } from './probe'

export interface RootfsSpace {
  readonly totalKiB: number
  readonly availKiB: number
  /** Filesystem type of `/` and `/tmp` as the box's mount table shows them. */
  readonly fsType: string
  readonly tmpFsType: string
}

/** Size, free space and filesystem types of the box's `/` (and `/tmp`), as 1K-blocks like `df -P`. */
export const rootfsSpace: GuestProbe<RootfsSpace> = {
  what: 'rootfs space',
  script:
    `df -P / | awk 'NR==2{print "total_kib=" $2; print "avail_kib=" $4}'; ` +
    `awk '$2=="/"{t=$3} END{print "fs_type=" t}' /proc/mounts; ` +
    `awk '$2=="/tmp"{t=$3} END{print "tmp_fs_type=" t}' /proc/mounts`,
  parse(record) {
    const kv = keyValues(record.stdout)
    const total = int(kv.total_kib)
    const avail = int(kv.avail_kib)
    if (record.exitCode !== 0 || total === undefined || avail === undefined) {
      throw new ProbeError('rootfs space', 'could not read df -P / inside the box', record)
    }
    return { totalKiB: total, availKiB: avail, fsType: kv.fs_type ?? '', tmpFsType: kv.tmp_fs_type ?? '' }
  },
}

export interface FileFingerprint {
  readonly bytes: number
  readonly sha256: string
}

export type Fingerprints = Map<string, FileFingerprint | 'missing'>

/** Sizes and SHA-256 of files; a missing file is reported as missing. */
export function fileFingerprints(paths: readonly string[]): GuestProbe<Fingerprints> {
  return {
    what: 'file fingerprints',
    script: paths
      .map(
        (p) =>
          `if [ -f ${q(p)} ]; then echo "file=$(wc -c < ${q(p)}) $(sha256sum < ${q(p)} | cut -d' ' -f1) ${p}"; else ` +
          `echo "missing=${p}"; fi`,
      )
      .join('; '),
    parse(record) {
      const out: Fingerprints = new Map()
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

/** Number of lines in a file (0 when it does not exist). */
export function lineCount(path: string): GuestProbe<number> {
  return {
    what: 'count log lines',
    script: `if [ -f ${q(path)} ]; then echo lines=$(wc -l < ${q(path)}); else echo lines=0; fi`,
    parse(record) {
      const n = int(keyValues(record.stdout).lines)
      if (record.exitCode !== 0 || n === undefined)
        throw new ProbeError('line count', `cannot count lines of ${path}`, record)
      return n
    },
  }
}

/** Size of a file in bytes (0 when it does not exist). */
export function fileBytes(path: string): GuestProbe<number> {
  return {
    what: `size of ${path}`,
    script: `if [ -f ${q(path)} ]; then echo bytes=$(wc -c < ${q(path)}); else echo bytes=0; fi`,
    parse(record) {
      const n = int(keyValues(record.stdout).bytes)
      if (record.exitCode !== 0 || n === undefined)
        throw new ProbeError('file size', `cannot read the size of ${path}`, record)
      return n
    },
  }
}
