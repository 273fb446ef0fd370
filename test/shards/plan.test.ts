/** Duration-balanced shards: deterministic, disjoint, complete, balanced; bad settings in one sentence. */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { parseShard, planShards, scenarioKey, scenarioSeconds } from '../../src/shards/plan.cjs'

const scenarios = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name) => ({ uri: 'features/x.feature', name }))
const seconds = new Map(scenarios.map((s, i) => [scenarioKey(s.uri, s.name), [30, 2, 11, 7, 5, 40, 1][i]]))

test('every scenario lands in exactly one shard, the same one every time', () => {
  const plan = planShards(scenarios, 3, seconds)
  assert.deepEqual(planShards([...scenarios], 3, new Map(seconds)), plan)
  assert.equal(plan.length, scenarios.length)
  assert.ok(plan.every((s) => s >= 1 && s <= 3))
  assert.deepEqual([...new Set(plan)].sort(), [1, 2, 3])
})

test('shards are balanced by the earlier durations, longest first', () => {
  const plan = planShards(scenarios, 2, seconds)
  const load = [1, 2].map((shard) =>
    scenarios.reduce((sum, s, i) => sum + (plan[i] === shard ? seconds.get(scenarioKey(s.uri, s.name))! : 0), 0),
  )
  assert.deepEqual(
    load.sort((x, y) => x - y),
    [48, 48],
  )
})

test('without durations the split is even; an unknown scenario weighs the mean of the known', () => {
  const even = planShards(scenarios, 2)
  assert.deepEqual([even.filter((s) => s === 1).length, even.filter((s) => s === 2).length], [4, 3])
  const partial = new Map([[scenarioKey(scenarios[0].uri, 'a'), 100]])
  // b and c weigh 100 too (at 1 s, c would join b)
  assert.deepEqual(planShards(scenarios.slice(0, 3), 2, partial), [1, 2, 1])
})

test('a shard setting is INDEX/TOTAL, said in one sentence', () => {
  assert.deepEqual(parseShard(' 2/3 ', 'X'), { index: 2, total: 3 })
  for (const bad of ['0/2', '3/2', '1', 'a/b', '1/0', ''])
    assert.throws(
      () => parseShard(bad, '--shard'),
      /^Error: --shard must be INDEX\/TOTAL with 1 <= INDEX <= TOTAL \(e\.g\. 1\/2\), got ".*"$/,
    )
})

test("an earlier run's durations are read from its messages, last attempt of each scenario", () => {
  const ts = (s: number) => ({ seconds: s, nanos: 0 })
  const ndjson = [
    { pickle: { id: 'p', uri: 'f.feature', name: 'a' } },
    { testCase: { id: 'c', pickleId: 'p' } },
    { testCaseStarted: { id: 's1', testCaseId: 'c', timestamp: ts(100) } },
    { testCaseFinished: { testCaseStartedId: 's1', timestamp: ts(190) } },
    { testCaseStarted: { id: 's2', testCaseId: 'c', timestamp: ts(200) } },
    { testCaseFinished: { testCaseStartedId: 's2', timestamp: ts(212) } },
  ]
    .map((e) => JSON.stringify(e))
    .join('\n')
  assert.deepEqual(scenarioSeconds(ndjson), new Map([[scenarioKey('f.feature', 'a'), 12]]))
})
