/**
 * Everything refbox tells the user on stderr goes through here: errors (`Error: <message>`) and
 * notices (`refbox: ...`). One place, so the `reworded-errors` variation can say all of it in a
 * second wording, `stderr-warnings` can put a warning first, and the site `runtime-message` records
 * that a scenario was told something at all (./sites.ts).
 */
import { reachSite } from './sites'
import type { Variants } from './variants'

let variants: Variants | undefined
let home: string | undefined

/** Called once per invocation, as soon as the variations (and later the home) are known. */
export function setVoice(v: Variants, homeDir?: string): void {
  variants = v
  home = homeDir ?? home
}

/**
 * The second wording table: refbox's phrases (BoxLite's, see the contract §2) and the host errno
 * texts they wrap, each said the way another correct runtime might say it.
 */
const SECOND_WORDING: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bENOSPC: no space left on device\b|No space left on device(?: \(os error 28\))?/gi, 'disk full'],
  [/\bos error 28\b/g, 'disk full'],
  [/\bEROFS: read-only file system\b|Read-only file system/gi, 'the filesystem is mounted read-only'],
  [/\bENOENT: no such file or directory\b|No such file or directory/gi, 'file missing'],
  [/^No such box: /gim, 'there is no box named '],
  [/^no such box: /gim, 'there is no box named '],
  [/\bbox not found: /g, 'there is no box named '],
  [/^invalid state: /gim, 'the box is in the wrong state for this: '],
  [/^engine reported an error: /gim, 'the box engine failed: '],
  [/^already exists: box name /gim, 'this name is taken by another box: '],
  [/^already exists: snapshot '([^']*)' already exists for box /gim, "the box already has a snapshot called '$1': "],
  [/^invalid argument: /gim, 'bad value: '],
  [/^storage error: Container disk not found at /gim, 'the box has no disk yet: '],
  [
    /^refbox: box (\S+): recovered its disk from the snapshot '([^']*)' a crash cut short$/gim,
    "refbox: box $1's disk was brought back from the unfinished snapshot '$2'",
  ],
  [/^unsupported: /gim, 'not available in this runtime: '],
  [/^images error: /gim, 'image problem: '],
  [/^internal error: /gim, 'unexpected failure: '],
  [/^Error removing box '([^']*)': /gim, "could not remove '$1': "],
  [/^Some boxes could not be removed$/gim, 'one or more boxes were not removed'],
  [/^Failed to (start|stop|restart) all (\d+) box\(es\)$/gim, '$2 box(es) did not $1'],
  [/\bfailed to start\b/g, 'did not come up'],
  [
    /^refbox: box (\S+)'s disk was torn \((.*)\): rebuilt it from the base image; what the box wrote is lost$/gim,
    'refbox: box $1 had a damaged root disk ($2), so it was re-created from its image; its data is gone',
  ],
]

export function reword(text: string): string {
  return SECOND_WORDING.reduce((t, [pattern, said]) => t.replace(pattern, said), text)
}

let warned = false

function write(line: string): void {
  if (home) reachSite(home, 'runtime-message')
  if (variants?.has('stderr-warnings') && !warned) {
    warned = true
    process.stderr.write('WARN refbox::runtime: no hardware virtualization in use; boxes share the host kernel\n')
  }
  process.stderr.write(inOwnWords(line))
}

const inOwnWords = (text: string) => (variants?.has('reworded-errors') ? reword(text) : text)

/** `Error: <message>` and its detail lines (the contract's §2 fixes the `Error:` prefix, not the words). */
export function sayError(message: string, detail: readonly string[] = []): void {
  write(`Error: ${inOwnWords(message)}\n${detail.map((l) => `${inOwnWords(l)}\n`).join('')}`)
}

/** Any other line for the user (notices such as "building base disk", usage hints). */
export function sayNote(line: string): void {
  write(line.endsWith('\n') ? line : `${line}\n`)
}

/** stderr-warnings: the warning comes first on every call, also one that says nothing else. */
export function warnFirst(): void {
  if (variants?.has('stderr-warnings') && !warned) write('')
}
