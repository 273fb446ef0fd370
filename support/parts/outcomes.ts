/**
 * What happened to which box in this scenario, kept for the Then steps (after cucumber-js's own
 * World, whose run() keeps the last result): a Given or When step records the outcome its task
 * returned, a Then step asks for the one it judges. Asking for one that was never recorded fails
 * with a sentence naming the step that must run first. Asking also marks the runtime calls inside
 * the outcome as examined (./call-ledger.ts), so the After guard fails a scenario only when a
 * failed call was never looked at.
 */
import type { CallLedger } from './call-ledger'

/** For each kind of outcome, what a step that produces it does ("fills its rootfs"). */
export type Producers<Kinds> = { readonly [K in keyof Kinds]: string }

export class Outcomes<Kinds extends object> {
  private readonly byKey = new Map<string, unknown[]>()

  constructor(
    private readonly producers: Producers<Kinds>,
    private readonly calls: CallLedger,
  ) {}

  /** Keeps `outcome` as the latest `kind` of the box (or group) `role`; returns it. */
  record<K extends keyof Kinds & string>(kind: K, role: string, outcome: Kinds[K]): Kinds[K] {
    const key = keyOf(kind, role)
    this.byKey.set(key, [...(this.byKey.get(key) ?? []), outcome])
    return outcome
  }

  /** The latest `kind` of `role`; fails naming the step that must run first when there is none. */
  get<K extends keyof Kinds & string>(kind: K, role: string): Kinds[K] {
    const outcome = this.find(kind, role)
    if (outcome === undefined)
      throw new Error(`no ${kind} of ${whose(role)} was recorded: a step that ${this.producers[kind]} must run first`)
    return outcome
  }

  /** The latest `kind` of `role`, or undefined when no step produced one (for a Then step that allows both). */
  find<K extends keyof Kinds & string>(kind: K, role: string): Kinds[K] | undefined {
    const outcome = this.byKey.get(keyOf(kind, role))?.at(-1) as Kinds[K] | undefined
    if (outcome !== undefined) this.calls.examineWithin(outcome)
    return outcome
  }

  /** Every `kind` of `role`, oldest first (none: empty); the calls in them count as examined. */
  all<K extends keyof Kinds & string>(kind: K, role: string): Kinds[K][] {
    const outcomes = (this.byKey.get(keyOf(kind, role)) ?? []) as Kinds[K][]
    for (const outcome of outcomes) this.calls.examineWithin(outcome)
    return outcomes
  }

  /** How many `kind` outcomes `role` has had. */
  count(kind: keyof Kinds & string, role: string): number {
    return this.byKey.get(keyOf(kind, role))?.length ?? 0
  }
}

function keyOf(kind: string, role: string): string {
  return `${kind}\u0000${role}`
}

/** "the box", "the victim", "the crowd": whose outcome it is, in a sentence. */
function whose(role: string): string {
  return `the ${role}`
}
