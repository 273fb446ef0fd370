/**
 * features/running-out-of-inodes.feature: a box out of inodes keeps working and its files stay usable.
 * Assertions: see ./common/judge.ts.
 */
import { Given, Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { budget } from '../support/step-budget'
import { CALL } from '../support/timeouts'
import { LOG_FILE } from '../support/tasks/running-out-of-inodes'
import type { DiskWorld } from '../support/world'
import { expectSays } from './common/judge'

When(
  'the box creates up to {int} empty files until its rootfs has no inodes left',
  budget(CALL.probe + CALL.inodeLoop),
  async function (this: DiskWorld, cap: number) {
    this.outcomes.record('inode exhaustion', 'box', await this.tasks.inodes.exhaust('box', cap))
  },
)

Then(
  'more than {int} files were created and the next one failed with "No space left on device"',
  function (this: DiskWorld, minimum: number) {
    const { result, record, cap } = this.outcomes.get('inode exhaustion', 'box')
    expect(record.timedOut, 'the file-creation loop timed out').to.equal(false)
    expect(result.reachedCap, `the loop reached its safety cap of ${cap} files without running out of inodes`).to.equal(
      false,
    )
    this.checks.verify('empty files created before inodes ran out', result.created, '>', minimum, 'count', {
      name: 'empty files created before inodes ran out',
    })
    expectSays(
      'out-of-inodes',
      result.lastError,
      'the file creation that stopped the loop did not fail with "No space left on device"',
    )
  },
)

Given(
  'the box has a log file that reads {string}',
  budget(CALL.quickProbe),
  async function (this: DiskWorld, text: string) {
    await this.tasks.inodes.writeLog('box', text)
  },
)

Then(
  'appending {string} to the log file works and it then reads {string} and {string}',
  budget(CALL.quickProbe),
  async function (this: DiskWorld, line: string, first: string, second: string) {
    const r = await this.tasks.inodes.appendToLog('box', line)
    expect(r.exitCode, `appending to ${LOG_FILE} failed:\n${r.stdout}${r.stderr}`).to.equal(0)
    expect(r.stdout.split('\n').filter(Boolean), 'the log file after appending').to.deep.equal([first, second])
  },
)
