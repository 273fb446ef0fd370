/**
 * The facts a check reads in a runtime's or a guest tool's words, matched by meaning, in one place.
 *
 * A check must follow the user's guarantee, not one runtime's sentences: "No space left on device
 * (os error 28)", "ENOSPC" and "not enough free space in /home to create a box" all state that the
 * host is out of space, and a correct runtime may print any of them, in any case, on any line (BoxLite
 * prints some errors over two lines). So every step, task and probe that judges what a runtime or a
 * tool in the box said asks `says(fact, text)` here, and quotes `firstLineSaying(fact, text)` (or the
 * whole text) in its failure message. test/evidence/vocabulary.test.ts holds, per fact, the wordings
 * that must match and the ones that must not.
 *
 * Structural parsing of the suite's own probe markers (`dd_exit=0`, `created=N`) is not this
 * module's business: those are the suite's words, not the runtime's.
 */

export type Fact =
  | 'out-of-space'
  | 'out-of-inodes'
  | 'read-only-filesystem'
  | 'io-error'
  | 'no-such-box'
  | 'box-not-running'
  | 'image-not-found'
  | 'disk-damaged'
  | 'disk-rebuilt'
  | 'filesystem-error'
  | 'timed-out'
  | 'stack-trace'
  | 'has-dependents'

interface Words {
  /** The plain-English meaning, for failure messages. */
  readonly meaning: string
  /** A line states the fact when one of these matches it... */
  readonly lines: readonly RegExp[]
  /** ...and none of these does (wordings that look alike but state another fact, or deny this one). */
  readonly unless?: readonly RegExp[]
  /** When set, the whole text must also match this (a statement whose parts may sit on different lines). */
  readonly andText?: RegExp
}

/** ENOSPC in the words of libc, Rust, Go, Python, Node and runtimes that say it in a sentence. */
const OUT_OF_SPACE: readonly RegExp[] = [
  /no space left/i,
  /\bENOSPC\b/i,
  /\bos error 28\b/i,
  /\berrno[ =:]*28\b/i,
  /\b(disk|device|drive|volume|storage|partition|file ?system|fs)\s+(is\s+)?full\b/i,
  new RegExp(
    String.raw`\b(not enough|insufficient|too little|out of|ran out of|running out of|lack of|short of)\s+` +
      String.raw`(free\s+)?((disk|storage|device)\s+)?space\b`,
    'i',
  ),
  /\bno\s+(free|disk|storage)\s+(disk\s+)?space\b/i,
  /\bno\s+space\s+(left|available|remaining)\b/i,
  /\b(disk|storage|free)?\s*space\s+(is\s+)?(exhausted|used up)\b/i,
]

/** A wording of another errno that mentions space or fullness (EDQUOT is its own fact). */
const NOT_OUT_OF_SPACE: readonly RegExp[] = [/\bquota\b/i, /\bEDQUOT\b/i]

/** The disk a box boots from, named in any of the ways a runtime may name it. */
const DISK = /\b(disks?|overlay|rootfs|root ?file ?system|qcow2|block device|volume|file ?system|drive)\b/i

const VOCABULARY: Readonly<Record<Fact, Words>> = {
  'out-of-space': {
    meaning: 'out of space (ENOSPC: "No space left on device", "disk full", "not enough free space", …)',
    lines: OUT_OF_SPACE,
    unless: NOT_OUT_OF_SPACE,
  },
  'out-of-inodes': {
    // The kernel reports a file create with no inode left as ENOSPC, so the space wordings count too.
    meaning: 'no inode left (the kernel reports it as ENOSPC, "No space left on device")',
    lines: [
      ...OUT_OF_SPACE,
      /\b(no|not enough|insufficient|out of|ran out of)\s+(free\s+)?inodes?\b/i,
      /\binodes?\s+(are\s+|is\s+)?(exhausted|used up|full)\b/i,
    ],
    unless: NOT_OUT_OF_SPACE,
  },
  'read-only-filesystem': {
    meaning: 'the filesystem is read-only (EROFS: "Read-only file system")',
    lines: [
      /\bread-only file ?system\b/i,
      /\bEROFS\b/i,
      /\bos error 30\b/i,
      /\b(file ?system|fs|rootfs|disk|mounted|remount(ed|ing)?)\b[^\n]{0,40}\bread[- ]only\b/i,
    ],
  },
  'io-error': {
    meaning: 'an I/O error (EIO: "Input/output error")',
    lines: [/\binput\/output error\b/i, /\bI\/O error\b/i, /\bEIO\b/i, /\bos error 5\b/i],
  },
  'no-such-box': {
    meaning: 'the runtime knows no such box ("box not found")',
    lines: [
      /\bbox not found\b/i,
      /\bno such box\b/i,
      /\bno box (named|called|with)\b/i,
      /\bunknown box\b/i,
      /\bbox\b[^\n]{0,80}\b(not found|does not exist|doesn't exist|is unknown)\b/i,
    ],
    unless: [/\bimage\b[^\n]{0,40}\bnot found\b/i],
  },
  'box-not-running': {
    meaning: 'the box is not running',
    lines: [/\bnot running\b/i, /\bbox\b[^\n]{0,80}\b(is|was) (stopped|exited|not started)\b/i],
  },
  'image-not-found': {
    meaning: 'the image was not found',
    lines: [
      /\bimage\b[^\n]{0,80}\b(not found|does not exist|doesn't exist|is missing|unknown)\b/i,
      /\bno such image\b/i,
      /\bmanifest unknown\b/i,
      /\b(oci[- ]layout|index\.json)\b[^\n]{0,80}\bnot found\b/i,
    ],
  },
  'disk-damaged': {
    meaning: "an error that names the box's disk (its disk file, overlay, rootfs or filesystem)",
    lines: [DISK],
  },
  'disk-rebuilt': {
    meaning: "the runtime says it rebuilt the box's disk (rebuilt, recreated, restored, reset, repaired)",
    lines: [
      new RegExp(
        String.raw`\b(rebuil(t|d|ding)|re-?creat(ed|ing)|restor(ed|ing)|reset(ting)?|repair(ed|ing)|` +
          String.raw`re-?initiali[sz](ed|ing)|regenerat(ed|ing)|recover(ed|ing) from the base)\b`,
        'i',
      ),
    ],
    unless: [
      new RegExp(
        String.raw`\b(fail(ed|s|ure)?|could ?n[o']t|cannot|can't|unable|not|never|needs?|must|should)\s+` +
          String.raw`(to\s+)?(be\s+)?(re-?build|rebuil|re-?creat|restor|reset|repair|re-?initiali|regenerat)`,
        'i',
      ),
      /\breset by peer\b/i,
    ],
    andText: DISK,
  },
  'filesystem-error': {
    // Only errors: after a kill the kernel's "recovery complete" and "mounted filesystem" lines are normal.
    meaning: 'the kernel reports an error in the ext4 filesystem ("EXT4-fs error")',
    lines: [
      /\bEXT[234]-fs error\b/i,
      /\bfile ?system error\b/i,
      /\berror count since last fsck\b/i,
      /\bmounting fs with errors\b/i,
      /\baborting journal\b/i,
      /\bjournal has aborted\b/i,
    ],
  },
  'timed-out': {
    meaning: 'the call timed out',
    lines: [
      /\btimed[- ]?out\b/i,
      /\btime[- ]?out\s*(:|expired|reached|exceeded|elapsed|waiting|while|after)/i,
      /\bdeadline (exceeded|expired|elapsed)\b/i,
      /\bETIMEDOUT\b/i,
      /\bos error 110\b/i,
    ],
  },
  'stack-trace': {
    meaning: 'a stack trace (a program crashed instead of reporting an error)',
    lines: [
      // A JavaScript frame: an indented `at` ending in file:line:column (not "  at least 64 MiB").
      /^\s+at .*:\d+:\d+\)?\s*$/,
      /\bpanicked at\b/i,
      /\bRUST_BACKTRACE\b/,
      /^stack backtrace:/i,
      /^Traceback \(most recent call last\)/,
      /^goroutine \d+ \[/,
    ],
  },
  'has-dependents': {
    // BoxLite: "boxes [<ids>] have clone dependencies on it. Remove those first or use force=true."
    meaning: 'other boxes depend on it (its clones: "have clone dependencies on it", "in use by", "cloned by")',
    lines: [
      /\bdepend(s|ent|ents|ency|encies|ing)?\b/i,
      /\bclon(es|ed)\b/i,
      /\bclone (base|dependenc|of it)/i,
      /\b(in use|used|referenced|required|needed|backed)\s+by\b/i,
      /\b(is|are) based on (it|this box)\b/i,
    ],
    unless: [/\b(no|not|nothing|none|never|without)\b[^\n]{0,30}\b(depend|in use|used by|referenced|clone)/i],
  },
}

export const FACTS: Readonly<Record<Fact, { meaning: string }>> = VOCABULARY

function linesOf(text: string | undefined): string[] {
  return (text ?? '').split(/\r?\n/)
}

function lineSays(words: Words, line: string): boolean {
  return words.lines.some((r) => r.test(line)) && !(words.unless ?? []).some((r) => r.test(line))
}

/** The first line of `text` that states the fact, for the evidence in a message; undefined if none does. */
export function firstLineSaying(fact: Fact, text: string | undefined): string | undefined {
  const words = VOCABULARY[fact]
  if (!text || (words.andText && !words.andText.test(text))) return undefined
  return linesOf(text)
    .find((line) => lineSays(words, line))
    ?.trim()
}

/** Whether `text` (any of its lines, any case) states the fact. An empty or missing text states nothing. */
export function says(fact: Fact, text: string | undefined): boolean {
  return firstLineSaying(fact, text) !== undefined
}
