/**
 * The runtime under test, as every report names it: refbox, another boxlite-dialect binary, the embedded SDK (no boot).
 */
import { strict as assert } from 'node:assert'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, it } from 'node:test'
import {
  gatherRuntimeFacts,
  hostClass,
  identifyCli,
  identifySdk,
  suiteRevision,
} from '../../src/report/identify-runtime'
import { decorateCucumberHtml } from '../../src/report/cucumber-html'
import { decorateJunit } from '../../src/report/junit'
import { junitSuiteName, pageTitle, runtimeLine } from '../../src/report/runtime-facts'
import { RUN_STARTED_ENV } from '../../support/runtime-under-test'
import { runtimeFacts } from './synthetic-run'

const root = resolve(__dirname, '..', '..')
const refbox = join(root, 'bin', 'refbox')
const scratch = mkdtempSync(join(tmpdir(), 'runtime-facts-test-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

const gather = (
  settings: Parameters<typeof gatherRuntimeFacts>[0],
  extra: Partial<Parameters<typeof gatherRuntimeFacts>[1]> = {},
) => gatherRuntimeFacts(settings, { suiteRoot: root, startedAt: '2026-01-02T03:04:05.000Z', ...extra })

describe('runtime line', () => {
  it('names refbox as the reference runtime, not BoxLite, with its version and the image digest', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
    const image = join(scratch, 'layout')
    rmSync(image, { recursive: true, force: true })
    mkdirSync(image)
    writeFileSync(join(image, 'index.json'), JSON.stringify({ manifests: [{ digest: `sha256:${'ab'.repeat(32)}` }] }))
    const facts = gather({ driver: 'cli', bin: refbox, rootfs: image, registries: [] })
    assert.equal(facts.runtime, 'refbox')
    assert.equal(facts.version, version)
    const line = runtimeLine(facts)
    assert.match(
      line,
      new RegExp(
        `^Runtime under test: refbox ${version.replace(/\./g, '\\.')}: reference runtime on BoxLite's disk stack, ` +
          `not BoxLite \\| driver: cli \\(${refbox}\\)`,
      ),
    )
    assert.match(line, /image: OCI layout layout \(.*\), sha256:abababababab/)
    assert.match(line, /host: Linux \S+ \S+, KVM: /)
    assert.match(
      line,
      /preflight: none \(this profile needs no VM\) \| suite revision: \d+\.\d+\.\d+ \(git [0-9a-f]{7,}/,
    )
    assert.match(line, /started: 2026-01-02 03:04 UTC$/)
  })

  it('tells which defects a refbox run injects', () => {
    const facts = identifyCli(refbox, (bin, args) =>
      execFileSync(bin, [...args], { encoding: 'utf8', env: { ...process.env, REFBOX_DEFECTS: 'no-discard' } }),
    )
    assert.match(facts.description, /not BoxLite; injected defects: no-discard$/)
  })

  it('quotes another boxlite-dialect binary by its own --version', () => {
    const bin = join(scratch, 'boxlite')
    writeFileSync(bin, '#!/bin/sh\n[ "$1" = --version ] && echo "boxlite 0.10.3" && exit 0\nexit 2\n')
    chmodSync(bin, 0o755)
    const facts = gather({ driver: 'cli', bin, image: 'alpine:3.20', registries: ['mirror.example:5000'] })
    assert.deepEqual([facts.runtime, facts.version, facts.description], ['boxlite', '0.10.3', 'boxlite 0.10.3'])
    const line = runtimeLine(facts)
    assert.match(
      line,
      new RegExp(
        `^Runtime under test: boxlite 0\\.10\\.3 \\| driver: cli \\(${bin}\\) \\| image: alpine:3\\.20 ` +
          `\\(registries: mirror\\.example:5000\\)`,
      ),
    )
    assert.doesNotMatch(line, /refbox/)
  })

  it('says the version is unknown when the binary will not tell, and why', () => {
    const bin = join(scratch, 'mute')
    writeFileSync(bin, '#!/bin/sh\necho "no such flag" >&2\nexit 2\n')
    chmodSync(bin, 0o755)
    const id = identifyCli(bin)
    assert.equal(id.version, 'unknown')
    assert.match(id.description, /^mute, version unknown \(`.*mute --version` failed: no such flag\)$/)
  })

  it('names the embedded SDK by its package version, booting nothing', () => {
    const installed = JSON.parse(
      readFileSync(join(root, 'node_modules', '@boxlite-ai', 'boxlite', 'package.json'), 'utf8'),
    ) as { version: string }
    assert.equal(identifySdk().version, installed.version)
    const pkg = join(scratch, 'package.json')
    writeFileSync(pkg, JSON.stringify({ name: '@boxlite-ai/boxlite', version: '0.11.2' }))
    const facts = gather(
      { driver: 'sdk', bin: 'boxlite', image: 'alpine:latest', registries: [] },
      { sdkPackageJson: pkg, verdict: { ok: true, durationMs: 14_200 } },
    )
    assert.equal(facts.binary, undefined)
    const line = runtimeLine(facts)
    assert.match(
      line,
      new RegExp(
        '^Runtime under test: BoxLite 0\\.11\\.2 \\(embedded runtime of @boxlite-ai/boxlite\\) \\| ' +
          'driver: sdk \\(embedded runtime, no binary\\)',
      ),
    )
    assert.match(line, /KVM: boots BoxLite guests \| preflight: passed in 14\.2 s/)
  })

  it('takes the KVM class from the preflight when it gives one', () => {
    assert.equal(hostClass({ ok: false, hostClass: 'kvm-cannot-boot' }, true), 'kvm-cannot-boot')
    assert.equal(hostClass({ ok: true }, true), 'boots')
    assert.equal(hostClass(undefined, false), 'no-kvm')
    assert.equal(hostClass(undefined, true), 'not-checked')
  })

  it('shares the run start variable with cucumber.js', () => {
    assert.match(
      readFileSync(join(root, 'cucumber.js'), 'utf8'),
      new RegExp(`process\\.env\\.${RUN_STARTED_ENV} \\|\\|=`),
    )
  })
})

describe('runtime in the cucumber HTML and JUnit', () => {
  const facts = runtimeFacts('boxlite', '0.10.0', 'sdk')

  it('titles the HTML report, puts the line above it and adds the scenario deep link', () => {
    const html = decorateCucumberHtml(
      '<html><head><title>Cucumber</title></head><body>\n<div id="content"></div>\n</body></html>',
      facts,
    )
    assert.match(html, new RegExp(`<title>${pageTitle('report', facts)}</title>`))
    assert.match(
      html,
      /<body>\n<div id="runtime-under-test"><div class="who">Runtime under test: boxlite 0\.10\.0<\/div>/,
    )
    assert.match(html, /sdk driver \(embedded\) · image: alpine:latest · .* · started 2026-01-02 03:04 UTC/)
    assert.doesNotMatch(html, /id="selftest"/) // BoxLite is not the self-test
    assert.match(
      decorateCucumberHtml('<body>\n</body>', runtimeFacts('refbox', '0.1.0')),
      /<div id="selftest">Self-test/,
    )
    assert.match(html, /<script>[\s\S]*data-linked-scenario[\s\S]*<\/script>\n<\/body>/)
  })

  it('names the JUnit suite after the runtime and lists its facts as properties', () => {
    const xml = decorateJunit(
      '<?xml version="1.0"?>\n<testsuite name="Cucumber" tests="1">\n  <testcase name="a"/>\n</testsuite>',
      facts,
    )
    assert.match(xml, new RegExp(`<testsuite name="${junitSuiteName(facts)}" tests="1">\n {2}<properties>`))
    assert.equal(junitSuiteName(facts), 'boxlite-disk-spec on boxlite 0.10.0 via sdk')
    assert.match(xml, /<property name="runtime" value="boxlite 0\.10\.0"\/>/)
    assert.match(xml, /<property name="preflight" value="passed in 12\.5 s \(a probe box booted\)"\/>/)
    assert.match(
      decorateJunit('<testsuite name="Cucumber"/>', facts),
      /<testsuite name="[^"]+">\n {2}<properties>[\s\S]*<\/properties>\n<\/testsuite>$/,
    )
  })
})

describe('suite revision', () => {
  it("is the package's version, plus the commit only in the suite's own git checkout", () => {
    const outer = mkdtempSync(join(tmpdir(), 'suite-revision-'))
    try {
      // An installed package inside another project's checkout: that project's commit says nothing of the suite.
      execFileSync('git', ['init', '-q', outer])
      const installed = join(outer, 'node_modules', 'boxlite-disk-spec')
      mkdirSync(installed, { recursive: true })
      writeFileSync(join(installed, 'package.json'), JSON.stringify({ version: '1.2.3' }))
      assert.equal(suiteRevision(installed), '1.2.3')
      assert.match(
        suiteRevision(resolve(__dirname, '../..')),
        /^\d+\.\d+\.\d+ \(git [0-9a-f]{7,}( \+ local changes)?\)$/,
      )
    } finally {
      rmSync(outer, { recursive: true, force: true })
    }
  })
})
