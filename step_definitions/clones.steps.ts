/**
 * features/clones.feature: a box and its clones, their files before and after the clone, removals with and without
 * force, and the home they give back (@host-access). Assertions: see ./common/judge.ts.
 */
import { Given, Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import type { CommandRecord } from '../src/drivers/types'
import { formatValue } from '../src/evidence/checks'
import { formatBytes } from '../src/evidence/units'
import type { Fingerprints } from '../src/guest/measure'
import { named } from '../support/parts/boxes'
import { budget } from '../support/step-budget'
import {
  BOX_FILE_AFTER,
  CLONE_FILE_AFTER,
  FIRST_FILE,
  SMALL_FILE_BYTES,
  type CloneMade,
  type LookInside,
} from '../support/tasks/clones'
import { CALL, WAIT } from '../support/timeouts'
import type { DiskWorld } from '../support/world'
import { expectSays } from './common/judge'

const WRITE = CALL.probe + CALL.quickProbe + CALL.fingerprint
const LOOK = CALL.quickProbe + CALL.start + CALL.fingerprint

/** Clones the box as `role`; the scenario cannot go on without the clone's id. */
async function cloneAs(world: DiskWorld, role: string): Promise<CloneMade> {
  const made = world.outcomes.record('clone', role, await world.tasks.clones.clone('box', role))
  if (made.id === undefined)
    throw new Error(
      `cloning the box gave no id for ${named(role)} (exit ${made.record.exitCode}):\n` +
        `${made.record.stdout}${made.record.stderr}`,
    )
  world.calls.examine(made.record) // an id came back: the clone was made (a Then step may still judge the call)
  return made
}

Given(
  'a running box with a small file on its rootfs',
  budget(CALL.createBox + WRITE),
  async function (this: DiskWorld) {
    await this.boxes.start('box')
    this.outcomes.record('first file', 'box', await this.tasks.clones.writeFile('box', FIRST_FILE, SMALL_FILE_BYTES))
  },
)

Given(
  'a running box with a {size} file on its rootfs',
  budget(CALL.createBox + CALL.probe + CALL.bigWrite),
  async function (this: DiskWorld, bytes: number) {
    await this.boxes.start('box')
    await this.tasks.clones.writeBigFile('box', '/big-before-the-clone', Math.round(bytes / 2 ** 20))
  },
)

When(
  'the box is stopped and cloned',
  budget(CALL.stop + CALL.createBox + CALL.quickProbe),
  async function (this: DiskWorld) {
    await this.tasks.clones.stop('box')
    await cloneAs(this, 'clone')
  },
)

When(
  'the box is stopped, snapshotted and cloned',
  budget(CALL.stop + 2 * CALL.createBox + CALL.quickProbe),
  async function (this: DiskWorld) {
    await this.tasks.clones.stop('box')
    await this.tasks.clones.snapshot('box', 'before-the-clone')
    await cloneAs(this, 'clone')
  },
)

When('the running box is cloned', budget(CALL.createBox + CALL.quickProbe), async function (this: DiskWorld) {
  await cloneAs(this, 'clone')
})

When(
  'the box is stopped and cloned twice',
  budget(CALL.stop + 2 * (CALL.createBox + CALL.quickProbe)),
  async function (this: DiskWorld) {
    await this.tasks.clones.stop('box')
    for (const role of ['first clone', 'second clone']) await cloneAs(this, role)
  },
)

Then('the clone is a new box, stopped, under an id of its own', function (this: DiskWorld) {
  const made = this.outcomes.get('clone', 'clone')
  expect(made.record.exitCode, `the clone call failed:\n${made.record.stderr}`).to.equal(0)
  expect(made.id, 'the clone has the id of the box it was made from').to.not.equal(made.sourceId)
  expect(made.status, `the clone ${made.id} is not stopped right after it was made`).to.equal('stopped')
  this.log(`✔ the clone ${made.id} of ${made.sourceId} is stopped`)
})

When(
  'the box writes a second file and stops, and then the clone writes a file of its own',
  budget(2 * (CALL.start + WRITE) + CALL.stop),
  async function (this: DiskWorld) {
    const { clones } = this.tasks
    await clones.start('box', 'must-succeed')
    this.outcomes.record('second file', 'box', await clones.writeFile('box', BOX_FILE_AFTER, SMALL_FILE_BYTES))
    await clones.stop('box')
    await clones.start('clone', 'must-succeed')
    this.outcomes.record('clone file', 'clone', await clones.writeFile('clone', CLONE_FILE_AFTER, SMALL_FILE_BYTES))
  },
)

When('the box writes a second file and stops', budget(WRITE + CALL.stop), async function (this: DiskWorld) {
  this.outcomes.record('second file', 'box', await this.tasks.clones.writeFile('box', BOX_FILE_AFTER, SMALL_FILE_BYTES))
  await this.tasks.clones.stop('box')
})

/** The box started (or already running) and its files read: fails when the start failed or a file differs. */
function expectFiles(
  world: DiskWorld,
  role: string,
  look: LookInside,
  want: ReadonlyArray<readonly [string, Fingerprints | 'missing']>,
): void {
  if (look.start) world.calls.examine(look.start)
  expect(
    look.start?.timedOut !== true && (look.start?.exitCode ?? 0) === 0,
    `${named(role)} did not start:\n${look.start?.stderr ?? ''}`,
  ).to.equal(true)
  for (const [path, was] of want) {
    const now = look.files?.get(path)
    if (was === 'missing') {
      expect(now, `${named(role)} sees ${path}, which another box wrote after the clone`).to.equal('missing')
    } else {
      expect(now, `${path} in ${named(role)} is not the file the box wrote before`).to.deep.equal(was.get(path))
    }
  }
  const seen = want.map(([p, w]) => `${p} ${w === 'missing' ? 'absent' : 'unchanged'}`)
  world.log(`✔ ${named(role)}: ${seen.join(', ')}`)
}

Then(
  "the clone has the box's first file, byte for byte, but not its second file",
  budget(LOOK),
  async function (this: DiskWorld) {
    const look = await this.tasks.clones.lookInside('clone', [FIRST_FILE, BOX_FILE_AFTER])
    expectFiles(this, 'clone', look, [
      [FIRST_FILE, this.outcomes.get('first file', 'box')],
      [BOX_FILE_AFTER, 'missing'],
    ])
  },
)

Then(
  "the box, started beside the clone, has both of its files but not the clone's file",
  budget(LOOK),
  async function (this: DiskWorld) {
    const look = await this.tasks.clones.lookInside('box', [FIRST_FILE, BOX_FILE_AFTER, CLONE_FILE_AFTER])
    expectFiles(this, 'box', look, [
      [FIRST_FILE, this.outcomes.get('first file', 'box')],
      [BOX_FILE_AFTER, this.outcomes.get('second file', 'box')],
      [CLONE_FILE_AFTER, 'missing'],
    ])
  },
)

Then('the box, started again, has both of its files', budget(LOOK), async function (this: DiskWorld) {
  const look = await this.tasks.clones.lookInside('box', [FIRST_FILE, BOX_FILE_AFTER])
  expectFiles(this, 'box', look, [
    [FIRST_FILE, this.outcomes.get('first file', 'box')],
    [BOX_FILE_AFTER, this.outcomes.get('second file', 'box')],
  ])
})

When('the box is removed without force', budget(CALL.forceRemove + CALL.quickProbe), async function (this: DiskWorld) {
  this.outcomes.record('removal without force', 'box', await this.tasks.clones.removeUnforced('box', ['clone']))
})

Then(
  'the removal is refused with an error that names the clone, and the box is still there',
  function (this: DiskWorld) {
    const { record, status, clones } = this.outcomes.get('removal without force', 'box')
    const said = `${record.stdout}\n${record.stderr}`
    expect(record.timedOut, 'the removal without force hung until its time limit').to.equal(false)
    expect(record.exitCode, 'the box was removed without force although a clone depends on it').to.not.equal(0)
    expect(status, `the box is gone after its removal was refused (status ${status})`).to.not.equal('unknown')
    expectSays('has-dependents', record.stderr, 'the refusal does not say that other boxes depend on the box')
    for (const clone of clones)
      expect(
        said.includes(clone.id) || said.includes(clone.name),
        `the refusal names neither the clone's id ${clone.id} nor its name ${clone.name}:\n${said.trim()}`,
      ).to.equal(true)
    this.log(`✔ refused (exit ${record.exitCode}), the box is ${status}`)
  },
)

When('the box is removed with force', budget(CALL.forceRemove), async function (this: DiskWorld) {
  this.outcomes.record('removal with force', 'box', await this.tasks.clones.forceRemove('box'))
})

When('the first clone is removed with force', budget(CALL.forceRemove), async function (this: DiskWorld) {
  this.outcomes.record('removal with force', 'first clone', await this.tasks.clones.forceRemove('first clone'))
})

function expectRemoved(world: DiskWorld, role: string): void {
  const record: CommandRecord = world.outcomes.get('removal with force', role)
  expect(record.exitCode, `force-removing ${named(role)} failed:\n${record.stderr}`).to.equal(0)
}

Then("the clone starts and has the box's first file, byte for byte", budget(LOOK), async function (this: DiskWorld) {
  expectRemoved(this, 'box')
  const look = await this.tasks.clones.lookInside('clone', [FIRST_FILE])
  expectFiles(this, 'clone', look, [[FIRST_FILE, this.outcomes.get('first file', 'box')]])
})

Then(
  "the box and the second clone each start and have the box's first file, byte for byte",
  budget(2 * LOOK),
  async function (this: DiskWorld) {
    expectRemoved(this, 'first clone')
    const first = this.outcomes.get('first file', 'box')
    for (const role of ['box', 'second clone'])
      expectFiles(this, role, await this.tasks.clones.lookInside(role, [FIRST_FILE]), [[FIRST_FILE, first]])
  },
)

Given(
  'the home was measured with the image cached and no box in it',
  budget(CALL.createBox + CALL.forceRemove + WAIT.leftovers),
  async function (this: DiskWorld) {
    this.outcomes.record('home baseline', 'home', await this.tasks.clones.homeWithImageCached('primer'))
  },
)

When(
  'the box and then the clone are removed with force',
  budget(2 * CALL.forceRemove),
  async function (this: DiskWorld) {
    for (const role of ['box', 'clone'])
      this.outcomes.record('removal with force', role, await this.tasks.clones.forceRemove(role))
  },
)

Then(
  'the home is back to within {size} of that size within {duration}',
  budget((_: number, window: number) => window),
  async function (this: DiskWorld, within: number, window: number) {
    for (const role of ['box', 'clone']) expectRemoved(this, role)
    const baseline = this.outcomes.get('home baseline', 'home').bytes
    const { bytes, seconds } = await this.tasks.clones.homeBytesWithin(baseline + within, window)
    this.checks.verify(
      `the home above its size with the image cached and no box, ${seconds.toFixed(1)} s after the removals`,
      bytes - baseline,
      '<=',
      within,
      'bytes',
      {
        name: 'home above its size before the box and its clone',
        detail: `${formatBytes(bytes)} against ${formatBytes(baseline)}, ${formatValue(seconds, 'seconds')} after`,
        needs: `at most ${formatBytes(within)} within ${window} s`,
      },
    )
  },
)
