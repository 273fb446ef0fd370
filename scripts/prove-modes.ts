/**
 * The proof's two modes side by side, in one sitting on this host: runs scripts/prove.ts with
 * PROVE_EXHAUSTIVE=1 and then in its default selected mode, back to back, compares the verdict of
 * every defect and scenario (src/proof/modes.ts) and prints both wall times, their ratio and the
 * host's load. Expensive (two whole proofs), so not part of `npm test`. Exit 1 on any disagreement;
 * the ratio is printed, never asserted.
 *
 *   node -r ts-node/register scripts/prove-modes.ts [--out reports/prove-modes] [--selected-first]
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { compareProofModes, type ProofSummary } from '../src/proof/modes'

const root = resolve(__dirname, '..')
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')

/**
 * CPU seconds of the finished child processes (cutime + cstime of /proc/self/stat, in 1/100 s):
 * the proof's cucumber and refbox processes, less sensitive to other users' load than wall time.
 * Box shims and storage daemons outlive their refbox call, so they are not in it.
 */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
  return (Number(fields[13]) + Number(fields[14])) / 100
}

async function prove(mode: 'exhaustive' | 'selected', out: string): Promise<{ seconds: number; cpu: number; summary: ProofSummary; scenarioRuns: number }> {
  console.log(`\nprove-modes: ${mode} proof into ${out} (load average ${load()})`)
  const started = Date.now()
  const cpuBefore = childCpuSeconds()
  const child = spawn(process.execPath, ['-r', join(root, 'src', 'tooling', 'ts-register.cjs'), join(root, 'scripts', 'prove.ts'), '--out', out], {
    cwd: root,
    env: { ...process.env, PROVE_EXHAUSTIVE: mode === 'exhaustive' ? '1' : '0' },
    stdio: 'inherit',
  })
  await new Promise((done) => child.on('close', done))
  const seconds = (Date.now() - started) / 1000
  const cpu = childCpuSeconds() - cpuBefore
  const json = JSON.parse(readFileSync(join(out, 'proof.json'), 'utf8')) as ProofSummary & { runs: Array<{ scenariosRun: number }> }
  return { seconds, cpu, summary: json, scenarioRuns: json.runs.reduce((n, r) => n + r.scenariosRun, 0) }
}

async function main(): Promise<number> {
  const i = process.argv.indexOf('--out')
  const out = resolve(root, i >= 0 ? process.argv[i + 1] : 'reports/prove-modes')
  const order: Array<'exhaustive' | 'selected'> = process.argv.includes('--selected-first') ? ['selected', 'exhaustive'] : ['exhaustive', 'selected']
  const before = load()
  const results = new Map<string, Awaited<ReturnType<typeof prove>>>()
  for (const mode of order) results.set(mode, await prove(mode, join(out, mode)))
  const ex = results.get('exhaustive')!
  const sel = results.get('selected')!
  const problems = compareProofModes(ex.summary, sel.summary)
  console.log(`\nprove-modes: ${cpus().length} CPUs; load average (1, 5, 15 min) ${before} before, ${load()} after`)
  for (const [name, r] of [['exhaustive', ex], ['selected', sel]] as const)
    console.log(`  ${`${name}:`.padEnd(11)} ${r.seconds.toFixed(0)} s wall, ${r.cpu.toFixed(0)} CPU s, ${r.scenarioRuns} scenario runs, proof ${r.summary.ok ? 'passed' : 'FAILED'}`)
  console.log(`  ratio selected / exhaustive: ${(sel.seconds / ex.seconds).toFixed(3)} wall time, ${(sel.cpu / ex.cpu).toFixed(3)} CPU time`)
  if (problems.length) {
    console.error(`prove-modes: the two proofs disagree in ${problems.length} place(s):`)
    for (const p of problems) console.error(`  - ${p}`)
    return 1
  }
  console.log(`prove-modes: both proofs give the same verdict on all ${ex.summary.cells.length} defect x scenario cells`)
  return 0
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`prove-modes: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  },
)
