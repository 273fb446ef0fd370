/**
 * Finishes cucumber's JUnit XML: the suite is named after the runtime under test (so two runtimes'
 * results never merge under one name in a CI test view) and carries the runtime facts as
 * <properties>, which JUnit readers show with the suite.
 */
import { factFields, junitSuiteName, type RuntimeFacts } from './runtime-facts'

export function decorateJunit(xml: string, facts: RuntimeFacts | undefined): string {
  const open = /<testsuite\b[^>]*?(\/?)>/.exec(xml)
  if (!open) return xml
  const named = open[0].replace(/\bname="[^"]*"/, `name="${attr(junitSuiteName(facts))}"`)
  const fields = facts ? factFields(facts) : [['Runtime', 'unknown (no scenario announced it)'] as [string, string]]
  const properties = `\n  <properties>\n${fields
    .map(
      ([label, value]) =>
        `    <property name="${attr(label.toLowerCase().replace(/\s+/g, '-'))}" value="${attr(value)}"/>`,
    )
    .join('\n')}\n  </properties>`
  if (open[1] === '/') return xml.replace(open[0], `${named.replace(/\/>$/, '>')}${properties}\n</testsuite>`)
  return xml.replace(open[0], `${named}${properties}`)
}

function attr(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
}
