/**
 * What a report must say about the run before anything else: which runtime was tested (and that
 * refbox is not BoxLite), through which driver, on which image and host, by which revision of the
 * suite, and when. Gathered by ./identify-runtime.ts; one shape for every report that quotes it.
 */

/** The KVM class of the host, as the preflight tells it (or as far as the suite can tell without one). */
export type HostClass = 'no-kvm' | 'kvm-cannot-boot' | 'boots' | 'not-checked'

export interface PreflightFacts {
  readonly ok: boolean
  readonly seconds: number
  /** The one sentence of a failed preflight. */
  readonly sentence?: string
}

export interface RuntimeFacts {
  readonly driver: 'cli' | 'sdk'
  /** Lower-case runtime name, e.g. "boxlite" or "refbox": what known issues are keyed by. */
  readonly runtime: string
  /** Its version ("0.10.0"), or "unknown" when the runtime would not tell. */
  readonly version: string
  /** One line no reader can mistake, e.g. "refbox 0.1.0: reference runtime on BoxLite's disk stack, not BoxLite". */
  readonly description: string
  /** The binary the cli driver runs. */
  readonly binary?: string
  /** The image every box starts from: a reference, or a local layout with its digest. */
  readonly image: string
  readonly host: { readonly kernel: string; readonly arch: string; readonly kvm: HostClass }
  /** The suite's own git revision ("fba2ec4", "+ local changes" when the tree differs). */
  readonly suiteRevision: string
  /** ISO time the run started. */
  readonly startedAt: string
  /** Absent when the profile runs no preflight (the reference runtime needs no VM). */
  readonly preflight?: PreflightFacts
}

/** File name of the JSON attachment that carries the facts in every scenario (reports read it back). */
export const FACTS_ATTACHMENT = 'runtime-under-test.json'

const KVM_WORDS: Record<HostClass, string> = {
  'no-kvm': 'no /dev/kvm',
  'kvm-cannot-boot': '/dev/kvm present but cannot boot a guest',
  boots: 'boots BoxLite guests',
  'not-checked': '/dev/kvm present, booting not checked',
}

export function kvmWords(kvm: HostClass): string {
  return KVM_WORDS[kvm] ?? kvm
}

function hostWords(f: RuntimeFacts): string {
  return `Linux ${f.host.kernel} ${f.host.arch}, KVM: ${kvmWords(f.host.kvm)}`
}

function preflightWords(f: RuntimeFacts): string {
  const p = f.preflight
  if (!p) return 'none (this profile needs no VM)'
  return p.ok
    ? `passed in ${p.seconds.toFixed(1)} s (a probe box booted)`
    : `failed after ${p.seconds.toFixed(1)} s: ${p.sentence ?? 'see the first scenario'}`
}

/** "2026-12-02 03:42 UTC" */
export function startedWords(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** The facts as labelled fields, in reading order (summary block, JUnit properties). */
export function factFields(f: RuntimeFacts): Array<[label: string, value: string]> {
  return [
    ['Runtime', f.description],
    ['Driver', f.binary ? `${f.driver} (${f.binary})` : `${f.driver} (embedded runtime, no binary)`],
    ['Image', f.image],
    ['Host', hostWords(f)],
    ['Preflight', preflightWords(f)],
    ['Suite revision', f.suiteRevision],
    ['Started', startedWords(f.startedAt)],
  ]
}

/** The first log line of every scenario. */
export function runtimeLine(f: RuntimeFacts): string {
  return `Runtime under test: ${factFields(f)
    .map(([label, value]) => (label === 'Runtime' ? value : `${label.toLowerCase()}: ${value}`))
    .join(' | ')}`
}

/** "refbox 0.1.0 via cli": short enough for a page title and a JUnit suite name. */
function runtimeShortName(f: RuntimeFacts | undefined): string {
  return f ? `${f.runtime} ${f.version} via ${f.driver}` : 'runtime unknown'
}

/** Page title of both HTML files. */
export function pageTitle(kind: string, f: RuntimeFacts | undefined): string {
  return `boxlite-disk-spec ${kind}: ${runtimeShortName(f)}${f ? `, ${startedWords(f.startedAt)}` : ''}`
}

/** JUnit suite name: two runtimes' results never merge under one name. */
export function junitSuiteName(f: RuntimeFacts | undefined): string {
  return `boxlite-disk-spec on ${runtimeShortName(f)}`
}
