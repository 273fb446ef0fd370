/**
 * Opens the generated HTML report the way a person would (headless Debian Chromium through
 * playwright-core, no browser download) and checks that every scenario's name is visible once
 * its feature is expanded and that every attached chart decodes as an image.
 *
 *   node -r ts-node/register scripts/check-report-html.ts [reports/]
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Page } from 'playwright-core'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

export interface ReportExpectations {
  readonly scenarioNames: string[]
  readonly imageAttachments: number
}

/** What the report must show, read from the run's own message file. */
export function expectationsFrom(ndjson: string): ReportExpectations {
  const names = new Set<string>()
  let images = 0
  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue
    const e = JSON.parse(line) as { pickle?: { name: string }; attachment?: { mediaType: string } }
    if (e.pickle) names.add(e.pickle.name)
    if (e.attachment?.mediaType.startsWith('image/')) images++
  }
  return { scenarioNames: [...names], imageAttachments: images }
}

/** Clicks every collapsed section open (features start collapsed when they all passed), then every <details>. */
async function expandEverything(page: Page): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const collapsed = page.locator('button[aria-expanded="false"]')
    if ((await collapsed.count()) === 0) break
    await collapsed.first().click()
  }
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)))
}

export async function checkReport(htmlPath: string, expected: ReportExpectations): Promise<string[]> {
  const problems: string[] = []
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
  try {
    const page = await browser.newPage()
    await page.goto(pathToFileURL(htmlPath).href)
    await page.getByText('Scenarios', { exact: true }).first().waitFor({ timeout: 30_000 })
    await expandEverything(page)
    for (const name of expected.scenarioNames) {
      const visible = await page.getByText(`Scenario: ${name}`, { exact: true }).first().isVisible().catch(() => false)
      if (!visible) problems.push(`scenario not visible: "${name}"`)
    }
    await page.waitForFunction(() => [...document.images].every((img) => img.complete), undefined, { timeout: 30_000 })
    const images = await page.evaluate(() => [...document.images].map((img) => ({ width: img.naturalWidth, src: img.src.slice(0, 40) })))
    if (images.length < expected.imageAttachments) {
      problems.push(`${expected.imageAttachments} image attachments in the run, ${images.length} images in the page`)
    }
    images.filter((i) => i.width === 0).forEach((i) => problems.push(`an attached image does not decode: ${i.src}…`))
  } finally {
    await browser.close()
  }
  return problems
}

if (require.main === module) {
  const dir = resolve(process.argv[2] ?? process.env.REPORTS_DIR ?? 'reports')
  const html = join(dir, 'cucumber-report.html')
  const ndjson = join(dir, 'cucumber-messages.ndjson')
  if (!existsSync(html) || !existsSync(ndjson)) {
    console.error(`report check: ${html} or ${ndjson} is missing; run the suite first`)
    process.exit(1)
  }
  const expected = expectationsFrom(readFileSync(ndjson, 'utf8'))
  checkReport(html, expected).then(
    (problems) => {
      if (problems.length) {
        console.error(`report check: ${problems.length} problem(s) in ${html}:`)
        problems.forEach((p) => console.error(`  - ${p}`))
        process.exit(1)
      }
      console.log(`report check: ${expected.scenarioNames.length} scenarios visible, ${expected.imageAttachments} charts decode as images`)
    },
    (err: unknown) => {
      console.error(`report check: ${err instanceof Error ? err.message : String(err)}`)
      process.exit(1)
    },
  )
}
