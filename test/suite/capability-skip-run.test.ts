/**
 * A real run on refbox (`--profile reference`) of two scenarios, one tagged `@needs-snapshots`: on a runtime
 * without snapshots (BOXLITE_CAPABILITIES=none) the tagged one is skipped before any box is made, with the
 * sentence naming the capability and the driver that has it, the run guard accepts the skip without counting it
 * as passed, and the untagged one runs as before; with snapshots (BOXLITE_CAPABILITIES=snapshots) both run.
 * The feature is written to a temporary directory: it is this test's fixture, not part of the suite.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, test } from 'node:test'
import { judgeRun } from '../../src/report/run-guard'
import { readRunMessages } from '../../src/report/run-messages'

const ROOT = resolve(__dirname, '../..')
const work = mkdtempSync(join(tmpdir(), 'capability-skip-run-'))
after(() => rmSync(work, { recursive: true, force: true }))

const FEATURE = `@disk-guest
Feature: Capability gate fixture

  Background:
    Given a running box

  @needs-snapshots
  Scenario: Capability gate fixture needs snapshots
    Then the box's rootfs is an ext4 filesystem between 50 MiB and 2 GiB

  Scenario: Capability gate fixture needs nothing more
    Then the box's rootfs is an ext4 filesystem between 50 MiB and 2 GiB
`
const feature = join(work, 'gate.feature')
writeFileSync(feature, FEATURE)

interface Summary {
  rows: Array<{ name: string; status: string; reason?: string }>
  verdict: { sentence: string }
}

function run(capabilities: string) {
  const reports = mkdtempSync(join(work, 'reports-'))
  const r = spawnSync(
    join(ROOT, 'node_modules/.bin/cucumber-js'),
    ['--profile', 'reference', feature, '--name', '^Capability gate fixture'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 170_000,
      env: { ...process.env, REPORTS_DIR: reports, BOXLITE_CAPABILITIES: capabilities },
    },
  )
  const messages = readFileSync(join(reports, 'cucumber-messages.ndjson'), 'utf8')
  const summary = JSON.parse(readFileSync(join(reports, 'summary.json'), 'utf8')) as Summary
  return { status: r.status, output: `${r.stdout}${r.stderr}`, messages, summary }
}

const row = (s: Summary, name: string) => s.rows.find((r) => r.name === `Capability gate fixture ${name}`)

test(
  'without the capability: the tagged scenario skips with its sentence, accepted and not passed',
  { timeout: 180_000 },
  () => {
    const r = run('none')
    assert.equal(r.status, 0, r.output)
    assert.match(r.output, /run guard: 2 scenarios ran, 1 passed, 1 skipped with a stated reason \(not passes\)/)
    // refbox's version as the run announced it (the runtime-under-test facts every scenario attaches).
    const version = readRunMessages(r.messages).runtime?.version
    const sentence =
      `Skipped: refbox ${version} (cli driver) has no snapshots (@needs-snapshots; BOXLITE_CAPABILITIES=none); the sdk ` +
      'driver (BOXLITE_DRIVER=sdk) has them'
    assert.ok(r.messages.includes(JSON.stringify(sentence).slice(1, -1)), 'the sentence is logged')
    const verdict = judgeRun(r.messages)
    assert.deepEqual([verdict.ok, verdict.passed, verdict.skipped], [true, 1, 1])
    assert.deepEqual(row(r.summary, 'needs snapshots'), {
      ...row(r.summary, 'needs snapshots'),
      status: 'not-run',
      reason: sentence.replace('Skipped: ', ''),
    })
    assert.equal(row(r.summary, 'needs nothing more')?.status, 'passed', 'the untagged scenario is not affected')
    // Skipped before its Background: no box was made for it (each box start is one `run -d` in the messages).
    assert.equal(r.messages.match(/ run -d /g)?.length ?? 0, 1, 'one box, for the untagged scenario')
  },
)

test('with the capability: the tagged scenario runs like any other', { timeout: 180_000 }, () => {
  const r = run('snapshots')
  assert.equal(r.status, 0, r.output)
  assert.match(r.output, /run guard: 2 scenarios ran, all passed/)
  assert.equal(row(r.summary, 'needs snapshots')?.status, 'passed')
})
