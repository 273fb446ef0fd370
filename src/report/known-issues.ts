/**
 * Known issues per runtime version (expectations/known-issues.json): the scenarios a given runtime
 * release is known to fail, why, and where upstream tracks it. Strict: such a scenario must fail,
 * and fail the known way (its message matches `failureMatches`); if it passes, the expectation is
 * stale and the run fails so that someone removes it.
 */
import { readFileSync } from 'node:fs'

export interface KnownIssue {
  /** Runtime name as `--version` gives it ("boxlite"); refbox has no known issues. */
  readonly runtime: string
  /** Space-separated comparators, all of which must hold ("0.10.0", ">=0.10.0 <0.11.0"); `||` between alternatives. */
  readonly versions: string
  /** Why they fail, in plain words. */
  readonly reason: string
  /** Where upstream tracks or fixed it. */
  readonly link: string
  /** Regular expression the failure message must match ('' = any failure). */
  readonly failureMatches: string
  /** Scenario names, exactly as in the feature files. */
  readonly scenarios: readonly string[]
}

export function loadKnownIssues(path: string): KnownIssue[] {
  let raw: { issues?: unknown }
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as { issues?: unknown }
  } catch (err) {
    throw new Error(`known issues file ${path}: ${(err as Error).message.split('\n')[0]}`, { cause: err })
  }
  if (!Array.isArray(raw.issues)) throw new Error(`known issues file ${path}: needs an "issues" list`)
  return raw.issues.map((entry: Partial<KnownIssue>, i: number) => {
    const where = `known issues file ${path}, entry ${i + 1}`
    for (const field of ['runtime', 'versions', 'reason', 'link'] as const) {
      if (typeof entry[field] !== 'string' || !entry[field])
        throw new Error(`${where}: "${field}" must be a non-empty string`)
    }
    if (!Array.isArray(entry.scenarios) || entry.scenarios.length === 0)
      throw new Error(`${where}: "scenarios" must list at least one scenario name`)
    parseRange(entry.versions!, where)
    try {
      new RegExp(entry.failureMatches ?? '')
    } catch (err) {
      throw new Error(`${where}: "failureMatches" is not a regular expression: ${(err as Error).message}`, {
        cause: err,
      })
    }
    return { failureMatches: '', ...entry } as KnownIssue
  })
}

/** The entries that apply to this runtime and version (none when the version is unknown). */
export function issuesFor(issues: readonly KnownIssue[], runtime: string, version: string): KnownIssue[] {
  return issues.filter((i) => i.runtime.toLowerCase() === runtime.toLowerCase() && versionInRange(version, i.versions))
}

export function issueOf(issues: readonly KnownIssue[], scenario: string): KnownIssue | undefined {
  return issues.find((i) => i.scenarios.includes(scenario))
}

/** Did the failure happen the known way? */
export function failsTheKnownWay(issue: KnownIssue, message: string | undefined): boolean {
  return new RegExp(issue.failureMatches).test(message ?? '')
}

type Version = [number, number, number]
type Comparator = { op: '<' | '<=' | '>' | '>=' | '='; version: Version }

function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim())
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined
}

function parseRange(range: string, where = 'version range'): Comparator[][] {
  return range.split('||').map((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((part) => {
        const m = /^(<=|>=|<|>|=)?(.+)$/.exec(part)
        const version = m ? parseVersion(m[2]) : undefined
        if (!m || !version)
          throw new Error(
            `${where}: "${part}" in "${range}" is not a version comparator (e.g. 0.10.0, >=0.10.0, <0.11.0)`,
          )
        return { op: (m[1] ?? '=') as Comparator['op'], version }
      }),
  )
}

export function versionInRange(version: string, range: string): boolean {
  const v = parseVersion(version)
  if (!v) return false
  return parseRange(range).some((all) => all.length > 0 && all.every((c) => holds(compare(v, c.version), c.op)))
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return 0
}

function holds(cmp: number, op: Comparator['op']): boolean {
  return op === '<' ? cmp < 0 : op === '<=' ? cmp <= 0 : op === '>' ? cmp > 0 : op === '>=' ? cmp >= 0 : cmp === 0
}
