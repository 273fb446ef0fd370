/** The proof's second half (src/proof/variations.ts): every scenario stays green under every benign variation. */
import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { renderHtml, renderJson, renderMarkdown } from '../../src/proof/render'
import { judgeVariations, loadVariations, type VariationsFile } from '../../src/proof/variations'
import { KNOWN_VARIANTS, VARIANTS } from '../../src/refbox/variants'
import { VARIANT_SITES } from '../../src/refbox/sites'

const file: VariationsFile = {
  variations: {
    'reworded-errors': { legitimate: 'words are the runtime’s own' },
    'no-kernel-log': { legitimate: 'logs is the console', notPossible: { 'hard kill': 'no kernel log' } },
  },
}
const scenarios = ['hard kill', 'full host', 'idle']
const passed = (name: string) => ({ name, status: 'PASSED' })

test('all green, a scenario left out and an allowed "not possible" make no problem', () => {
  const r = judgeVariations(file, ['reworded-errors', 'no-kernel-log'], scenarios, [
    { variation: 'reworded-errors', scenarios: [passed('full host'), passed('hard kill')], notAffected: ['idle'] },
    {
      variation: 'no-kernel-log',
      scenarios: [
        { name: 'hard kill', status: 'SKIPPED', skipReason: 'Skipped: not possible: no kernel log for its boxes' },
        { name: 'full host', status: 'NOT_SELECTED' },
      ],
      notAffected: ['full host', 'idle'],
    },
  ])
  assert.deepEqual(r.problems, [])
  assert.deepEqual(
    r.cells.map((c) => `${c.variation}/${c.scenario}: ${c.verdict}`),
    [
      'reworded-errors/hard kill: green',
      'reworded-errors/full host: green',
      'reworded-errors/idle: not-affected',
      'no-kernel-log/hard kill: not-possible',
      'no-kernel-log/full host: not-affected',
      'no-kernel-log/idle: not-affected',
    ],
  )
})

test('a failure, a skip the file does not allow there, an unexplained skip and a missing scenario are problems', () => {
  const r = judgeVariations(file, ['reworded-errors', 'no-kernel-log'], scenarios, [
    {
      variation: 'reworded-errors',
      scenarios: [
        { name: 'full host', status: 'FAILED', message: 'the error does not say the host is out of space' },
        { name: 'hard kill', status: 'SKIPPED', skipReason: 'Skipped: no kernel log' },
      ],
      notAffected: [],
    },
    {
      variation: 'no-kernel-log',
      scenarios: [{ name: 'hard kill', status: 'SKIPPED' }],
      notAffected: ['full host', 'idle'],
    },
  ])
  assert.equal(r.problems.length, 4, r.problems.join('\n'))
  assert.match(r.problems[0], /"reworded-errors": "hard kill" ended SKIPPED .*does not allow this check to be skipped/)
  assert.match(r.problems[1], /"reworded-errors": "full host" ended FAILED where it must stay green: the error/)
  assert.match(r.problems[2], /"reworded-errors": "idle" did not run/)
  assert.match(r.problems[3], /"no-kernel-log": "hard kill" ended SKIPPED .*skipped without a stated reason/)
})

test('drift between refbox and proof/variations.json is reported', () => {
  const r = judgeVariations(
    { variations: { ghost: { legitimate: 'x', notPossible: { 'no such scenario': 'y' } } } },
    ['reworded-errors'],
    ['a'],
    [],
  )
  assert.deepEqual(r.problems, [
    'variation "reworded-errors" has no row in proof/variations.json',
    'proof/variations.json names variation "ghost", which refbox does not know',
    'proof/variations.json names scenario "no such scenario" (variation "ghost"), which the suite does not have',
  ])
})

test('the checked-in proof/variations.json has a row for every variation refbox knows, and sites for each', () => {
  const checkedIn = loadVariations(join(__dirname, '..', '..', 'proof', 'variations.json'))
  assert.deepEqual(Object.keys(checkedIn.variations).sort(), [...KNOWN_VARIANTS].sort())
  assert.ok(KNOWN_VARIANTS.length >= 8)
  for (const v of KNOWN_VARIANTS) {
    assert.ok(VARIANTS[v].legitimate.length > 40, `${v} says why it is legitimate`)
    assert.ok(VARIANT_SITES[v].sites.length > 0, `${v} has sites`)
  }
})

test('a bad pattern in the file is one sentence naming the variation and scenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'variations-'))
  try {
    const path = join(dir, 'v.json')
    writeFileSync(path, JSON.stringify({ variations: { x: { legitimate: 'y', notPossible: { s: '(' } } } }))
    assert.throws(() => loadVariations(path), /variation "x", scenario "s": bad pattern/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('the proof report shows both halves', () => {
  const variations = judgeVariations(file, ['reworded-errors', 'no-kernel-log'], scenarios, [
    { variation: 'reworded-errors', scenarios: scenarios.map(passed), notAffected: [] },
    {
      variation: 'no-kernel-log',
      scenarios: [{ name: 'hard kill', status: 'FAILED', message: 'boom' }],
      notAffected: ['full host', 'idle'],
    },
  ])
  const input = {
    matrix: { defects: {}, guardsNothingModelled: {} },
    result: { scenarios, cells: [], problems: [] },
    runs: [],
    featureOf: new Map<string, string>(),
    wallSeconds: 10,
    mode: 'selected' as const,
    variations: {
      file,
      result: variations,
      runs: [
        {
          variation: 'reworded-errors',
          reportHref: 'proof/variation-reworded-errors/cucumber-report.html',
          seconds: 5,
          scenariosRun: 3,
        },
        { variation: 'no-kernel-log', seconds: 2, scenariosRun: 1 },
      ],
      wallSeconds: 7,
    },
  }
  const html = renderHtml(input)
  assert.match(html, /Second half: a correct runtime that behaves differently stays green/)
  assert.match(html, /1 scenario\(s\) did not stay green/)
  assert.match(html, /<td class="missed" title="boom">BROKE<\/td>/)
  assert.match(renderMarkdown(input), /\| hard kill \| · \| BROKE \|/)
  assert.equal((JSON.parse(renderJson(input)) as { variations: { ok: boolean } }).variations.ok, false)
})
