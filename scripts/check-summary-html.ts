/**
 * The summary page's half of the report check (scripts/check-report-html.ts): what a reader who
 * expands nothing must see, checked against the run's messages, and every scenario link followed
 * into the cucumber report until its scenario is on screen.
 */
import { pathToFileURL } from 'node:url'
import type { Browser } from 'playwright-core'
import type { RunRecord, ScenarioRecord } from '../src/report/run-messages'
import { factFields, pageTitle } from '../src/report/runtime-facts'

interface RowSeen {
  readonly name: string
  readonly status: string
  readonly said: string
  readonly href: string
}

/** The statuses a row may show for how the scenario ended (a failure may be a known issue). */
function allowedStatuses(s: ScenarioRecord): string[] {
  if (s.status === 'PASSED') return ['passed']
  if (s.status === 'FAILED') return ['failed', 'known-issue']
  if (s.status === 'SKIPPED' || s.status === 'NOT_SELECTED' || s.status === 'NOT_STARTED') return ['not-run']
  return ['failed']
}

export async function checkSummary(
  browser: Browser,
  htmlPath: string,
  run: RunRecord,
  screenshot: string,
): Promise<{ problems: string[]; said: string[] }> {
  const problems: string[] = []
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  try {
    await page.goto(pathToFileURL(htmlPath).href)
    const title = await page.title()
    if (title !== pageTitle('summary', run.runtime))
      problems.push(`summary: page title is "${title}", not "${pageTitle('summary', run.runtime)}"`)
    const block = (await page.locator('#runtime').textContent()) ?? ''
    if (!run.runtime) problems.push('summary: the messages name no runtime under test')
    for (const [label, value] of run.runtime ? factFields(run.runtime) : []) {
      if (!block.includes(value)) problems.push(`summary: the runtime block lacks ${label} "${value}"`)
    }
    if (!((await page.locator('#verdict').textContent()) ?? '').trim()) problems.push('summary: no verdict sentence')

    const rows: RowSeen[] = await page.locator('tr.row').evaluateAll((trs) =>
      trs.map((tr) => ({
        name: tr.querySelector('td.scenario a')?.textContent ?? '',
        status: tr.getAttribute('data-status') ?? '',
        said: tr.querySelector('.said')?.textContent ?? '',
        href: tr.querySelector<HTMLAnchorElement>('td.scenario a')?.href ?? '',
      })),
    )
    const rules = await page.locator('tr.rule th, tr.feature th').allTextContents()
    for (const s of run.scenarios) {
      const row = rows.find((r) => r.name === s.name)
      if (!row) {
        problems.push(`summary: no row for "${s.name}"`)
        continue
      }
      if (!allowedStatuses(s).includes(row.status))
        problems.push(`summary: "${s.name}" ended ${s.status}, its row says ${row.status || 'nothing'}`)
      if (s.checks.length && !/\d/.test(row.said))
        problems.push(`summary: "${s.name}" measured numbers, its row shows none ("${row.said}")`)
      if (!s.checks.length && s.checkLines.length && !row.said.trim())
        problems.push(`summary: "${s.name}" has checks, its row shows none`)
      if (!rules.some((t) => t.includes(s.rule)))
        problems.push(`summary: no guarantee heading "${s.rule}" above "${s.name}"`)
    }
    if (rows.length !== run.scenarios.length)
      problems.push(`summary: ${run.scenarios.length} scenarios in the messages, ${rows.length} rows`)

    const charts = await page
      .locator('img.chart')
      .evaluateAll((imgs) => (imgs as HTMLImageElement[]).map((i) => i.naturalWidth))
    const expectedCharts = run.scenarios.filter((s) => s.charts.length).length
    if (charts.length !== expectedCharts)
      problems.push(`summary: ${expectedCharts} scenarios have charts, the page shows ${charts.length}`)
    if (charts.some((w) => w === 0))
      problems.push(`summary: ${charts.filter((w) => w === 0).length} chart(s) do not decode`)
    await page.screenshot({ path: screenshot, fullPage: true })

    const landed = await followLinks(browser, rows, problems)
    return {
      problems,
      said: [
        `summary: title, runtime block and ${rows.length} guarantee rows with status and headline; ${charts.length} ` +
          `charts decode`,
        `summary: ${landed} of ${rows.length} links land on their scenario in the cucumber report; screenshot ` +
          `${screenshot}`,
      ],
    }
  } finally {
    await page.close()
  }
}

/** Opens each row's link and waits until the cucumber report has scrolled its scenario into view. */
async function followLinks(browser: Browser, rows: readonly RowSeen[], problems: string[]): Promise<number> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  let landed = 0
  try {
    for (const row of rows) {
      await page.goto('about:blank') // a link differing only in its #fragment would not reload the report
      await page.goto(row.href)
      const heading = page.locator(`[data-linked-scenario="${row.name.replace(/["\\]/g, '\\$&')}"]`)
      const ok = await heading
        .waitFor({ timeout: 15_000 })
        .then(() =>
          heading.evaluate(
            (el) => el.getBoundingClientRect().bottom > 0 && el.getBoundingClientRect().top < window.innerHeight,
          ),
        )
        .catch(() => false)
      if (ok && (await heading.textContent())?.replace(/\s+/g, ' ').trim() === `Scenario: ${row.name}`) landed++
      else
        problems.push(
          `summary: the link of "${row.name}" does not land on its scenario in the cucumber report ` +
            `(${row.href.slice(0, 80)}…)`,
        )
    }
  } finally {
    await page.close()
  }
  return landed
}
