/**
 * The guarantee catalogue (src/report/catalogue.ts) has one entry per Rule of features/*.feature and
 * none besides, in severity order; the deeper checks (thresholds, docs/guarantees.md) are in
 * test/suite/lint-features.test.ts, run by `npm run lint:features` too.
 */
import { strict as assert } from 'node:assert'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { GUARANTEES, guaranteeOf, type Severity } from '../../src/report/catalogue'

const features = join(resolve(__dirname, '..', '..'), 'features')

function rulesInFeatures(): { rule: string; feature: string }[] {
  return readdirSync(features)
    .filter((f) => f.endsWith('.feature'))
    .flatMap((feature) =>
      readFileSync(join(features, feature), 'utf8')
        .split('\n')
        .flatMap((line) => /^\s*Rule:\s*(.+?)\s*$/.exec(line)?.slice(1) ?? [])
        .map((rule) => ({ rule, feature })),
    )
}

describe('guarantee catalogue', () => {
  it('has an entry, in the right feature file, for every Rule of the features', () => {
    for (const { rule, feature } of rulesInFeatures()) {
      const entry = guaranteeOf(rule)
      assert.ok(entry, `Rule "${rule}" (${feature}) has no entry in src/report/catalogue.ts`)
      assert.equal(entry.feature, feature, `the catalogue puts "${rule}" in the wrong feature file`)
    }
  })

  it('has no entry without a Rule, and no Rule twice', () => {
    const rules = rulesInFeatures().map((r) => r.rule)
    for (const g of GUARANTEES) assert.ok(rules.includes(g.rule), `catalogue entry "${g.rule}" matches no Rule`)
    assert.equal(new Set(GUARANTEES.map((g) => g.rule)).size, GUARANTEES.length, 'a Rule is in the catalogue twice')
  })

  it('is ordered host and neighbours, then data, then cost, numbered from 1', () => {
    const rank: Record<Severity, number> = { 'host-and-neighbours': 0, data: 1, cost: 2 }
    GUARANTEES.forEach((g, i) => {
      assert.equal(g.order, i + 1)
      if (i > 0) assert.ok(rank[GUARANTEES[i - 1].severity] <= rank[g.severity], `"${g.rule}" is out of severity order`)
    })
  })

  it('says what each guarantee means for users in one sentence, and where its numbers come from', () => {
    for (const g of GUARANTEES) {
      assert.match(g.forUsers, /^[A-Z][^]*\.$/, `forUsers of "${g.rule}" is not a sentence`)
      assert.doesNotMatch(g.forUsers.slice(0, -1), /[.!?] [A-Z]/, `forUsers of "${g.rule}" is more than one sentence`)
      assert.ok(g.whyThreshold.length > 40, `whyThreshold of "${g.rule}" says nothing`)
    }
  })

  it('does not know a title it has no entry for', () => {
    assert.equal(guaranteeOf('No such rule'), undefined)
  })
})
