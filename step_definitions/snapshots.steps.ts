/**
 * features/snapshots.feature and features/snapshots-on-the-host.feature: snapshots restore their moment, never
 * leave the box unable to start, are refused on a running box, survive removals of others, restarts and a
 * killed runtime, and leave the host with their box. Assertions: see ./common/judge.ts.
 */
import { Given, Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { formatValue } from '../src/evidence/checks'
import { formatBytes } from '../src/evidence/units'
import { budget } from '../support/step-budget'
import { CALL, servingBudget } from '../support/timeouts'
import type { StartAndRead } from '../support/tasks/snapshots'
import type { DiskWorld } from '../support/world'
import { expectServing } from './common/judge'

/** A snapshot or restore call: a disk operation on the host, as long as a stop. */
const SNAP = CALL.stop
const RW = CALL.quickProbe
const START_READ = CALL.start + RW

function expectStartedReading(seen: StartAndRead, word: string, after: string): void {
  expect(seen.start.timedOut, `the box's start ${after} timed out`).to.equal(false)
  expect(seen.start.exitCode, `the box did not start ${after}:\n${seen.start.stderr}`).to.equal(0)
  expect(seen.word, `the box's file ${after} did not read "${word}":\n${seen.read?.stderr ?? ''}`).to.equal(word)
}

Given(
  'the box has written {string} to its file and is stopped',
  budget(RW + CALL.stop),
  async function (this: DiskWorld, word: string) {
    await this.tasks.snapshots.write('box', word)
    this.outcomes.record('word written', 'box', word)
    await this.tasks.snapshots.stop('box')
  },
)

Given('the box has written {string} to its file', budget(RW), async function (this: DiskWorld, word: string) {
  await this.tasks.snapshots.write('box', word)
  this.outcomes.record('word written', 'box', word)
})

async function takeSnapshot(world: DiskWorld, name: string): Promise<void> {
  const word = world.outcomes.find('word written', 'box') ?? ''
  world.outcomes.record('snapshot taken', 'box', await world.tasks.snapshots.take('box', name, word))
}

Given('a snapshot {string} of the box was taken', budget(SNAP), async function (this: DiskWorld, name: string) {
  await takeSnapshot(this, name)
})
When('a snapshot {string} of the box is taken', budget(SNAP), async function (this: DiskWorld, name: string) {
  await takeSnapshot(this, name)
})
Given('a snapshot {string} of the running box was taken', budget(SNAP), async function (this: DiskWorld, name: string) {
  await takeSnapshot(this, name)
})
When('a snapshot {string} of the running box is taken', budget(SNAP), async function (this: DiskWorld, name: string) {
  await takeSnapshot(this, name)
})

When(
  'the box is started, writes {string} to its file and is stopped',
  budget(CALL.start + RW + CALL.stop),
  async function (this: DiskWorld, word: string) {
    await this.tasks.snapshots.start('box')
    await this.tasks.snapshots.write('box', word)
    await this.tasks.snapshots.stop('box')
  },
)

When(
  'the box writes {string} to its file and is stopped',
  budget(RW + CALL.stop),
  async function (this: DiskWorld, word: string) {
    await this.tasks.snapshots.write('box', word)
    await this.tasks.snapshots.stop('box')
  },
)

When(
  'the box is restored to snapshot {string} and started',
  budget(SNAP + CALL.start),
  async function (this: DiskWorld, name: string) {
    await this.tasks.snapshots.restore('box', name)
    await this.tasks.snapshots.start('box')
  },
)

When(
  'the box is stopped, restored to snapshot {string} and started',
  budget(CALL.stop + SNAP + CALL.start),
  async function (this: DiskWorld, name: string) {
    await this.tasks.snapshots.stop('box')
    await this.tasks.snapshots.restore('box', name)
    await this.tasks.snapshots.start('box')
  },
)

Then("the box's file reads {string}", budget(RW), async function (this: DiskWorld, word: string) {
  const { word: seen, record } = await this.tasks.snapshots.read('box')
  expect(seen, `the box's file does not read "${word}":\n${record.stdout}${record.stderr}`).to.equal(word)
})

Then(
  'the box starts, serves commands within {duration} and its file reads {string}',
  budget((window: number) => START_READ + servingBudget(window)),
  async function (this: DiskWorld, window: number, word: string) {
    const seen = await this.tasks.snapshots.startAndRead('box')
    expectStartedReading(seen, word, 'after the snapshot step')
    await expectServing(this, 'box', window)
  },
)

When(
  'the box writes {string} to its file, is stopped and is restored to snapshot {string}',
  budget(RW + CALL.stop + SNAP),
  async function (this: DiskWorld, word: string, name: string) {
    await this.tasks.snapshots.write('box', word)
    await this.tasks.snapshots.stop('box')
    await this.tasks.snapshots.restore('box', name)
  },
)

When(
  'the running box is asked to restore snapshot {string}',
  budget(SNAP),
  async function (this: DiskWorld, name: string) {
    this.outcomes.record('restore of the running box', 'box', await this.tasks.snapshots.askRestore('box', name))
  },
)

Then('the restore is refused', function (this: DiskWorld) {
  const r = this.outcomes.get('restore of the running box', 'box')
  expect(r.timedOut, 'the restore of the running box hung until its timeout').to.equal(false)
  expect(r.exitCode, `the restore of the running box was accepted:\n${r.stdout}${r.stderr}`).to.not.equal(0)
  this.log(`✔ refused: ${r.stderr.trim().split('\n').at(-1) ?? ''}`)
})

async function stoppedWithSnapshots(world: DiskWorld, names: readonly string[]): Promise<void> {
  await world.tasks.snapshots.stop('box')
  for (const taken of await world.tasks.snapshots.chain('box', names))
    world.outcomes.record('snapshot taken', 'box', taken)
  world.outcomes.record('word written', 'box', names.at(-1) as string)
}

Given(
  'the box is stopped with three snapshots {string}, {string} and {string}, each holding its own word in its file',
  budget(CALL.stop + 3 * (CALL.start + RW + CALL.stop + SNAP)),
  async function (this: DiskWorld, a: string, b: string, c: string) {
    await stoppedWithSnapshots(this, [a, b, c])
  },
)

Given(
  'the box is stopped with two snapshots {string} and {string}, each holding its own word in its file',
  budget(CALL.stop + 2 * (CALL.start + RW + CALL.stop + SNAP)),
  async function (this: DiskWorld, a: string, b: string) {
    await stoppedWithSnapshots(this, [a, b])
  },
)

Given('the box is restored to snapshot {string}', budget(SNAP), async function (this: DiskWorld, name: string) {
  await this.tasks.snapshots.restore('box', name)
  const taken = this.outcomes.all('snapshot taken', 'box').find((t) => t.name === name)
  this.outcomes.record('word written', 'box', taken?.word ?? '')
})

When(
  'each snapshot is removed in turn, newest first, and the box and every snapshot left are started',
  budget(() => 3 * (2 * SNAP + RW + 4 * (SNAP + START_READ + CALL.stop))),
  async function (this: DiskWorld) {
    const taken = this.outcomes.all('snapshot taken', 'box')
    const current = this.outcomes.get('word written', 'box')
    this.outcomes.record('snapshot removals', 'box', await this.tasks.snapshots.removeInTurn('box', taken, current))
  },
)

Then(
  'each removal either took the snapshot off the list or was refused and left it listed',
  function (this: DiskWorld) {
    for (const step of this.outcomes.get('snapshot removals', 'box')) {
      const { name, record, listedAfter } = step
      expect(record.timedOut, `removing "${name}" hung until its timeout`).to.equal(false)
      if (record.exitCode === 0) expect(listedAfter, `"${name}" was removed but is still listed`).to.not.include(name)
      else expect(listedAfter, `removing "${name}" was refused but it is no longer listed`).to.include(name)
      this.log(
        `✔ "${name}": ${record.exitCode === 0 ? 'removed' : `refused (${record.stderr.trim().split('\n').at(-1)})`}`,
      )
    }
  },
)

Then('after each removal the box started with its file as it was', function (this: DiskWorld) {
  for (const step of this.outcomes.get('snapshot removals', 'box'))
    expectStartedReading(step.box, step.expected, `after removing "${step.name}"`)
})

Then(
  'after each removal every snapshot still listed restored and started with its own word',
  function (this: DiskWorld) {
    for (const step of this.outcomes.get('snapshot removals', 'box')) {
      for (const r of step.restores)
        expectStartedReading(r.seen, r.expected, `restored to "${r.name}" after removing "${step.name}"`)
      this.log(`✔ after removing "${step.name}": ${step.restores.map((r) => r.name).join(', ') || 'none'} restored`)
    }
  },
)

When('the box is started and stopped again', budget(CALL.start + CALL.stop), async function (this: DiskWorld) {
  await this.tasks.snapshots.start('box')
  await this.tasks.snapshots.stop('box')
})

Then(
  'the box lists the snapshots {string} and {string}',
  budget(RW),
  async function (this: DiskWorld, a: string, b: string) {
    const listed = (await this.tasks.snapshots.list('box')).map((s) => s.name)
    expect(listed, `the box's snapshots after the restart`).to.include.members([a, b])
  },
)

When(
  'the box is restored to each snapshot in turn and started',
  budget(() => 3 * (SNAP + START_READ + CALL.stop)),
  async function (this: DiskWorld) {
    const names = this.outcomes.all('snapshot taken', 'box').map((t) => t.name)
    this.outcomes.record('snapshot restores', 'box', await this.tasks.snapshots.restoreEach('box', names))
  },
)

Then('each snapshot brought back its own word', function (this: DiskWorld) {
  const seen = this.outcomes.get('snapshot restores', 'box')
  for (const taken of this.outcomes.all('snapshot taken', 'box')) {
    const r = seen.get(taken.name)
    expect(r, `"${taken.name}" was never restored`).to.not.equal(undefined)
    expectStartedReading(r as StartAndRead, taken.word, `restored to "${taken.name}"`)
  }
})

// features/snapshots-on-the-host.feature

Given(
  'the box has written {size} of new data before each of three snapshots',
  budget(CALL.probe + 3 * (CALL.bigWrite + SNAP)),
  async function (this: DiskWorld, bytes: number) {
    const mib = Math.round(bytes / (1024 * 1024))
    for (const t of await this.tasks.snapshots.fillSnapshots('box', ['d1', 'd2', 'd3'], mib))
      this.outcomes.record('snapshot taken', 'box', t)
  },
)

Then(
  'the home on the host has grown by at least {size} since before the box',
  function (this: DiskWorld, bytes: number) {
    const { before, peak } = this.tasks.snapshots.homeGrowth('with snapshots')
    this.outcomes.record('home with snapshots', 'box', peak)
    this.checks.verify('growth of the home with the snapshots', peak - before, '>=', bytes, 'bytes')
  },
)

Then(
  'the home is back to within {size} of what it held before the box within {duration}',
  budget((_: number, window: number) => window),
  async function (this: DiskWorld, within: number, window: number) {
    expect(this.outcomes.get('force-removal', 'box').record.exitCode, 'rm -f of the box failed').to.equal(0)
    const peak = this.outcomes.get('home with snapshots', 'box')
    const back = await this.tasks.snapshots.homeBack(within, window, peak)
    this.checks.verify(
      `the home above what it held before the box, ${window} s after rm -f at most`,
      back.after - back.before,
      '<=',
      within,
      'bytes',
      {
        name: 'home above before the box after rm -f',
        detail: `of ${formatBytes(peak - back.before)} the snapshots held, after ${formatValue(back.seconds, 'seconds')}`,
        needs: `at most ${formatBytes(within)} within ${window} s`,
        figures: [{ name: 'reclaim time', value: back.seconds, unit: 'seconds' }],
      },
    )
  },
)

When(
  'the runtime is killed half-way through a snapshot {string} of the box',
  budget(5 * SNAP),
  async function (this: DiskWorld, name: string) {
    const killed = await this.tasks.snapshots.createKilled('box', name)
    if (killed === undefined) {
      this.log(
        `Skipped: the ${this.tasks.snapshots.driverKind} driver cannot kill the runtime in the middle of a snapshot ` +
          '(only the cli driver runs the runtime as a process of its own)',
      )
      return 'skipped'
    }
    const { record } = killed
    if (killed.killedAfterMs === undefined && (record.exitCode !== 0 || record.timedOut))
      throw new Error(`the snapshot failed before the runtime could be killed half-way:\n${record.stderr}`)
    if (killed.killedAfterMs === undefined) {
      // Nothing was cut short, so there is nothing to recover: the guarantee could not be put to the test here.
      this.calls.examine(record)
      this.log(
        `Skipped: each of ${killed.attempts} snapshots finished before the runtime could be killed with its ` +
          "pending marker on the host (this runtime's snapshots are too quick to cut short from outside)",
      )
      return 'skipped'
    }
    this.outcomes.record('killed snapshot', 'box', killed)
    return undefined
  },
)

Then(
  'the snapshot cut short is not listed, or it restores and starts with the file reading {string}',
  budget(RW + CALL.stop + SNAP + START_READ),
  async function (this: DiskWorld, word: string) {
    const killed = this.outcomes.get('killed snapshot', 'box')
    this.log(`the runtime was killed ${killed.killedAfterMs} ms into snapshot "${killed.name}"`)
    const listed = (await this.tasks.snapshots.list('box')).map((s) => s.name)
    if (!listed.includes(killed.name)) {
      this.log(`✔ "${killed.name}" is not listed (${listed.length} snapshots listed)`)
      return
    }
    await this.tasks.snapshots.stop('box')
    await this.tasks.snapshots.restore('box', killed.name)
    expectStartedReading(await this.tasks.snapshots.startAndRead('box'), word, `restored to "${killed.name}"`)
  },
)
