/** The scenario's numbers against their thresholds: logged as they are judged, attached at the end. */
import { expect } from 'chai'
import {
  type Check,
  checksTable,
  describeCheck,
  type Headline,
  judge,
  type Rule,
  type Unit,
} from '../../src/evidence/checks'
import type { Report } from './report'

export class Checks {
  readonly all: Check[] = []

  constructor(private readonly report: Report) {}

  /**
   * Records a measured number against its threshold (shown in the report) and asserts it. A
   * `headline` marks the number the scenario exists for (the summary page and the trend use it).
   */
  verify(what: string, measured: number, rule: Rule, threshold: number, unit: Unit, headline?: Headline): Check {
    const check = judge(what, measured, rule, threshold, unit, headline)
    this.all.push(check)
    this.report.log(describeCheck(check))
    expect(check.passed, describeCheck(check)).to.equal(true)
    return check
  }

  /** The numbers as a table and as `measurements.json`, when there are any. */
  evidence(): { table: string; json: string } | undefined {
    if (this.all.length === 0) return undefined
    return { table: checksTable(this.all), json: JSON.stringify(this.all, null, 2) }
  }
}
