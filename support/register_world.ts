/** Tells cucumber which World to build per scenario (kept apart so tests can import the World alone). */
import { setDefaultTimeout, setWorldConstructor } from '@cucumber/cucumber'
import { CALL, stepBudget } from './timeouts'
import { DiskWorld } from './world'

setWorldConstructor(DiskWorld)
setDefaultTimeout(stepBudget(CALL.probe, CALL.probe))
