/**
 * The CI examples in docs/ci/ are valid workflows (YAML without errors, jobs with a runner and
 * steps, each step one action at a pinned major version or one shell command), and the job for
 * BoxLite's repository runs the kit as it is: the pinned version is this package's, every kit command
 * line in it is one the kit accepts, and it publishes the summary, the JUnit and the reports.
 */
import { strict as assert } from 'node:assert'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { parseDocument } from 'yaml'
import { parseCommandLine } from '../../scripts/kit-options'

const ROOT = resolve(__dirname, '../..')
const CI = join(ROOT, 'docs', 'ci')

interface Step {
  readonly name?: string
  readonly uses?: string
  readonly run?: string
  readonly with?: Record<string, unknown>
  readonly if?: string
}
interface Workflow {
  readonly name?: string
  readonly on?: unknown
  readonly env?: Record<string, string>
  readonly jobs?: Record<string, { 'runs-on'?: unknown; steps?: Step[] }>
}

function load(file: string): Workflow {
  const doc = parseDocument(readFileSync(join(CI, file), 'utf8'), { uniqueKeys: true })
  assert.deepEqual(
    [...doc.errors, ...doc.warnings].map((e) => e.message),
    [],
    `${file} is not clean YAML`,
  )
  return doc.toJS() as Workflow
}

describe('the CI examples', () => {
  const files = readdirSync(CI).filter((f) => f.endsWith('.yml'))

  it('are workflows: a name, triggers, and jobs whose steps each use one pinned action or run one command', () => {
    assert.ok(files.includes('boxlite-repo.yml') && files.includes('github-actions.yml'), files.join(', '))
    for (const file of files) {
      const w = load(file)
      assert.ok(w.name && w.on && w.jobs && Object.keys(w.jobs).length > 0, `${file}: name, on and jobs`)
      for (const [id, job] of Object.entries(w.jobs)) {
        assert.ok(job['runs-on'], `${file}: job ${id} has no runs-on`)
        assert.ok(Array.isArray(job.steps) && job.steps.length > 0, `${file}: job ${id} has no steps`)
        for (const step of job.steps) {
          assert.ok((step.uses === undefined) !== (step.run === undefined), `${file}: ${JSON.stringify(step)}`)
          if (step.uses) assert.match(step.uses, /^[\w.-]+\/[\w./-]+@v\d+$/, `${file}: ${step.uses} is not pinned`)
        }
      }
    }
  })

  it("BoxLite's job runs this package's version on the binary it built and publishes what the run wrote", () => {
    const w = load('boxlite-repo.yml')
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
    assert.equal(w.env?.DISK_SPEC, `boxlite-disk-spec@${version}`)
    const steps = Object.values(w.jobs ?? {}).flatMap((j) => j.steps ?? [])
    const kitCalls = steps
      .map((s) => s.run ?? '')
      .flatMap((run) => [...run.matchAll(/npx --yes "\$DISK_SPEC"(.*)$/gm)].map((m) => m[1].trim().split(/\s+/)))
    assert.ok(kitCalls.length >= 2, 'the job calls the kit')
    for (const argv of kitCalls) parseCommandLine(argv.filter(Boolean)) // throws the kit's own sentence
    assert.ok(
      kitCalls.some((a) => a[0] === '--bin' && a[1] === './target/release/boxlite'),
      'a run against ./target/release/boxlite',
    )
    assert.ok(
      kitCalls.some((a) => a[0] === 'clean'),
      'a clean at the end',
    )
    const run = steps.findIndex((s) => s.run?.includes('--bin ./target/release/boxlite --reports reports'))
    const after = steps.slice(run + 1)
    assert.ok(
      after.some(
        (s) => s.run?.includes('reports/summary.md >> "$GITHUB_STEP_SUMMARY"') && s.if?.startsWith('always()'),
      ),
      'summary.md to the job summary, also after a failed run',
    )
    assert.ok(
      after.some(
        (s) =>
          s.uses?.startsWith('mikepenz/action-junit-report@') && s.with?.report_paths === 'reports/cucumber-junit.xml',
      ),
      'the JUnit published',
    )
    assert.ok(
      after.some(
        (s) => s.uses?.startsWith('actions/upload-artifact@') && s.with?.path === 'reports/' && s.if === 'always()',
      ),
      'reports/ uploaded, also after a failed run',
    )
  })
})
