/**
 * A minimal deterministic ustar writer: fixed mtime, uid/gid 0, entries in the order given.
 * Enough for the test image (directories, regular files, symlinks), byte-identical for equal input.
 */
export type TarEntry =
  | { readonly type: 'dir'; readonly path: string; readonly mode: number }
  | { readonly type: 'file'; readonly path: string; readonly mode: number; readonly data: Buffer }
  | { readonly type: 'symlink'; readonly path: string; readonly target: string }

const BLOCK = 512

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0'
}

function header(name: string, mode: number, size: number, typeflag: string, linkname: string): Buffer {
  const h = Buffer.alloc(BLOCK)
  let prefix = ''
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155)
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar: path too long: ${name}`)
    prefix = name.slice(0, cut)
    name = name.slice(cut + 1)
  }
  if (Buffer.byteLength(linkname) > 100) throw new Error(`tar: link target too long: ${linkname}`)
  h.write(name, 0, 100)
  h.write(octal(mode & 0o7777, 8), 100)
  h.write(octal(0, 8), 108) // uid
  h.write(octal(0, 8), 116) // gid
  h.write(octal(size, 12), 124)
  h.write(octal(0, 12), 136) // mtime: the epoch, for reproducibility
  h.write('        ', 148) // checksum placeholder
  h.write(typeflag, 156)
  h.write(linkname, 157, 100)
  h.write('ustar\0', 257)
  h.write('00', 263)
  h.write('root', 265)
  h.write('root', 297)
  h.write(prefix, 345, 155)
  let sum = 0
  for (const b of h) sum += b
  h.write(octal(sum, 7) + ' ', 148)
  return h
}

export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    if (e.type === 'dir') parts.push(header(e.path.replace(/\/?$/, '/'), e.mode, 0, '5', ''))
    else if (e.type === 'symlink') parts.push(header(e.path, 0o777, 0, '2', e.target))
    else {
      parts.push(header(e.path, e.mode, e.data.length, '0', ''), e.data)
      const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK
      if (pad) parts.push(Buffer.alloc(pad))
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2))
  return Buffer.concat(parts)
}
