/**
 * The proof's test selection: which scenarios each defect's run includes, and how a scenario left
 * out is judged. Pure logic; the real sites are recorded by refbox (test/refbox/sites.test.ts) and
 * the whole proof is compared with the exhaustive one by scripts/prove-modes.ts (expensive).
 */
import { strict as assert } from 'node:assert'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { type Cell, compareWithMatrix } from '../../src/proof/compare'
import type { CatchMatrix } from '../../src/proof/matrix'
import { compareProofModes } from '../../src/proof/modes'
import { coverageByScenario, selectScenarios, stepsEndedAt } from '../../src/proof/selection'
import { KNOWN_DEFECTS } from '../../src/refbox/defects'
import { DEFECT_SITES, DERIVED_SITES, SITES } from '../../src/refbox/sites'

const homes = [
  { scenario: 'fills', home: '/h/fills' },
  { scenario: 'removes', home: '/h/removes' },
  { scenario: 'idle', home: '/h/idle' },
]
const at = (home: string, site: string, t: number) => ({ home, site, at: t })
const records = [
  at('/h/fills', 'box-start', 1),
  at('/h/fills', 'box-up', 1),
  at('/h/fills', 'rootfs-full', 5),
  at('/h/fills', 'remove-box', 20), // cleanup
  at('/h/fills', 'discard-at-unmount', 20), // cleanup
  at('/h/removes', 'box-start', 1),
  at('/h/removes', 'box-up', 1),
  at('/h/removes', 'remove-box', 4), // a step
  at('/h/idle', 'box-start', 1),
  at('/h/idle', 'box-up', 1),
  at('/h/idle', 'remove-box', 20),
  at('/h/other-run', 'rootfs-full', 3), // a home of no scenario of this run
]
const ended = new Map([
  ['fills', 10],
  ['removes', 10],
  ['idle', 10],
])
const coverage = coverageByScenario(homes, records, ended)
const names = homes.map((h) => h.scenario)

test('sites are split into during and after the steps, by home; other homes are ignored', () => {
  assert.deepEqual([...coverage.get('fills')!.during], ['box-start', 'box-up', 'rootfs-full'])
  assert.deepEqual([...coverage.get('fills')!.after], ['remove-box', 'discard-at-unmount'])
  assert.deepEqual([...coverage.get('removes')!.during], ['box-start', 'box-up', 'remove-box'])
})

test('a defect runs only the scenarios that reached one of its sites; the rest are not affected', () => {
  assert.deepEqual(selectScenarios('readonly-when-full', ['rootfs-full'], names, coverage), {
    run: ['fills'],
    notAffected: ['removes', 'idle'],
  })
  assert.deepEqual(selectScenarios('no-tmpfs', ['box-start'], names, coverage), { run: names, notAffected: [] })
})

test(
  'a defect that changes only host files runs only where ' + 'the scenario may read them, whatever else it reached',
  () => {
    assert.deepEqual(selectScenarios('base-per-box', ['box-start'], names, coverage, new Set(['removes'])), {
      run: ['removes'],
      notAffected: ['fills', 'idle'],
    })
    // a scenario that may read host files still needs to reach a site
    assert.deepEqual(selectScenarios('leaky-rm', ['remove-box'], names, coverage, new Set(['fills', 'removes'])), {
      run: ['removes'],
      notAffected: ['fills', 'idle'],
    })
  },
)

test(
  'leaky-rm and a discard at the final unmount count only ' + 'during the steps; other sites count in cleanup too',
  () => {
    assert.deepEqual(selectScenarios('leaky-rm', ['remove-box'], names, coverage).run, ['removes'])
    assert.deepEqual(
      selectScenarios('no-discard', ['discard-while-running', 'discard-at-unmount'], names, coverage).run,
      [],
    )
    // A defect not known to be blind after the steps: the cleanup's rm counts.
    assert.deepEqual(selectScenarios('rm-leaves-a-daemon', ['remove-box'], names, coverage).run, names)
  },
)

test(
  'a create asked for more often than its image was ready ' + 'reaches create-unfinished, counted during the steps',
  () => {
    const creates = [
      { scenario: 'bad-image', home: '/h/bad' },
      { scenario: 'good-image', home: '/h/good' },
    ]
    const log = [
      at('/h/bad', 'create-requested', 1),
      at('/h/bad', 'create-requested', 2),
      at('/h/bad', 'create-image-ready', 2),
      at('/h/good', 'create-requested', 1),
      at('/h/good', 'create-image-ready', 1),
    ]
    const c = coverageByScenario(
      creates,
      log,
      new Map([
        ['bad-image', 0],
        ['good-image', 0],
      ]),
    )
    assert.ok(c.get('bad-image')!.during.has('create-unfinished'))
    assert.ok(!c.get('good-image')!.during.has('create-unfinished'))
    assert.deepEqual(
      selectScenarios('failed-create-leaves-dir', ['create-unfinished'], ['bad-image', 'good-image'], c).run,
      ['bad-image'],
    )
  },
)

test('a boot begun more often than a box came up reaches start-unfinished, counted during the steps', () => {
  const starts = [
    { scenario: 'killed-starts', home: '/h/killed' },
    { scenario: 'whole-starts', home: '/h/whole' },
  ]
  const log = [
    at('/h/killed', 'box-start', 1),
    at('/h/killed', 'box-up', 1),
    at('/h/killed', 'box-start', 2), // a second run, killed while its box booted
    at('/h/whole', 'box-start', 1),
    at('/h/whole', 'box-up', 1),
  ]
  const c = coverageByScenario(
    starts,
    log,
    new Map([
      ['killed-starts', 0],
      ['whole-starts', 0],
    ]),
  )
  assert.ok(c.get('killed-starts')!.during.has('start-unfinished'))
  assert.ok(!c.get('whole-starts')!.during.has('start-unfinished'))
  assert.deepEqual(
    selectScenarios('shim-recorded-when-up', ['start-unfinished'], ['killed-starts', 'whole-starts'], c).run,
    ['killed-starts'],
  )
})

test('a scenario without coverage, or whose steps never ended, is always run', () => {
  const partial = coverageByScenario(homes.slice(1), records, new Map([['removes', 10]]))
  assert.deepEqual(selectScenarios('leaky-rm', ['remove-box'], names, partial).run, ['fills', 'removes', 'idle'])
})

test("a scenario's steps end at its last step, not at its hooks, and a retry starts over", () => {
  const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 })
  const lines = [
    { pickle: { id: 'p', name: 'fills', steps: [{ id: 'ps' }] } },
    {
      testCase: {
        id: 'c',
        pickleId: 'p',
        testSteps: [{ id: 'hook' }, { id: 'step', pickleStepId: 'ps' }, { id: 'after' }],
      },
    },
    { testCaseStarted: { id: 's1', testCaseId: 'c' } },
    { testStepFinished: { testCaseStartedId: 's1', testStepId: 'step', timestamp: ts(9000) } },
    { testCaseStarted: { id: 's2', testCaseId: 'c' } },
    { testStepFinished: { testCaseStartedId: 's2', testStepId: 'hook', timestamp: ts(10_000) } },
    { testStepFinished: { testCaseStartedId: 's2', testStepId: 'step', timestamp: ts(12_500) } },
    { testStepFinished: { testCaseStartedId: 's2', testStepId: 'after', timestamp: ts(15_000) } },
  ]
  assert.deepEqual(stepsEndedAt(lines.map((l) => JSON.stringify(l)).join('\n')), new Map([['fills', 12_500]]))
})

test('a scenario left out passes, unless the matrix expects it to catch the defect', () => {
  const matrix: CatchMatrix = {
    defects: { 'leaky-rm': { regression: 'x', caughtBy: { removes: '' } } },
    guardsNothingModelled: { fills: 'y', idle: 'z' },
  }
  const ok = compareWithMatrix(matrix, ['leaky-rm'], names, [
    {
      defect: 'leaky-rm',
      outcomes: [{ name: 'removes', uri: 'f', status: 'FAILED', message: 'm' }],
      notAffected: ['fills', 'idle'],
    },
  ])
  assert.deepEqual(ok.problems, [])
  assert.deepEqual(
    ok.cells.map((c) => c.verdict),
    ['not-affected', 'caught', 'not-affected'],
  )
  const wrong = compareWithMatrix(matrix, ['leaky-rm'], names, [
    { defect: 'leaky-rm', outcomes: [], notAffected: names },
  ])
  assert.equal(wrong.problems.length, 1)
  assert.match(wrong.problems[0], /"removes" was not affected .* but the matrix expects it to catch/)
})

test('every defect has sites, and refbox records every site somewhere', () => {
  assert.deepEqual(Object.keys(DEFECT_SITES).sort(), [...KNOWN_DEFECTS].sort())
  const dir = join(__dirname, '..', '..', 'src', 'refbox')
  const code = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n')
  for (const site of Object.keys(SITES).filter((s) => !(DERIVED_SITES as readonly string[]).includes(s))) {
    assert.match(code, new RegExp(`reachSite\\([^)]*'${site}'`), `no reachSite(..., '${site}') in src/refbox`)
  }
  for (const { sites } of Object.values(DEFECT_SITES)) for (const s of sites) assert.ok(s in SITES)
})

test('the two proof modes agree when "not affected" stands where the exhaustive run passed', () => {
  const cell = (defect: string | null, scenario: string, verdict: Cell['verdict']): Cell => ({
    defect,
    scenario,
    verdict,
    status: '',
  })
  const exhaustive = {
    ok: true,
    cells: [cell(null, 'a', 'passed'), cell('d', 'a', 'passed'), cell('d', 'b', 'caught')],
  }
  assert.deepEqual(
    compareProofModes(exhaustive, {
      ok: true,
      cells: [cell(null, 'a', 'passed'), cell('d', 'a', 'not-affected'), cell('d', 'b', 'caught')],
    }),
    [],
  )
  assert.deepEqual(
    compareProofModes(exhaustive, {
      ok: false,
      cells: [cell(null, 'a', 'passed'), cell('d', 'a', 'not-affected'), cell('d', 'b', 'missed')],
    }),
    ['the exhaustive proof passed, the selected one failed', 'd x "b": exhaustive caught, selected missed'],
  )
})

test('a scenario the catch matrix says catches the defect runs even where its healthy run missed a site', () => {
  // 'idle' reached no site of this defect; the matrix's claim about it is still checked by running it.
  assert.deepEqual(selectScenarios('leaky-rm', ['remove-box'], names, coverage, undefined, new Set(['idle'])), {
    run: ['removes', 'idle'],
    notAffected: ['fills'],
  })
})
