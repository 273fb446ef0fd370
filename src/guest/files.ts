/**
 * Small reads and writes inside a box, whose records the caller judges: liveness, a word written
 * and read back, an append, an in-place rewrite, deletes. None needs more than a few KiB.
 */
import { shellQuote as q } from '../shell/command'
import { command, type GuestProbe } from './probe'
import type { CommandRecord } from '../drivers/types'

type Script = GuestProbe<CommandRecord>

/** The guest agent runs a command and answers. */
export const alive: Script = command('echo alive', 'echo alive')

/** Writes a word to a new file and reads it back. */
export function writeAndReadBack(path: string, word: string): Script {
  return command(`write "${word}" to ${path} and read it back`, `echo ${q(word)} > ${q(path)} && cat ${q(path)}`)
}

/** Appends a line to an existing file and prints the whole file. */
export function appendAndRead(path: string, line: string): Script {
  return command(`append "${line}" to ${path}`, `echo ${q(line)} >> ${q(path)} && cat ${q(path)}`)
}

/**
 * Rewrites the first 4 KiB of an existing file in place with fresh random bytes. Needs no new
 * blocks, so it works on a 100 % full ext4, but fails on a read-only one. `flush: false` leaves
 * the data in the page cache, so only an orderly stop gets it onto the disk.
 */
export function rewriteInPlace(path: string, opts: { flush: boolean }): Script {
  return command(
    `rewrite 4 KiB of ${path} in place`,
    `[ -f ${q(path)} ] && dd if=/dev/urandom of=${q(path)} bs=4096 count=1 ` +
      `conv=${opts.flush ? 'notrunc,fsync' : 'notrunc'} 2>&1`,
  )
}

/** A new file of random bytes (small: a keepsake whose content matters). */
export function writeRandomFile(path: string, bytes: number): Script {
  if (bytes > 1024 * 1024) throw new Error('writeRandomFile is for small files (at most 1 MiB)')
  return command(`write ${bytes / 1024} KiB of random data to ${path}`, `head -c ${bytes} /dev/urandom > ${q(path)}`)
}

/** Tries to write 1 MiB to a new file; prints dd's error (expected: No space left on device). */
export function tryWriteOneMiB(path: string): Script {
  return command('write 1 MiB to a new file', `dd if=/dev/zero of=${q(path)} bs=1M count=1 2>&1; true`)
}

/** Deletes files and flushes, so the free space and any discard reach the disk. */
export function removeAndSync(paths: readonly string[]): Script {
  return command(`delete ${paths.join(' ')}`, `rm -- ${paths.map(q).join(' ')} && sync`)
}

/** Deletes the odd-numbered files, syncs, then the even ones, so no single free spans a cluster. */
export function deleteSmallFilesInterleaved(dir: string, count: number): Script {
  return command(
    'delete every other small file, then the rest',
    `cd ${q(dir)} && rm $(seq 1 2 ${count}) && sync && rm $(seq 2 2 ${count}) && sync`,
  )
}
