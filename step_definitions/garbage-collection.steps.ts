/**
 * features/garbage-collection.feature: gc deletes only what no box uses, past its grace, and says so; a dry run
 * deletes nothing. Assertions: see ./common/judge.ts.
 */
import { Given, Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { basename } from 'node:path'
import { formatBytes } from '../src/evidence/units'
import { budget } from '../support/step-budget'
import type { GcRun } from '../support/tasks/garbage-collection'
import { named } from '../support/parts/boxes'
import { CALL, servingBudget } from '../support/timeouts'
import type { DiskWorld } from '../support/world'
import { expectServing } from './common/judge'

/** The latest gc run, its call examined: it must have ended well and said what it reclaimed. */
function latestRun(world: DiskWorld): GcRun & { report: NonNullable<GcRun['report']> } {
  const run = world.outcomes.get('gc run', 'home')
  const said = `${run.record.stdout}${run.record.stderr}`.trim() || '(nothing)'
  expect(run.record.exitCode, `${run.record.command} failed (exit ${run.record.exitCode}):\n${said}`).to.equal(0)
  expect(run.report, `${run.record.command} did not say what it reclaimed; it said:\n${said}`).to.not.equal(undefined)
  world.log(`gc said: ${run.report!.line}`)
  return run as GcRun & { report: NonNullable<GcRun['report']> }
}

/** The files of `before` that are not in `after`, by name. */
const missing = (before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>) =>
  [...before.keys()].filter((path) => !after.has(path))

Given(
  'the only box of an image was force-removed and the home then left alone for a day',
  budget(CALL.createBox + CALL.forceRemove),
  async function (this: DiskWorld) {
    const left = await this.tasks.garbageCollection.leaveUnusedBaseDisk('box')
    this.outcomes.record('unused base disks', 'home', left)
  },
)

Given(
  'a running box and a stopped box, each holding a file of its own',
  budget(2 * (CALL.createBox + 2 * CALL.quickProbe + CALL.fingerprint) + CALL.stop),
  async function (this: DiskWorld) {
    this.outcomes.record('keepsake', 'box', await this.tasks.garbageCollection.boxWithKeepsake('box', false))
    this.outcomes.record('keepsake', 'stopped', await this.tasks.garbageCollection.boxWithKeepsake('stopped', true))
  },
)

Given(
  'a stopped box holding a file of its own, with a snapshot taken after the file was written',
  budget(2 * CALL.createBox + 2 * CALL.quickProbe + CALL.fingerprint + CALL.stop),
  async function (this: DiskWorld) {
    this.outcomes.record('keepsake', 'stopped', await this.tasks.garbageCollection.boxWithKeepsake('stopped', true))
    await this.tasks.garbageCollection.snapshot('stopped', 'before-gc')
  },
)

Given(
  'the home was left alone for a day, then a fresh unused base disk and two foreign files appeared',
  function (this: DiskWorld) {
    this.outcomes.record('strays', 'home', this.tasks.garbageCollection.ageHomeAndPlantStrays())
  },
)

Given(
  'a stopped box holding a file of its own, and a clone of it',
  budget(2 * CALL.createBox + 2 * CALL.quickProbe + CALL.fingerprint + CALL.stop),
  async function (this: DiskWorld) {
    const keepsake = await this.tasks.garbageCollection.boxWithKeepsake('stopped', true)
    this.outcomes.record('keepsake', 'stopped', keepsake)
    await this.tasks.garbageCollection.cloneOf('stopped', 'clone')
    this.outcomes.record('keepsake', 'clone', keepsake)
  },
)

Given('the home was left alone for a day', function (this: DiskWorld) {
  this.tasks.garbageCollection.ageHome()
})

When('gc runs as a dry run', budget(CALL.gc), async function (this: DiskWorld) {
  this.outcomes.record('gc run', 'home', await this.tasks.garbageCollection.run(true))
})

When(/^gc runs(?: again)?$/, budget(CALL.gc), async function (this: DiskWorld) {
  this.outcomes.record('gc run', 'home', await this.tasks.garbageCollection.run(false))
})

When('the stopped box is started', budget(CALL.start), async function (this: DiskWorld) {
  this.outcomes.record('start after gc', 'stopped', await this.tasks.garbageCollection.start('stopped'))
})

When('the stopped box and its clone are started', budget(2 * CALL.start), async function (this: DiskWorld) {
  for (const role of ['stopped', 'clone'])
    this.outcomes.record('start after gc', role, await this.tasks.garbageCollection.start(role))
})

Then(
  'gc says it would reclaim at least {int} base disk of an image and more than {int} bytes',
  function (this: DiskWorld, disks: number, bytes: number) {
    const { report } = latestRun(this)
    expect(report.dryRun, `a dry run said it reclaimed, not that it would: ${report.line}`).to.equal(true)
    expect(report.imageDisks, `the dry run did not count the base disks of images: ${report.line}`).to.be.a('number')
    this.checks.verify('base disks the dry run would reclaim', report.imageDisks!, '>=', disks, 'count')
    this.checks.verify('bytes the dry run would reclaim', report.bytes, '>', bytes, 'bytes')
  },
)

Then('every file that was in the image store is still there', function (this: DiskWorld) {
  const { before, after, record } = this.outcomes.get('gc run', 'home')
  this.calls.examine(record)
  // Only deletions count: a runtime may keep its own records in the image store and update them on any call.
  const gone = missing(before, after)
  this.log(`${before.size} files in the image store before the dry run, ${after.size} after`)
  expect(
    gone.map((path) => `${path} (${formatBytes(before.get(path) ?? 0)})`),
    'the dry run deleted files in the image store',
  ).to.deep.equal([])
})

Then('the base disks the removed box left are gone, and gc counted each of them', function (this: DiskWorld) {
  const left = this.outcomes.get('unused base disks', 'home')
  const { report, after } = latestRun(this)
  expect(report.dryRun, `gc said it only would reclaim: ${report.line}`).to.equal(false)
  expect(
    left.size,
    "the runtime kept no base disk of the removed box's image, so gc had nothing to delete",
  ).to.be.above(0)
  const kept = [...left.keys()].filter((path) => after.has(path)).map((path) => basename(path))
  expect(kept, 'base disks no box uses are still in the home after gc').to.deep.equal([])
  this.log(`✔ gc deleted ${left.size} base disk(s): ${formatBytes([...left.values()].reduce((a, b) => a + b, 0))}`)
  expect(report.imageDisks, `gc did not count the base disks of images: ${report.line}`).to.be.a('number')
  this.checks.verify('base disks gc counted', report.imageDisks!, '>=', left.size, 'count')
  this.checks.verify('bytes gc reclaimed', report.bytes, '>', 0, 'bytes')
})

Then('gc says it reclaimed {int} bytes and nothing of any kind', function (this: DiskWorld, bytes: number) {
  const { report } = latestRun(this)
  this.checks.verify('bytes the second gc reclaimed', report.bytes, '==', bytes, 'bytes')
  for (const [what, count] of [
    ['box directories', report.boxDirs],
    ['bases', report.bases],
    ['base disks of images', report.imageDisks],
  ] as const) {
    if (count !== undefined) this.checks.verify(`${what} the second gc reclaimed`, count, '==', 0, 'count')
  }
})

Then(
  'gc deleted none of the files the boxes are built on, the fresh base disk or the foreign files',
  function (this: DiskWorld) {
    const { before, after, inUse, record } = this.outcomes.get('gc run', 'home')
    this.calls.examine(record)
    const strays = this.outcomes.find('strays', 'home')
    const gone = missing(before, after)
    const said = record.stdout.trim()
    const foreign = gone.filter((path) => strays?.foreign.includes(path))
    expect(foreign, `gc deleted foreign files, which are not disks of the runtime (it said: ${said})`).to.deep.equal([])
    const fresh = gone.filter((path) => path === strays?.freshBaseDisk)
    expect(fresh, `gc deleted a base disk made moments ago, inside its grace (it said: ${said})`).to.deep.equal([])
    const used = gone.filter((path) => inUse.has(path))
    expect(used, `gc deleted files the boxes' disks are built on (it said: ${said})`).to.deep.equal([])
    // Anything else it deleted no box was built on, and it was a day old: the runtime's own business.
    const other = gone.filter((path) => !foreign.includes(path) && !fresh.includes(path) && !used.includes(path))
    this.log(
      `✔ gc kept the ${inUse.size} file(s) the boxes are built on and the planted files` +
        (other.length ? `; it deleted ${other.length} file(s) no box uses: ${other.join(', ')}` : ''),
    )
  },
)

Then(
  'both boxes serve commands within {int} seconds and still hold their files, byte for byte',
  budget((window: number) => 2 * (servingBudget(window) + CALL.fingerprint)),
  async function (this: DiskWorld, window: number) {
    await expectStartedAndHolding(this, window, ['box', 'stopped'])
  },
)

Then(
  'the stopped box and its clone serve commands within {int} seconds and still hold the file, byte for byte',
  budget((window: number) => 2 * (servingBudget(window) + CALL.fingerprint)),
  async function (this: DiskWorld, window: number) {
    await expectStartedAndHolding(this, window, ['stopped', 'clone'])
  },
)

Then(
  'the stopped box serves commands within {int} seconds and still holds its file, byte for byte',
  budget((window: number) => servingBudget(window) + CALL.fingerprint),
  async function (this: DiskWorld, window: number) {
    await expectStartedAndHolding(this, window, ['stopped'])
  },
)

Then(/^gc deleted none of the files the box(?:es)? (?:is|are) built on$/, function (this: DiskWorld) {
  const { before, after, inUse, record } = this.outcomes.get('gc run', 'home')
  this.calls.examine(record)
  const used = missing(before, after).filter((path) => inUse.has(path))
  expect(used, `gc deleted files the boxes' disks are built on (it said: ${record.stdout.trim()})`).to.deep.equal([])
  this.log(`✔ gc kept the ${inUse.size} file(s) the boxes are built on`)
})

async function expectStartedAndHolding(world: DiskWorld, window: number, roles: readonly string[]): Promise<void> {
  for (const role of roles) {
    const start = world.outcomes.find('start after gc', role)
    if (start)
      expect(start.exitCode, `${named(role)} did not start after gc:\n${start.stdout}${start.stderr}`).to.equal(0)
    await expectServing(world, role, window)
    const before = world.outcomes.get('keepsake', role)
    const now = await world.tasks.garbageCollection.keepsakeNow(role)
    for (const [path, was] of before) {
      expect(was, `${path} was not written`).to.not.equal('missing')
      expect(now.get(path), `${path} in ${named(role)} is not what it held before gc`).to.deep.equal(was)
    }
  }
}
