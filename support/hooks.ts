/**
 * Per scenario: a fresh home before; after, in this order (cucumber runs After hooks in reverse
 * order of definition): the unexamined-outcome guard, the evidence, then the cleanup that cannot
 * be skipped (boxes force-removed, leftovers checked, home deleted).
 */
import { After, AfterAll, Before, BeforeAll, Status } from '@cucumber/cucumber'
import { isInterrupted, onInterruptDone } from './interrupt'
import { recordScenarioHome, sweepOrphanedRuns, sweepRunDirectory } from './homes'
import { CALL, stepBudget, WAIT } from './timeouts'
import type { DiskWorld } from './world'

const kept = new Set<string>()

/** Boxes of a run that was killed outright are removed first (by the first worker only). */
BeforeAll({ timeout: stepBudget(120) }, async function () {
  if ((process.env.CUCUMBER_WORKER_ID ?? '0') === '0') await sweepOrphanedRuns()
})

Before({ name: 'fresh home for the scenario' }, function (this: DiskWorld, { pickle }) {
  if (isInterrupted()) {
    this.log('Skipped: the run was interrupted (Ctrl-C or SIGTERM) before this scenario started')
    return 'skipped'
  }
  this.open(pickle.name)
  if (this.dirs) recordScenarioHome(pickle, this.dirs.home)
  return undefined
})

After({ name: 'remove boxes, check nothing is left, delete the home', timeout: stepBudget(CALL.cleanupRemove * 2, WAIT.leftovers) }, async function (
  this: DiskWorld,
  { result },
) {
  const failed = result?.status !== Status.PASSED
  const keep = this.config.keepBoxes === 'always' || (this.config.keepBoxes === 'on-failure' && failed)
  if (keep && this.dirs) kept.add(this.dirs.dir)
  const leftovers = await this.close(keep)
  if (leftovers.length > 0) {
    throw new Error(
      `after removing every box, the host still has:\n${leftovers.map((l) => `  ${l.kind}: ${l.detail}`).join('\n')}\n(home kept at ${this.dirs?.home})`,
    )
  }
})

After({ name: 'attach the measured numbers' }, function (this: DiskWorld, { result }) {
  const evidence = this.checksEvidence()
  if (evidence) {
    this.attach(evidence.json, { mediaType: 'application/json', fileName: 'measurements.json' })
  }
  if (result?.status !== Status.PASSED) {
    this.log(`boxes: ${this.boxSummary()}; home: ${this.dirs?.home}; ${this.records.length} runtime calls`)
    if (evidence) this.log(`measured so far:\n${evidence.table}`)
  }
})

After({ name: 'every failed outcome was examined' }, function (this: DiskWorld, { result }) {
  if (result?.status !== Status.PASSED) return
  const missed = this.unexaminedOutcomes()
  if (missed.length > 0) {
    throw new Error(`these outcomes were never examined by a step (add a Then step that checks them):\n${missed.join('\n')}`)
  }
})

AfterAll(function () {
  sweepRunDirectory(kept)
})
onInterruptDone(() => sweepRunDirectory(kept))
