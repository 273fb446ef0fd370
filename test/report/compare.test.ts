/**
 * The verdict page's model and the comparison of runs: guarantees in severity order (unknown rules
 * last), headlines without host paths or hashes, named outcomes, the proof's count, the suite's own
 * changes between runs, `npm run compare` on summaries (and its one-sentence errors), and the
 * chart's round axis and allowed band.
 */
import { strict as assert } from 'node:assert'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, it } from 'node:test'
import { CHART_MIN_FONT, footprintChart, niceAxis, wrap } from '../../src/evidence/chart'
import { describeNeed, formatValue, judge, OUTCOME_PREFIX } from '../../src/evidence/checks'
import { MiB } from '../../src/evidence/units'
import { GUARANTEES } from '../../src/report/catalogue'
import { columnOf, compareSummaries, readSummaryFile } from '../../src/report/compare'
import { renderCompareHtml } from '../../src/report/compare-html'
import { hasHostDetail, plainHeadline } from '../../src/report/plain-words'
import { proofCounts, readProof, variationCounts } from '../../src/report/proof-result'
import { bySeverity, type SummaryData } from '../../src/report/summary-model'
import { NO_THRESHOLDS, suiteChanges } from '../../src/report/trend'
import { buildSummaryFiles, summarySettings } from '../../src/report/write-summary'
import { runtimeFacts, syntheticRun, type SyntheticScenario } from './synthetic-run'

const root = resolve(__dirname, '..', '..')
const scratch = mkdtempSync(join(tmpdir(), 'compare-test-'))
after(() => rmSync(scratch, { recursive: true, force: true }))
const noEnv = { KNOWN_ISSUES: 'none', PREVIOUS_SUMMARY: 'none', PROOF_RESULT: 'none', TREND_THRESHOLDS: 'none' }

// Rules from the catalogue itself, so the tests hold whatever order it gives.
const HOST = GUARANTEES.find((g) => g.severity === 'host-and-neighbours')!
const COST = GUARANTEES.find((g) => g.severity === 'cost')!
const UNKNOWN = 'A rule nobody put in the catalogue'

function summary(scenarios: readonly SyntheticScenario[], runtime = runtimeFacts('refbox', '0.1.0')): SummaryData {
  return buildSummaryFiles(syntheticRun(runtime, scenarios), summarySettings(scratch, {}, noEnv)).data
}

const reclaim = (share: number, threshold = 0.9) =>
  judge('share given back', share, '>=', threshold, 'ratio', { name: 'share of the growth given back' })

describe('the verdict page model', () => {
  it('orders guarantees by severity, the catalogue order within, rules it lacks last', () => {
    const data = summary([
      { name: 'unknown one', rule: UNKNOWN, status: 'PASSED' },
      { name: 'cost one', rule: COST.rule, status: 'PASSED', checks: [reclaim(0.99)] },
      { name: 'host one', rule: HOST.rule, status: 'PASSED' },
    ])
    assert.deepEqual(
      data.rows.map((r) => r.name),
      ['host one', 'cost one', 'unknown one'],
    )
    assert.deepEqual(
      data.guarantees.map((g) => [g.rule, g.severity]),
      [
        [HOST.rule, 'host-and-neighbours'],
        [COST.rule, 'cost'],
        [UNKNOWN, undefined],
      ],
    )
    assert.equal(data.guarantees[0].forUsers, HOST.forUsers)
    assert.deepEqual(
      bySeverity([{ rule: 'b' }, { rule: 'a', order: 2 }, { rule: 'c', order: 1 }]).map((r) => r.rule),
      ['c', 'a', 'b'],
    )
  })

  it('puts who was tested in the verdict sentence and marks refbox as the self-test', () => {
    const refbox = summary([{ name: 'x', rule: HOST.rule, status: 'PASSED' }])
    assert.match(
      refbox.verdict.sentence,
      /^Passed on refbox 0\.1\.0 \(cli driver; Linux x86_64 host, boots BoxLite guests\)/,
    )
    assert.equal(refbox.selfTest, true)
    const boxlite = summary(
      [{ name: 'x', rule: HOST.rule, status: 'FAILED', message: 'boom' }],
      runtimeFacts('boxlite', '0.10.0', 'sdk'),
    )
    assert.match(boxlite.verdict.sentence, /^Failed on BoxLite 0\.10\.0 \(sdk driver; /)
    assert.equal(boxlite.selfTest, false)
  })

  it('keeps host paths and hashes out of headlines, and names the outcome a scenario saw', () => {
    const data = summary([
      {
        name: 'base disk',
        rule: HOST.rule,
        status: 'PASSED',
        logs: [`✔ /tmp/spec/run-1/home/images/${'e'.repeat(64)}.ext4: sha256 6cf9b76293e727e7… unchanged`],
      },
      {
        name: 'torn',
        rule: HOST.rule,
        status: 'PASSED',
        logs: ['✔ the box answered after 1 try', `${OUTCOME_PREFIX}rebuilt from its image, data lost, runtime said so`],
      },
    ])
    const [base, torn] = data.rows
    assert.equal(hasHostDetail(base.headline!.said), false, base.headline!.said)
    assert.ok(base.details?.some((d) => d.startsWith('/tmp/spec/')))
    assert.equal(torn.headline?.said, 'rebuilt from its image, data lost, runtime said so')
    // The guest's own files stay named; only deep host paths go to the details.
    const guest = 'unchanged: /etc/os-release, /bin/busybox; /fill: 1 bytes unchanged'
    assert.deepEqual(plainHeadline(guest), { text: guest, details: [] })
  })

  it('says "none" and "under 0.1 s" instead of "at most 0" and "0.0 s"', () => {
    assert.equal(describeNeed(judge('corruptions', 0, '<=', 0, 'count')), 'none')
    assert.equal(formatValue(0.01, 'seconds'), 'under 0.1 s')
    assert.equal(formatValue(0, 'seconds'), '0.0 s')
  })

  it("counts the proof's caught faults: caught somewhere, missed nowhere", () => {
    const runs = [{ defect: null }, { defect: 'a' }, { defect: 'b' }, { defect: 'c' }]
    const cells = [
      { defect: 'a', verdict: 'caught' },
      { defect: 'a', verdict: 'passed' },
      { defect: 'b', verdict: 'caught' },
      { defect: 'b', verdict: 'missed' },
      { defect: 'c', verdict: 'passed' },
    ]
    assert.deepEqual(proofCounts(runs, cells, false), { caught: 1, injected: 3, ok: false, missed: ['b', 'c'] })
    const variations = [
      { variation: 'slow-rm', verdict: 'green' },
      { variation: 'slow-rm', verdict: 'not-possible' },
      { variation: 'other-words', verdict: 'broke' },
    ]
    assert.deepEqual(variationCounts(variations), { green: 1, total: 2 })
  })
})

describe('the proof on the first screen', () => {
  it('quotes proof.json beside the summary and links proof.html', () => {
    const dir = join(scratch, 'proof')
    mkdirSync(dir, { recursive: true })
    const cells = [
      { defect: 'a', verdict: 'caught' },
      { defect: 'b', verdict: 'caught' },
    ]
    writeFileSync(
      join(dir, 'proof.json'),
      JSON.stringify({ ok: true, runs: [{ defect: null }, { defect: 'a' }, { defect: 'b' }], cells }),
    )
    writeFileSync(join(dir, 'proof.html'), '<html></html>')
    const proof = readProof(join(dir, 'proof.json'), dir)
    assert.deepEqual([proof?.caught, proof?.injected, proof?.href], [2, 2, 'proof.html'])
    const files = buildSummaryFiles(
      syntheticRun(runtimeFacts('refbox', '0.1.0'), [{ name: 'x', rule: HOST.rule, status: 'PASSED' }]),
      summarySettings(dir, {}, { ...noEnv, PROOF_RESULT: undefined }),
    )
    assert.match(
      files.html,
      /This suite's checks catch 2 of 2 injected faults; <a href="proof.html">the proof<\/a> ran /,
    )
    assert.equal(readProof(join(dir, 'missing.json'), dir), undefined)
  })
})

describe('releases side by side', () => {
  const older = summary(
    [
      {
        name: 'reclaim',
        rule: COST.rule,
        status: 'PASSED',
        checks: [reclaim(0.99)],
        steps: ['a filled box', 'at least 90 % comes back within 30 seconds', 'the box is removed'],
      },
      { name: 'gone later', rule: HOST.rule, status: 'PASSED' },
    ],
    runtimeFacts('boxlite', '0.10.0'),
  )
  const newer = summary(
    [
      {
        name: 'reclaim',
        rule: COST.rule,
        status: 'FAILED',
        message: 'x',
        checks: [reclaim(0.5, 0.95)],
        // One threshold changed, one sentence reworded (not a threshold).
        steps: ['a box that was filled', 'at least 95 % comes back within 30 seconds', 'the box is removed'],
      },
      { name: 'new one', rule: HOST.rule, status: 'PASSED' },
    ],
    runtimeFacts('boxlite', '0.11.0'),
  )

  it('lists scenarios and thresholds added, removed or changed in the suite', () => {
    assert.deepEqual(suiteChanges(newer.rows, older.rows), {
      added: ['new one'],
      removed: ['gone later'],
      thresholds: [
        {
          scenario: 'reclaim',
          from: 'at least 90 % comes back within 30 seconds',
          to: 'at least 95 % comes back within 30 seconds',
        },
      ],
    })
  })

  it('puts guarantees down and runs across, each cell held against the run left of it', () => {
    const c = compareSummaries([columnOf(older, 'a/summary.json'), columnOf(newer, 'b/summary.json')], NO_THRESHOLDS)
    assert.deepEqual(
      c.runs.map((r) => r.label),
      ['BoxLite 0.10.0', 'BoxLite 0.11.0'],
    )
    assert.deepEqual(
      c.guarantees.map((g) => g.rule),
      [HOST.rule, COST.rule],
    )
    const host = c.guarantees[0].scenarios.map((s) => [s.name, s.cells.map((x) => x?.status)])
    assert.deepEqual(host, [
      ['new one', [undefined, 'passed']],
      ['gone later', ['passed', undefined]],
    ])
    const [was, now] = c.guarantees[1].scenarios[0].cells
    assert.equal(was?.change, undefined)
    assert.equal(now?.status, 'failed')
    assert.equal(now?.change?.status, 'passed -> failed')
    assert.match(now?.said ?? '', /share of the growth given back: 50\.0 %/)
    const html = renderCompareHtml(c)
    assert.match(
      html,
      /BoxLite 0\.10\.0 → BoxLite 0\.11\.0: the suite: 1 scenario added, 1 scenario removed, 1 threshold changed/,
    )
    assert.match(html, /threshold of "reclaim": at least 90 % comes back within 30 seconds → at least 95 %/)
  })

  it('npm run compare writes one page, and says in one sentence what is wrong with its input', () => {
    const [a, b, out] = ['a.json', 'b.json', 'cmp.html'].map((f) => join(scratch, f))
    writeFileSync(a, JSON.stringify(older))
    writeFileSync(b, JSON.stringify(newer))
    const run = (...args: string[]) =>
      execFileSync(process.execPath, ['-r', 'ts-node/register', 'scripts/compare.ts', ...args], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    assert.match(run(`old=${a}`, b, '--out', out), /compare: old \| BoxLite 0\.11\.0: 2 guarantees, 3 scenarios/)
    assert.match(readFileSync(out, 'utf8'), /<table id="comparison">/)
    const error = (...args: string[]) => {
      try {
        run(...args)
      } catch (err) {
        return String((err as { stderr: string }).stderr).trim()
      }
      throw new Error('compare did not fail')
    }
    assert.match(
      error(join(scratch, 'missing.json')),
      /^compare: \S+missing\.json does not exist: give the summary\.json a run wrote/,
    )
    assert.match(error(join(root, 'package.json')), /^compare: \S+package\.json is not a summary\.json/)
    assert.match(error(), /^compare: no summary\.json given: npm run compare -- /)
    assert.equal(error(join(root, 'package.json')).split('\n').length, 1)
    assert.throws(() => readSummaryFile(join(scratch, 'nope.json')), /does not exist/)
  })
})

describe('charts', () => {
  it('use round ticks in one unit', () => {
    const axis = niceAxis(330 * MiB)
    assert.equal(axis.unit, 'MiB')
    assert.deepEqual(
      axis.ticks.map((t) => axis.label(t)),
      ['0', '100', '200', '300', '400'],
    )
    const big = niceAxis(2.2 * 1024 * MiB)
    assert.deepEqual(
      big.ticks.map((t) => big.label(t)),
      ['0', '0.5', '1', '1.5', '2', '2.5'],
    )
  })

  it('draw the pass zone as a shaded allowed band, above a floor and below a ceiling, with a legend', () => {
    const svg = footprintChart(
      { title: 'My scenario', subtitle: 'what it measures' },
      [
        { label: 'start', bytes: 10 * MiB, part: 1 * MiB },
        { label: 'after fill', bytes: 300 * MiB, part: 290 * MiB },
      ],
      [{ label: 'start + 50 MiB', bytes: 60 * MiB, kind: 'at-least' }],
      ['disks', 'rest'],
    ).toString()
    assert.match(svg, /My scenario/)
    assert.match(svg, /fill-opacity="0.14"/)
    assert.match(svg, /allowed: at least start \+ 50 MiB/)
    assert.match(svg, />on the host \(MiB\)</)
    assert.doesNotMatch(svg, /stroke-dasharray/) // no red dashed line that means one thing here and another there
    const sizes = [...svg.matchAll(/font-size="(\d+)"/g)].map((m) => Number(m[1]))
    assert.ok(Math.min(...sizes) >= CHART_MIN_FONT)
    assert.deepEqual(wrap('after the second fill of the box', 12), ['after the', 'second fill', 'of the box'])
  })
})
