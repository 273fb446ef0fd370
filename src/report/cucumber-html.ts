/**
 * Finishes cucumber's own HTML report (whose title is always "Cucumber"): the runtime under test
 * in the page title and in a line above the report, a link to the one-glance summary, and a small
 * script that opens and scrolls to the scenario named in the address (`#scenario=NAME`, the links
 * of summary.html), since the report's own search matches any word and cannot single one out.
 */
import { pageTitle, runtimeLine, type RuntimeFacts } from './runtime-facts'

const BANNER_STYLE =
  'font:14px/1.4 system-ui,sans-serif;background:#fff7e0;border-bottom:1px solid #e8d9a8;padding:8px 16px;color:#3b3000'

/** Opens the scenario's feature, scrolls to its heading and marks it (data-linked-scenario). */
const DEEP_LINK_SCRIPT = `
(function () {
  var m = /[#&]scenario=([^&]*)/.exec(location.hash);
  if (!m) return;
  var name = decodeURIComponent(m[1]);
  var pickle = (window.CUCUMBER_MESSAGES || []).map(function (e) { return e.pickle; }).filter(function (p) { return p && p.name === name; })[0];
  var norm = function (t) { return (t || '').replace(/\\s+/g, ' ').trim(); };
  var tries = 0;
  function attempt() {
    if (pickle) document.querySelectorAll('button[aria-expanded="false"]').forEach(function (b) { if (norm(b.textContent) === pickle.uri) b.click(); });
    var heading = Array.prototype.filter.call(document.querySelectorAll('#content *'), function (el) {
      return norm(el.textContent) === 'Scenario: ' + name && !Array.prototype.some.call(el.children, function (c) { return norm(c.textContent) === 'Scenario: ' + name; });
    })[0];
    if (heading) {
      heading.setAttribute('data-linked-scenario', name);
      heading.style.outline = '3px solid #f0b400';
      heading.scrollIntoView({ block: 'start' });
      window.scrollBy(0, -24);
    } else if (++tries < 50) setTimeout(attempt, 100);
  }
  window.addEventListener('load', function () { setTimeout(attempt, 50); });
})();
`

export function decorateCucumberHtml(
  html: string,
  facts: RuntimeFacts | undefined,
  summaryHref = 'summary.html',
): string {
  const line = facts ? runtimeLine(facts) : 'Runtime under test: unknown (no scenario announced it)'
  const banner =
    `<div id="runtime-under-test" style="${BANNER_STYLE}">${esc(line)} · <a ` +
    `href="${esc(summaryHref)}">one-glance summary</a></div>`
  const titled = html
    .replace(/<title>[^<]*<\/title>/, () => `<title>${esc(pageTitle('report', facts))}</title>`)
    .replace(/<body>/, () => `<body>\n${banner}`)
  const end = titled.lastIndexOf('</body>')
  return end < 0 ? titled : `${titled.slice(0, end)}<script>${DEEP_LINK_SCRIPT}</script>\n${titled.slice(end)}`
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}
