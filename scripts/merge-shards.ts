/**
 * Merges the reports of a sharded run (boxlite-disk-spec run --shard i/n, one REPORTS_DIR per shard)
 * into one: cucumber-messages.ndjson, cucumber-report.html and cucumber-junit.xml in --out, then
 * the run guard on the merged messages and, when scripts/summary.ts exists, the summary. With the
 * shards' shard.json plans it also checks that every planned scenario ran exactly once.
 *
 *   node -r ts-node/register scripts/merge-shards.ts --out reports SHARD_DIR_OR_NDJSON...
 */
import { spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { finished } from 'node:stream/promises'
import { judgeRun } from './check-run'
import { describeVerdict } from '../src/report/run-guard'
import { parseOutcomes } from '../src/proof/outcomes'
import { checkShardPlans, type ShardPlan } from '../src/shards/check'
import { type Envelope, MergeError, mergeShardMessages } from '../src/shards/merge'

const root = resolve(__dirname, '..')
/** Cucumber's own formatters, resolved through @cucumber/cucumber (they are its dependencies). */
const fromCucumber = (name: string) =>
  require.resolve(name, { paths: [dirname(require.resolve('@cucumber/cucumber'))] })

async function main(): Promise<number> {
  const { out, inputs } = parseArgs(process.argv.slice(2))
  const shards = inputs.map((input) => {
    const file = existsSync(input) && statSync(input).isDirectory() ? join(input, 'cucumber-messages.ndjson') : input
    if (!existsSync(file))
      throw new MergeError(`${file} does not exist: did that shard run, and with this REPORTS_DIR?`)
    const planFile = join(dirname(file), 'shard.json')
    const plan = existsSync(planFile) ? (JSON.parse(readFileSync(planFile, 'utf8')) as ShardPlan) : undefined
    const envelopes = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Envelope)
    return { file, plan, envelopes }
  })
  const merged = mergeShardMessages(shards.map((s) => s.envelopes))
  mkdirSync(out, { recursive: true })
  const ndjsonPath = join(out, 'cucumber-messages.ndjson')
  const ndjson = merged.map((e) => JSON.stringify(e)).join('\n') + '\n'
  writeFileSync(ndjsonPath, ndjson)
  await writeHtml(merged, join(out, 'cucumber-report.html'))
  writeJunit(merged, join(out, 'cucumber-junit.xml'))
  console.log(`merge: ${shards.length} shards -> ${ndjsonPath}, cucumber-report.html, cucumber-junit.xml`)

  const problems: string[] = []
  const plans = shards.map((s) => s.plan)
  if (plans.every((p) => p !== undefined)) problems.push(...checkShardPlans(plans, parseOutcomes(ndjson)))
  else console.log('merge: no shard.json beside every message file: not checking that each planned scenario ran once')
  const verdict = judgeRun(ndjson, ndjsonPath)
  problems.push(...verdict.problems)
  runSummaryHook(ndjsonPath, out)
  if (problems.length) {
    console.error(`merge: FAILED (${verdict.passed} of ${verdict.scenarios} scenarios passed)`)
    for (const p of problems) console.error(`  - ${p}`)
    return 1
  }
  // The guard's own words: skips and known issues are never reported as passes.
  console.log(`merge: ${describeVerdict(verdict).replace(/^run guard: /, '')}`)
  return 0
}

async function writeHtml(envelopes: readonly Envelope[], path: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- cucumber's own copy, found by path at run time
  const { CucumberHtmlStream } = require(fromCucumber('@cucumber/html-formatter')) as {
    CucumberHtmlStream: new () => NodeJS.ReadWriteStream
  }
  const html = new CucumberHtmlStream()
  const file = createWriteStream(path)
  html.pipe(file)
  for (const e of envelopes) html.write(e as unknown as string)
  html.end()
  await finished(file)
}

function writeJunit(envelopes: readonly Envelope[], path: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- cucumber's own copy, found by path at run time
  const { JUnitXmlPrinter } = require(fromCucumber('@cucumber/junit-xml-formatter')) as {
    JUnitXmlPrinter: new (options: { suiteName?: string }, write: (s: string) => void) => { update(e: Envelope): void }
  }
  let xml = ''
  const printer = new JUnitXmlPrinter({ suiteName: 'boxlite-disk-spec' }, (s) => (xml += s))
  for (const e of envelopes) printer.update(e)
  writeFileSync(path, xml)
}

/** The run summary is built by scripts/summary.ts when the project has it; otherwise say so. */
function runSummaryHook(ndjsonPath: string, out: string): void {
  const script = join(root, 'scripts', 'summary.ts')
  if (!existsSync(script)) {
    console.log('merge: summary skipped: scripts/summary.ts is not in this checkout')
    return
  }
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register', script, '--messages', ndjsonPath, '--out', out], {
    cwd: root,
    stdio: 'inherit',
  })
  if (r.status !== 0) console.error(`merge: scripts/summary.ts exited ${r.status ?? r.signal}`)
}

function parseArgs(argv: string[]): { out: string; inputs: string[] } {
  const i = argv.indexOf('--out')
  const out = i >= 0 ? argv[i + 1] : undefined
  if (!out || out.startsWith('--'))
    throw new MergeError('--out DIR is required: where the merged reports go (e.g. --out reports)')
  const inputs = argv.filter((_, k) => k !== i && k !== i + 1)
  if (inputs.length === 0) throw new MergeError('name each shard: its REPORTS_DIR or its cucumber-messages.ndjson')
  return { out: resolve(out), inputs: inputs.map((p) => resolve(p)) }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`merge: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(err instanceof MergeError ? 2 : 1)
  },
)
