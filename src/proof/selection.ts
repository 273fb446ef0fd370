/**
 * Test selection for the proof, as mutation testers do it (Stryker's per-test coverage, PIT): a
 * defect's run needs only the scenarios whose healthy run reached one of the defect's sites
 * (src/refbox/sites.ts). Every other scenario is "not affected (site not reached)" for that defect
 * and counts as passing, which is what it would do: the defect's code never runs for it.
 */
import { readFileSync } from 'node:fs'
import { derivedSites } from '../refbox/sites'

/** Names the file in which the suite records each scenario's home (src/homes.ts). */
export const SCENARIO_LOG_ENV = 'DISK_SPEC_SCENARIO_LOG'

/** One line of refbox's site log. */
export interface SiteRecord {
  readonly home: string
  readonly site: string
  /** Epoch milliseconds. */
  readonly at: number
}

/** One line of the suite's scenario log: the home a scenario used. */
export interface ScenarioHome {
  readonly scenario: string
  readonly home: string
}

/** The sites a scenario reached during its steps, and those reached only afterwards (its cleanup). */
interface ScenarioCoverage {
  readonly during: ReadonlySet<string>
  readonly after: ReadonlySet<string>
}

interface DefectSelection {
  readonly run: readonly string[]
  readonly notAffected: readonly string[]
}

/**
 * Sites where a defect acts on something nothing after a scenario's steps looks at, so they count
 * for that defect only when reached during the steps. After its steps the suite (support/hooks.ts)
 * force-removes the boxes, checks that no process, mount or loop device is left, and deletes the
 * scenario's whole directory: `leaky-rm` and `rm-keeps-unstarted-disks` leave a disk file there,
 * `rm-defers-disk-delete` moves it elsewhere in the home, and a discard dropped at the final
 * unmount only changes that file's allocation. Every other site always counts.
 */
const BLIND_AFTER_STEPS: Readonly<Record<string, readonly string[]>> = {
  'leaky-rm': ['remove-box'],
  'rm-defers-disk-delete': ['remove-box'],
  'rm-keeps-unstarted-disks': ['remove-unstarted-box'],
  'no-discard': ['discard-at-unmount'],
}

export function readJsonLines<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T)
}

/**
 * Maps site records to scenarios by home. Records of homes no scenario of the run used (e.g. a
 * sweep of an earlier run's boxes) belong to no scenario. A scenario whose steps' end is unknown
 * has every site counted as reached during its steps.
 */
export function coverageByScenario(
  homes: readonly ScenarioHome[],
  records: readonly SiteRecord[],
  stepsEndedAt: ReadonlyMap<string, number>,
): Map<string, ScenarioCoverage> {
  const scenarioOf = new Map(homes.map((h) => [h.home, h.scenario]))
  const coverage = new Map<string, { during: Set<string>; after: Set<string> }>()
  const all = new Map<string, string[]>()
  for (const h of homes) {
    coverage.set(h.scenario, { during: new Set(), after: new Set() })
    all.set(h.scenario, [])
  }
  for (const r of records) {
    const scenario = scenarioOf.get(r.home)
    if (scenario === undefined) continue
    const end = stepsEndedAt.get(scenario)
    coverage.get(scenario)![end !== undefined && r.at > end ? 'after' : 'during'].add(r.site)
    all.get(scenario)!.push(r.site)
  }
  // A derived site has no time of its own: it counts as reached during the steps.
  for (const [scenario, sites] of all) for (const site of derivedSites(sites)) coverage.get(scenario)!.during.add(site)
  return coverage
}

/**
 * The scenarios a defect's run must include; a scenario without coverage is always included, and so
 * is every scenario in `claimed` (those the catch matrix says catch the defect: the proof checks each
 * claim by running it, so selection only ever leaves out scenarios expected to pass).
 * `canSee`, when given, holds the only scenarios that can see the defect at all (for a defect that
 * changes only host files: those allowed to read them, see ./host-access.ts); the rest are not
 * affected whatever sites they reach.
 */
export function selectScenarios(
  defect: string,
  sites: readonly string[],
  scenarios: readonly string[],
  coverage: ReadonlyMap<string, ScenarioCoverage>,
  canSee?: ReadonlySet<string>,
  claimed: ReadonlySet<string> = new Set(),
): DefectSelection {
  const run: string[] = []
  const notAffected: string[] = []
  for (const scenario of scenarios) {
    const c = coverage.get(scenario)
    const blind = BLIND_AFTER_STEPS[defect] ?? []
    const reached = c && [...c.during, ...[...c.after].filter((s) => !blind.includes(s))]
    if (claimed.has(scenario)) run.push(scenario)
    else if (canSee && !canSee.has(scenario)) notAffected.push(scenario)
    else if (!reached || sites.some((s) => reached.includes(s))) run.push(scenario)
    else notAffected.push(scenario)
  }
  return { run, notAffected }
}

interface Envelope {
  pickle?: { id: string; name: string; steps: Array<{ id: string }> }
  testCase?: { id: string; pickleId: string; testSteps: Array<{ id: string; pickleStepId?: string }> }
  testCaseStarted?: { id: string; testCaseId: string }
  testStepFinished?: { testCaseStartedId: string; testStepId: string; timestamp: { seconds: number; nanos: number } }
}

/** When each scenario's last step (not hook) finished, from a cucumber-js message file; last attempt wins. */
export function stepsEndedAt(ndjson: string): Map<string, number> {
  const names = new Map<string, string>()
  const caseOf = new Map<string, { pickleId: string; stepIds: Set<string> }>()
  const caseOfStart = new Map<string, string>()
  const ended = new Map<string, number>()
  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue
    const e = JSON.parse(line) as Envelope
    if (e.pickle) names.set(e.pickle.id, e.pickle.name)
    else if (e.testCase) {
      const stepIds = new Set(e.testCase.testSteps.filter((s) => s.pickleStepId).map((s) => s.id))
      caseOf.set(e.testCase.id, { pickleId: e.testCase.pickleId, stepIds })
    } else if (e.testCaseStarted) {
      caseOfStart.set(e.testCaseStarted.id, e.testCaseStarted.testCaseId)
      const tc = caseOf.get(e.testCaseStarted.testCaseId)
      if (tc) ended.delete(names.get(tc.pickleId) ?? '') // a retry starts over
    } else if (e.testStepFinished) {
      const tc = caseOf.get(caseOfStart.get(e.testStepFinished.testCaseStartedId) ?? '')
      if (!tc || !tc.stepIds.has(e.testStepFinished.testStepId)) continue
      const t = e.testStepFinished.timestamp
      const name = names.get(tc.pickleId)
      if (name !== undefined) ended.set(name, Math.max(ended.get(name) ?? 0, t.seconds * 1000 + t.nanos / 1e6))
    }
  }
  return ended
}
