/**
 * The scenario's outcome store (support/parts/outcomes.ts): a Then step gets the latest outcome a
 * step recorded for a box, fails with a sentence when none was, and its asking counts as examining
 * the calls inside it, so the After guard (support/hooks.ts) sees only failed calls no step looked at.
 */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import type { CommandRecord } from '../../src/drivers/types'
import { Clock } from '../../src/settings'
import { CallLedger } from '../../support/parts/call-ledger'
import { Outcomes } from '../../support/parts/outcomes'

interface Kinds {
  fill: { readonly record: CommandRecord; readonly enospc: boolean }
  'bad-image starts': CommandRecord[]
  delete: CommandRecord
}
const PRODUCERS = { fill: 'fills its rootfs', 'bad-image starts': 'starts boxes from bad images', delete: 'deletes' }
const quiet = { log: () => undefined, attach: () => undefined }

function failed(command: string): CommandRecord {
  return { command, exitCode: 1, stdout: '', stderr: 'boom', timedOut: false, durationMs: 1 }
}

async function setUp() {
  const calls = new CallLedger(quiet, new Clock(1))
  const outcomes = new Outcomes<Kinds>(PRODUCERS, calls)
  const later = (record: CommandRecord) => calls.run(record.command, 'judged-later', 1, async () => record)
  return { calls, outcomes, later }
}

test('a Then step gets the latest outcome of its kind for its box, and no other', async () => {
  const { outcomes, later } = await setUp()
  outcomes.record('fill', 'victim', { record: await later(failed('fill 1')), enospc: false })
  outcomes.record('fill', 'victim', { record: await later(failed('fill 2')), enospc: true })
  outcomes.record('fill', 'bystander', { record: await later(failed('fill 3')), enospc: false })
  assert.equal(outcomes.get('fill', 'victim').record.command, 'fill 2')
  assert.equal(outcomes.count('fill', 'victim'), 2)
  assert.equal(outcomes.find('delete', 'victim'), undefined)
})

test('an outcome no step recorded fails with one sentence naming the step that must run first', async () => {
  const { outcomes } = await setUp()
  assert.throws(() => outcomes.get('fill', 'victim'), {
    message: 'no fill of the victim was recorded: a step that fills its rootfs must run first',
  })
})

test('asking for an outcome examines the calls in it; calls no step asked for stay unexamined', async () => {
  const { calls, outcomes, later } = await setUp()
  outcomes.record('fill', 'box', { record: await later(failed('fill')), enospc: false })
  outcomes.record('bad-image starts', 'home', [await later(failed('start a')), await later(failed('start b'))])
  outcomes.record('delete', 'box', await later(failed('delete')))
  assert.equal(calls.unexaminedOutcomes().length, 4)
  outcomes.get('fill', 'box')
  outcomes.get('bad-image starts', 'home')
  assert.deepEqual(calls.unexaminedOutcomes(), ['delete: delete -> exit 1'])
  outcomes.find('delete', 'box')
  assert.deepEqual(calls.unexaminedOutcomes(), [])
})
