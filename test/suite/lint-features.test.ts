/**
 * `npm run lint:features` (scripts/lint-features.ts) fails each kind of problem a product reader or
 * the guarantee catalogue would trip on, and passes the repository as it is.
 */
import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'
import {
  capabilityTagProblems,
  catalogueProblems,
  contentProblems,
  featureFiles,
  glossaryTerms,
  longSentences,
  parseFeature,
  ruleThresholds,
  sentencesOf,
  undefinedTerms,
  withCatalogueTable,
  wordCount,
} from '../../scripts/lint-features'
import { GUARANTEES, type Guarantee } from '../../src/report/catalogue'

const root = resolve(__dirname, '..', '..')

const FEATURE = `@disk-guest
Feature: A small feature
  One short sentence. Another one.

  Rule: A disk file holds little
  A fresh disk may hold 16 MiB, room for the file's own headers.

    Scenario: A fresh disk file holds at most 16 MiB
      Given a running box
      Then the box's disk file holds at most 16 MiB on the host
      And the box is still running and serving commands within 10 seconds
`

const ENTRY: Guarantee = {
  rule: 'A disk file holds little',
  feature: 'small.feature',
  severity: 'cost',
  order: 1,
  forUsers: 'An idle box costs little.',
  whyThreshold: '16 MiB leaves room for headers.',
}

const GLOSSARY = glossaryTerms('# Glossary\n\n## rootfs\n\nA box root filesystem.\n\n## qcow2\n\n')

describe('lint:features reads a feature file', () => {
  it('finds the Rule, its description, its scenario and which steps are Then', () => {
    const f = parseFeature(FEATURE, 'small.feature')
    assert.equal(f.name, 'A small feature')
    assert.equal(f.description, 'One short sentence. Another one.')
    assert.equal(f.rules.length, 1)
    assert.equal(f.rules[0].description, "A fresh disk may hold 16 MiB, room for the file's own headers.")
    assert.deepEqual(
      f.rules[0].scenarios[0].steps.map((s) => s.kind),
      ['Given', 'Then', 'Then'],
    )
  })

  it('splits prose into sentences and counts words as a reader does', () => {
    assert.deepEqual(sentencesOf('One. Two "three." ext4 four? Five'), ['One.', 'Two "three."', 'ext4 four?', 'Five'])
    assert.equal(wordCount('At least 90 % of 1.6 times - it.'), 7)
  })

  it('takes the numbers a Then step checks, leaving out the suite-wide 10 seconds', () => {
    assert.deepEqual(ruleThresholds(parseFeature(FEATURE, 'small.feature').rules[0]), ['16 MiB'])
  })
})

describe('lint:features fails', () => {
  it('a sentence of more than 30 words, in a description, a title or a step', () => {
    const long = Array.from({ length: 31 }, (_, i) => `word${i}`).join(' ')
    for (const text of [
      FEATURE.replace('One short sentence.', `${long}.`),
      FEATURE.replace('Scenario: A fresh disk file holds at most 16 MiB', `Scenario: ${long}`),
      FEATURE.replace('Given a running box', `Given ${long}`),
    ]) {
      const problems = longSentences(parseFeature(text, 'small.feature'))
      assert.equal(problems.length, 1, text)
      assert.match(problems[0], /small\.feature:\d+: a .* sentence of 31 words \(at most 30\)/)
    }
    assert.deepEqual(longSentences(parseFeature(FEATURE, 'small.feature')), [])
  })

  it('a jargon term the glossary does not define, and passes one it defines', () => {
    const withJargon = FEATURE.replace('One short sentence.', 'Each disk is a sparse qcow2 file on the rootfs.')
    const problems = undefinedTerms(parseFeature(withJargon, 'small.feature'), GLOSSARY)
    // qcow2 has a heading but no definition under it; rootfs is defined.
    assert.deepEqual(
      problems.map((p) => p.replace(/ is jargon.*/, '')),
      ['small.feature:3: "qcow2"', 'small.feature:3: "sparse"'],
    )
    assert.deepEqual(undefinedTerms(parseFeature(FEATURE, 'small.feature'), GLOSSARY), [])
  })

  it('a Rule missing from the catalogue, and an entry with no Rule', () => {
    const feature = parseFeature(FEATURE, 'small.feature')
    assert.deepEqual(catalogueProblems([feature], []), [
      'small.feature:5: Rule "A disk file holds little" has no entry in src/report/catalogue.ts',
    ])
    assert.deepEqual(catalogueProblems([], [ENTRY]), [
      'src/report/catalogue.ts: entry "A disk file holds little" matches no Rule in features/',
    ])
    assert.deepEqual(catalogueProblems([feature], [ENTRY]), [])
  })

  it('an entry in another feature file than its Rule', () => {
    const problems = catalogueProblems([parseFeature(FEATURE, 'other.feature')], [ENTRY])
    assert.deepEqual(problems, ['other.feature:5: the catalogue puts Rule "A disk file holds little" in small.feature'])
  })

  it('a number a Then step checks that the Rule text or the catalogue does not explain', () => {
    const changed = parseFeature(
      FEATURE.replace(/at most 16 MiB on the host/, 'at most 32 MiB on the host'),
      'small.feature',
    )
    assert.deepEqual(catalogueProblems([changed], [ENTRY]), [
      'small.feature:5: Rule "A disk file holds little" checks 32 MiB but its text does not say why',
      'small.feature:5: the catalogue\'s whyThreshold for "A disk file holds little" does not name 32 MiB',
    ])
  })

  it('a docs/guarantees.md without the generated table, or with a stale one', () => {
    assert.throws(() => withCatalogueTable('# Guarantees\n', GUARANTEES), /no "<!-- catalogue:start/)
    const doc = readFileSync(join(root, 'docs', 'guarantees.md'), 'utf8')
    const stale = doc.replace(GUARANTEES[0].forUsers, 'Something else.')
    assert.notEqual(withCatalogueTable(stale, GUARANTEES), stale)
  })
})

describe('the repository', () => {
  it('passes: plain feature files, a glossary that defines their jargon, and a catalogue that agrees', () => {
    const features = featureFiles(join(root, 'features')).map((f) =>
      parseFeature(readFileSync(f, 'utf8'), relative(root, f)),
    )
    const glossary = glossaryTerms(readFileSync(join(root, 'docs', 'glossary.md'), 'utf8'))
    assert.deepEqual(contentProblems(features, glossary, GUARANTEES), [])
  })

  it('has docs/guarantees.md generated from the catalogue', () => {
    const doc = readFileSync(join(root, 'docs', 'guarantees.md'), 'utf8')
    assert.equal(withCatalogueTable(doc, GUARANTEES), doc, 'run npm run lint:features -- --fix')
  })

  it('defines the terms issue 21 names in docs/glossary.md', () => {
    const glossary = glossaryTerms(readFileSync(join(root, 'docs', 'glossary.md'), 'utf8'))
    for (const term of ['qcow2', 'inode', 'discard', 'sigkill', 'home', 'upstream'])
      assert.ok(glossary.has(term), `docs/glossary.md does not define ${term}`)
  })
})

describe('capability tags', () => {
  it('accepts @needs- tags that name a capability and names the line of one that does not', () => {
    const text = '@disk-guest @needs-snapshots\nFeature: F\n\n  @needs-clone @needs-snapshot\n  Scenario: S\n'
    assert.deepEqual(capabilityTagProblems('f.feature', text), [
      'f.feature:4: the tag @needs-snapshot names no capability (use @needs- with one of snapshots, clone, export, ' +
        'volumes, anonymous-volumes, sized-volumes, gc)',
    ])
  })
})
