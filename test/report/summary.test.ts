/**
 * The summary from a run's messages: rows by guarantee with status, reason and headline number;
 * the trend against a previous summary that differs (flagged past a threshold, never failing the
 * run); the proof's expected failures shown red with their reason; the command-line entry point.
 */
import { strict as assert } from 'node:assert'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, it } from 'node:test'
import { judge, type Check } from '../../src/evidence/checks'
import { MiB } from '../../src/evidence/units'
import { loadThresholds, moved } from '../../src/report/trend'
import { buildSummaryFiles, readPrevious, summarySettings, writeSummaryFiles } from '../../src/report/write-summary'
import {
  DISCARD_SCENARIOS,
  NO_DISCARD_MESSAGE,
  runtimeFacts,
  syntheticRun,
  type SyntheticScenario,
} from './synthetic-run'

const root = resolve(__dirname, '..', '..')
const scratch = mkdtempSync(join(tmpdir(), 'summary-test-'))
after(() => rmSync(scratch, { recursive: true, force: true }))
const noEnv = {
  KNOWN_ISSUES: undefined,
  PREVIOUS_SUMMARY: undefined,
  TREND_THRESHOLDS: undefined,
  PROOF_EXPECTED_FAILURES: undefined,
}

const REMOVE = 'Force-removing a filled box gives back at least 90 % of its disk growth within 30 seconds'
const APPEND = 'Appending to an existing file still works with no inodes left'
const RESTART = 'A box with a full rootfs stops and starts again with its data intact'

function reclaim(share: number, seconds: number): Check[] {
  return [
    judge("growth of the box's disk on the host", 216 * MiB, '>=', 50 * MiB, 'bytes'),
    judge("share of the fill's growth given back within 30 s", share, '>=', 0.9, 'ratio', {
      name: 'share of the growth given back',
      detail: `of 216.0 MiB, in ${seconds.toFixed(1)} s`,
      needs: 'at least 90 % within 30 s',
      figures: [{ name: 'reclaim time', value: seconds, unit: 'seconds' }],
    }),
  ]
}

function scenarios(share: number, seconds: number, restart: string): SyntheticScenario[] {
  return [
    {
      name: REMOVE,
      rule: 'Removing a box gives back the space its disk used',
      status: 'PASSED',
      checks: reclaim(share, seconds),
      chart: true,
    },
    {
      name: RESTART,
      rule: 'A box with a full rootfs restarts with its data intact',
      status: restart,
      logs: ['✔ /fill: 1 bytes unchanged'],
      message: restart === 'FAILED' ? 'Error: /keepsake changed' : undefined,
    },
    { name: APPEND, rule: 'Inodes', status: 'NOT_SELECTED' },
  ]
}

function summaryOf(ndjson: string, out: string, flags: Parameters<typeof summarySettings>[1] = {}) {
  const files = buildSummaryFiles(ndjson, summarySettings(out, flags, noEnv))
  writeSummaryFiles(out, files)
  return files
}

describe('summary', () => {
  it('tells a scenario skipped for a capability the runtime lacks apart, with its sentence as the reason', () => {
    const reason =
      "BoxLite's CLI (boxlite 0.10.0) has no snapshots (@needs-snapshots); the sdk driver (BOXLITE_DRIVER=sdk) has them"
    const run = [
      ...scenarios(0.996, 2.1, 'PASSED'),
      { name: 'A snapshot restores', rule: 'Snapshots', status: 'SKIPPED', logs: [`Skipped: ${reason}`] },
    ]
    const { data, markdown } = summaryOf(syntheticRun(runtimeFacts('boxlite', '0.10.0'), run), join(scratch, 'skip'))
    assert.equal(data.verdict.ok, true)
    assert.match(
      data.verdict.sentence,
      /all 2 scenarios that ran passed; 1 skipped, each with its reason below; 1 not run\.$/,
    )
    const row = data.rows.find((r) => r.name === 'A snapshot restores')
    assert.deepEqual([row?.status, row?.reason], ['not-run', reason])
    assert.ok(markdown.includes(`⏭️ not run: ${reason.replace(/\|/g, '\\|')}`), 'the reason is in the job summary')
  })

  it('shows each guarantee and scenario with its status, reason and headline number in plain words', () => {
    const out = join(scratch, 'plain')
    const { data, html, markdown } = summaryOf(
      syntheticRun(runtimeFacts('refbox', '0.1.0'), scenarios(0.996, 2.1, 'PASSED')),
      out,
    )
    assert.equal(data.verdict.ok, true)
    assert.equal(
      data.verdict.sentence,
      'Passed on refbox 0.1.0 (cli driver; Linux x86_64 host, boots BoxLite guests): ' +
        'all 2 scenarios that ran passed; 1 not run.',
    )
    assert.equal(data.selfTest, true)
    // Rows come in the catalogue's severity order, not the run's: find them by name.
    const [remove, restart, append] = [REMOVE, RESTART, APPEND].map((n) => data.rows.find((r) => r.name === n)!)
    assert.equal(remove.headline?.said, 'share of the growth given back: 99.6 % (of 216.0 MiB, in 2.1 s)')
    assert.equal(remove.headline?.needs, 'at least 90 % within 30 s')
    assert.equal(restart.headline?.said, '/fill: 1 bytes unchanged')
    assert.deepEqual(
      [append.status, append.reason],
      ['not-run', 'not selected by the tag expression or paths of this run'],
    )
    assert.equal(remove.reportHref, `cucumber-report.html#scenario=${encodeURIComponent(REMOVE)}`)
    assert.match(html, /<span class="title">Removing a box gives back the space its disk used<\/span>/)
    assert.match(html, /<div class="selftest" id="selftest">Self-test on the reference runtime, not a BoxLite result/)
    assert.match(html, /<tr class="chart-row">.*<img class="chart" [^>]*src="data:image\/svg\+xml;base64,/)
    assert.match(html, /<dt>Runtime<\/dt><dd>refbox 0\.1\.0<\/dd>/)
    assert.match(
      markdown,
      new RegExp(
        '\\| Removing a box gives back the space its disk used: \\*Force-removing.*\\* \\| ✅ passed \\| ' +
          'share of the growth given back: 99\\.6 % \\(of 216\\.0 MiB, in 2\\.1 s\\) \\| ' +
          'at least 90 % within 30 s \\|',
      ),
    )
    assert.ok(['summary.html', 'summary.md', 'summary.json'].every((f) => existsSync(join(out, f))))
  })

  it('compares with a differing previous summary: numbers flagged past the threshold, the run not failed', () => {
    const out = join(scratch, 'trend')
    summaryOf(syntheticRun(runtimeFacts('boxlite', '0.10.0'), scenarios(0.996, 2.1, 'PASSED')), out, {
      knownIssues: 'none',
    })
    const now = summaryOf(syntheticRun(runtimeFacts('boxlite', '0.10.0'), scenarios(0.97, 9.8, 'FAILED')), out, {
      knownIssues: 'none',
    })
    const [remove, restart] = [REMOVE, RESTART].map((n) => now.data.rows.find((r) => r.name === n)!)
    assert.deepEqual(
      remove.trend?.changes.map((c) => [c.text, c.flagged]),
      [
        ['share of the growth given back 99.6 % -> 97.0 %', false],
        ['reclaim time 2.1 s -> 9.8 s', true],
      ],
    )
    assert.equal(restart.trend?.status, 'passed -> failed')
    assert.equal(now.data.previous?.flagged, 1)
    const flag = /<div class="flag" [^>]*>⚠ <span class="fname">reclaim time<\/span> 2\.1 s → 9\.8 s<\/div>/
    assert.match(now.html, flag)
    assert.match(now.markdown, /⚠️ reclaim time 2\.1 s -> 9\.8 s/)
    // The flag draws attention; only the failed scenario fails the run.
    assert.deepEqual(
      now.data.verdict.problems.map((p) => p.includes(RESTART)),
      [true],
    )
  })

  it('shows a known issue as such, with its upstream link', () => {
    const run = syntheticRun(
      runtimeFacts('boxlite', '0.10.0', 'sdk'),
      DISCARD_SCENARIOS.map((name) => ({ name, rule: 'Discard', status: 'FAILED', message: NO_DISCARD_MESSAGE })),
    )
    const { data, html } = summaryOf(run, join(scratch, 'known'), {
      knownIssues: join(root, 'expectations', 'known-issues.json'),
    })
    assert.equal(data.verdict.ok, true)
    assert.match(
      data.verdict.sentence,
      new RegExp(
        '^Passed with known issues on BoxLite 0\\.10\\.0 \\(sdk driver; .*\\): ' +
          '0 scenarios passed, 3 failed as known issues of boxlite 0\\.10\\.0\\.$',
      ),
    )
    assert.ok(data.rows.every((r) => r.status === 'known-issue' && /no discard inside the box/.test(r.reason ?? '')))
    assert.match(html, /<tr class="row known-issue"/)
  })

  it("shows a proof run's failures in red with the catch matrix's reason", () => {
    const expected = join(scratch, 'expected.json')
    writeFileSync(expected, JSON.stringify({ [RESTART]: 'lost-writes-on-stop: start re-creates the overlay' }))
    const run = syntheticRun(runtimeFacts('refbox', '0.1.0'), scenarios(0.996, 2.1, 'FAILED'))
    const { data, html } = summaryOf(run, join(scratch, 'proof'), { expectedFailures: expected })
    const restart = data.rows.find((r) => r.name === RESTART)!
    assert.equal(restart.status, 'failed')
    assert.equal(
      restart.reason,
      'as the proof expects: lost-writes-on-stop: start re-creates the overlay. Failed with: Error: /keepsake changed',
    )
    assert.equal(data.verdict.ok, true)
    assert.equal(
      data.verdict.sentence,
      'Defect injected on purpose into refbox 0.1.0 (cli driver; Linux x86_64 host, boots BoxLite guests): ' +
        '1 scenario failed where the catch matrix expects (npm run prove also checks why), 1 passed; 1 not run.',
    )
    assert.match(
      html,
      /<tr class="row failed" data-status="failed"[^>]*>[\s\S]*?as the proof expects: lost-writes-on-stop/,
    )
  })

  it('scripts/summary.ts writes the three files from a message file', () => {
    const messages = join(scratch, 'm.ndjson')
    writeFileSync(messages, syntheticRun(runtimeFacts('refbox', '0.1.0'), scenarios(0.996, 2.1, 'PASSED')))
    const out = join(scratch, 'cli')
    const said = execFileSync(
      process.execPath,
      [
        '-r',
        'ts-node/register',
        join(root, 'scripts', 'summary.ts'),
        '--messages',
        messages,
        '--out',
        out,
        '--previous',
        'none',
        '--pdf',
        '0',
      ],
      { cwd: root, encoding: 'utf8' },
    )
    assert.match(said, /summary: Passed on refbox 0\.1\.0 \(cli driver; .*\): all 2 scenarios/)
    assert.equal(readPrevious(join(out, 'summary.json'))?.data.rows.length, 3)
    assert.match(
      readFileSync(join(out, 'summary.html'), 'utf8'),
      /<title>boxlite-disk-spec summary: refbox 0\.1\.0 via cli, 2026-01-02 03:04 UTC<\/title>/,
    )
  })
})

describe('trend thresholds', () => {
  it('flag a move only when it is big enough in both ways', () => {
    assert.equal(moved(2.1, 4.3, { factor: 2, atLeast: 1 }), true)
    assert.equal(moved(0.2, 0.5, { factor: 2, atLeast: 1 }), false)
    assert.equal(moved(10, 15, { factor: 2, atLeast: 1 }), false)
    assert.equal(moved(0, 9 * MiB, { factor: 2, atLeast: 8 * MiB }), true)
    assert.equal(moved(0.99, 0.93, { atLeast: 0.05 }), true)
  })
  it('read sizes as sizes from the checked-in file', () => {
    const t = loadThresholds(join(root, 'expectations', 'trend-thresholds.json'))
    assert.deepEqual(t.byUnit.bytes, { factor: 2, atLeast: 8 * MiB })
    assert.deepEqual(t.byFigure['reclaim time'], { factor: 2, atLeast: 1 })
  })
})
