'use strict'
/**
 * Duration-balanced shards of a run: which scenarios shard i of n runs. Deterministic: the same
 * scenarios and durations give every shard process the same plan, so the shards never overlap and
 * together run everything. Plain CommonJS because the cucumber plugin that uses it
 * (support/shard-plugin.cjs) is loaded with import(), which cannot load TypeScript.
 */
const { readFileSync } = require('node:fs')

/** The shard plugin's settings (support/shard-plugin.cjs): `i/n`, and an earlier run's message file. */
const SHARD_ENV = 'DISK_SPEC_SHARD'
const DURATIONS_ENV = 'DISK_SPEC_SHARD_DURATIONS'

/** `i/n` (1 <= i <= n) as { index (from 1), total }; one sentence naming `setting` otherwise. */
function parseShard(text, setting) {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(text))
  const index = m ? Number(m[1]) : NaN
  const total = m ? Number(m[2]) : NaN
  if (!m || total < 1 || index < 1 || index > total) {
    throw new Error(`${setting} must be INDEX/TOTAL with 1 <= INDEX <= TOTAL (e.g. 1/2), got "${text}"`)
  }
  return { index, total }
}

const scenarioKey = (uri, name) => `${uri}\u0000${name}`

/** Seconds each scenario took in a cucumber-js message (NDJSON) text, by scenarioKey; last attempt wins. */
function scenarioSeconds(ndjson) {
  const pickles = new Map()
  const pickleOfCase = new Map()
  const started = new Map()
  const seconds = new Map()
  const ms = (t) => t.seconds * 1000 + t.nanos / 1e6
  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue
    const e = JSON.parse(line)
    if (e.pickle) pickles.set(e.pickle.id, scenarioKey(e.pickle.uri, e.pickle.name))
    else if (e.testCase) pickleOfCase.set(e.testCase.id, e.testCase.pickleId)
    else if (e.testCaseStarted)
      started.set(e.testCaseStarted.id, { caseId: e.testCaseStarted.testCaseId, at: ms(e.testCaseStarted.timestamp) })
    else if (e.testCaseFinished) {
      const start = started.get(e.testCaseFinished.testCaseStartedId)
      const key = start && pickles.get(pickleOfCase.get(start.caseId))
      if (key) seconds.set(key, (ms(e.testCaseFinished.timestamp) - start.at) / 1000)
    }
  }
  return seconds
}

function readScenarioSeconds(path) {
  return scenarioSeconds(readFileSync(path, 'utf8'))
}

/**
 * Assigns each scenario (in definition order, `{ uri, name }`) to one of `total` shards, longest
 * first to the least loaded shard (ties: the lower shard). A scenario with no known duration counts
 * as the mean of the known ones; with none known, every scenario weighs the same (an even split).
 * Returns the shard number (from 1) of each scenario, in the order given.
 */
function planShards(scenarios, total, seconds = new Map()) {
  const known = scenarios.map((s) => seconds.get(scenarioKey(s.uri, s.name))).filter((v) => typeof v === 'number')
  const fallback = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1
  const weight = scenarios.map((s) => seconds.get(scenarioKey(s.uri, s.name)) ?? fallback)
  const order = scenarios.map((_, i) => i).sort((a, b) => weight[b] - weight[a] || a - b)
  const load = new Array(total).fill(0)
  const shardOf = new Array(scenarios.length)
  for (const i of order) {
    let best = 0
    for (let s = 1; s < total; s++) if (load[s] < load[best]) best = s
    load[best] += weight[i]
    shardOf[i] = best + 1
  }
  return shardOf
}

module.exports = { SHARD_ENV, DURATIONS_ENV, parseShard, scenarioKey, scenarioSeconds, readScenarioSeconds, planShards }
