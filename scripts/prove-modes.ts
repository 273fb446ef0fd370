/**
 * The proof's two modes side by side, in one sitting on this host, as `npm test` runs the proof:
 * first the healthy suite run with its defect sites recorded (`npm run test:bdd`), then
 * scripts/prove.ts with PROVE_EXHAUSTIVE=1 and in its default selected mode, back to back, each
 * taking that healthy run (`--healthy-from`). Compares the verdict of every defect and scenario
 * (src/proof/modes.ts) and prints the wall and CPU times, their ratio, the same ratio with the
 * healthy run added to each mode, and the host's load. Expensive (two whole proofs), so not part
 * of `npm test`. Exit 1 on any disagreement; the ratio is printed, never asserted.
 *
 *   node -r ts-node/register scripts/prove-modes.ts [--out reports/prove-modes] [--selected-first]
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { compareProofModes, type ProofSummary } from '../src/proof/modes'

const root = resolve(__dirname, '..')
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

/**
 * CPU seconds of the finished child processes (cutime + cstime of /proc/self/stat, in 1/100 s):
 * the proof's cucumber and refbox processes, less sensitive to other users' load than wall time.
 * Box shims and storage daemons outlive their refbox call, so they are not in it.
 */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
  return (Number(fields[13]) + Number(fields[14])) / 100
}

/** Runs one of the project's programs to its end; its wall and CPU seconds, and its exit code. */
async function timed(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ seconds: number; cpu: number; code: number }> {
  const started = Date.now()
  const cpuBefore = childCpuSeconds()
  const child = spawn(process.execPath, ['-r', 'ts-node/register', join(root, 'scripts', script), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: 'inherit',
  })
  const code = await new Promise<number>((done) => child.on('close', (c) => done(c ?? 1)))
  return { seconds: (Date.now() - started) / 1000, cpu: childCpuSeconds() - cpuBefore, code }
}

async function prove(
  mode: 'exhaustive' | 'selected',
  out: string,
  healthy: string,
): Promise<{ seconds: number; cpu: number; summary: ProofSummary; scenarioRuns: number }> {
  console.log(`\nprove-modes: ${mode} proof into ${out} (load average ${load()})`)
  const { seconds, cpu } = await timed('prove.ts', ['--out', out, '--healthy-from', healthy], {
    PROVE_EXHAUSTIVE: mode === 'exhaustive' ? '1' : '0',
  })
  const json = JSON.parse(readFileSync(join(out, 'proof.json'), 'utf8')) as ProofSummary & {
    runs: Array<{ scenariosRun: number }>
  }
  return { seconds, cpu, summary: json, scenarioRuns: json.runs.reduce((n, r) => n + r.scenariosRun, 0) }
}

async function main(): Promise<number> {
  const i = process.argv.indexOf('--out')
  const out = resolve(root, i >= 0 ? process.argv[i + 1] : 'reports/prove-modes')
  const order: Array<'exhaustive' | 'selected'> = process.argv.includes('--selected-first')
    ? ['selected', 'exhaustive']
    : ['exhaustive', 'selected']
  const before = load()
  const healthyDir = join(out, 'healthy')
  console.log(`prove-modes: the healthy suite run, recording defect sites, into ${healthyDir} (load average ${before})`)
  const healthy = await timed(
    'run-suite.ts',
    ['--profile', 'reference', '--tags', '@disk-guest', '--parallel', '2', '--record-sites'],
    { REPORTS_DIR: healthyDir },
  )
  if (healthy.code !== 0)
    throw new Error(`the healthy suite run failed (exit ${healthy.code}): nothing to prove against; see ${healthyDir}`)
  const results = new Map<string, Awaited<ReturnType<typeof prove>>>()
  for (const mode of order) results.set(mode, await prove(mode, join(out, mode), healthyDir))
  const ex = results.get('exhaustive')!
  const sel = results.get('selected')!
  const problems = compareProofModes(ex.summary, sel.summary)
  console.log(`\nprove-modes: ${cpus().length} CPUs; load average (1, 5, 15 min) ${before} before, ${load()} after`)
  console.log(
    `  ${'healthy:'.padEnd(11)} ${healthy.seconds.toFixed(0)} s wall, ${healthy.cpu.toFixed(0)} CPU s (the suite run ` +
      `both proofs took their healthy run from)`,
  )
  for (const [name, r] of [
    ['exhaustive', ex],
    ['selected', sel],
  ] as const)
    console.log(
      `  ${`${name}:`.padEnd(11)} ${r.seconds.toFixed(0)} s wall, ${r.cpu.toFixed(0)} CPU s, ${r.scenarioRuns} ` +
        `scenario runs, proof ${r.summary.ok ? 'passed' : 'FAILED'}`,
    )
  console.log(
    `  ratio selected / exhaustive: ${(sel.seconds / ex.seconds).toFixed(3)} wall time, ` +
      `${(sel.cpu / ex.cpu).toFixed(3)} CPU time (the proofs as npm test runs them)`,
  )
  const plus = (r: { seconds: number; cpu: number }) => ({
    seconds: r.seconds + healthy.seconds,
    cpu: r.cpu + healthy.cpu,
  })
  const [exAll, selAll] = [plus(ex), plus(sel)]
  console.log(
    `  with the healthy run added to each: ${(selAll.seconds / exAll.seconds).toFixed(3)} wall time, ` +
      `${(selAll.cpu / exAll.cpu).toFixed(3)} CPU time`,
  )
  if (problems.length) {
    console.error(`prove-modes: the two proofs disagree in ${problems.length} place(s):`)
    for (const p of problems) console.error(`  - ${p}`)
    return 1
  }
  console.log(
    `prove-modes: both proofs give the same verdict on all ${ex.summary.cells.length} defect x scenario cells`,
  )
  return 0
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`prove-modes: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  },
)
