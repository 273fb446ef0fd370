/**
 * Imports point one way (docs/architecture.md): from the entry points (step definitions, scripts,
 * cucumber.js) down through support, the suite's tasks, evidence and drivers to neutral helpers;
 * never up, never in a cycle. refbox, the reference runtime, stands apart: it imports nothing of the
 * suite, and only programs (scripts/) and the defect proof (src/proof) import it. Tests may import anything.
 */
import { strict as assert } from 'node:assert'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'

const ROOT = resolve(__dirname, '../..')

/** Higher imports lower; modules of one rank may not import each other (they stay independent). */
const RANKS: ReadonlyArray<readonly [rank: number, modules: readonly string[]]> = [
  [6, ['step_definitions', 'scripts', 'cucumber.js']],
  [5, ['support']],
  // The run's settings (read and validated once) and the scenario homes: used by support and scripts alike.
  [4.5, ['src/bench', 'src/shards', 'src/settings.ts', 'src/homes.ts']],
  [4, ['src/guest', 'src/host', 'src/preflight', 'src/proof', 'src/report']],
  [3, ['src/evidence']],
  [2, ['src/drivers']],
  [1, ['src/shell']],
]
/** Apart from the suite: importable only by these, and importing nothing outside itself. */
const APART = { module: 'src/refbox', importedBy: ['scripts', 'src/proof'] } as const

export type Graph = ReadonlyMap<string, readonly string[]>

/** The module (a top folder, a folder under src/, or a file directly in src/) a repository file belongs to. */
export function moduleOf(file: string): string {
  const parts = file.split('/')
  return parts[0] === 'src' ? `src/${parts[1]}` : parts.length === 1 ? file : parts[0]
}

function rankOf(module: string): number | undefined {
  return RANKS.find(([, modules]) => modules.includes(module))?.[0]
}

/** Every import that breaks the rules, as `from -> to: why`. */
export function violations(graph: Graph): string[] {
  const found: string[] = []
  for (const [from, targets] of graph) {
    const a = moduleOf(from)
    for (const to of targets) {
      const b = moduleOf(to)
      if (a === b) continue
      if (b === APART.module) {
        if (!(APART.importedBy as readonly string[]).includes(a))
          found.push(`${from} -> ${to}: only ${APART.importedBy.join(', ')} may use the reference runtime`)
        continue
      }
      if (a === APART.module) {
        found.push(`${from} -> ${to}: the reference runtime imports nothing of the suite`)
        continue
      }
      const ra = rankOf(a)
      const rb = rankOf(b)
      if (ra === undefined || rb === undefined)
        found.push(`${from} -> ${to}: ${ra === undefined ? a : b} has no place in the layers`)
      else if (rb >= ra)
        found.push(
          `${from} -> ${to}: ${rb > ra ? 'points up' : 'between modules of one layer'} (${a} is ${ra}, ${b} is ${rb})`,
        )
    }
  }
  return found
}

/** Every cycle of file imports, each as the files around it. */
export function cycles(graph: Graph): string[][] {
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (file: string): void => {
    state.set(file, 'open')
    path.push(file)
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next])
      else if (!state.has(next)) visit(next)
    }
    path.pop()
    state.set(file, 'done')
  }
  for (const file of graph.keys()) if (!state.has(file)) visit(file)
  return found
}

const SOURCE = /\.(ts|cjs|js)$/
const RELATIVE_IMPORT = /(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((entry) => {
    const path = join(dir, entry)
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path)
    return SOURCE.test(entry) ? [path] : []
  })
}

/** A relative specifier as the repository file it names (TypeScript files are imported without extension). */
function resolveImport(from: string, specifier: string): string {
  const base = relative(ROOT, resolve(ROOT, dirname(from), specifier))
  for (const candidate of [base, `${base}.ts`, `${base}.cjs`, `${base}.js`, join(base, 'index.ts')]) {
    if (existsSync(join(ROOT, candidate)) && statSync(join(ROOT, candidate)).isFile()) return candidate
  }
  return base
}

function repositoryGraph(): Graph {
  const files = [...['step_definitions', 'scripts', 'support', 'src'].flatMap(sourceFiles), 'cucumber.js']
  return new Map(
    files.map((file) => {
      const text = readFileSync(join(ROOT, file), 'utf8')
      return [file, [...text.matchAll(RELATIVE_IMPORT)].map((m) => resolveImport(file, m[1]))]
    }),
  )
}

describe('imports point one way', () => {
  const graph = repositoryGraph()
  it('no import points up, across one layer, or into the reference runtime', () => {
    assert.deepEqual(violations(graph), [])
  })
  it('no cycle of imports', () => {
    assert.deepEqual(
      cycles(graph).map((c) => c.join(' -> ')),
      [],
    )
  })
  it('the rules catch an upward import, a sideways one, a reach into refbox and a cycle', () => {
    const bad: Graph = new Map([
      ['src/drivers/cli.ts', ['src/guest/probes.ts']],
      ['src/guest/probes.ts', ['src/host/poll.ts', 'src/refbox/tools.ts']],
      ['src/refbox/cli.ts', ['src/evidence/units.ts']],
      ['src/evidence/a.ts', ['src/evidence/b.ts']],
      ['src/evidence/b.ts', ['src/evidence/a.ts']],
    ])
    assert.deepEqual(violations(bad), [
      'src/drivers/cli.ts -> src/guest/probes.ts: points up (src/drivers is 2, src/guest is 4)',
      'src/guest/probes.ts -> src/host/poll.ts: between modules of one layer (src/guest is 4, src/host is 4)',
      'src/guest/probes.ts -> src/refbox/tools.ts: only scripts, src/proof may use the reference runtime',
      'src/refbox/cli.ts -> src/evidence/units.ts: the reference runtime imports nothing of the suite',
    ])
    assert.deepEqual(cycles(bad), [['src/evidence/a.ts', 'src/evidence/b.ts', 'src/evidence/a.ts']])
  })
})
