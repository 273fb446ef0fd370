/**
 * Releases side by side: one page from several runs' summary.json, guarantees down, runs across
 * (src/report/compare.ts). Columns are headed by each run's runtime and version, or by a label
 * given as LABEL=PATH.
 *
 *   npm run compare -- [LABEL=]a/summary.json [LABEL=]b/summary.json … [--out FILE.html] [--thresholds FILE]
 *     --out         default reports/compare.html
 *     --thresholds  when a number's move is flagged (default expectations/trend-thresholds.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { columnOf, compareSummaries, readSummaryFile } from '../src/report/compare'
import { renderCompareHtml } from '../src/report/compare-html'
import { loadThresholds } from '../src/report/trend'

const USAGE = 'npm run compare -- [LABEL=]a/summary.json [LABEL=]b/summary.json … [--out FILE.html]'

function main(): void {
  const args = process.argv.slice(2)
  let out = resolve(process.env.REPORTS_DIR ?? 'reports', 'compare.html')
  let thresholds = resolve(__dirname, '..', 'expectations', 'trend-thresholds.json')
  const inputs: Array<{ label?: string; path: string }> = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a === '--out' || a === '--thresholds') {
      const v = args[++i]
      if (!v || v.startsWith('--')) throw new Error(`${a} needs a file name: ${USAGE}`)
      if (a === '--out') out = resolve(v)
      else thresholds = resolve(v)
    } else if (a.startsWith('--')) throw new Error(`unknown option "${a}": ${USAGE}`)
    else {
      const m = /^([^=/]+)=(.+)$/.exec(a)
      inputs.push(m ? { label: m[1], path: m[2] } : { path: a })
    }
  }
  if (inputs.length === 0) throw new Error(`no summary.json given: ${USAGE}`)
  const runs = inputs.map((x) => columnOf(readSummaryFile(resolve(x.path)), resolve(x.path), x.label))
  const comparison = compareSummaries(runs, loadThresholds(thresholds))
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, renderCompareHtml(comparison))
  const scenarios = comparison.guarantees.reduce((n, g) => n + g.scenarios.length, 0)
  console.log(
    `compare: ${runs.map((r) => r.label).join(' | ')}: ` +
      `${comparison.guarantees.length} guarantees, ${scenarios} scenarios`,
  )
  console.log(`compare: ${out}`)
}

try {
  main()
} catch (err) {
  console.error(`compare: ${(err as Error).message.split('\n')[0]}`)
  process.exit(1)
}
