/**
 * Judgements several Then steps share. Where assertions live: in step definitions, and only
 * there. Given/When steps act through a task (support/tasks/); Then steps measure through a task
 * and judge, numbers with `this.checks.verify` (shown with their thresholds in the report) and
 * facts with chai. A task never asserts: it throws only when the scenario cannot go on (a refused
 * bound proof, a setup call that failed).
 */
import { expect } from 'chai'
import { type Fact, FACTS, firstLineSaying } from '../../src/evidence/vocabulary'
import { named } from '../../support/parts/boxes'
import type { DiskWorld } from '../../support/world'

/** The claim every fill is held to: it ended in ENOSPC, not at the safety cap or in some other error. */
export function expectFillEndedWithEnospc(world: DiskWorld, role: string): void {
  const { outcome, record } = world.outcomes.get('fill', role)
  expect(record.timedOut, `the fill timed out after ${record.durationMs} ms`).to.equal(false)
  expectSays('out-of-space', outcome.output, 'the fill did not report "No space left on device"')
}

/**
 * The runtime's or guest tool's `text` states one of `facts`, in any wording (src/evidence/vocabulary.ts);
 * else fails with `failure`, the fact's meaning and what was actually said. Returns the line that states it.
 */
export function expectSays(facts: Fact | readonly Fact[], text: string | undefined, failure: string): string {
  const wanted: readonly Fact[] = typeof facts === 'string' ? [facts] : facts
  const line = wanted.map((fact) => firstLineSaying(fact, text)).find((l) => l !== undefined)
  const meaning = wanted.map((fact) => FACTS[fact].meaning).join(', or ')
  expect(line, `${failure} (wanted, in any wording: ${meaning}); it said:\n${text?.trim() || '(nothing)'}`).to.be.a(
    'string',
  )
  return line as string
}

export async function expectRunning(world: DiskWorld, role: string): Promise<void> {
  const { status, record } = await world.tasks.serving.status(role)
  expect(
    status,
    `${named(role)} ${world.boxes.get(role).id} is not running:\n${record.stdout}${record.stderr}`,
  ).to.equal('running')
}

/**
 * `assert_alive` and more: this box's own status is running, it answers a command within the
 * window, and its rootfs still takes a write (in place when it is full, so a read-only or aborted
 * filesystem is caught).
 */
export async function expectServing(world: DiskWorld, role: string, windowSeconds: number): Promise<void> {
  await expectRunning(world, role)
  const { answered, tries, last } = await world.tasks.serving.answerWithin(role, windowSeconds)
  expect(
    answered,
    `${named(role)} did not answer within ${windowSeconds} s (${tries} tries); last: exit ${last.exitCode} ` +
      `${last.stderr}`,
  ).to.equal(true)
  world.log(`✔ ${named(role)} answered after ${tries} ${tries === 1 ? 'try' : 'tries'}`)
  const write = await world.tasks.serving.tryWrite(role)
  if (write.inPlace) {
    expect(
      write.record.exitCode,
      `the full rootfs no longer takes writes to existing data ` +
        `(read-only?):\n${write.record.stdout}${write.record.stderr}`,
    ).to.equal(0)
  } else {
    expectReadBack(write.record, '/serving-probe', 'serving')
  }
}

export async function expectWriteAndReadBack(
  world: DiskWorld,
  role: string,
  path: string,
  word: string,
): Promise<void> {
  expectReadBack(await world.tasks.serving.writeAndReadBack(role, path, word), path, word)
}

function expectReadBack(
  record: { exitCode: number; stdout: string; stderr: string },
  path: string,
  word: string,
): void {
  expect(record.exitCode, `writing ${path} failed:\n${record.stdout}${record.stderr}`).to.equal(0)
  expect(record.stdout, `${path} does not read back "${word}"`).to.include(word)
}
