/**
 * Turns the preflight's verdict (support/preflight-plugin.cjs, once per run) into what a reader
 * sees: when the host cannot run the suite, the first scenario of the run fails with the one
 * sentence and the probe box's logs attached, and every other scenario is skipped. Without a
 * verdict (the `reference` profile runs no preflight) this hook does nothing.
 */
import { Before, type IWorld } from '@cucumber/cucumber'
import { claimFailureReport, describeFailure, readVerdict } from '../src/preflight/verdict'

Before({ name: 'BoxLite preflight' }, function (this: IWorld) {
  const verdict = readVerdict()
  if (!verdict || verdict.ok) return undefined
  if (!claimFailureReport()) {
    this.log(
      `Skipped: the preflight found this host cannot run BoxLite boxes (${verdict.code ?? 'see the first scenario'})`,
    )
    return 'skipped'
  }
  // Not text/plain: the console would print whole logs; the report shows them collapsed, by file name.
  for (const log of verdict.logs)
    if (log.text.trim()) this.attach(log.text, { mediaType: 'text/x-log', fileName: log.path })
  const error = new Error(describeFailure(verdict))
  error.stack = error.message // the cause is the message: no stack trace for the reader
  throw error
})
