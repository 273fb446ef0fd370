/**
 * Benign variations refbox can switch on: behaviour a correct boxlite-dialect runtime may show and
 * refbox by habit does not. The proof's second half runs the suite with each one on and requires every
 * scenario to pass, so no check leans on refbox's wording, timing, output layout or housekeeping.
 * Switched on per invocation by `REFBOX_VARIANTS=name[,name...]`; each is one small branch where it
 * acts (grep for `variants.has('<name>')`). The contract cited is docs/reference/boxlite-contract.md.
 */
import { Switches } from './switches'

export interface Variation {
  /** What refbox then does differently, in one line. */
  readonly does: string
  /** Why a correct runtime may do it: what the contract leaves open. */
  readonly legitimate: string
}

export const VARIANTS = {
  'reworded-errors': {
    does: 'every error refbox prints is worded differently (a second wording table), errno texts included',
    legitimate:
      'the contract (§2) fixes only the exit status and the `Error:` line; the cause chain is the ' +
      'runtime’s own prose, ' +
      'and a host errno may reach the user as "disk full" as well as "No space left on device (os error 28)"',
  },
  'space-precheck': {
    does: 'run and create refuse at once, with their own sentence, when the home has less free space than a box needs',
    legitimate:
      'nothing in the contract (§3 run/create) says how a create fails on a full host; checking free space first ' +
      'and refusing with a clear sentence is better than failing half-way with a write error',
  },
  'slow-lifecycle': {
    does: 'starts, stops, removals, snapshots and restores take about three times as long (idle waits before and after the work)',
    legitimate:
      'the contract states no durations; a VM boot or a flushing shutdown takes longer than refbox, and every ' +
      'scenario states the windows it may take (support/timeouts.ts and the sentences)',
  },
  'runtime-files': {
    does:
      'the home holds files of the runtime, not of a box: a log that grows on every call, a lock file and a small ' +
      'database, made on first use and kept after rm',
    legitimate:
      'BoxLite keeps db/boxlite.db, locks/ and logs/ in its home (§5); they belong to the runtime, not to any box',
  },
  'list-format': {
    does: 'list and inspect print compact JSON with extra fields and another field order',
    legitimate:
      'the contract (§3 list, inspect) names the fields a reader may rely on; main already adds Ports and ' +
      'State.StartedAt, and JSON readers must not depend on order or layout',
  },
  'ids-and-names': {
    does: 'box ids are 26-character lower-case ULID-like strings, and boxes made without --name get dashed names',
    legitimate:
      'the contract (§3 run) gives 12-character Base62 ids today and 26-character ULIDs in earlier builds, and ' +
      'recommends the tolerant pattern ^[A-Za-z0-9_-]{1,128}$',
  },
  'no-kernel-log': {
    does: '`logs BOX` fails with "unsupported": the runtime keeps no kernel log for its boxes',
    legitimate:
      "BoxLite's `logs` reads the console log (§3 other commands); whether the guest kernel's messages are in it " +
      'is not promised, so a check that needs them must say it could not be made',
  },
  'deferred-delete': {
    does:
      'rm -f returns once the box is unlisted; its disk is deleted about 3 s later and the rest of its files ' +
      'about 5 s later, by a background process',
    legitimate:
      'the contract (§3 rm) says rm -f deletes the disk and the box directory, not that it waits for the ' +
      'filesystem; every scenario states the window in which the space and files must be gone',
  },
  'stderr-warnings': {
    does: 'every command prints a warning line on stderr first (as a runtime logging at its default `warn` level does)',
    legitimate:
      'the CLI logs to stderr at level warn by default (§1 --debug); only stdout carries results (§3 run: the id ' +
      'on stdout), and an error is the `Error:` line, not the first line of stderr',
  },
} as const satisfies Record<string, Variation>

export type VariantName = keyof typeof VARIANTS

/** Every variation name, in a stable order (the proof runs one suite per name). */
export const KNOWN_VARIANTS: readonly VariantName[] = Object.keys(VARIANTS) as VariantName[]

/** The variations switched on for one invocation. */
export type Variants = Switches<VariantName>
export const Variants = {
  parse: (spec: string | undefined): Variants =>
    Switches.parse(spec, KNOWN_VARIANTS, { noun: 'variation', setting: 'REFBOX_VARIANTS' }),
  none: (): Variants => Switches.none<VariantName>(),
}
