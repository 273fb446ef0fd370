/** The run guard fails runs that prove nothing; the feature lint compares without touching files. */
import { strict as assert } from 'node:assert'
import { describe, it } from 'node:test'
import { judgeRun } from '../../scripts/check-run'
import { describeVerdict } from '../../src/report/run-guard'
import { firstDifference, formatGherkin } from '../../scripts/lint-features'

const pickle = (id: string, name: string) => ({ pickle: { id, name, uri: 'features/x.feature' } })
const testCase = (id: string, pickleId: string) => ({ testCase: { id, pickleId } })
const started = (id: string, testCaseId: string) => ({ testCaseStarted: { id, testCaseId, attempt: 0 } })
const step = (startId: string, status: string, message?: string) => ({
  testStepFinished: { testCaseStartedId: startId, testStepResult: { status, message } },
})
const log = (startId: string, body: string) => ({
  attachment: { testCaseStartedId: startId, body, mediaType: 'text/x.cucumber.log+plain' },
})
const ndjson = (...envelopes: object[]) => envelopes.map((e) => JSON.stringify(e)).join('\n')

describe('run guard', () => {
  it('fails a run where no scenario ran (a mistyped tag)', () => {
    const v = judgeRun(ndjson(pickle('p1', 'A')))
    assert.equal(v.ok, false)
    assert.match(v.problems[0], /no scenario ran; check the tag expression/)
  })
  it('passes a run where every scenario passed', () => {
    assert.equal(
      judgeRun(ndjson(pickle('p1', 'A'), testCase('c1', 'p1'), started('s1', 'c1'), step('s1', 'PASSED'))).ok,
      true,
    )
  })
  for (const status of ['UNDEFINED', 'PENDING', 'AMBIGUOUS', 'FAILED']) {
    it(`fails a ${status.toLowerCase()} scenario`, () => {
      const v = judgeRun(
        ndjson(pickle('p1', 'A'), testCase('c1', 'p1'), started('s1', 'c1'), step('s1', 'PASSED'), step('s1', status)),
      )
      assert.equal(v.ok, false)
      assert.match(v.problems[0], new RegExp(`"A" is ${status}`))
    })
  }
  it('fails a skip without a reason, accepts one that states it', () => {
    const skipped = [pickle('p1', 'A'), testCase('c1', 'p1'), started('s1', 'c1'), step('s1', 'SKIPPED')]
    assert.match(judgeRun(ndjson(...skipped)).problems[0], /skipped without a stated reason/)
    assert.equal(judgeRun(ndjson(...skipped, log('s1', 'Skipped: no KVM on this host'))).ok, true)
  })
  it('never calls a skip a pass: the line counts skipped scenarios apart', () => {
    const reason =
      "Skipped: BoxLite's CLI (boxlite 0.10.0) has no snapshots (@needs-snapshots); the sdk driver has them"
    const v = judgeRun(
      ndjson(
        ...[pickle('p1', 'A'), testCase('c1', 'p1'), started('s1', 'c1'), step('s1', 'SKIPPED'), log('s1', reason)],
        ...[pickle('p2', 'B'), testCase('c2', 'p2'), started('s2', 'c2'), step('s2', 'PASSED')],
      ),
    )
    assert.deepEqual([v.ok, v.passed, v.skipped], [true, 1, 1])
    assert.equal(
      describeVerdict(v),
      'run guard: 2 scenarios ran, 1 passed, 1 skipped with a stated reason (not passes)',
    )
    const onlySkipped = judgeRun(
      ndjson(pickle('p1', 'A'), testCase('c1', 'p1'), started('s1', 'c1'), step('s1', 'SKIPPED'), log('s1', reason)),
    )
    assert.equal(
      describeVerdict(onlySkipped),
      'run guard: 1 scenarios ran, 0 passed, 1 skipped with a stated reason (not passes)',
    )
  })
})

describe('feature formatting check', () => {
  it('formatting is idempotent and reports where text differs', () => {
    const messy = 'Feature: F\n  Scenario: S\n      Given x\n'
    const once = formatGherkin(messy)
    assert.notEqual(once, messy)
    assert.equal(formatGherkin(once), once)
    assert.match(firstDifference(messy, once), /^line \d+: /)
    assert.equal(firstDifference(once, once), 'no difference')
  })
})
