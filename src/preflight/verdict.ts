/**
 * Hands the preflight's verdict from the run's coordinator (which probes once) to the scenarios of
 * every worker: a JSON file named by an environment variable the workers inherit, and a claim file
 * so that exactly one scenario of the run reports a failure and the others are skipped.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { PreflightVerdict } from './probe'

/** Set by the preflight plugin in the coordinator; workers inherit it. */
export const VERDICT_ENV = 'BOXLITE_DISK_SPEC_PREFLIGHT_VERDICT'

export function writeVerdict(file: string, verdict: PreflightVerdict): void {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(verdict, null, 2))
}

/** The verdict of this run, or undefined when no preflight ran (e.g. the `reference` profile). */
export function readVerdict(env: NodeJS.ProcessEnv = process.env): PreflightVerdict | undefined {
  const file = env[VERDICT_ENV]
  if (!file || !existsSync(file)) return undefined
  return JSON.parse(readFileSync(file, 'utf8')) as PreflightVerdict
}

/** True for the first caller of the whole run (any worker), false for everyone after. */
export function claimFailureReport(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = env[VERDICT_ENV]
  if (!file) return false
  try {
    closeSync(openSync(`${file}.reported`, 'wx'))
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw e
  }
}

/** The failure as a person reads it: the sentence, then the evidence lines, indented. */
export function describeFailure(verdict: PreflightVerdict): string {
  return [`BoxLite preflight: ${verdict.sentence ?? 'failed'}`, ...verdict.evidence.map((line) => `  ${line}`)].join(
    '\n',
  )
}

/** Keeps the failed probe's box logs in `dir` (replacing an earlier run's), next to the reports CI publishes. */
export function saveLogs(verdict: PreflightVerdict, dir: string): string | undefined {
  rmSync(dir, { recursive: true, force: true })
  if (verdict.logs.length === 0) return undefined
  for (const log of verdict.logs) {
    const path = join(dir, log.path)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, log.text)
  }
  return dir
}
