/**
 * Cucumber formatter: when the run finishes, writes the one-glance summary to its output file
 * (summary.html) and summary.md and summary.json beside it (src/report/write-summary.ts, which
 * names the settings), then prints it to summary.pdf (src/report/print-pdf.ts; SUMMARY_PDF=0 turns
 * it off, and the proof's defect runs skip it). Plain CommonJS because cucumber loads formatters
 * with import(), which cannot load TypeScript; cucumber has registered the transpiler
 * (requireModule) before it loads them.
 */
const { join, resolve } = require('node:path')
require('ts-node/register') // registers .ts once per process
const { buildSummaryFiles, summarySettings, writeSummaryFiles } = require('../../src/report/write-summary.ts')
const { pdfWanted, printPdf } = require('../../src/report/print-pdf.ts')

module.exports = {
  type: 'formatter',
  formatter({ on, write, directory, logger }) {
    const outDir = directory || resolve(process.env.REPORTS_DIR || 'reports')
    const settings = summarySettings(outDir) // reads the previous summary.json now, before it is replaced
    const lines = []
    let html
    on('message', (envelope) => {
      lines.push(JSON.stringify(envelope))
      if (!envelope.testRunFinished) return
      try {
        const files = buildSummaryFiles(lines.join('\n'), settings)
        write(files.html)
        writeSummaryFiles(outDir, files, false)
        html = files.html
      } catch (err) {
        logger.error(`summary: ${err.message}`) // the run guard reports a bad settings file too
      }
    })
    return async () => {
      if (!html || settings.expectedFailures) return
      try {
        if (pdfWanted()) await printPdf({ html }, join(outDir, 'summary.pdf'))
      } catch (err) {
        logger.warn(`summary: summary.pdf not written: ${err.message.split('\n')[0]} (SUMMARY_PDF=0 turns it off)`)
      }
    }
  },
}
