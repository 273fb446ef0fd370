/**
 * A box's disk image as the host sees it: its virtual size and backing chain (`qemu-img info`,
 * read with `-U` so a running box is not disturbed), and the SHA-256 of a file read in chunks.
 */
import { createHash } from 'node:crypto'
import { closeSync, openSync, readSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import type { CommandRecord } from '../drivers/types'
import { runHostTool } from './host-tool'

export interface DiskImage {
  readonly path: string
  readonly format: string
  readonly virtualSize: number
}

/** `qemu-img info -U --backing-chain --output=json PATH`, as a record for the report. */
export function qemuImgInfo(path: string, timeoutSeconds: number): Promise<CommandRecord> {
  return runHostTool('qemu-img', ['info', '-U', '--backing-chain', '--output=json', path], timeoutSeconds, 'qemu-utils')
}

/** The chain from the disk itself down to its last backing file, with absolute paths. */
export function parseBackingChain(record: CommandRecord): DiskImage[] {
  if (record.exitCode !== 0) throw new Error(`qemu-img info failed (exit ${record.exitCode}): ${record.stderr.trim()}`)
  const raw = JSON.parse(record.stdout) as unknown
  const entries = (Array.isArray(raw) ? raw : [raw]) as {
    filename?: string
    format?: string
    'virtual-size'?: number
  }[]
  const chain: DiskImage[] = []
  let dir = '/'
  for (const e of entries) {
    if (typeof e.filename !== 'string' || typeof e['virtual-size'] !== 'number')
      throw new Error(`qemu-img info gave an entry without filename or virtual-size: ${JSON.stringify(e)}`)
    const path = isAbsolute(e.filename) ? e.filename : resolve(dir, e.filename)
    chain.push({ path, format: e.format ?? 'unknown', virtualSize: e['virtual-size'] })
    dir = dirname(path)
  }
  return chain
}

/** SHA-256 of a file's bytes (holes read as zeros). */
export function sha256OfFile(path: string): string {
  const hash = createHash('sha256')
  const buf = Buffer.alloc(4 * 1024 * 1024)
  const fd = openSync(path, 'r')
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n))
  } finally {
    closeSync(fd)
  }
  return hash.digest('hex')
}
