/**
 * `npm test`: the everyday loop, every check of the project but the defect proof (`npm run prove`, which
 * CI runs after it: .ci/run), side by side where they do not depend on each other, so that the waits of
 * one (box starts, the real runtime's boot attempts) are the others' CPU time.
 *
 *   typecheck | lint | format      first; format is Prettier's check and the feature files' layout
 *   unit tier | host tier          once the code compiles; the host tier mostly waits on the real runtime
 *   suite                          once the unit tier has ended (passed or not), beside the rest of the
 *                                  host tier: the unit tier has timing-sensitive tests (kills, detached
 *                                  commands) that a suite run beside them would slow past their limits
 *   report check                   once the suite passed: both reports opened in Chromium
 *   package test                   once the suite has ended, beside the report check: the packed kit,
 *                                  installed outside the repository, run as a user would
 *
 *   node -r ts-node/register scripts/test.ts
 *
 * Each line a check prints is shown with the check's name in front; at the end a table gives each
 * check's outcome and wall time, and the exit status is 1 if any check failed or did not run (130 or
 * 143 after Ctrl-C or SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

interface Check {
  readonly name: string
  /** An npm script of package.json, with its arguments. */
  readonly script: string
  readonly args?: readonly string[]
  /** Checks that must pass first. */
  readonly after: readonly string[]
  /** Checks that must have ended first, passed or not (for quiet, not for their result). */
  readonly endedFirst?: readonly string[]
}

const CHECKS: readonly Check[] = [
  { name: 'typecheck', script: 'typecheck', after: [] },
  { name: 'lint', script: 'lint', after: [] },
  { name: 'format', script: 'format', after: [] },
  { name: 'unit', script: 'test:unit', after: ['typecheck'] },
  { name: 'host', script: 'test:host', after: ['typecheck'] },
  { name: 'suite', script: 'test:bdd', after: ['typecheck'], endedFirst: ['unit'] },
  { name: 'report', script: 'test:report', after: ['suite'] },
  // The packed kit installed outside the repository: beside the report check, not beside the suite (load).
  { name: 'package', script: 'test:package', after: ['typecheck'], endedFirst: ['suite'] },
]

type Outcome =
  | { readonly state: 'passed' | 'failed'; readonly seconds: number }
  | { readonly state: 'not run'; readonly why: string }

async function main(): Promise<number> {
  if (process.argv.length > 2) {
    console.error(`test: ${process.argv.slice(2).join(' ')} is not an option: npm test takes none`)
    return 2
  }
  const checks = CHECKS
  const width = Math.max(...checks.map((c) => c.name.length))
  const outcomes = new Map<string, Outcome>()
  const running = new Map<string, Promise<void>>()
  const children = new Set<ChildProcess>()
  let interruptedBy: 'SIGINT' | 'SIGTERM' | undefined
  // Ctrl-C reaches every check (one process group) and each cleans up; we only stop starting new ones.
  process.on('SIGINT', () => (interruptedBy ??= 'SIGINT'))
  process.on('SIGTERM', () => {
    interruptedBy ??= 'SIGTERM'
    for (const child of children) child.kill('SIGTERM')
  })

  const failures = new FailureLines()
  const started = Date.now()
  const start = (check: Check): Promise<void> =>
    new Promise((done) => {
      const t0 = Date.now()
      console.log(
        `test: ${check.name} started (npm run ${check.script}${check.args ? ` -- ${check.args.join(' ')}` : ''})`,
      )
      const child = spawn(
        'npm',
        ['run', '--silent', check.script, ...(check.args?.length ? ['--', ...check.args] : [])],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      children.add(child)
      const label = `${check.name.padEnd(width)} | `
      for (const [stream, out] of [
        [child.stdout, process.stdout],
        [child.stderr, process.stderr],
      ] as const) {
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
          out.write(label + line + '\n')
          failures.note(check.name, line)
        })
      }
      child.on('close', (code, signal) => {
        children.delete(child)
        const seconds = (Date.now() - t0) / 1000
        outcomes.set(check.name, { state: code === 0 ? 'passed' : 'failed', seconds })
        console.log(
          `test: ${check.name} ` +
            `${code === 0 ? 'passed' : `failed (${signal ? `ended by ${signal}` : `exit ${code}`})`} in ` +
            `${seconds.toFixed(0)} s`,
        )
        done()
      })
    })

  // Start every check whose prerequisites passed; mark those that can no longer run.
  for (;;) {
    for (const check of checks) {
      if (outcomes.has(check.name) || running.has(check.name)) continue
      const blocked = check.after.find((name) => outcomes.has(name) && outcomes.get(name)!.state !== 'passed')
      if (blocked || interruptedBy) {
        outcomes.set(check.name, {
          state: 'not run',
          why: interruptedBy ? `interrupted (${interruptedBy})` : `${blocked} did not pass`,
        })
      } else if (
        check.after.every((name) => outcomes.get(name)?.state === 'passed') &&
        (check.endedFirst ?? []).every((name) => outcomes.has(name))
      ) {
        running.set(
          check.name,
          start(check).then(() => void running.delete(check.name)),
        )
      }
    }
    if (running.size === 0) break
    await Promise.race(running.values())
  }

  const wall = (Date.now() - started) / 1000
  console.log('\ntest: check        outcome   wall time')
  for (const check of checks) {
    const o = outcomes.get(check.name)!
    const detail = o.state === 'not run' ? o.why : `${o.seconds.toFixed(0)} s`
    console.log(`      ${check.name.padEnd(12)} ${o.state.padEnd(9)} ${detail}`)
  }
  const bad = checks.filter((c) => outcomes.get(c.name)!.state !== 'passed').map((c) => c.name)
  // A CI log is often cut in the middle: what failed is repeated here, next to the verdict.
  for (const name of bad) {
    const lines = failures.of(name)
    if (lines.length) console.log(`\ntest: what failed in ${name}:\n${lines.map((l) => `      ${l}`).join('\n')}`)
  }
  console.log(
    `test: ${bad.length ? `${bad.join(', ')} did not pass` : 'every check passed'}; wall time ${formatMinutes(wall)}`,
  )
  if (interruptedBy) return interruptedBy === 'SIGINT' ? 130 : 143
  return bad.length ? 1 : 0
}

/**
 * The lines of a check's output that say what failed: node:test's `not ok` lines with the `location:` and
 * `error:` lines of their report, and cucumber's numbered failures (`1) Scenario: ...`) with the step that failed.
 */
class FailureLines {
  private readonly lines = new Map<string, string[]>()
  private open = new Map<string, boolean>()
  private static readonly MAX = 60

  note(check: string, line: string): void {
    const kept = this.lines.get(check) ?? []
    const starts = /^\s*not ok \d+ - /.test(line) || /^\d+\) Scenario: /.test(line)
    const detail = this.open.get(check) && /^\s+(location|error|✖ failed|Error|AssertionError)\b/.test(line)
    if (starts) this.open.set(check, true)
    else if (/^\s*(ok \d+ - |\d+\) Scenario: )/.test(line)) this.open.set(check, false)
    if ((starts || detail) && kept.length < FailureLines.MAX) kept.push(line.trim())
    this.lines.set(check, kept)
  }

  of(check: string): readonly string[] {
    return this.lines.get(check) ?? []
  }
}

function formatMinutes(seconds: number): string {
  const whole = Math.round(seconds)
  return `${Math.floor(whole / 60)} min ${whole % 60} s`
}

void main().then((code) => (process.exitCode = code))
