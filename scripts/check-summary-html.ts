/**
 * The summary page's half of the report check (scripts/check-report-html.ts): what a reader who
 * expands nothing must see, checked against the run's messages in a 1280x800 window: the runtime
 * and the verdict on the first screen with the counts, known issues and proof (and the self-test
 * banner on refbox), every guarantee row in severity order, no host path or hash in a headline,
 * every chart at least 500 px wide with text of at least 11 px, summary.pdf written; and every
 * scenario link followed into the cucumber report until its scenario is on screen.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import type { Severity } from '../src/report/catalogue'
import type { RunRecord, ScenarioRecord } from '../src/report/run-messages'
import { factFields, pageTitle } from '../src/report/runtime-facts'

export const SCREEN = { width: 1280, height: 800 }
/** The smallest chart text a reader can take in without zooming, and the narrowest chart. */
export const MIN_CHART_TEXT_PX = 11
export const MIN_CHART_WIDTH_PX = 500
const SEVERITY_RANK: Record<Severity | 'none', number> = { 'host-and-neighbours': 0, data: 1, cost: 2, none: 3 }

/**
 * Each visible chart image matching `selector`: its rendered width and the size its smallest text
 * is drawn at (the SVG's smallest font-size times rendered width over its viewBox width).
 */
export async function chartSizes(page: Page, selector: string): Promise<Array<{ width: number; textPx: number }>> {
  return page.locator(selector).evaluateAll((imgs) =>
    (imgs as HTMLImageElement[])
      .filter((img) => img.getBoundingClientRect().width > 0)
      .map((img) => {
        const width = img.getBoundingClientRect().width
        const m = /^data:image\/svg\+xml;base64,(.*)$/.exec(img.src)
        if (!m) return { width, textPx: 0 }
        const svg = new DOMParser().parseFromString(atob(m[1]), 'image/svg+xml').documentElement
        const viewWidth = Number(svg.getAttribute('viewBox')?.split(/\s+/)[2] ?? svg.getAttribute('width') ?? width)
        const sizes = [svg, ...Array.from(svg.querySelectorAll('[font-size]'))].map((el) =>
          Number(el.getAttribute('font-size')),
        )
        const textPx = Math.min(...sizes.filter((n) => n > 0)) * (width / viewWidth)
        return { width: Math.round(width), textPx: Math.round(textPx * 10) / 10 }
      }),
  )
}

/** "722 px wide or more, text 13 px or more" */
export function sizeWords(sizes: ReadonlyArray<{ width: number; textPx: number }>): string {
  const least = (pick: (s: { width: number; textPx: number }) => number) => Math.min(...sizes.map(pick))
  return `${least((s) => s.width)} px wide or more, text ${least((s) => s.textPx)} px or more`
}

/** The problems of charts too narrow or with text too small, named by `where`. */
export function chartProblems(where: string, sizes: ReadonlyArray<{ width: number; textPx: number }>): string[] {
  return sizes.flatMap((s, i) => [
    ...(s.width < MIN_CHART_WIDTH_PX
      ? [`${where}: chart ${i + 1} is ${s.width} px wide, under ${MIN_CHART_WIDTH_PX} px`]
      : []),
    ...(s.textPx < MIN_CHART_TEXT_PX
      ? [`${where}: chart ${i + 1} draws text at ${s.textPx} px, under ${MIN_CHART_TEXT_PX} px`]
      : []),
  ])
}

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
  const page = await browser.newPage({ viewport: SCREEN })
  try {
    await page.goto(pathToFileURL(htmlPath).href)
    problems.push(...(await firstScreen(page, run)))
    const title = await page.title()
    if (title !== pageTitle('summary', run.runtime))
      problems.push(`summary: page title is "${title}", not "${pageTitle('summary', run.runtime)}"`)
    const block = (await page.locator('#runtime').textContent()) ?? ''
    if (!run.runtime) problems.push('summary: the messages name no runtime under test')
    for (const [label, value] of run.runtime ? factFields(run.runtime) : []) {
      if (!block.includes(value)) problems.push(`summary: the runtime block lacks ${label} "${value}"`)
    }
    if (!((await page.locator('#verdict').textContent()) ?? '').trim()) problems.push('summary: no verdict sentence')

    const rows: Array<RowSeen & { severity: string; order: string; headline: string }> = await page
      .locator('tr.row')
      .evaluateAll((trs) =>
        trs.map((tr) => ({
          name: tr.querySelector('td.scenario a')?.textContent ?? '',
          status: tr.getAttribute('data-status') ?? '',
          said: tr.querySelector('.said')?.textContent ?? '',
          headline: tr.querySelector('.headline')?.textContent ?? '',
          href: tr.querySelector<HTMLAnchorElement>('td.scenario a')?.href ?? '',
          severity: tr.getAttribute('data-severity') ?? 'none',
          order: tr.getAttribute('data-order') ?? '',
        })),
      )
    for (const r of rows) {
      if (/\/tmp\//.test(r.headline) || /[0-9a-f]{64}/i.test(r.headline))
        problems.push(`summary: the headline of "${r.name}" shows a host path or a hash: "${r.headline.slice(0, 120)}"`)
    }
    const rank = (r: (typeof rows)[number]) => [
      SEVERITY_RANK[r.severity as Severity] ?? 3,
      r.order ? Number(r.order) : Number.POSITIVE_INFINITY,
    ]
    rows.slice(1).forEach((r, i) => {
      const [a, b] = [rank(rows[i]), rank(r)]
      if (b[0] < a[0] || (b[0] === a[0] && b[1] < a[1]))
        problems.push(
          `summary: rows out of severity order: "${r.name}" (${r.severity}) ` +
            `comes after "${rows[i].name}" (${rows[i].severity})`,
        )
    })
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
      .locator('tr.chart-row img.chart')
      .evaluateAll((imgs) => (imgs as HTMLImageElement[]).map((i) => i.naturalWidth))
    const sizes = await chartSizes(page, 'tr.chart-row img.chart')
    problems.push(...chartProblems('summary', sizes))
    problems.push(...pdfProblems(join(dirname(htmlPath), 'summary.pdf'), htmlPath))
    const expectedCharts = run.scenarios.filter((s) => s.charts.length).length
    if (charts.length !== expectedCharts)
      problems.push(`summary: ${expectedCharts} scenarios have charts, the page shows ${charts.length}`)
    if (charts.some((w) => w === 0))
      problems.push(`summary: ${charts.filter((w) => w === 0).length} chart(s) do not decode`)
    await page.screenshot({ path: screenshot }) // the first screen: what a reader sees without scrolling

    // A scenario the run left out (tags, names) is not in the cucumber report: its link has nowhere to land.
    const left = new Set(run.scenarios.filter((s) => s.status === 'NOT_SELECTED').map((s) => s.name))
    const linked = rows.filter((r) => !left.has(r.name))
    const landed = await followLinks(browser, linked, problems)
    return {
      problems,
      said: [
        `summary: runtime and verdict on the first screen (1280x800)` +
          (run.runtime?.runtime === 'refbox' ? ' under the self-test banner' : '') +
          ', with counts, known issues and proof',
        `summary: title, runtime block and ${rows.length} guarantee rows in severity order ` +
          'with status and a headline free of host paths and hashes',
        `summary: ${charts.length} charts decode, ${sizes.length ? sizeWords(sizes) : 'none to measure'}; ` +
          'summary.pdf written',
        `summary: ${landed} of ${linked.length} links land on their scenario in the cucumber report; ` +
          `first screen saved as ${screenshot}`,
      ],
    }
  } finally {
    await page.close()
  }
}

/** What the first screen must hold: who was tested in the verdict, the self-test banner on refbox, the tiles. */
async function firstScreen(page: Page, run: RunRecord): Promise<string[]> {
  const problems: string[] = []
  const onScreen = async (selector: string) => {
    if ((await page.locator(selector).count()) === 0) return false
    const box = await page.locator(selector).first().boundingBox()
    return box !== null && box.y >= 0 && box.y + box.height <= SCREEN.height
  }
  const verdict = ((await page.locator('#verdict').textContent()) ?? '').trim()
  if (!verdict) problems.push('summary: no verdict sentence')
  else if (!(await onScreen('#verdict'))) problems.push('summary: the verdict is not on the first screen (1280x800)')
  const rt = run.runtime
  if (rt && !(verdict.includes(rt.version) && verdict.toLowerCase().includes(rt.runtime.toLowerCase())))
    problems.push(
      `summary: the verdict does not name the runtime under test (${rt.runtime} ${rt.version}): "${verdict}"`,
    )
  if (rt && !verdict.includes(`${rt.driver} driver`))
    problems.push(`summary: the verdict does not name the driver (${rt.driver}): "${verdict}"`)
  const banner = await page.locator('#selftest').count()
  if (rt?.runtime === 'refbox') {
    const said =
      (await page
        .locator('#selftest')
        .textContent()
        .catch(() => '')) ?? ''
    if (!banner || !said.includes('Self-test on the reference runtime, not a BoxLite result'))
      problems.push('summary: a refbox run without the self-test banner')
    else if (!(await onScreen('#selftest'))) problems.push('summary: the self-test banner is not on the first screen')
  } else if (banner) problems.push(`summary: the self-test banner on a run of ${rt?.runtime ?? 'an unknown runtime'}`)
  for (const [id, what] of [
    ['#counts', 'the counts'],
    ['#known-issues', 'the known issues'],
    ['#proof', "the proof's result"],
  ] as const) {
    if (!(await onScreen(id))) problems.push(`summary: ${what} (${id}) not on the first screen (1280x800)`)
  }
  return problems
}

/** summary.pdf beside the page: a PDF, written with or after this summary. */
function pdfProblems(pdf: string, html: string): string[] {
  if (!existsSync(pdf))
    return [`summary: ${pdf} was not written (SUMMARY_PDF=0, or Chromium failed: see the run's output)`]
  if (readFileSync(pdf).subarray(0, 5).toString() !== '%PDF-') return [`summary: ${pdf} is not a PDF`]
  if (statSync(pdf).mtimeMs + 5_000 < statSync(html).mtimeMs) return [`summary: ${pdf} is older than the summary`]
  return []
}

/** Opens each row's link and waits until the cucumber report has scrolled its scenario into view. */
async function followLinks(browser: Browser, rows: readonly RowSeen[], problems: string[]): Promise<number> {
  const page = await browser.newPage({ viewport: SCREEN })
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
