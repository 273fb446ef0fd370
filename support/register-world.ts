/** Tells cucumber which World to build per scenario, and that steps and hooks run within their budgets. */
import { setWorldConstructor } from '@cucumber/cucumber'
import { enforceStepBudgets } from './step-budget'
import { DiskWorld } from './world'

setWorldConstructor(DiskWorld)
enforceStepBudgets()
