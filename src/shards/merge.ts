/**
 * Merges the cucumber-js message streams of the shards of one run into one stream, as if one run
 * had run them all. Every shard emits the same sources, documents, pickles, step definitions and
 * hooks under its own random ids; the first shard's copies are kept and the other shards' ids are
 * mapped onto them, so every test case of every shard points at one set of definitions. The test
 * run starts when the first shard started and finishes when the last finished, successful only if
 * every shard was.
 */

export type Envelope = Record<string, unknown>

type Json = unknown

/** Envelopes that describe the run's material rather than what happened during it. */
const STATIC = [
  'meta',
  'source',
  'gherkinDocument',
  'pickle',
  'stepDefinition',
  'hook',
  'parameterType',
  'undefinedParameterType',
] as const

const kind = (e: Envelope): string => Object.keys(e)[0] ?? ''

export class MergeError extends Error {}

export function mergeShardMessages(shards: readonly (readonly Envelope[])[]): Envelope[] {
  if (shards.length === 0) throw new MergeError('no shard message files to merge')
  const kept: Envelope[] = []
  const byKey = new Map<string, Envelope>()
  const runs: Array<{ started?: Envelope; finished?: Envelope }> = []
  const events: Envelope[] = []

  shards.forEach((shard, n) => {
    const ids = new Map<string, string>()
    const run: { started?: Envelope; finished?: Envelope } = {}
    for (const envelope of shard) {
      const k = kind(envelope)
      if ((STATIC as readonly string[]).includes(k)) {
        const e = remap(envelope, ids) as Envelope
        const key = staticKey(k, e[k] as Record<string, Json>)
        const first = byKey.get(key)
        if (!first) {
          byKey.set(key, e)
          kept.push(e)
        } else {
          if (k === 'source' && JSON.stringify(first) !== JSON.stringify(e)) {
            throw new MergeError(
              `shard ${n + 1} ran a different version of ${(e.source as { uri: string }).uri} than shard 1`,
            )
          }
          mapIds(e[k], first[k], ids, `${k} in shard ${n + 1}`)
        }
      } else if (k === 'testRunStarted') {
        run.started = envelope
      } else if (k === 'testRunFinished') {
        run.finished = envelope
      } else {
        events.push(remap(envelope, ids) as Envelope)
      }
    }
    if (!run.started || !run.finished)
      throw new MergeError(
        `shard ${n + 1} did not finish its run (no testRunStarted/testRunFinished): it was cut short`,
      )
    runs.push(run)
  })

  const runId = (runs[0].started!.testRunStarted as { id: string }).id
  const runIds = new Map(runs.map((r) => [(r.started!.testRunStarted as { id: string }).id, runId]))
  const started = {
    testRunStarted: { id: runId, timestamp: earliest(runs.map((r) => stamp(r.started!, 'testRunStarted'))) },
  }
  const finishedAll = runs.map((r) => r.finished!.testRunFinished as Record<string, Json>)
  const failure = finishedAll.find((f) => f.exception !== undefined)
  const finished = {
    testRunFinished: {
      testRunStartedId: runId,
      timestamp: latest(runs.map((r) => stamp(r.finished!, 'testRunFinished'))),
      success: finishedAll.every((f) => f.success === true),
      ...(failure ? { exception: failure.exception } : {}),
    },
  }
  return [...kept, started, ...events.map((e) => remap(e, runIds) as Envelope), finished]
}

/** What makes two shards' static envelopes the same thing. */
function staticKey(k: string, body: Record<string, Json>): string {
  switch (k) {
    case 'meta':
      return 'meta'
    case 'source':
    case 'gherkinDocument':
      return `${k}\0${body.uri as string}`
    case 'pickle':
      return `pickle\0${body.uri as string}\0${JSON.stringify(body.astNodeIds)}`
    case 'parameterType':
      return `parameterType\0${body.name as string}\0${JSON.stringify(body.regularExpressions)}`
    default: {
      const { id: _id, ...rest } = body
      return `${k}\0${JSON.stringify(rest)}`
    }
  }
}

/** Maps every `id` in `ours` onto the `id` at the same place in `theirs` (same shape, same source). */
function mapIds(ours: Json, theirs: Json, ids: Map<string, string>, what: string): void {
  const a = collectIds(ours)
  const b = collectIds(theirs)
  if (a.length !== b.length)
    throw new MergeError(`${what} does not match shard 1's (different feature files or support code?)`)
  a.forEach((id, i) => ids.set(id, b[i]))
}

function collectIds(value: Json, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) collectIds(v, out)
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'id' && typeof v === 'string') out.push(v)
      else collectIds(v, out)
    }
  }
  return out
}

/** A copy with every string that is a mapped id replaced (ids are UUIDs: no other text equals one). */
function remap(value: Json, ids: ReadonlyMap<string, string>): Json {
  if (ids.size === 0) return value
  if (typeof value === 'string') return ids.get(value) ?? value
  if (Array.isArray(value)) return value.map((v) => remap(v, ids))
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, remap(v, ids)]))
  return value
}

interface Timestamp {
  seconds: number
  nanos: number
}

const stamp = (e: Envelope, k: string): Timestamp => (e[k] as { timestamp: Timestamp }).timestamp
const ns = (t: Timestamp) => t.seconds * 1e9 + t.nanos
const earliest = (ts: Timestamp[]) => ts.reduce((a, b) => (ns(b) < ns(a) ? b : a))
const latest = (ts: Timestamp[]) => ts.reduce((a, b) => (ns(b) > ns(a) ? b : a))
