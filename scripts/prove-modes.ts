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

async function prove(mode: 'exhaustive' | 'selected', out: string): Promise<{ seconds: number; summary: ProofSummary; scenarioRuns: number }> {
  console.log(`\nprove-modes: ${mode} proof into ${out} (load average ${load()})`)
  const started = Date.now()
  const child = spawn(process.execPath, ['-r', 'ts-node/register', join(root, 'scripts', 'prove.ts'), '--out', out], {
    cwd: root,
    env: { ...process.env, PROVE_EXHAUSTIVE: mode === 'exhaustive' ? '1' : '0' },
    stdio: 'inherit',
  })
  await new Promise((done) => child.on('close', done))
  const seconds = (Date.now() - started) / 1000
  const json = JSON.parse(readFileSync(join(out, 'proof.json'), 'utf8')) as ProofSummary & { runs: Array<{ scenariosRun: number }> }
  return { seconds, summary: json, scenarioRuns: json.runs.reduce((n, r) => n + r.scenariosRun, 0) }
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
  console.log(`  exhaustive: ${ex.seconds.toFixed(0)} s wall, ${ex.scenarioRuns} scenario runs, proof ${ex.summary.ok ? 'passed' : 'FAILED'}`)
  console.log(`  selected:   ${sel.seconds.toFixed(0)} s wall, ${sel.scenarioRuns} scenario runs, proof ${sel.summary.ok ? 'passed' : 'FAILED'}`)
  console.log(`  ratio selected / exhaustive: ${(sel.seconds / ex.seconds).toFixed(3)}`)
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
