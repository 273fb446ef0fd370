/**
 * Scenarios that need what not every runtime has (issue 23: snapshots, clones, export/import, volumes,
 * anonymous and sized volumes, gc) carry `@needs-<capability>`. On a runtime that lacks one, the scenario is skipped before any
 * home or box is made, with one sentence naming what is missing and the driver that has it. The run guard
 * accepts such a skip (it states its reason) and never counts it as passed; the summary shows it as not run,
 * with the sentence as its reason.
 */
import { type CapabilityReport, SDK_CAPABILITIES } from '../../src/drivers/capabilities'
import { CAPABILITIES, type Capability } from '../../src/drivers/types'
import type { RuntimeFacts } from '../../src/report/runtime-facts'

export const NEEDS_PREFIX = '@needs-'

/** How a sentence names each capability, and the pronoun that stands for it. */
const WORDS: Record<Capability, { readonly noun: string; readonly plural: boolean }> = {
  snapshots: { noun: 'snapshots', plural: true },
  clone: { noun: 'clones', plural: true },
  export: { noun: 'export/import', plural: false },
  volumes: { noun: 'volumes', plural: true },
  'anonymous-volumes': { noun: 'anonymous volumes', plural: true },
  'sized-volumes': { noun: 'sized volumes', plural: true },
  gc: { noun: 'gc', plural: false },
}

/** Where a capability the sdk driver lacks can be had instead (`them`: the pronoun, or the noun in a list). */
const ELSEWHERE: Partial<Record<Capability, (them: string) => string>> = {
  'anonymous-volumes': (them) => `BoxLite's CLI has ${them} (-v /BOX: BOXLITE_DRIVER=cli with a boxlite binary)`,
  'sized-volumes': (them) =>
    `no BoxLite release has sized volumes yet (upstream PR #636); refbox has ${them} (--profile reference)`,
  gc: (them) => `no BoxLite release has gc yet (upstream PR #647); refbox has ${them} (--profile reference)`,
}

/**
 * The capabilities a scenario's tags ask for. A `@needs-` tag naming no capability is an error (a typo would
 * otherwise run the scenario where it cannot pass, or skip it everywhere).
 */
export function neededCapabilities(tags: ReadonlyArray<{ readonly name: string }>): Capability[] {
  const needed: Capability[] = []
  for (const { name } of tags) {
    if (!name.startsWith(NEEDS_PREFIX)) continue
    const capability = name.slice(NEEDS_PREFIX.length)
    if (!(CAPABILITIES as readonly string[]).includes(capability))
      throw new Error(
        `the tag ${name} names no capability: use one of ${CAPABILITIES.map((c) => NEEDS_PREFIX + c).join(', ')}`,
      )
    if (!needed.includes(capability as Capability)) needed.push(capability as Capability)
  }
  return needed
}

/** The runtime as the sentence names it: "BoxLite's CLI (boxlite 0.10.0)", "the embedded runtime (...)". */
export function runtimeWords(facts: Pick<RuntimeFacts, 'driver' | 'runtime' | 'version'>): string {
  if (facts.driver === 'sdk') return `the embedded runtime (@boxlite-ai/boxlite ${facts.version})`
  if (facts.runtime === 'boxlite') return `BoxLite's CLI (boxlite ${facts.version})`
  return `${facts.runtime} ${facts.version} (cli driver)`
}

/**
 * The skip sentence when the runtime lacks some of `needed`, else undefined. E.g. "Skipped: BoxLite's CLI
 * (boxlite 0.10.0) has no snapshots (@needs-snapshots); the sdk driver (BOXLITE_DRIVER=sdk) has them".
 */
export function capabilitySkip(
  needed: readonly Capability[],
  report: CapabilityReport,
  facts: Pick<RuntimeFacts, 'driver' | 'runtime' | 'version'>,
): string | undefined {
  const missing = needed.filter((c) => !report.effective.has(c))
  if (missing.length === 0) return undefined
  const notes = [missing.map((c) => NEEDS_PREFIX + c).join(', ')]
  // Why it is missing, when that is not simply what the runtime says of itself.
  const overridden = report.override && missing.some((c) => report.override?.replace || report.found.has(c))
  if (overridden) notes.push(`BOXLITE_CAPABILITIES=${report.override?.raw}`)
  if (report.probeProblem) notes.push(`its help could not be read: ${report.probeProblem}`)
  return `Skipped: ${runtimeWords(facts)} has no ${words(missing)} (${notes.join('; ')}); ${whoHas(missing, facts.driver)}`
}

function words(capabilities: readonly Capability[], join = 'or'): string {
  const nouns = capabilities.map((c) => WORDS[c].noun)
  return nouns.length > 1 ? `${nouns.slice(0, -1).join(', ')} ${join} ${nouns.at(-1)}` : nouns[0]
}

function pronoun(capabilities: readonly Capability[]): string {
  return capabilities.length > 1 || WORDS[capabilities[0]].plural ? 'them' : 'it'
}

/**
 * The driver (or runtime) that has what is missing here. When what is missing is had in several places,
 * each place names what it has ("the sdk driver has volumes; BoxLite's CLI has anonymous volumes").
 */
function whoHas(missing: readonly Capability[], driver: 'cli' | 'sdk'): string {
  const inSdk = missing.filter((c) => SDK_CAPABILITIES.has(c))
  const rest = missing.filter((c) => !SDK_CAPABILITIES.has(c))
  const several = (inSdk.length > 0 ? 1 : 0) + rest.length > 1
  const them = (cs: readonly Capability[]) => (several ? words(cs, 'and') : pronoun(cs))
  const parts: string[] = []
  if (inSdk.length)
    parts.push(
      driver === 'sdk'
        ? `the sdk driver has ${them(inSdk)}: unset BOXLITE_CAPABILITIES to use ${pronoun(inSdk)}`
        : `the sdk driver (BOXLITE_DRIVER=sdk) has ${them(inSdk)}`,
    )
  for (const c of rest) parts.push(ELSEWHERE[c]?.(them([c])) ?? `refbox has ${them([c])} (--profile reference)`)
  return parts.join('; ')
}
