/**
 * Finishes cucumber's own HTML report (whose title is always "Cucumber") for people:
 * - the runtime under test once, above the report (with the self-test banner on refbox), and the
 *   per-scenario runtime log line hidden (it stays in the messages for tools);
 * - each feature's section titled by what it guarantees (the feature's name and its rules), the
 *   file name small beside it, instead of the file path;
 * - each step's verdict line (a "✔"/"✘" check line or the named outcome) set apart from the logs;
 * - charts shown inline at their own width (click to enlarge), not behind their file name;
 * - the run's start as an absolute UTC time instead of "10 minutes ago";
 * - a link to the one-glance summary, and `#scenario=NAME` addresses (summary.html's links) that
 *   open and scroll to that scenario, since the report's own search matches any word.
 * The report is a React page that mounts sections as they open: a small script re-applies the
 * changes whenever the page changes.
 */
import { pageTitle, startedWords, type RuntimeFacts } from './runtime-facts'

const STYLE = `
#runtime-under-test{
  font:14px/1.45 system-ui,sans-serif;background:#fff7e0;border-bottom:1px solid #e8d9a8;padding:8px 16px;
  color:#3b3000;
}
#runtime-under-test .who{font-size:16px;font-weight:700}
#runtime-under-test .facts{color:#5c4a00;font-size:13px}
#selftest{font:700 16px/1.4 system-ui,sans-serif;background:#5b2a86;color:#fff;padding:8px 16px}
.bds-hidden{display:none!important}
.bds-verdict{border-left:5px solid #2e9b4e;background:#e9f7ec!important;font-weight:600;font-size:1.05em}
.bds-verdict.bds-failed{border-left-color:#c62828;background:#fde8e8!important}
.bds-verdict.bds-outcome{border-left-color:#1f4e8c;background:#e8f0fb!important}
.bds-verdict pre{font-family:system-ui,sans-serif!important;font-size:15px!important}
.bds-feature-title{font-weight:700}
.bds-feature-rules{display:block;font-weight:400;font-size:13px;color:#3b4350}
.bds-feature-file{font-weight:400;font-size:12px;color:#5a6270;margin-left:8px}
details.bds-chart>summary{display:none}
img.bds-chart{display:block;width:720px;max-width:100%;height:auto;cursor:zoom-in;border:1px solid #e6e9ee;margin:6px 0}
img.bds-chart.bds-enlarged{
  position:fixed;inset:2vh 2vw;width:96vw;height:96vh;max-width:none;object-fit:contain;background:#fff;z-index:1000;
  cursor:zoom-out;box-shadow:0 0 0 100vmax rgba(20,24,32,.8);
}
`

/** Runs in the page: applies the changes above to whatever React has mounted, and again on every change. */
const DECORATE_SCRIPT = `
(function () {
  var messages = window.CUCUMBER_MESSAGES || [];
  var features = {};
  messages.forEach(function (e) {
    var d = e.gherkinDocument;
    if (!d || !d.feature) return;
    var rules = (d.feature.children || [])
      .filter(function (c) { return c.rule; })
      .map(function (c) { return c.rule.name; });
    features[d.uri] = { name: d.feature.name, rules: rules };
  });
  var started = messages.filter(function (e) { return e.testRunStarted; })[0];
  var norm = function (t) { return (t || '').replace(/\\s+/g, ' ').trim(); };
  function utc(iso) {
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }
  function esc(t) { return String(t).replace(/[&<>"]/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function apply() {
    document.querySelectorAll('#content button[aria-expanded]:not([data-feature-uri])').forEach(function (b) {
      var spans = b.querySelectorAll(':scope > span');
      var label = spans[spans.length - 1];
      var uri = label && norm(label.textContent);
      var f = features[uri];
      if (!f) return;
      b.setAttribute('data-feature-uri', uri);
      var file = uri.split('/').pop();
      label.innerHTML = '<span class="bds-feature-title">' + esc(f.name) + '</span>' +
        '<span class="bds-feature-file">' + esc(file) + '</span>' +
        (f.rules.length ? '<span class="bds-feature-rules">Guarantees: ' + f.rules.map(esc).join(' · ') : '') +
        (f.rules.length ? '</span>' : '');
    });
    document.querySelectorAll('#content pre:not([data-bds])').forEach(function (pre) {
      pre.setAttribute('data-bds', '1');
      var text = norm(pre.textContent);
      var box = pre.parentElement;
      if (!box) return;
      if (text.indexOf('Runtime under test: ') === 0) {
        box.classList.add('bds-hidden');
        box.setAttribute('data-runtime-line', '1');
      } else if (/^[\\u2714\\u2718] /.test(text)) {
        box.classList.add('bds-verdict');
        if (text[0] === '\\u2718') box.classList.add('bds-failed');
      } else if (text.indexOf('Outcome: ') === 0) box.classList.add('bds-verdict', 'bds-outcome');
    });
    document.querySelectorAll('#content details:not(.bds-chart)').forEach(function (d) {
      var img = d.querySelector(':scope > img');
      if (!img) return;
      d.classList.add('bds-chart');
      d.open = true;
      img.classList.add('bds-chart');
      img.title = 'click to enlarge';
      img.addEventListener('click', function () { img.classList.toggle('bds-enlarged'); });
    });
    document.querySelectorAll('time[datetime]').forEach(function (t) {
      var want = utc(t.getAttribute('datetime'));
      if (t.textContent !== want) t.textContent = want;
    });
  }
  var scheduled = false;
  new MutationObserver(function () {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(function () { scheduled = false; apply(); });
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
  window.addEventListener('load', apply);
})();
`

/** Opens the scenario's feature, scrolls to its heading and marks it (data-linked-scenario). */
const DEEP_LINK_SCRIPT = `
(function () {
  var m = /[#&]scenario=([^&]*)/.exec(location.hash);
  if (!m) return;
  var name = decodeURIComponent(m[1]);
  var pickle = (window.CUCUMBER_MESSAGES || [])
    .map(function (e) { return e.pickle; })
    .filter(function (p) { return p && p.name === name; })[0];
  var norm = function (t) { return (t || '').replace(/\\s+/g, ' ').trim(); };
  var tries = 0;
  function attempt() {
    if (pickle) document.querySelectorAll('button[aria-expanded="false"]').forEach(function (b) {
      if (b.getAttribute('data-feature-uri') === pickle.uri || norm(b.textContent) === pickle.uri) b.click();
    });
    var heading = Array.prototype.filter.call(document.querySelectorAll('#content *'), function (el) {
      var titled = function (e) { return norm(e.textContent) === 'Scenario: ' + name; };
      return titled(el) && !Array.prototype.some.call(el.children, titled);
    })[0];
    if (heading) {
      heading.setAttribute('data-linked-scenario', name);
      heading.style.outline = '3px solid #f0b400';
      heading.scrollIntoView({ block: 'start' });
      window.scrollBy(0, -24);
    } else if (++tries < 50) setTimeout(attempt, 100);
  }
  window.addEventListener('load', function () { setTimeout(attempt, 150); });
})();
`

export function decorateCucumberHtml(
  html: string,
  facts: RuntimeFacts | undefined,
  summaryHref = 'summary.html',
): string {
  const titled = html
    .replace(/<title>[^<]*<\/title>/, () => `<title>${esc(pageTitle('report', facts))}</title>`)
    .replace(/<\/head>/, () => `<style>${STYLE}</style></head>`)
    .replace(/<body>/, () => `<body>\n${banner(facts, summaryHref)}`)
  const end = titled.lastIndexOf('</body>')
  const scripts = `<script>${DECORATE_SCRIPT}</script><script>${DEEP_LINK_SCRIPT}</script>\n`
  return end < 0 ? titled : `${titled.slice(0, end)}${scripts}${titled.slice(end)}`
}

/** The runtime under test, once for the whole report; the self-test banner above it on refbox. */
function banner(facts: RuntimeFacts | undefined, summaryHref: string): string {
  const summary = `<a href="${esc(summaryHref)}">one-glance summary</a>`
  if (!facts)
    return (
      '<div id="runtime-under-test"><span class="who">Runtime under test: unknown (no scenario announced it)</span>' +
      ` · ${summary}</div>`
    )
  const selfTest =
    facts.runtime === 'refbox'
      ? '<div id="selftest">Self-test on the reference runtime, not a BoxLite result</div>'
      : ''
  const driver = facts.binary ? `${facts.driver} driver (${facts.binary})` : `${facts.driver} driver (embedded)`
  const line = [
    driver,
    `image: ${facts.image}`,
    `host: Linux ${facts.host.kernel} ${facts.host.arch}`,
    `suite revision ${facts.suiteRevision}`,
    `started ${startedWords(facts.startedAt)}`,
  ].join(' · ')
  const who = `<div class="who">Runtime under test: ${esc(facts.description)}</div>`
  return `${selfTest}<div id="runtime-under-test">${who}<div class="facts">${esc(line)} · ${summary}</div></div>`
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}
