/**
 * Prints an HTML page to PDF in headless Debian Chromium through playwright-core (no browser
 * download), with the page's print CSS, on A4: summary.pdf and the comparison's PDF. One browser
 * per call, with its own empty profile directory, removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** Flags that work in a sandbox with a closed network (no background connections, no first-run work). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Prints a page (a file, or HTML that needs nothing beside it) to an A4 PDF. */
export async function printPdf(
  page: { path: string } | { html: string },
  pdfPath: string,
  landscape = false,
): Promise<void> {
  const { chromium } = await import('playwright-core')
  const profile = mkdtempSync(join(tmpdir(), 'boxlite-disk-spec-pdf-'))
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_FLAGS,
      headless: true,
    })
    try {
      const tab = await context.newPage()
      if ('path' in page) await tab.goto(pathToFileURL(page.path).href)
      else await tab.setContent(page.html, { waitUntil: 'load' })
      await tab.emulateMedia({ media: 'print' })
      await tab.pdf({ path: pdfPath, format: 'A4', landscape, printBackground: true, preferCSSPageSize: true })
    } finally {
      await context.close()
    }
  } finally {
    rmSync(profile, { recursive: true, force: true })
  }
}

/** SUMMARY_PDF=0 turns the PDF off (e.g. on a machine without Chromium); anything else but 1 is a mistake. */
export function pdfWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.SUMMARY_PDF ?? '1').trim()
  if (v === '1' || v === '') return true
  if (v === '0') return false
  throw new Error(`SUMMARY_PDF="${env.SUMMARY_PDF}" is not a switch: write 1 (print summary.pdf, the default) or 0`)
}
