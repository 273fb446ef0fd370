/**
 * The files that name scenarios by their titles (expectations/*.json, proof/catch-matrix.json) name
 * only feature files and scenarios that exist: a renamed title must be renamed there too, or a known
 * issue or a catch-matrix row silently stops applying.
 */
import { strict as assert } from 'node:assert'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { featureFiles, parseFeature } from '../../scripts/lint-features'
import { loadKnownIssues } from '../../src/report/known-issues'

const root = resolve(__dirname, '..', '..')
const scenarios = new Set(
  featureFiles(join(root, 'features')).flatMap((f) => {
    const feature = parseFeature(readFileSync(f, 'utf8'), relative(root, f))
    return [...feature.scenarios, ...feature.rules.flatMap((r) => r.scenarios)].map((s) => s.name)
  }),
)

/** Every string in a JSON value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(strings)
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)])
  return []
}

describe('names in expectations/ and proof/', () => {
  it('every scenario a known issue lists is a scenario of features/', () => {
    for (const issue of loadKnownIssues(join(root, 'expectations', 'known-issues.json')))
      for (const name of issue.scenarios)
        assert.ok(scenarios.has(name), `expectations/known-issues.json names a scenario features/ lacks: "${name}"`)
  })

  it('every feature file named in expectations/*.json exists', () => {
    const dir = join(root, 'expectations')
    const named = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) =>
        strings(JSON.parse(readFileSync(join(dir, f), 'utf8'))).flatMap((s) =>
          [...s.matchAll(/[\w./-]+\.feature\b/g)].map((m) => ({ file: f, feature: m[0] })),
        ),
      )
    assert.ok(named.length > 0, 'expected the known issues to name their feature file')
    for (const { file, feature } of named) {
      const path = feature.startsWith('features/') ? feature : join('features', feature)
      assert.ok(existsSync(join(root, path)), `expectations/${file} names ${feature}, which does not exist`)
    }
  })

  it('every scenario the catch matrix names is a scenario of features/', () => {
    const matrix = JSON.parse(readFileSync(join(root, 'proof', 'catch-matrix.json'), 'utf8')) as {
      defects: Record<string, { caughtBy: Record<string, string> }>
    }
    for (const [defect, row] of Object.entries(matrix.defects))
      for (const name of Object.keys(row.caughtBy))
        assert.ok(
          scenarios.has(name),
          `proof/catch-matrix.json (${defect}) names a scenario features/ lacks: "${name}"`,
        )
  })
})
