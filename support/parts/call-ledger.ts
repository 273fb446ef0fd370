/**
 * The one path every runtime call of a scenario takes: it is refused once the run is being
 * interrupted, recorded as evidence (collapsed in the report under its name), and judged as asked.
 * Outcomes left for a Then step are remembered until one looks at them; the After guard fails a
 * scenario that never did (support/hooks.ts).
 */
import type { CallOptions, CommandRecord } from '../../src/drivers/types'
import type { Clock } from '../../src/settings'
import { formatRecord } from '../../src/evidence/commands'
import { refuseIfInterrupted } from '../interrupt'
import type { Report } from './report'

/**
 * How a call's result is judged:
 * - `must-succeed`: setup whose failure is not the claim; it throws at once unless it exited 0;
 * - `judged-later`: a Then step must examine it, or the scenario fails in After;
 * - `judged-here`: the caller judges it on the spot (polls, probes with parsers).
 */
export type Judgement = 'must-succeed' | 'judged-later' | 'judged-here'

export class CallLedger {
  readonly records: CommandRecord[] = []
  private readonly unexamined = new Map<CommandRecord, string>()

  constructor(
    private readonly report: Report,
    private readonly clock: Clock,
  ) {}

  /**
   * Makes the call with its limit: `limitSeconds` as the suite states it (support/timeouts.ts),
   * scaled by the clock here, so no caller scales it.
   */
  async run(
    what: string,
    judgement: Judgement,
    limitSeconds: number,
    call: (limit: CallOptions) => Promise<CommandRecord>,
    opts: { quiet?: boolean } = {},
  ): Promise<CommandRecord> {
    refuseIfInterrupted(what) // the boxes are being removed: the step ends here instead of racing them
    const record = await call(this.clock.limit(limitSeconds))
    this.records.push(record)
    // The checks (logged) are what people read first; each call is one collapsed attachment.
    if (!opts.quiet) this.report.attach(formatRecord(record), { mediaType: 'text/plain', fileName: what })
    if (judgement === 'judged-later') this.unexamined.set(record, what)
    if (judgement === 'must-succeed' && (record.exitCode !== 0 || record.timedOut))
      throw new Error(`${what} failed:\n${formatRecord(record)}`)
    return record
  }

  /** A call made outside run() (a box start, a status read, a cleanup removal), kept as evidence. */
  note(record: CommandRecord): void {
    this.records.push(record)
  }

  /** A step looked at this call's outcome. */
  examine(record: CommandRecord): CommandRecord {
    this.unexamined.delete(record)
    return record
  }

  /**
   * A Then step looked at an outcome (./outcomes.ts): every call in it, the outcome itself or one of
   * its fields or their items, counts as examined.
   */
  examineWithin(outcome: unknown): void {
    const look = (value: unknown): void => {
      if (value !== null && typeof value === 'object') this.unexamined.delete(value as CommandRecord)
    }
    look(outcome)
    if (outcome === null || typeof outcome !== 'object') return
    for (const field of Object.values(outcome)) {
      look(field)
      if (Array.isArray(field)) field.forEach(look)
    }
  }

  /** Outcomes no step looked at. */
  unexaminedOutcomes(): string[] {
    return [...this.unexamined.entries()].map(
      ([r, what]) => `${what}: ${r.command} -> exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}`,
    )
  }
}
