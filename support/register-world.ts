/** Tells cucumber which World to build per scenario, and that steps run within their stated budgets. */
import { setDefaultTimeout, setWorldConstructor } from '@cucumber/cucumber'
import { enforceStepBudgets } from './step-budget'
import { CALL, hookTimeout } from './timeouts'
import { DiskWorld } from './world'

setWorldConstructor(DiskWorld)
enforceStepBudgets()
// Steps and hooks that state no budget: quick judgements and bookkeeping.
setDefaultTimeout(hookTimeout(CALL.probe, CALL.probe))
