/**
 * Checks a merged sharded run against the plans the shards wrote (support/shard-plugin.cjs): all n
 * shards are there, once each, with one plan, and every planned scenario ran exactly once.
 */
import type { ScenarioOutcome } from '../proof/outcomes'

export interface ShardPlan {
  readonly index: number
  readonly total: number
  readonly plan: ReadonlyArray<{ readonly uri: string; readonly name: string; readonly shard: number }>
}

/** Problems, one sentence each; none when the shards add up to one whole run. */
export function checkShardPlans(plans: readonly ShardPlan[], outcomes: readonly ScenarioOutcome[]): string[] {
  const problems: string[] = []
  const total = plans[0]?.total
  if (plans.some((p) => p.total !== total))
    return [`the shards disagree on their number: ${plans.map((p) => `${p.index}/${p.total}`).join(', ')}`]
  const indices = plans.map((p) => p.index).sort((a, b) => a - b)
  for (let i = 1; i <= (total ?? 0); i++) {
    const n = indices.filter((x) => x === i).length
    if (n !== 1) problems.push(n === 0 ? `shard ${i}/${total} is missing` : `shard ${i}/${total} was given ${n} times`)
  }
  const reference = JSON.stringify(plans[0]?.plan)
  if (plans.some((p) => JSON.stringify(p.plan) !== reference)) {
    problems.push(
      'the shards made different plans (different scenarios selected, or different duration files): they may overlap ' +
        'or miss scenarios',
    )
  }
  const ran = new Map<string, number>()
  for (const o of outcomes) ran.set(`${o.uri}\0${o.name}`, (ran.get(`${o.uri}\0${o.name}`) ?? 0) + 1)
  for (const s of plans[0]?.plan ?? []) {
    const n = ran.get(`${s.uri}\0${s.name}`) ?? 0
    if (n !== 1) problems.push(`${s.uri}: "${s.name}" (shard ${s.shard}) ran ${n} times, not once`)
  }
  return problems
}
