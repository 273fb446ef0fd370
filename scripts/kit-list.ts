/**
 * `boxlite-disk-spec list`: each feature (a group of guarantees), each Rule (one guarantee) and its
 * scenarios with their tags (inherited ones included), for a reviewer choosing `--tags`/`--name`;
 * each guarantee with its severity and what it means for users (src/report/catalogue.ts).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AstBuilder, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin'
import { IdGenerator, type Tag } from '@cucumber/messages'
import parseTagExpression from '@cucumber/tag-expressions'
import { guaranteeOf, SEVERITY_LABEL } from '../src/report/catalogue'

interface Listed {
  readonly scenario: string
  readonly tags: readonly string[]
}

export function listFeatures(dir: string, tagExpression?: string): string {
  const selects = tagExpression ? parseTagExpression(tagExpression) : undefined
  const out: string[] = []
  let count = 0
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.feature'))
    .sort()) {
    const parser = new Parser(new AstBuilder(IdGenerator.incrementing()), new GherkinClassicTokenMatcher())
    const feature = parser.parse(readFileSync(join(dir, file), 'utf8')).feature
    if (!feature) continue
    const featureTags = names(feature.tags)
    const groups: Array<{ rule?: string; scenarios: Listed[] }> = []
    const add = (rule: string | undefined, ruleTags: string[], children: typeof feature.children) => {
      const scenarios: Listed[] = []
      for (const child of children) {
        if (!child.scenario) continue
        const tags = [...new Set([...featureTags, ...ruleTags, ...names(child.scenario.tags)])]
        if (selects && !selects.evaluate(tags)) continue
        scenarios.push({ scenario: child.scenario.name, tags })
      }
      if (scenarios.length > 0) groups.push({ rule, scenarios })
    }
    add(undefined, [], feature.children)
    for (const child of feature.children)
      if (child.rule) add(child.rule.name, names(child.rule.tags), child.rule.children)
    if (groups.length === 0) continue
    out.push(`${feature.name}  (features/${file}; ${featureTags.join(' ')})`)
    for (const g of groups) {
      const entry = g.rule ? guaranteeOf(g.rule) : undefined
      if (g.rule) out.push(`  Guarantee: ${g.rule}${entry ? ` (${SEVERITY_LABEL[entry.severity]})` : ''}`)
      if (entry) out.push(`    ${entry.forUsers}`)
      for (const s of g.scenarios) {
        count++
        const own = s.tags.filter((t) => !featureTags.includes(t))
        out.push(`    - ${s.scenario}${own.length ? `  [${own.join(' ')}]` : ''}`)
      }
    }
    out.push('')
  }
  out.push(
    `${count} scenario${count === 1 ? '' : 's'}${tagExpression ? ` selected by --tags "${tagExpression}"` : ''}. ` +
      'Select with --tags EXPR (tags in parentheses apply to the whole feature) and --name REGEXP (part of a title).',
  )
  return `${out.join('\n')}\n`
}

function names(tags: readonly Tag[]): string[] {
  return tags.map((t) => t.name)
}
