/**
 * The shard plugin inside a real cucumber-js run (--dry-run, so no box starts): two shards split the
 * suite without overlap or loss, and a bad setting is one sentence with exit status 2.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, test } from 'node:test'
import { parseOutcomes } from '../../src/proof/outcomes'

const root = resolve(__dirname, '..', '..')
const scratch = mkdtempSync(join(tmpdir(), 'shard-plugin-test-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

function dryRun(shard: string, reports: string) {
  return spawnSync(
    join(root, 'node_modules', '.bin', 'cucumber-js'),
    ['--profile', 'reference', '--tags', '@disk-guest', '--dry-run'],
    {
      cwd: root,
      env: { ...process.env, DISK_SPEC_SHARD: shard, REPORTS_DIR: reports },
      encoding: 'utf8',
    },
  )
}

test('shards 1/2 and 2/2 together run every scenario exactly once, as planned in shard.json', () => {
  const ran = [1, 2].map((i) => {
    const dir = join(scratch, `shard-${i}`)
    const r = dryRun(`${i}/2`, dir)
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stderr, new RegExp(`shard ${i}/2: \\d+ of \\d+ scenarios \\(even split`))
    const plan = JSON.parse(readFileSync(join(dir, 'shard.json'), 'utf8')) as {
      plan: Array<{ name: string; shard: number }>
    }
    const names = parseOutcomes(readFileSync(join(dir, 'cucumber-messages.ndjson'), 'utf8')).map((o) => o.name)
    assert.deepEqual(
      names.sort(),
      plan.plan
        .filter((p) => p.shard === i)
        .map((p) => p.name)
        .sort(),
    )
    return { names, all: plan.plan.map((p) => p.name) }
  })
  assert.equal(ran[0].names.filter((n) => ran[1].names.includes(n)).length, 0)
  assert.deepEqual([...ran[0].names, ...ran[1].names].sort(), [...ran[0].all].sort())
  assert.ok(ran[0].all.length >= 15)
})

test('a bad shard setting is one sentence and exit status 2', () => {
  const r = dryRun('3/2', join(scratch, 'bad'))
  assert.equal(r.status, 2)
  assert.equal(r.stderr.trim(), 'DISK_SPEC_SHARD must be INDEX/TOTAL with 1 <= INDEX <= TOTAL (e.g. 1/2), got "3/2"')
})
