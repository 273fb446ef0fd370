import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { compareWithMatrix } from '../../src/proof/compare'
import type { CatchMatrix } from '../../src/proof/matrix'
import { parseOutcomes } from '../../src/proof/outcomes'

const matrix: CatchMatrix = {
  defects: {
    'no-tmpfs': { regression: '/tmp on the rootfs', caughtBy: { 'fill keeps tmp writable': 'tmp' } },
    'leaky-rm': { regression: 'rm leaves the disk', caughtBy: { 'rm frees the host': '' } },
  },
  guardsNothingModelled: { 'idle scenario': 'guards a path no defect models' },
}
const scenarios = ['fill keeps tmp writable', 'rm frees the host', 'idle scenario']
const outcome = (name: string, status = 'PASSED', message?: string) => ({ name, uri: 'f.feature', status, message })
const allPass = scenarios.map((s) => outcome(s))

test('a run that matches the matrix has no problems', () => {
  const r = compareWithMatrix(matrix, ['no-tmpfs', 'leaky-rm'], scenarios, [
    { defect: null, outcomes: allPass },
    {
      defect: 'no-tmpfs',
      outcomes: [outcome('fill keeps tmp writable', 'FAILED', '/tmp not writable'), ...allPass.slice(1)],
    },
    { defect: 'leaky-rm', outcomes: [allPass[0], outcome('rm frees the host', 'FAILED', 'x'), allPass[2]] },
  ])
  assert.deepEqual(r.problems, [])
  assert.equal(r.cells.filter((c) => c.verdict === 'caught').length, 2)
})

test('a defect nobody catches, an unexpected failure and a wrong reason are each reported', () => {
  const r = compareWithMatrix(matrix, ['no-tmpfs', 'leaky-rm'], scenarios, [
    { defect: null, outcomes: [outcome('fill keeps tmp writable', 'FAILED', 'boom'), ...allPass.slice(1)] },
    {
      defect: 'no-tmpfs',
      outcomes: [outcome('fill keeps tmp writable', 'FAILED', 'disk is ext4'), ...allPass.slice(1)],
    },
    { defect: 'leaky-rm', outcomes: allPass },
  ])
  assert.equal(r.problems.length, 3, r.problems.join('\n'))
  assert.match(r.problems[0], /healthy run: "fill keeps tmp writable" ended FAILED/)
  assert.match(r.problems[1], /failed for another reason/)
  assert.match(r.problems[2], /"rm frees the host" passed, but the matrix expects it to catch/)
})

test('skipped or undefined is never credited as a catch', () => {
  const r = compareWithMatrix(matrix, ['no-tmpfs', 'leaky-rm'], scenarios, [
    { defect: 'leaky-rm', outcomes: [allPass[0], outcome('rm frees the host', 'UNDEFINED'), allPass[2]] },
  ])
  assert.equal(r.cells.find((c) => c.scenario === 'rm frees the host')?.verdict, 'unexpected-failure')
})

test('matrix drift is reported: unknown defect, missing row, unknown scenario, unexplained scenario', () => {
  const r = compareWithMatrix(
    { defects: { ghost: { regression: 'x', caughtBy: { 'no such scenario': '' } } }, guardsNothingModelled: {} },
    ['no-tmpfs'],
    ['a'],
    [],
  )
  assert.deepEqual(r.problems, [
    'defect "no-tmpfs" has no row in the catch matrix',
    'the matrix names defect "ghost", which refbox does not know',
    'the matrix names scenario "no such scenario" (defect "ghost"), which the suite does not have',
    'scenario "a" catches no defect and the matrix does not say why',
  ])
})

test('outcomes take the worst step of the last attempt', () => {
  const lines = [
    { pickle: { id: 'p1', name: 'S', uri: 'a.feature' } },
    { testCase: { id: 'c1', pickleId: 'p1' } },
    { testCaseStarted: { id: 's1', testCaseId: 'c1', attempt: 0 } },
    { testStepFinished: { testCaseStartedId: 's1', testStepResult: { status: 'FAILED', message: 'first try' } } },
    { testCaseStarted: { id: 's2', testCaseId: 'c1', attempt: 1 } },
    { testStepFinished: { testCaseStartedId: 's2', testStepResult: { status: 'PASSED' } } },
    { testStepFinished: { testCaseStartedId: 's2', testStepResult: { status: 'SKIPPED' } } },
  ]
  const [o] = parseOutcomes(lines.map((l) => JSON.stringify(l)).join('\n'))
  assert.equal(o.status, 'SKIPPED')
})
