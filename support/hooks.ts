/**
 * Per scenario: first the runtime under test (its facts attached by the first hook, skipped
 * scenarios included; its line logged first in the first step), then the skip of a scenario that
 * needs a capability the runtime lacks (parts/capability-gate.ts), then a fresh home; after, in this
 * order (cucumber runs After hooks in reverse order of definition): the unexamined-outcome guard,
 * the evidence, then the cleanup that cannot be skipped (boxes force-removed, leftovers checked,
 * home deleted).
 */
import { After, AfterAll, Before, BeforeAll, BeforeStep, Status } from '@cucumber/cucumber'
import { isInterrupted, onInterruptDone } from './interrupt'
import { capabilitySkip, neededCapabilities } from './parts/capability-gate'
import { hasHostAccess } from './parts/host-gate'
import { driverCapabilities } from '../src/drivers/select'
import { recordScenarioHome, sweepOrphanedRuns, sweepRunDirectory } from '../src/homes'
import { attachRuntimeFacts, logRuntimeLine, runtimeFacts } from './runtime-under-test'
import { budget } from './step-budget'
import { CALL, WAIT } from './timeouts'
import type { DiskWorld } from './world'

const kept = new Set<string>()

/** Boxes of a run that was killed outright are removed first (by the first worker only). */
BeforeAll(budget(120), async function () {
  if ((process.env.CUCUMBER_WORKER_ID ?? '0') !== '0') return
  const sweep = await sweepOrphanedRuns()
  for (const line of sweep.removed) process.stderr.write(`sweep: removed ${line} (left by a run that was killed)\n`)
  for (const line of sweep.problems) process.stderr.write(`sweep: could not clean ${line}\n`)
})

// Defined first in the first support file with hooks: cucumber runs Before hooks in definition order.
Before({ name: 'runtime under test' }, function (this: DiskWorld) {
  attachRuntimeFacts(this, runtimeFacts(this.settings))
})

// Before any home or box: a scenario tagged @needs-<capability> the runtime lacks is skipped with its sentence.
Before(
  { name: 'skip what the runtime cannot do', ...budget(CALL.probe * 2) },
  async function (this: DiskWorld, { pickle }) {
    const needed = neededCapabilities(pickle.tags)
    if (needed.length === 0) return undefined
    // The binary's help is read once per process (src/drivers/capabilities.ts); two reads at most.
    const report = await driverCapabilities(this.settings.driver, this.clock.limit(CALL.probe))
    const sentence = capabilitySkip(needed, report, runtimeFacts(this.settings))
    if (!sentence) return undefined
    this.log(sentence)
    return 'skipped'
  },
)

const toldRuntime = new WeakSet<DiskWorld>()
BeforeStep(function (this: DiskWorld) {
  if (toldRuntime.has(this)) return
  toldRuntime.add(this)
  logRuntimeLine(this, runtimeFacts(this.settings))
})

Before({ name: 'fresh home for the scenario' }, function (this: DiskWorld, { pickle }) {
  if (isInterrupted()) {
    this.log('Skipped: the run was interrupted (Ctrl-C or SIGTERM) before this scenario started')
    return 'skipped'
  }
  this.open(pickle.name, undefined, hasHostAccess(pickle.tags))
  if (this.dirs) recordScenarioHome(pickle, this.dirs.home)
  return undefined
})

After(
  {
    name: 'remove boxes, check nothing is left, delete the home',
    ...budget(CALL.cleanupRemove * 2 + WAIT.leftovers),
  },
  async function (this: DiskWorld, { result }) {
    const failed = result?.status !== Status.PASSED
    const keep = this.settings.keepBoxes === 'always' || (this.settings.keepBoxes === 'on-failure' && failed)
    if (keep && this.dirs) kept.add(this.dirs.dir)
    const leftovers = await this.close(keep)
    if (leftovers.length > 0) {
      const ended = this.endedLeftovers.length
      throw new Error(
        `after removing every box, the host still ` +
          `has:\n${leftovers.map((l) => `  ${l.kind}: ${l.detail}`).join('\n')}` +
          `\n(home kept at ${this.dirs?.home}${ended ? `; the cleanup ended ${ended} of those processes itself` : ''})`,
      )
    }
  },
)

After({ name: 'attach the measured numbers' }, function (this: DiskWorld, { result }) {
  const evidence = this.checks.evidence()
  if (evidence) {
    this.attach(evidence.json, { mediaType: 'application/json', fileName: 'measurements.json' })
  }
  // A scenario skipped before its home was made has nothing to tell (its reason is already logged).
  if (result?.status !== Status.PASSED && !(result?.status === Status.SKIPPED && !this.dirs)) {
    this.log(`boxes: ${this.boxes.summary()}; home: ${this.dirs?.home}; ${this.calls.records.length} runtime calls`)
    if (evidence) this.log(`measured so far:\n${evidence.table}`)
  }
})

After({ name: 'every failed outcome was examined' }, function (this: DiskWorld, { result }) {
  if (result?.status !== Status.PASSED) return
  const missed = this.calls.unexaminedOutcomes()
  if (missed.length > 0) {
    throw new Error(
      `these outcomes were never examined by a step (add a Then step that checks them):\n${missed.join('\n')}`,
    )
  }
})

AfterAll(function () {
  sweepRunDirectory(kept)
})
onInterruptDone(() => sweepRunDirectory(kept))
