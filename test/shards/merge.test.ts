/** Merging shards' message streams into one run, and checking the shards add up to a whole run. */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { parseOutcomes } from '../../src/proof/outcomes'
import { checkShardPlans } from '../../src/shards/check'
import { type Envelope, mergeShardMessages } from '../../src/shards/merge'

const t = (s: number) => ({ seconds: s, nanos: 0 })

/** The messages of shard n, which ran scenario `ran` ('a' or 'b') of a two-scenario feature. */
function shard(
  n: number,
  ran: 'a' | 'b',
  opts: { status?: string; source?: string; start?: number; end?: number } = {},
): Envelope[] {
  const pickle = (name: string) => ({
    pickle: {
      id: `p${name}-${n}`,
      uri: 'f.feature',
      name,
      astNodeIds: [`s${name}-${n}`],
      steps: [{ id: `ps${name}-${n}`, astNodeIds: [`st${name}-${n}`] }],
    },
  })
  const scenario = (name: string) => ({
    scenario: { id: `s${name}-${n}`, name, steps: [{ id: `st${name}-${n}`, text: 'x' }] },
  })
  return [
    { meta: { protocolVersion: '32.2.0' } },
    { source: { uri: 'f.feature', data: opts.source ?? 'Feature: f' } },
    { gherkinDocument: { uri: 'f.feature', feature: { name: 'f', children: [scenario('a'), scenario('b')] } } },
    pickle('a'),
    pickle('b'),
    {
      stepDefinition: {
        id: `sd-${n}`,
        pattern: { source: 'x' },
        sourceReference: { uri: 's.ts', location: { line: 1 } },
      },
    },
    { hook: { id: `h-${n}`, type: 'BEFORE_TEST_CASE', sourceReference: { uri: 'hooks.ts', location: { line: 2 } } } },
    { testRunStarted: { id: `run-${n}`, timestamp: t(opts.start ?? 100) } },
    {
      testCase: {
        id: `tc-${n}`,
        pickleId: `p${ran}-${n}`,
        testRunStartedId: `run-${n}`,
        testSteps: [
          { id: `th-${n}`, hookId: `h-${n}` },
          { id: `ts-${n}`, pickleStepId: `ps${ran}-${n}`, stepDefinitionIds: [`sd-${n}`] },
        ],
      },
    },
    { testCaseStarted: { id: `tcs-${n}`, testCaseId: `tc-${n}`, attempt: 0, timestamp: t(101) } },
    {
      testStepFinished: {
        testCaseStartedId: `tcs-${n}`,
        testStepId: `ts-${n}`,
        testStepResult: { status: opts.status ?? 'PASSED' },
        timestamp: t(102),
      },
    },
    { testCaseFinished: { testCaseStartedId: `tcs-${n}`, timestamp: t(103) } },
    {
      testRunFinished: {
        testRunStartedId: `run-${n}`,
        success: (opts.status ?? 'PASSED') === 'PASSED',
        timestamp: t(opts.end ?? 110),
      },
    },
  ]
}

const ofKind = (merged: Envelope[], k: string) =>
  merged.filter((e) => k in e).map((e) => e[k] as Record<string, unknown>)

test('two shards become one run: one copy of each definition, every test case pointing at it', () => {
  const merged = mergeShardMessages([
    shard(1, 'a', { start: 100, end: 150 }),
    shard(2, 'b', { start: 90, end: 120, status: 'FAILED' }),
  ])
  for (const k of ['meta', 'source', 'gherkinDocument', 'stepDefinition', 'hook', 'testRunStarted', 'testRunFinished'])
    assert.equal(ofKind(merged, k).length, 1, k)
  assert.deepEqual(
    ofKind(merged, 'pickle').map((p) => p.id),
    ['pa-1', 'pb-1'],
  )
  const [, second] = ofKind(merged, 'testCase')
  assert.deepEqual(second, {
    id: 'tc-2',
    pickleId: 'pb-1',
    testRunStartedId: 'run-1',
    testSteps: [
      { id: 'th-2', hookId: 'h-1' },
      { id: 'ts-2', pickleStepId: 'psb-1', stepDefinitionIds: ['sd-1'] },
    ],
  })
  assert.deepEqual(ofKind(merged, 'testRunStarted')[0], { id: 'run-1', timestamp: t(90) })
  assert.deepEqual(ofKind(merged, 'testRunFinished')[0], {
    testRunStartedId: 'run-1',
    timestamp: t(150),
    success: false,
  })
  const ndjson = merged.map((e) => JSON.stringify(e)).join('\n')
  assert.deepEqual(
    parseOutcomes(ndjson).map((o) => [o.name, o.status]),
    [
      ['a', 'PASSED'],
      ['b', 'FAILED'],
    ],
  )
})

test('shards of different feature files, or a shard cut short, are refused', () => {
  assert.throws(
    () => mergeShardMessages([shard(1, 'a'), shard(2, 'b', { source: 'Feature: changed' })]),
    /shard 2 ran a different version of f\.feature/,
  )
  assert.throws(() => mergeShardMessages([shard(1, 'a'), shard(2, 'b').slice(0, -1)]), /shard 2 did not finish its run/)
})

test('the shard plans must add up: every shard once, one plan, every scenario run once', () => {
  const plan = [
    { uri: 'f.feature', name: 'a', shard: 1 },
    { uri: 'f.feature', name: 'b', shard: 2 },
  ]
  const ran = (...names: string[]) => names.map((name) => ({ name, uri: 'f.feature', status: 'PASSED' }))
  assert.deepEqual(
    checkShardPlans(
      [
        { index: 1, total: 2, plan },
        { index: 2, total: 2, plan },
      ],
      ran('a', 'b'),
    ),
    [],
  )
  assert.deepEqual(
    checkShardPlans(
      [
        { index: 1, total: 2, plan },
        { index: 1, total: 2, plan },
      ],
      ran('a', 'a'),
    ),
    [
      'shard 1/2 was given 2 times',
      'shard 2/2 is missing',
      'f.feature: "a" (shard 1) ran 2 times, not once',
      'f.feature: "b" (shard 2) ran 0 times, not once',
    ],
  )
  assert.match(
    checkShardPlans(
      [
        { index: 1, total: 2, plan },
        { index: 2, total: 2, plan: plan.slice(1) },
      ],
      ran('a', 'b'),
    )[0],
    /different plans/,
  )
})
