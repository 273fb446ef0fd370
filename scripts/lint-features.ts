/**
 * Checks the feature files the way a product reader needs them, and fails on the first kind of
 * problem it finds in any of them:
 * - format: `gherkin-utils format` would change the file (CI keeps them formatted);
 * - plain words: a sentence (title, step or description) of more than 30 words, or a jargon term
 *   (JARGON) that docs/glossary.md does not define;
 * - the guarantee catalogue (src/report/catalogue.ts): a Rule without an entry or an entry without a
 *   Rule, and a number a Rule's Then steps check that neither the Rule's own text nor the entry's
 *   `whyThreshold` names;
 * - docs/guarantees.md: its table between the catalogue markers differs from the catalogue;
 * - a `@needs-<capability>` tag that names no driver capability (src/drivers/types.ts).
 * Formats through stdin/stdout, so the check never touches the files; `--fix` rewrites the feature
 * files' format and the table in docs/guarantees.md (never the words of a feature).
 *
 *   node -r ts-node/register scripts/lint-features.ts [--fix]
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join, relative, resolve } from 'node:path'
import { CAPABILITIES } from '../src/drivers/types'
import { GUARANTEES, SEVERITY_LABEL, type Guarantee } from '../src/report/catalogue'

const root = resolve(__dirname, '..')
const formatter = join(root, 'node_modules', '.bin', 'gherkin-utils')

/** A sentence longer than this is hard going for a reader who is not an engineer. */
export const MAX_WORDS = 30

export function formatGherkin(text: string): string {
  const r = spawnSync(formatter, ['format'], { input: text, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`gherkin-utils format failed: ${r.stderr || r.error?.message}`)
  return r.stdout
}

export function featureFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? featureFiles(join(dir, e.name)) : e.name.endsWith('.feature') ? [join(dir, e.name)] : [],
  )
}

/** First line where two texts differ, for a useful message. */
export function firstDifference(a: string, b: string): string {
  const x = a.split('\n')
  const y = b.split('\n')
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i])
      return `line ${i + 1}: ${JSON.stringify(x[i] ?? '<end of file>')} -> ${JSON.stringify(y[i] ?? '<end of file>')}`
  }
  return 'no difference'
}

// ---------------------------------------------------------------------------------------------
// Reading a feature file: enough of Gherkin for the files gherkin-utils formats (no tables or doc
// strings are used in features/), with the line of everything for the messages.

export interface Step {
  /** Given, When or Then: And/But take the keyword before them. */
  readonly kind: 'Given' | 'When' | 'Then'
  readonly text: string
  readonly line: number
}
export interface Scenario {
  readonly name: string
  readonly line: number
  readonly steps: Step[]
}
export interface Rule {
  readonly name: string
  readonly line: number
  /** The prose under `Rule:`, its paragraphs joined by blank lines. */
  description: string
  readonly scenarios: Scenario[]
}
export interface Feature {
  readonly file: string
  name: string
  description: string
  readonly rules: Rule[]
  /** Scenarios outside any Rule. */
  readonly scenarios: Scenario[]
  /** Every piece of text a reader reads, with its line: titles, steps, description paragraphs. */
  readonly texts: { readonly text: string; readonly line: number; readonly what: string }[]
}

const STEP = /^(Given|When|Then|And|But|\*)\s+(.*)$/
const HEADER = /^(Feature|Rule|Background|Scenario|Scenario Outline|Example|Examples):\s*(.*)$/

export function parseFeature(text: string, file: string): Feature {
  const feature: Feature = { file, name: '', description: '', rules: [], scenarios: [], texts: [] }
  let rule: Rule | undefined
  let scenario: Scenario | undefined
  // Where prose lines go: the feature's or the rule's description, or nowhere (after a scenario).
  let prose: { target: Feature | Rule; lines: { text: string; line: number }[] } | undefined
  let kind: Step['kind'] = 'Given'
  const flush = (): void => {
    if (!prose) return
    const paragraphs: { text: string; line: number }[] = []
    let current: { text: string; line: number } | undefined
    for (const l of prose.lines) {
      if (l.text === '') current = undefined
      else if (current) current.text += ` ${l.text}`
      else paragraphs.push((current = { ...l }))
    }
    prose.target.description = paragraphs.map((p) => p.text).join('\n\n')
    for (const p of paragraphs) feature.texts.push({ ...p, what: 'description' })
    prose = undefined
  }
  text.split('\n').forEach((raw, i) => {
    const line = i + 1
    const t = raw.trim()
    if (t.startsWith('#') || t.startsWith('@')) return
    const header = HEADER.exec(t)
    const step = STEP.exec(t)
    if (header) {
      flush()
      const [, keyword, name] = header
      if (keyword === 'Feature') {
        feature.name = name
        prose = { target: feature, lines: [] }
      } else if (keyword === 'Rule') {
        rule = { name, line, description: '', scenarios: [] }
        feature.rules.push(rule)
        scenario = undefined
        prose = { target: rule, lines: [] }
      } else if (keyword === 'Background') {
        scenario = { name: 'Background', line, steps: [] }
      } else {
        scenario = { name, line, steps: [] }
        ;(rule ? rule.scenarios : feature.scenarios).push(scenario)
      }
      if (name) feature.texts.push({ text: name, line, what: `${keyword} title` })
      kind = 'Given'
    } else if (step && scenario) {
      if (step[1] === 'Given' || step[1] === 'When' || step[1] === 'Then') kind = step[1]
      scenario.steps.push({ kind, text: step[2], line })
      feature.texts.push({ text: step[2], line, what: 'step' })
    } else if (prose) {
      prose.lines.push({ text: t, line })
    }
  })
  flush()
  return feature
}

// ---------------------------------------------------------------------------------------------
// Plain words.

/**
 * Splits prose into sentences: after . ! or ? (and a closing quote or bracket) and a space; features use no
 * abbreviations.
 */
export function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?]["')`]?)\s+/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Words as a reader counts them: runs of non-space holding a letter or digit ("90 %" is one word). */
export function wordCount(sentence: string): number {
  return sentence.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length
}

export function longSentences(feature: Feature, max = MAX_WORDS): string[] {
  return feature.texts.flatMap(({ text, line, what }) =>
    sentencesOf(text)
      .filter((s) => wordCount(s) > max)
      .map((s) => `${feature.file}:${line}: a ${what} sentence of ${wordCount(s)} words (at most ${max}): "${s}"`),
  )
}

/**
 * Jargon a product reader may not know. A feature may use one only when docs/glossary.md defines it
 * under a heading naming the term (`## qcow2`); the rest are better said in plain words.
 */
export const JARGON: readonly { readonly term: string; readonly pattern: RegExp }[] = [
  { term: 'bystander', pattern: /\bbystander\b/i },
  { term: 'clone', pattern: /\bclon(e|es|ed|ing)\b/i },
  { term: 'copy-on-write', pattern: /\bcopy-on-write\b/i },
  { term: 'discard', pattern: /\bdiscard\b/i },
  { term: 'ext4', pattern: /\bext4\b/i },
  { term: 'force-remove', pattern: /\bforce-remov/i },
  { term: 'gc', pattern: /\bgc\b/i },
  { term: 'home', pattern: /\bhome\b/i },
  { term: 'image', pattern: /\bimage(?!-| store)\b/i },
  { term: 'image store', pattern: /\bimage store\b/i },
  { term: 'base disk', pattern: /\bbase disks?\b/i },
  { term: 'inode', pattern: /\binodes?\b/i },
  { term: 'I/O error', pattern: /\bI\/O error\b/i },
  { term: 'kernel log', pattern: /\bkernel log\b/i },
  { term: 'loop device', pattern: /\bloop devices?\b/i },
  { term: 'No space left on device', pattern: /No space left on device/ },
  { term: 'pid', pattern: /\bpids?\b/i },
  { term: 'preallocate', pattern: /\bpreallocat/i },
  { term: 'qcow2', pattern: /\bqcow2\b/i },
  { term: 'qemu-img check', pattern: /\bqemu-img\b/i },
  { term: 'rootfs', pattern: /\brootfs\b/i },
  { term: 'SHA-256', pattern: /\bSHA-256\b/i },
  { term: 'SIGKILL', pattern: /\bSIGKILL/i },
  { term: 'sparse', pattern: /\bsparse\b/i },
  { term: 'storage daemon', pattern: /\bstorage daemons?\b/i },
  { term: 'sync', pattern: /\bsync(ed|s)?\b|\bunsynced\b|\bsyncing\b/i },
  { term: 'upstream', pattern: /\bupstream\b/i },
  { term: 'victim', pattern: /\bvictim\b/i },
  { term: 'virtual size', pattern: /\bvirtual size\b/i },
]

/** The terms docs/glossary.md defines: each `## term` heading followed by a paragraph. */
export function glossaryTerms(markdown: string): Set<string> {
  const terms = new Set<string>()
  const parts = markdown.split(/^## +/m).slice(1)
  for (const part of parts) {
    const [heading, ...body] = part.split('\n')
    if (body.join('\n').trim() !== '') terms.add(heading.trim().toLowerCase())
  }
  return terms
}

export function undefinedTerms(feature: Feature, glossary: Set<string>): string[] {
  const found = new Map<string, number>()
  for (const { text, line } of feature.texts) {
    for (const { term, pattern } of JARGON) {
      if (!found.has(term) && pattern.test(text)) found.set(term, line)
    }
  }
  return [...found]
    .filter(([term]) => !glossary.has(term.toLowerCase()))
    .map(
      ([term, line]) =>
        `${feature.file}:${line}: "${term}" is jargon that docs/glossary.md ` +
        `does not define: say it plainly, or add a "## ${term}" entry`,
    )
}

// ---------------------------------------------------------------------------------------------
// The guarantee catalogue.

/** A number every Rule shares: serving commands within 10 seconds, explained once in docs/glossary.md. */
export const SUITE_WIDE_THRESHOLDS: readonly string[] = ['10 seconds']

/** The numbers a Then step checks, as the sentence writes them ("16 MiB", "90 %", "more than 100 files"). */
export function thresholdsOf(step: string): string[] {
  const found = [
    ...step.matchAll(/\b\d+(?:\.\d+)? ?(?:KiB|MiB|GiB)\b/g),
    ...step.matchAll(/\b\d+(?:\.\d+)? %/g),
    ...step.matchAll(/\b\d+ seconds?\b/g),
    ...step.matchAll(/\b\d+(?:\.\d+)? times\b/g),
    ...step.matchAll(/\b\d+ per second\b/g),
    ...step.matchAll(/\b\d+ (?:errors|corruptions)\b/g),
    ...step.matchAll(/\bmore than \d+ (?!KiB|MiB|GiB)[a-z]+/g),
  ].map((m) => m[0])
  return [...new Set(found)]
}

export function ruleThresholds(rule: Rule): string[] {
  const steps = rule.scenarios.flatMap((s) => s.steps.filter((step) => step.kind === 'Then'))
  return [...new Set(steps.flatMap((s) => thresholdsOf(s.text)))].filter((t) => !SUITE_WIDE_THRESHOLDS.includes(t))
}

export function catalogueProblems(features: readonly Feature[], catalogue: readonly Guarantee[]): string[] {
  const problems: string[] = []
  const rules = features.flatMap((f) => f.rules.map((rule) => ({ rule, feature: f })))
  for (const { rule, feature } of rules) {
    const where = `${feature.file}:${rule.line}`
    const entry = catalogue.find((g) => g.rule === rule.name)
    if (!entry) {
      problems.push(`${where}: Rule "${rule.name}" has no entry in src/report/catalogue.ts`)
      continue
    }
    if (entry.feature !== basename(feature.file))
      problems.push(`${where}: the catalogue puts Rule "${rule.name}" in ${entry.feature}`)
    for (const t of ruleThresholds(rule)) {
      if (!rule.description.toLowerCase().includes(t.toLowerCase()))
        problems.push(`${where}: Rule "${rule.name}" checks ${t} but its text does not say why`)
      if (!entry.whyThreshold.toLowerCase().includes(t.toLowerCase()))
        problems.push(`${where}: the catalogue's whyThreshold for "${rule.name}" does not name ${t}`)
    }
  }
  for (const g of catalogue) {
    if (!rules.some(({ rule }) => rule.name === g.rule))
      problems.push(`src/report/catalogue.ts: entry "${g.rule}" matches no Rule in features/`)
  }
  return problems
}

// ---------------------------------------------------------------------------------------------
// docs/guarantees.md: the catalogue's table, generated.

export const TABLE_START =
  '<!-- catalogue:start (generated from src/report/catalogue.ts: npm run lint:features -- --fix) -->'
export const TABLE_END = '<!-- catalogue:end -->'

export function catalogueTable(catalogue: readonly Guarantee[]): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|')
  return [
    '| # | Protects | Guarantee | What it means for users | Why these numbers |',
    '|---|---|---|---|---|',
    ...catalogue.map(
      (g) =>
        `| ${g.order} | ${SEVERITY_LABEL[g.severity]} | ${cell(g.rule)} ([${g.feature}](../features/${g.feature})) | ` +
        `${cell(g.forUsers)} | ${cell(g.whyThreshold)} |`,
    ),
  ].join('\n')
}

/** docs/guarantees.md with its generated table replaced; throws when the markers are missing. */
export function withCatalogueTable(doc: string, catalogue: readonly Guarantee[]): string {
  const start = doc.indexOf(TABLE_START)
  const end = doc.indexOf(TABLE_END)
  if (start < 0 || end < start) throw new Error(`docs/guarantees.md: no "${TABLE_START}" ... "${TABLE_END}" block`)
  return `${doc.slice(0, start + TABLE_START.length)}\n${catalogueTable(catalogue)}\n${doc.slice(end)}`
}

// ---------------------------------------------------------------------------------------------

/** Every problem in the feature files, glossary, catalogue and docs (format aside), one line each. */
export function contentProblems(
  features: readonly Feature[],
  glossary: Set<string>,
  catalogue: readonly Guarantee[],
): string[] {
  return [
    ...features.flatMap((f) => longSentences(f)),
    ...features.flatMap((f) => undefinedTerms(f, glossary)),
    ...catalogueProblems(features, catalogue),
  ]
}

/**
 * `@needs-<capability>` tags that name no capability: the run would stop such a scenario in its first hook
 * (support/parts/capability-gate.ts); this says so before any run.
 */
export function capabilityTagProblems(file: string, text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, i) =>
      [...line.matchAll(/(?:^|\s)@needs-(\S+)/g)]
        .filter((m) => !(CAPABILITIES as readonly string[]).includes(m[1]))
        .map(
          (m) =>
            `${file}:${i + 1}: the tag @needs-${m[1]} names no capability (use @needs- with one of ${CAPABILITIES.join(', ')})`,
        ),
    )
}

if (require.main === module) {
  const fix = process.argv.includes('--fix')
  const files = featureFiles(join(root, 'features'))
  if (files.length === 0) {
    console.error('lint:features: no .feature files found under features/')
    process.exit(1)
  }
  let changed = 0
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    const formatted = formatGherkin(text)
    if (formatted === text) continue
    changed++
    if (fix) writeFileSync(file, formatted)
    console.error(
      `${fix ? 'formatted' : 'not formatted'}: ${relative(root, file)} (${firstDifference(text, formatted)})`,
    )
  }
  const problems: string[] = []
  if (changed > 0 && !fix)
    problems.push(`${changed} file(s) differ from gherkin-utils format; run npm run lint:features -- --fix`)

  const guaranteesDoc = join(root, 'docs', 'guarantees.md')
  const doc = readFileSync(guaranteesDoc, 'utf8')
  const generated = withCatalogueTable(doc, GUARANTEES)
  if (generated !== doc) {
    if (fix) writeFileSync(guaranteesDoc, generated)
    else problems.push('docs/guarantees.md: its catalogue table is out of date; run npm run lint:features -- --fix')
  }

  const features = files.map((f) => parseFeature(readFileSync(f, 'utf8'), relative(root, f)))
  const glossary = glossaryTerms(readFileSync(join(root, 'docs', 'glossary.md'), 'utf8'))
  problems.push(...contentProblems(features, glossary, GUARANTEES))
  for (const f of files) problems.push(...capabilityTagProblems(relative(root, f), readFileSync(f, 'utf8')))
  for (const p of problems) console.error(`lint:features: ${p}`)
  if (problems.length > 0) process.exit(1)
  console.log(
    `lint:features: ${files.length} feature files${fix && changed ? `, ${changed} reformatted` : ' are formatted'}, ` +
      `in plain words, and agree with the ${GUARANTEES.length} guarantees of the catalogue`,
  )
}
