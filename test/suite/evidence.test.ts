/** What the report shows: numbers against thresholds, trimmed command output, charts that are images. */
import { strict as assert } from 'node:assert'
import { describe, it } from 'node:test'
import { checksTable, describeCheck, judge } from '../../src/evidence/checks'
import { footprintChart } from '../../src/evidence/chart'
import { formatRecord, trimOutput } from '../../src/evidence/commands'
import { formatBytes, MiB } from '../../src/evidence/units'

describe('checks', () => {
  it('judges each rule, and never passes a number that is not one', () => {
    assert.equal(judge('x', 5, '>', 5, 'count').passed, false)
    assert.equal(judge('x', 5, '>=', 5, 'count').passed, true)
    assert.equal(judge('x', 4, '<', 5, 'count').passed, true)
    assert.equal(judge('x', 6, '<=', 5, 'count').passed, false)
    assert.equal(judge('x', NaN, '<=', 5, 'count').passed, false)
  })
  it('reads like a sentence and tabulates', () => {
    const c = judge('growth', 112 * MiB, '>=', 50 * MiB, 'bytes')
    assert.equal(describeCheck(c), '✔ growth: 112.0 MiB ≥ 50.0 MiB')
    assert.match(checksTable([c, judge('share', 0.5, '>=', 0.9, 'ratio')]), /FAIL\s+share\s+50.0 %\s+≥ 90.0 %/)
  })
  it('formats sizes', () => assert.equal(formatBytes(1536), '1.5 KiB'))
})

describe('command evidence', () => {
  it('keeps the head and tail of long output', () => {
    const t = trimOutput('a'.repeat(5000) + 'END', 1000)
    assert.ok(t.length < 1100)
    assert.match(t, /characters left out/)
    assert.ok(t.endsWith('END'))
  })
  it('says when a call timed out', () => {
    const text = formatRecord({
      command: 'boxlite exec X -- sh -c x',
      exitCode: -1,
      stdout: '',
      stderr: 'boom',
      timedOut: true,
      durationMs: 15000,
    })
    assert.match(text, /TIMED OUT after 15.0 s/)
    assert.match(text, /stderr:\n {2}boom/)
  })
})

describe('footprint chart', () => {
  const svg = footprintChart(
    'Disk <of> the box',
    [
      { label: 'start', bytes: 0.4 * MiB },
      { label: 'after fill', bytes: 216 * MiB },
    ],
    [{ label: 'start + 50 MiB', bytes: 50 * MiB }],
  ).toString('utf8')
  it('is an SVG with an intrinsic size (else browsers report naturalWidth 0)', () => {
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="\d+"/)
    assert.ok(svg.trimEnd().endsWith('</svg>'))
  })
  it('labels bars and thresholds and escapes text', () => {
    assert.match(svg, /216.0 MiB/)
    assert.match(svg, /start \+ 50 MiB/)
    assert.match(svg, /Disk &lt;of&gt; the box/)
  })
  it('refuses to draw nothing', () => assert.throws(() => footprintChart('t', []), /at least one/))
})
