import { strict as assert } from 'node:assert'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { PreflightVerdict } from '../../src/preflight/probe'
import {
  claimFailureReport,
  describeFailure,
  readVerdict,
  saveLogs,
  VERDICT_ENV,
  writeVerdict,
} from '../../src/preflight/verdict'

const failed: PreflightVerdict = {
  ok: false,
  code: 'nested-hypervisor',
  sentence: 'this host cannot boot: run elsewhere.',
  evidence: [
    'engine reported an error: The VM failed to start.',
    'boxes/X/shim.stderr: Received KVM_EXIT_INTERNAL_ERROR signal',
  ],
  logs: [{ path: 'boxes/X/shim.stderr', text: 'Received KVM_EXIT_INTERNAL_ERROR signal\n' }],
  durationMs: 12_000,
}

test('no preflight in this run (reference profile) -> no verdict, nothing claimed', () => {
  assert.equal(readVerdict({}), undefined)
  assert.equal(claimFailureReport({}), false)
})

test('the verdict round-trips and exactly one claimant of the run reports the failure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-test-'))
  try {
    const env = { [VERDICT_ENV]: join(dir, 'verdict.json') }
    writeVerdict(env[VERDICT_ENV], failed)
    assert.deepEqual(readVerdict(env), failed)
    // Each worker process would call this; the file system decides who is first.
    const claims = [claimFailureReport(env), claimFailureReport(env), claimFailureReport(env)]
    assert.deepEqual(claims, [true, false, false])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('the failure reads as the sentence, then indented evidence lines', () => {
  assert.equal(
    describeFailure(failed),
    'BoxLite preflight: this host cannot boot: run elsewhere.\n  engine reported an error: The VM failed to start.\n ' +
      ' boxes/X/shim.stderr: Received KVM_EXIT_INTERNAL_ERROR signal',
  )
})

test("saved logs replace the previous run's", () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-test-'))
  try {
    const out = join(dir, 'preflight')
    saveLogs({ ...failed, logs: [{ path: 'boxes/OLD/shim.stderr', text: 'old' }] }, out)
    assert.equal(saveLogs(failed, out), out)
    assert.equal(readFileSync(join(out, 'boxes/X/shim.stderr'), 'utf8'), 'Received KVM_EXIT_INTERNAL_ERROR signal\n')
    assert.equal(existsSync(join(out, 'boxes/OLD')), false)
    assert.equal(saveLogs({ ...failed, logs: [] }, out), undefined)
    assert.equal(existsSync(out), false)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('the cucumber plugin hands the verdict over under the same variable name', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const plugin = require('../../support/preflight-plugin.cjs') as { type: string; VERDICT_ENV: string }
  assert.equal(plugin.type, 'plugin')
  assert.equal(plugin.VERDICT_ENV, VERDICT_ENV)
})
