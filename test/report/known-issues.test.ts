/**
 * Known issues are strict: a run whose failures are exactly the expected ones passes and shows
 * them as known issues; an unexpected failure fails it; an expected failure that passes fails it.
 */
import { strict as assert } from 'node:assert'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { judgeRun, suiteExitCode } from '../../scripts/check-run'
import { issuesFor, loadKnownIssues, versionInRange } from '../../src/report/known-issues'
import {
  DISCARD_SCENARIOS,
  NO_DISCARD_MESSAGE,
  runtimeFacts,
  syntheticRun,
  type SyntheticScenario,
} from './synthetic-run'

const root = resolve(__dirname, '..', '..')
const file = join(root, 'expectations', 'known-issues.json')
const knownIssues = loadKnownIssues(file)
const options = { knownIssues, knownIssuesSource: file }

const others: SyntheticScenario[] = [
  {
    name: 'A box that fills its rootfs gets "No space left on device" and keeps serving',
    rule: 'Filling',
    status: 'PASSED',
  },
  {
    name: 'Force-removing a filled box gives back at least 90 % of its disk growth within 30 seconds',
    rule: 'Removing',
    status: 'PASSED',
  },
]
const discard = (status: string, message?: string): SyntheticScenario[] =>
  DISCARD_SCENARIOS.map((name) => ({ name, rule: 'Discard', status, message }))

describe('known issues of BoxLite 0.10.0', () => {
  const boxlite = runtimeFacts('boxlite', '0.10.0', 'sdk')

  it('a run whose only failures are the known ones passes, and cucumber-js exit 1 becomes 0', () => {
    const v = judgeRun(syntheticRun(boxlite, [...others, ...discard('FAILED', NO_DISCARD_MESSAGE)]), 'run', options)
    assert.deepEqual([v.ok, v.passed, v.knownIssues, v.problems], [true, 2, 3, []])
    assert.equal(suiteExitCode(1, v), 0)
  })

  it('an unexpected failure fails the run', () => {
    const broken = [
      {
        ...others[1],
        status: 'FAILED',
        message: "✘ share of the fill's growth given back within 30 s: 10.0 % ≥ 90.0 %",
      },
    ]
    const v = judgeRun(
      syntheticRun(boxlite, [others[0], ...broken, ...discard('FAILED', NO_DISCARD_MESSAGE)]),
      'run',
      options,
    )
    assert.equal(v.ok, false)
    assert.equal(v.problems.length, 1)
    assert.match(v.problems[0], /"Force-removing a filled box .*" is FAILED: ✘ share of the fill's growth/)
    assert.equal(suiteExitCode(1, v), 1)
  })

  it('an expected failure that passes fails the run: fixed upstream? remove the expectation', () => {
    const v = judgeRun(
      syntheticRun(boxlite, [
        ...others,
        ...discard('FAILED', NO_DISCARD_MESSAGE).slice(1),
        ...discard('PASSED').slice(0, 1),
      ]),
      'run',
      options,
    )
    assert.equal(v.ok, false)
    assert.equal(v.problems.length, 1)
    assert.match(
      v.problems[0],
      new RegExp(
        '"Filling, deleting and filling again .*" passed, but .*known-issues\\.json expects it to fail on ' +
          'boxlite 0\\.10\\.0 \\(BoxLite 0\\.10\\.0 has no discard inside the box.*\\): ' +
          'fixed upstream\\? remove the expectation$',
      ),
    )
    assert.equal(suiteExitCode(0, v), 1)
  })

  it('a known issue failing another way is an unexpected failure', () => {
    const v = judgeRun(
      syntheticRun(boxlite, [...others, ...discard('FAILED', 'Error: could not start the box: timed out')]),
      'run',
      options,
    )
    assert.equal(v.ok, false)
    assert.equal(v.problems.length, 3)
    assert.match(
      v.problems[0],
      new RegExp(
        'failed, but not the known way \\(.* expects /disk above its start, \\.\\* after the delete/ ' +
          'on boxlite 0\\.10\\.0\\): Error: could not start the box',
      ),
    )
  })

  it('does not apply to other versions, nor to refbox, whose faults the proof judges', () => {
    for (const facts of [runtimeFacts('boxlite', '0.11.0'), runtimeFacts('refbox', '0.1.0')]) {
      const v = judgeRun(syntheticRun(facts, [...others, ...discard('FAILED', NO_DISCARD_MESSAGE)]), 'run', options)
      assert.deepEqual([v.ok, v.knownIssues, v.problems.length], [false, 0, 3])
    }
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
    assert.deepEqual(issuesFor(knownIssues, 'refbox', version), [])
  })

  it('names only scenarios the features have', () => {
    const names = new Set(
      readdirSync(join(root, 'features'))
        .filter((f) => f.endsWith('.feature'))
        .flatMap((f) =>
          [...readFileSync(join(root, 'features', f), 'utf8').matchAll(/^\s*Scenario: (.+?)\s*$/gm)].map((m) => m[1]),
        ),
    )
    for (const issue of knownIssues)
      for (const s of issue.scenarios) assert.ok(names.has(s), `${file} names "${s}", which no feature has`)
  })
})

describe('version ranges', () => {
  it('match exact versions, comparator sets and alternatives', () => {
    assert.equal(versionInRange('0.10.0', '0.10.0'), true)
    assert.equal(versionInRange('0.10.1', '0.10.0'), false)
    assert.equal(versionInRange('0.10.5', '>=0.10.0 <0.11.0'), true)
    assert.equal(versionInRange('0.11.0', '>=0.10.0 <0.11.0'), false)
    assert.equal(versionInRange('1.2.0', '0.10.0 || >=1.0.0'), true)
    assert.equal(versionInRange('unknown', '>=0.0.0'), false)
  })
  it('a malformed range is an error naming the entry', () => {
    assert.throws(
      () =>
        loadKnownIssuesFrom({
          issues: [{ runtime: 'boxlite', versions: '~0.10', reason: 'r', link: 'l', scenarios: ['s'] }],
        }),
      /entry 1: "~0.10" in "~0.10" is not a version comparator/,
    )
  })
})

function loadKnownIssuesFrom(content: object) {
  const path = join(tmpdir(), `known-issues-${process.pid}.json`)
  writeFileSync(path, JSON.stringify(content))
  try {
    return loadKnownIssues(path)
  } finally {
    rmSync(path, { force: true })
  }
}
