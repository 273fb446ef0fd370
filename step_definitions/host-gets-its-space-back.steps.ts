/**
 * features/host-gets-its-space-back.feature: growth, give-back, copies, leftovers on the host
 * (@host-access). Assertions: see ./common/judge.ts.
 */
import { Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { formatValue } from '../src/evidence/checks'
import { formatBytes } from '../src/evidence/units'
import { budget } from '../support/step-budget'
import { CALL, WAIT } from '../support/timeouts'
import type { DiskWorld } from '../support/world'
import { expectFillEndedWithEnospc } from './common/judge'

const FILL = CALL.probe + CALL.fill

Then(
  'at least {percent} of that growth is given back within {duration}',
  budget((_: number, window: number) => window),
  async function (this: DiskWorld, fraction: number, window: number) {
    expect(this.outcomes.get('force-removal', 'box').record.exitCode, 'rm -f of the box failed').to.equal(0)
    const { released, growth, seconds } = await this.tasks.reclaim.released(fraction, window)
    this.checks.verify(
      `share of the fill's growth given back within ${window} s`,
      released / growth,
      '>=',
      fraction,
      'ratio',
      {
        name: 'share of the growth given back',
        detail: `of ${formatBytes(growth)}, in ${formatValue(seconds, 'seconds')}`,
        needs: `at least ${Math.round(fraction * 100)} % within ${window} s`,
        figures: [{ name: 'reclaim time', value: seconds, unit: 'seconds' }],
      },
    )
  },
)

Then(
  'nothing of the box is left running or mounted on the host',
  budget(WAIT.leftovers),
  async function (this: DiskWorld) {
    const left = await this.tasks.reclaim.leftovers(this.outcomes.get('force-removal', 'box'))
    expect(
      left.map((l) => `${l.kind}: ${l.detail}`),
      'the removed box left things behind on the host',
    ).to.deep.equal([])
  },
)

Then(
  "no file or directory under the home still carries the box's id or name within {duration}",
  budget((window: number) => window),
  async function (this: DiskWorld, window: number) {
    // A runtime may finish a removal in the background (a deletion queue emptied seconds later).
    const removal = this.outcomes.get('force-removal', 'box')
    const left = await this.tasks.reclaim.pathsNamingRemovedBox(removal, window)
    expect(left, `the removed box left files in the home ${window} s after the space came back`).to.deep.equal([])
  },
)

When(
  "the host copies a file twice the size of the box's free space into the box",
  budget(2 * CALL.probe + CALL.quickProbe + 60 + CALL.copy),
  async function (this: DiskWorld) {
    this.outcomes.record('copy', 'box', await this.tasks.copying.copyInTwiceTheFreeSpace('box'))
  },
)

Then('the copy fails with a non-zero exit', function (this: DiskWorld) {
  const { record } = this.outcomes.get('copy', 'box')
  expect(record.timedOut, 'the copy did not fail: it hung until its timeout').to.equal(false)
  expect(record.exitCode, 'the copy of a file larger than the free space reported success').to.not.equal(0)
})

Then(
  "the box's home on the host grew by at most twice the box's free space plus {size}",
  function (this: DiskWorld, slack: number) {
    const copy = this.outcomes.get('copy', 'box')
    const limit = 2 * copy.freeBytes + slack
    this.host.chart(
      'box',
      [{ label: 'before + 2 x free + slack', bytes: copy.homeBefore + limit }],
      (s) => s.label.startsWith('home'),
      'The home directory on the host during the copy',
    )
    this.checks.verify(
      'peak growth of the home on the host during the copy',
      copy.homePeak - copy.homeBefore,
      '<=',
      limit,
      'bytes',
      {
        name: 'peak growth of the home during the copy',
        detail: `the box had ${formatBytes(copy.freeBytes)} free`,
        needs: `at most twice the free space plus ${formatBytes(slack)} (${formatBytes(limit)})`,
      },
    )
  },
)

Then(
  "the box's disk on the host falls back to within {size} of its start within {duration}",
  budget((_: number, window: number) => window),
  async function (this: DiskWorld, within: number, window: number) {
    const deletion = this.outcomes.find('delete', 'box') // the small files are deleted by a call that must succeed
    if (deletion) expect(deletion.exitCode, `the delete in the box failed:\n${deletion.stderr}`).to.equal(0)
    const { above, seconds } = await this.tasks.reclaim.fallBack('box', within, window, 'after delete')
    this.checks.verify(
      `the box's disk above its start, ${seconds.toFixed(1)} s after the delete`,
      above,
      '<=',
      within,
      'bytes',
      {
        name: 'disk above its start after the delete',
        detail: `${formatValue(seconds, 'seconds')} after the delete`,
        needs: `at most ${formatBytes(within)} within ${window} s`,
        figures: [{ name: 'reclaim time', value: seconds, unit: 'seconds' }],
      },
    )
  },
)

Then(
  "the box's disk on the host is at most {float} times the first fill's growth above its start",
  function (this: DiskWorld, factor: number) {
    const { above, first } = this.tasks.reclaim.againstFirstGrowth('box', factor, 'after 2nd fill')
    this.checks.verify(
      `the box's disk above its start, against ${factor} x the first fill's growth (${formatBytes(first)})`,
      above,
      '<=',
      factor * first,
      'bytes',
      {
        name: 'disk above its start after the last fill',
        detail: `${(first > 0 ? above / first : 0).toFixed(2)} x the first fill's ${formatBytes(first)}`,
        needs: `at most ${factor} x the first fill (${formatBytes(factor * first)})`,
      },
    )
  },
)

When('the box deletes that file', budget(CALL.deleteAndSync), async function (this: DiskWorld) {
  const r = this.calls.examine(this.outcomes.record('delete', 'box', await this.tasks.filling.delete('box', ['/big'])))
  if (r.exitCode !== 0) throw new Error(`deleting /big failed: ${r.stderr}`)
})

When(
  'the box writes {int} files of {size} each to its rootfs',
  budget(CALL.probe + CALL.bigWrite),
  async function (this: DiskWorld, count: number, bytes: number) {
    this.host.sampleStart('box')
    this.outcomes.record('small files', 'box', await this.tasks.reclaim.writeSmallFiles('box', count, bytes))
  },
)

When('the box deletes every other file, then the rest', budget(CALL.bigWrite), async function (this: DiskWorld) {
  await this.tasks.reclaim.deleteSmallFiles('box', this.outcomes.get('small files', 'box'))
})

When(
  '{box} fills its rootfs again until "No space left on device"',
  budget(FILL),
  async function (this: DiskWorld, role: string) {
    this.outcomes.record('fill', role, await this.tasks.filling.fill(role))
    expectFillEndedWithEnospc(this, role)
  },
)
