/**
 * Fails when `gherkin-utils format` would change any feature file (CI keeps them formatted).
 * Formats through stdin/stdout, so the check never touches the files; `--fix` rewrites them.
 *
 *   node -r ts-node/register scripts/lint-features.ts [--fix]
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

const root = resolve(__dirname, '..')
const formatter = join(root, 'node_modules', '.bin', 'gherkin-utils')

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
  if (changed > 0 && !fix) {
    console.error(
      `lint:features: ${changed} file(s) differ from gherkin-utils format; run npm run lint:features -- --fix`,
    )
    process.exit(1)
  }
  console.log(
    `lint:features: ${files.length} feature files${fix && changed ? `, ${changed} reformatted` : ' are formatted'}`,
  )
}
