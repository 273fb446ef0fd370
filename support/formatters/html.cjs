/**
 * Cucumber formatter: cucumber's own HTML report, finished by src/report/cucumber-html.ts (the
 * runtime under test in the title and above the report, deep links to scenarios). Buffered: the
 * runtime is known only once a scenario has announced it. CommonJS: see ./summary.cjs.
 */
require('ts-node/register') // registers .ts once per process
const builtin = require('@cucumber/cucumber/lib/formatter/builtin/html').default
const { decorateCucumberHtml } = require('../../src/report/cucumber-html.ts')
const { FACTS_ATTACHMENT } = require('../../src/report/runtime-facts.ts')

module.exports = {
  type: 'formatter',
  optionsKey: 'html',
  async formatter(context) {
    const chunks = []
    let facts
    context.on('message', (e) => {
      if (!facts && e.attachment && e.attachment.fileName === FACTS_ATTACHMENT) facts = JSON.parse(e.attachment.body)
    })
    const finish = await builtin.formatter({ ...context, write: (chunk) => chunks.push(String(chunk)) })
    return async () => {
      await finish()
      context.write(decorateCucumberHtml(chunks.join(''), facts))
    }
  },
}
