/**
 * Cucumber plugin: with DISK_SPEC_SHARD=i/n, runs shard i of n of the selected scenarios, balanced by
 * duration (src/shards/plan.cjs). The durations come from an earlier run's message file named by
 * DISK_SPEC_SHARD_DURATIONS (e.g. a previous CI run's reports/cucumber-messages.ndjson); without
 * one, every scenario weighs the same. Every shard computes the same plan, so shards never overlap.
 * The plan goes to <REPORTS_DIR>/shard.json, where scripts/merge-shards.ts checks that the shards
 * together ran every scenario exactly once. `scripts/run-suite.ts --shard i/n` sets the variables.
 *
 * Plain CommonJS because cucumber loads plugins with import(), which cannot load TypeScript.
 */
const { mkdirSync, existsSync, writeFileSync } = require('node:fs')
const { join, resolve } = require('node:path')
const {
  DURATIONS_ENV,
  SHARD_ENV,
  parseShard,
  planShards,
  readScenarioSeconds,
  scenarioKey,
} = require('../src/shards/plan.cjs')

/** A bad setting is one sentence on stderr and exit 2, never a stack trace. */
function refuse(stderr, sentence) {
  stderr.write(`${sentence}\n`)
  process.exit(2)
}

module.exports = {
  type: 'plugin',
  coordinator({ operation, transform, environment }) {
    if (operation !== 'runCucumber') return undefined
    const env = environment.env
    if (!env[SHARD_ENV]) return undefined
    let shard
    let seconds = new Map()
    try {
      shard = parseShard(env[SHARD_ENV], SHARD_ENV)
      const from = env[DURATIONS_ENV] ? resolve(environment.cwd, env[DURATIONS_ENV]) : undefined
      if (from && !existsSync(from))
        throw new Error(
          `${DURATIONS_ENV}: ${from} does not exist (name an earlier run's cucumber-messages.ndjson, or unset it for ` +
            `an even split)`,
        )
      if (from) seconds = readScenarioSeconds(from)
    } catch (err) {
      refuse(environment.stderr, err.message)
    }
    transform('pickles:filter', async (pickles) => {
      const scenarios = pickles.map(({ pickle }) => ({ uri: pickle.uri, name: pickle.name }))
      if (scenarios.length < shard.total) {
        refuse(
          environment.stderr,
          `${SHARD_ENV}=${shard.index}/${shard.total}: only ${scenarios.length} scenarios are selected, so some ` +
            `shards would run nothing; use at most ${scenarios.length} shards`,
        )
      }
      const shardOf = planShards(scenarios, shard.total, seconds)
      const plan = scenarios.map((s, i) => ({
        ...s,
        shard: shardOf[i],
        seconds: seconds.get(scenarioKey(s.uri, s.name)) ?? null,
      }))
      const mine = plan.filter((p) => p.shard === shard.index)
      const reports = resolve(environment.cwd, env.REPORTS_DIR || 'reports')
      mkdirSync(reports, { recursive: true })
      writeFileSync(
        join(reports, 'shard.json'),
        `${JSON.stringify({ ...shard, durationsFrom: env[DURATIONS_ENV] || null, plan }, null, 2)}\n`,
      )
      const est = (list) => list.reduce((sum, p) => sum + (p.seconds ?? 0), 0)
      const timing = seconds.size
        ? `, about ${Math.round(est(mine))} s of ${Math.round(est(plan))} s by the earlier run`
        : ' (even split: no earlier durations)'
      environment.stderr.write(
        `shard ${shard.index}/${shard.total}: ${mine.length} of ${plan.length} scenarios${timing}\n`,
      )
      return pickles.filter((_, i) => shardOf[i] === shard.index)
    })
    return undefined
  },
}
