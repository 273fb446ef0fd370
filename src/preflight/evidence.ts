/**
 * The box logs a BoxLite home keeps (docs/reference/boxlite-contract.md §11), and the few lines of them that tell a
 * person why a box did not boot, e.g. `Received KVM_EXIT_INTERNAL_ERROR signal` from shim.stderr.
 */
import { existsSync, readdirSync, readSync, openSync, closeSync, fstatSync } from 'node:fs'
import { join } from 'node:path'

export interface LogFile {
  /** Relative to the home, e.g. `boxes/<id>/shim.stderr`. */
  readonly path: string
  /** The file's last bytes (a crash is at the end). */
  readonly text: string
}

/** Per box, most telling first; then the runtime's own log. Dated names roll daily (`*.log.2026-11-29`). */
const BOX_LOGS = [/^shim\.stderr$/, /^logs\/boxlite-shim\.log/, /^logs\/console\.log$/]
const RUNTIME_LOG = /^boxlite\.log/

/** Reads the tail of every box log and runtime log under `home`; a missing file or home reads as none. */
export function readBoxLogs(home: string, maxBytesPerFile = 64 * 1024): LogFile[] {
  const files: LogFile[] = []
  const boxesDir = join(home, 'boxes')
  for (const id of listDir(boxesDir)) {
    const names = [...listDir(join(boxesDir, id)), ...listDir(join(boxesDir, id, 'logs')).map((n) => `logs/${n}`)]
    for (const pattern of BOX_LOGS) {
      for (const name of names.filter((n) => pattern.test(n)).sort()) {
        files.push({ path: `boxes/${id}/${name}`, text: tail(join(boxesDir, id, name), maxBytesPerFile) })
      }
    }
  }
  for (const name of listDir(join(home, 'logs'))
    .filter((n) => RUNTIME_LOG.test(n))
    .sort()) {
    files.push({ path: `logs/${name}`, text: tail(join(home, 'logs', name), maxBytesPerFile) })
  }
  return files
}

const TELLING = /KVM_EXIT|\bERROR\b|panic|denied|timed? ?out|failed|fatal|exited unexpectedly|SIGSEGV|SIGSYS|SIGILL/i
/** Lines that only point at other evidence, or repeat the error the caller already has. */
const NOISE =
  /Diagnostic files preserved|Box initialization failed, cleaning up|Task failed:|To destroy:|^\s*•|Debug files:/i
const TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\s*/g

/**
 * The lines worth printing, each prefixed with its file: KVM exit reasons first, then errors in
 * file order; timestamps dropped so repeats collapse; at most `max`.
 */
export function usefulLines(files: readonly LogFile[], max = 6): string[] {
  const picked: Array<{ line: string; rank: number; order: number }> = []
  const seen = new Set<string>()
  for (const file of files) {
    for (const raw of file.text.split('\n')) {
      const text = raw
        // eslint-disable-next-line no-control-regex -- the escape character starts the ANSI colour codes it strips
        .replace(/\x1b\[[0-9;]*m/g, '')
        .replace(TIMESTAMP, '')
        .replace(/^\[\s+/, '[')
        .trim()
      if (text === '' || !TELLING.test(text) || NOISE.test(text)) continue
      const key = text.replace(/\s+/g, ' ').replace(/^\[[A-Z]+\s+[\w:]+\]\s*|^[A-Z]+\s+[\w:]+:\s*/, '')
      if (seen.has(key)) continue
      seen.add(key)
      const clipped = text.length > 240 ? `${text.slice(0, 237)}...` : text
      picked.push({ line: `${file.path}: ${clipped}`, rank: /KVM_EXIT/.test(text) ? 0 : 1, order: picked.length })
    }
  }
  return picked
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .slice(0, max)
    .map((p) => p.line)
}

function listDir(dir: string): string[] {
  try {
    return existsSync(dir) ? readdirSync(dir) : []
  } catch {
    return []
  }
}

function tail(path: string, maxBytes: number): string {
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const size = fstatSync(fd).size
    const length = Math.min(size, maxBytes)
    const buffer = Buffer.alloc(length)
    readSync(fd, buffer, 0, length, size - length)
    return buffer.toString('utf8')
  } catch {
    return ''
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
