/**
 * Opens both HTML reports the way a person would (headless Debian Chromium through playwright-core,
 * no browser download) and checks them against the run's own messages:
 * - cucumber-report.html: the runtime under test in the page title and once above the report (the
 *   self-test banner on refbox), each scenario's own runtime line logged first but not shown,
 *   features titled by their guarantees rather than file paths, the verdict lines set apart from
 *   the logs, every attached chart shown inline, at least 500 px wide with text of at least 11 px;
 * - summary.html (./check-summary-html.ts): at 1280x800, the runtime and verdict on the first
 *   screen, rows in severity order, headlines without host paths or hashes, readable charts,
 *   summary.pdf written, every link landing on its scenario in the cucumber report. Saves the
 *   first screen of the summary as summary.png beside it.
 *
 *   node -r ts-node/register scripts/check-report-html.ts [reports/]
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { readRunMessages, type RunRecord } from '../src/report/run-messages'
import { pageTitle } from '../src/report/runtime-facts'
import { CHROMIUM, CHROMIUM_FLAGS as FLAGS } from '../src/report/print-pdf'
import { chartProblems, chartSizes, checkSummary, SCREEN, sizeWords } from './check-summary-html'

/** Clicks every collapsed section open (features start collapsed when they all passed), then every <details>. */
async function expandEverything(page: Page): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const collapsed = page.locator('button[aria-expanded="false"]')
    if ((await collapsed.count()) === 0) break
    await collapsed.first().click()
  }
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)))
}

export async function checkCucumberReport(
  browser: Browser,
  htmlPath: string,
  run: RunRecord,
): Promise<{ problems: string[]; said: string }> {
  const problems: string[] = []
  const page = await browser.newPage({ viewport: SCREEN })
  try {
    await page.goto(pathToFileURL(htmlPath).href)
    await page.getByText('Scenarios', { exact: true }).first().waitFor({ timeout: 30_000 })
    const title = await page.title()
    if (title !== pageTitle('report', run.runtime))
      problems.push(`cucumber report: page title is "${title}", not "${pageTitle('report', run.runtime)}"`)
    const banner =
      (await page
        .locator('#runtime-under-test')
        .textContent()
        .catch(() => null)) ?? ''
    if (!run.runtime || !banner.includes(run.runtime.description))
      problems.push(`cucumber report: no runtime line above the report (found "${banner.slice(0, 120)}")`)
    if ((await page.locator('#runtime-under-test').count()) !== 1)
      problems.push('cucumber report: the runtime banner is not there exactly once')
    const selfTest = await page.locator('#selftest').count()
    if (run.runtime?.runtime === 'refbox' && selfTest !== 1)
      problems.push('cucumber report: a refbox run without the self-test banner')
    if (run.runtime && run.runtime.runtime !== 'refbox' && selfTest)
      problems.push(`cucumber report: the self-test banner on a run of ${run.runtime.runtime}`)
    await expandEverything(page)
    const ran = run.scenarios.filter((s) => s.status !== 'NOT_SELECTED')
    for (const s of ran) {
      const visible = await page
        .getByText(`Scenario: ${s.name}`, { exact: true })
        .first()
        .isVisible()
        .catch(() => false)
      if (!visible) problems.push(`cucumber report: scenario not visible: "${s.name}"`)
    }
    // Every scenario whose steps ran logs the line first (scenarios stopped by a hook have only the banner).
    const told = run.scenarios.filter((s) => s.logs.some((l) => l.startsWith('Runtime under test: ')))
    const passedUntold = run.scenarios.filter((s) => s.status === 'PASSED' && !told.includes(s))
    const notFirst = told.filter((s) => !s.logs[0].startsWith('Runtime under test: '))
    if (notFirst.length) problems.push(`messages: the runtime line is not the first log line of "${notFirst[0].name}"`)
    if (passedUntold.length)
      problems.push(
        `messages: ${passedUntold.length} passed scenarios never logged the runtime line (e.g. ` +
          `"${passedUntold[0].name}")`,
      )
    // The banner says it once; each scenario's own line stays in the page for tools, not shown.
    await page.waitForTimeout(300) // the page's decorating script runs on the next frame after a change
    const lines = page.locator('pre').filter({ hasText: /^Runtime under test: / })
    const [inPage, shown] = [await lines.count(), await lines.filter({ visible: true }).count()]
    if (inPage < told.length)
      problems.push(`cucumber report: ${told.length} scenarios logged the runtime line, ${inPage} are in the page`)
    if (shown) problems.push(`cucumber report: the runtime line is shown in ${shown} scenarios, not only once above`)
    const paths = await page
      .locator('button[aria-expanded]')
      .evaluateAll((bs) => bs.map((b) => (b.textContent ?? '').trim()).filter((t) => /^features\/.*\.feature$/.test(t)))
    if (paths.length) problems.push(`cucumber report: sections titled by file path, e.g. "${paths[0]}"`)
    const checkLines = run.scenarios.reduce((n, s) => n + s.checkLines.length, 0)
    const verdictLines = await page.locator('.bds-verdict').count()
    if (verdictLines < checkLines)
      problems.push(`cucumber report: ${checkLines} verdict lines in the run, ${verdictLines} set apart from the logs`)
    await page.waitForFunction(() => [...document.images].every((img) => img.complete), undefined, { timeout: 30_000 })
    const images = await page.evaluate(() =>
      [...document.images].map((img) => ({ width: img.naturalWidth, src: img.src.slice(0, 40) })),
    )
    const sizes = await chartSizes(page, 'img.bds-chart')
    const charted = run.scenarios.reduce((n, s) => n + s.charts.length, 0)
    if (sizes.length < charted)
      problems.push(`cucumber report: ${charted} charts in the run, ${sizes.length} shown inline`)
    problems.push(...chartProblems('cucumber report', sizes))
    const charts = run.scenarios.reduce((n, s) => n + s.charts.length, 0)
    if (images.length < charts)
      problems.push(`cucumber report: ${charts} charts in the run, ${images.length} images in the page`)
    images
      .filter((i) => i.width === 0)
      .forEach((i) => problems.push(`cucumber report: an attached image does not decode: ${i.src}…`))
    return {
      problems,
      said:
        `cucumber report: title and one runtime banner; ${ran.length} scenarios visible under their guarantees; ` +
        `${verdictLines} verdict lines set apart; ${charts} charts decode, ${sizes.length} shown inline` +
        (sizes.length ? ` (${sizeWords(sizes)})` : ''),
    }
  } finally {
    await page.close()
  }
}

async function main(): Promise<number> {
  const dir = resolve(process.argv[2] ?? process.env.REPORTS_DIR ?? 'reports')
  const [report, summary, ndjson] = ['cucumber-report.html', 'summary.html', 'cucumber-messages.ndjson'].map((f) =>
    join(dir, f),
  )
  const missing = [report, summary, ndjson].filter((f) => !existsSync(f))
  if (missing.length) {
    console.error(`report check: ${missing.join(', ')} missing; run the suite first`)
    return 1
  }
  const run = readRunMessages(readFileSync(ndjson, 'utf8'))
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
  let problems: string[]
  let said: string[]
  try {
    const cucumber = await checkCucumberReport(browser, report, run)
    const result = await checkSummary(browser, summary, run, join(dir, 'summary.png'))
    problems = [...cucumber.problems, ...result.problems]
    said = [cucumber.said, ...result.said]
  } finally {
    await browser.close()
  }
  if (problems.length) {
    console.error(`report check: ${problems.length} problem(s) in ${dir}:`)
    problems.forEach((p) => console.error(`  - ${p}`))
    return 1
  }
  said.forEach((line) => console.log(`report check: ${line}`))
  return 0
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`report check: ${err instanceof Error ? err.message : String(err)}`)
      process.exit(1)
    },
  )
}
