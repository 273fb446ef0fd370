/**
 * Cucumber formatter: cucumber's JUnit XML (the same @cucumber/junit-xml-formatter cucumber uses),
 * its suite named after the runtime under test and carrying its facts as <properties>
 * (src/report/junit.ts). CommonJS: see ./summary.cjs.
 */
const { dirname } = require('node:path')
require('ts-node/register') // registers .ts once per process
const junit = require(
  require.resolve('@cucumber/junit-xml-formatter', {
    paths: [dirname(require.resolve('@cucumber/cucumber/package.json'))],
  }),
).default
const { decorateJunit } = require('../../src/report/junit.ts')
const { FACTS_ATTACHMENT } = require('../../src/report/runtime-facts.ts')

module.exports = {
  type: 'formatter',
  optionsKey: 'junit',
  formatter(context) {
    let facts
    context.on('message', (e) => {
      if (!facts && e.attachment && e.attachment.fileName === FACTS_ATTACHMENT) facts = JSON.parse(e.attachment.body)
    })
    return junit.formatter({ ...context, write: (xml) => context.write(decorateJunit(String(xml), facts)) })
  },
}
