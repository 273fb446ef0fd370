/**
 * features/rootfs-is-its-own-disk.feature: filling the rootfs ends in ENOSPC, also with racing
 * writers. Assertions: see ./common/judge.ts.
 */
import { Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { errorLines } from '../src/drivers/cli'
import { firstLineSaying, type Fact } from '../src/evidence/vocabulary'
import { budget } from '../support/step-budget'
import { CALL } from '../support/timeouts'
import type { DiskWorld } from '../support/world'
import { expectFillEndedWithEnospc } from './common/judge'

/** A writer's failure that would show on the exec's stderr only if it escaped the writer's own file. */
const WRITER_FAILURES: readonly Fact[] = ['out-of-space', 'io-error', 'read-only-filesystem', 'stack-trace']

Then('the fill stops with "No space left on device"', function (this: DiskWorld) {
  expectFillEndedWithEnospc(this, 'box')
})

When(
  '{int} writers race to fill the rootfs at the same time',
  budget(CALL.probe + CALL.concurrentFill),
  async function (this: DiskWorld, writers: number) {
    this.outcomes.record('racing writers', 'box', await this.tasks.racingWriters.race('box', writers))
  },
)

Then(
  'all {int} writers stop with "No space left on device" and none of them succeeds',
  function (this: DiskWorld, writers: number) {
    const { outcomes, record } = this.outcomes.get('racing writers', 'box')
    expect(record.timedOut, 'the writers did not finish before the timeout').to.equal(false)
    // The script itself must finish cleanly: every writer's error went to its own file, so a
    // non-zero exit, an error line or a writer's failure on stderr means the exec or the guest
    // agent broke, not a writer. Other stderr lines are the runtime's own log (a warning, say).
    expect(record.exitCode, `the exec running the writers failed:\n${record.stderr}`).to.equal(0)
    const leaked = [
      ...errorLines(record.stderr),
      ...WRITER_FAILURES.flatMap((f) => firstLineSaying(f, record.stderr) ?? []),
    ]
    expect(leaked, `the exec running the writers printed errors of its own:\n${record.stderr}`).to.deep.equal([])
    this.checks.verify(
      'writers that reported their exit',
      outcomes.filter((w) => w.exitCode !== undefined).length,
      '==',
      writers,
      'count',
    )
    this.checks.verify(
      'writers that stopped with "No space left on device"',
      outcomes.filter((w) => w.enospc).length,
      '==',
      writers,
      'count',
      {
        name: 'writers stopped by "No space left on device"',
        needs: `all ${writers}`,
      },
    )
    this.checks.verify(
      'writers that exited 0 (claimed success)',
      outcomes.filter((w) => w.exitCode === 0).length,
      '==',
      0,
      'count',
    )
  },
)
