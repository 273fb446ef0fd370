/**
 * A small tree holding every kind of thing a copy of a disk can lose: a text file, 1 MiB of random bytes,
 * two files with modes of their own (an executable 0750 and a private 0600) and a symbolic link. Written
 * once, read back anywhere, compared whole.
 */
import { shellQuote as q } from '../shell/command'
import type { CommandRecord } from '../drivers/types'
import { command, type GuestProbe, int, keyValues, ProbeError } from './probe'

export const TEXT = 'every kind of file, exported and imported'
const BINARY_BYTES = 1024 * 1024

/** What the tree holds, as read in a box. Absent parts read as `missing`. */
export interface FileKinds {
  readonly text: string
  readonly binary: { readonly bytes: number; readonly sha256: string } | 'missing'
  /** Octal permission bits, e.g. `750`, by file name. */
  readonly modes: Readonly<Record<'tool.sh' | 'secret', string>>
  /** Where the link points, or `missing` when there is no symbolic link. */
  readonly link: string
  /** The text read through the link. */
  readonly throughLink: string
}

/** Writes the tree under `dir` (1 MiB: the caller proves the rootfs bounded first) and syncs it to the disk. */
export function writeFileKinds(dir: string): GuestProbe<CommandRecord> {
  const d = (name: string) => q(`${dir}/${name}`)
  return command(
    `write a text file, 1 MiB of random bytes, files of mode 750 and 600 and a symbolic link under ${dir}`,
    `mkdir -p ${q(dir)} && printf '%s\\n' ${q(TEXT)} > ${d('text.txt')} && ` +
      `head -c ${BINARY_BYTES} /dev/urandom > ${d('binary.bin')} && ` +
      `printf '#!/bin/sh\\necho tool\\n' > ${d('tool.sh')} && chmod 750 ${d('tool.sh')} && ` +
      `echo secret > ${d('secret')} && chmod 600 ${d('secret')} && ln -s text.txt ${d('link')} && sync`,
  )
}

/** Reads the tree under `dir`. */
export function readFileKinds(dir: string): GuestProbe<FileKinds> {
  const d = (name: string) => q(`${dir}/${name}`)
  const mode = (name: string) => `$( [ -f ${d(name)} ] && stat -c %a ${d(name)} || echo missing)`
  return {
    what: `read the files under ${dir}`,
    script:
      `echo "text=$(cat ${d('text.txt')} 2>/dev/null || echo missing)"; ` +
      `if [ -f ${d('binary.bin')} ]; then echo "binary=$(wc -c < ${d('binary.bin')}) ` +
      `$(sha256sum < ${d('binary.bin')} | cut -d' ' -f1)"; else echo binary=missing; fi; ` +
      `echo "mode_tool=${mode('tool.sh')}"; echo "mode_secret=${mode('secret')}"; ` +
      `if [ -L ${d('link')} ]; then echo "link=$(readlink ${d('link')})"; else echo link=missing; fi; ` +
      `echo "through_link=$(cat ${d('link')} 2>/dev/null || echo missing)"`,
    parse(record) {
      const kv = keyValues(record.stdout)
      if (record.exitCode !== 0 || kv.text === undefined || kv.binary === undefined)
        throw new ProbeError('read the files', `no answer for the files under ${dir}`, record)
      const binary = /^\s*(\d+) ([0-9a-f]{64})$/.exec(kv.binary)
      return {
        text: kv.text,
        binary: binary ? { bytes: int(binary[1]) ?? -1, sha256: binary[2] } : 'missing',
        modes: { 'tool.sh': kv.mode_tool ?? 'missing', secret: kv.mode_secret ?? 'missing' },
        link: kv.link ?? 'missing',
        throughLink: kv.through_link ?? 'missing',
      }
    },
  }
}
