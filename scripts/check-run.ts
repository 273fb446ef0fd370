/**
 * The run guard: reads a cucumber-js message (NDJSON) file and fails when the run proves nothing:
 * no scenario ran (a mistyped tag expression exits 0 otherwise), or a scenario ended undefined,
 * pending, ambiguous, failed, or skipped without a stated reason. A skip states its reason with
 * a log attachment starting "Skipped:" (e.g. `this.log('Skipped: no KVM on this host')`).
 *
 *   node -r ts-node/register scripts/check-run.ts [reports/cucumber-messages.ndjson]
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseOutcomes } from '../src/proof/outcomes'

export interface RunVerdict {
  readonly ok: boolean
  readonly scenarios: number
  readonly passed: number
  readonly problems: string[]
}

interface Envelope {
  pickle?: { id: string; name: string; uri: string }
  testCase?: { id: string; pickleId: string }
  testCaseStarted?: { id: string; testCaseId: string }
  attachment?: { testCaseStartedId?: string; body: string; mediaType: string }
}

export function judgeRun(ndjson: string, source = 'the message file'): RunVerdict {
  const outcomes = parseOutcomes(ndjson)
  if (outcomes.length === 0) {
    return { ok: false, scenarios: 0, passed: 0, problems: [`${source}: no scenario ran; check the tag expression (--tags) and the feature paths`] }
  }
  const withReason = skipReasons(ndjson)
  const problems: string[] = []
  for (const o of outcomes) {
    const where = `${o.uri}: "${o.name}"`
    if (o.status === 'PASSED') continue
    if (o.status === 'SKIPPED') {
      const reason = withReason.get(`${o.uri}\0${o.name}`)
      if (!reason) problems.push(`${where} was skipped without a stated reason`)
      continue
    }
    problems.push(`${where} is ${o.status}${o.message ? `: ${o.message.split('\n')[0]}` : ''}`)
  }
  return { ok: problems.length === 0, scenarios: outcomes.length, passed: outcomes.filter((o) => o.status === 'PASSED').length, problems }
}

/** "Skipped: ..." log lines, by scenario (uri + name). */
function skipReasons(ndjson: string): Map<string, string> {
  const pickles = new Map<string, { name: string; uri: string }>()
  const pickleOfCase = new Map<string, string>()
  const caseOfStart = new Map<string, string>()
  const reasons = new Map<string, string>()
  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue
    const e = JSON.parse(line) as Envelope
    if (e.pickle) pickles.set(e.pickle.id, e.pickle)
    else if (e.testCase) pickleOfCase.set(e.testCase.id, e.testCase.pickleId)
    else if (e.testCaseStarted) caseOfStart.set(e.testCaseStarted.id, e.testCaseStarted.testCaseId)
    else if (e.attachment?.testCaseStartedId && /^Skipped:\s*\S/i.test(e.attachment.body)) {
      const pickle = pickles.get(pickleOfCase.get(caseOfStart.get(e.attachment.testCaseStartedId) ?? '') ?? '')
      if (pickle) reasons.set(`${pickle.uri}\0${pickle.name}`, e.attachment.body)
    }
  }
  return reasons
}

if (require.main === module) {
  const path = resolve(process.argv[2] ?? `${process.env.REPORTS_DIR ?? 'reports'}/cucumber-messages.ndjson`)
  if (!existsSync(path)) {
    console.error(`run guard: ${path} does not exist: cucumber-js did not get as far as writing its messages`)
    process.exit(1)
  }
  const verdict = judgeRun(readFileSync(path, 'utf8'), path)
  if (!verdict.ok) {
    console.error(`run guard: FAILED (${verdict.passed} of ${verdict.scenarios} scenarios passed)`)
    for (const p of verdict.problems) console.error(`  - ${p}`)
    process.exit(1)
  }
  console.log(`run guard: ${verdict.scenarios} scenarios ran, all passed`)
}
