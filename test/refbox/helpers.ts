/**
 * Shared helpers for refbox's own tests: run the real CLI, a fresh absolute home per test, one
 * built image per test process, and cleanup that releases every box even when a test failed.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const REPO = resolve(__dirname, '..', '..')
export const REFBOX = join(REPO, 'bin', 'refbox')

export interface Result {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly timeoutMs?: number
  readonly input?: string
}

/** Runs `bin/refbox --home HOME ARGS...` (no --home when `home` is undefined). */
export function refbox(home: string | undefined, args: readonly string[], opts: RunOptions = {}): Promise<Result> {
  const argv = home === undefined ? [...args] : ['--home', home, ...args]
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.REFBOX_DEFECTS // only what the test asks for
  Object.assign(env, opts.env)
  return new Promise((resolvePromise, reject) => {
    const child = spawn(REFBOX, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdin.end(opts.input ?? '')
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000)
    child.once('error', reject)
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolvePromise({ code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), stdout, stderr })
    })
  })
}

/** Like `refbox` but fails the test on a non-zero exit. */
export async function refboxOk(home: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await refbox(home, args, opts)
  if (r.code !== 0) throw new Error(`refbox ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  return r.stdout
}

/** Runs `sh -c script` in a box; resolves to the full result. */
export const sh = (home: string, id: string, script: string, opts: RunOptions = {}): Promise<Result> =>
  refbox(home, ['exec', id, '--', 'sh', '-c', script], opts)

export function freshHome(label: string): string {
  return mkdtempSync(join(tmpdir(), `refbox-test-${label}-`))
}

let image: string | undefined
/** One test image per test process, built with refbox's own build-image. */
export function testImage(): string {
  if (image) return image
  const dir = join(mkdtempSync(join(tmpdir(), 'refbox-test-image-')), 'layout')
  const r = spawnSync(REFBOX, ['build-image', '--out', dir], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`build-image failed: ${r.stderr}`)
  image = dir
  process.on('exit', () => rmSync(resolve(dir, '..'), { recursive: true, force: true }))
  return dir
}

export async function runBox(home: string, extra: readonly string[] = [], opts: RunOptions = {}): Promise<string> {
  const out = await refboxOk(home, ['run', '-d', ...extra, '--rootfs', testImage(), 'sleep', '3600'], opts)
  return out.trim()
}

/** Allocated bytes of a file (not its apparent size). */
export function allocatedBytes(path: string): number {
  const r = spawnSync('stat', ['-c', '%b %B', path], { encoding: 'utf8' })
  const [blocks, unit] = r.stdout.trim().split(' ').map(Number)
  return blocks * unit
}

/** Allocated bytes of everything under a directory. */
export function duBytes(dir: string): number {
  const r = spawnSync('du', ['-s', '-B1', dir], { encoding: 'utf8' })
  return Number(r.stdout.split('\t')[0])
}

/** What a home still holds on the host: loop devices, FUSE/other mounts, processes naming it. */
export function leftovers(home: string): string[] {
  const found: string[] = []
  const loops = spawnSync('losetup', ['-a'], { encoding: 'utf8' }).stdout
  for (const l of loops.split('\n')) if (l.includes(`${home}/`)) found.push(`loop: ${l}`)
  const mounts = spawnSync('findmnt', ['-n', '-l', '-o', 'TARGET,FSTYPE'], { encoding: 'utf8' }).stdout
  for (const m of mounts.split('\n')) if (m.includes(`${home}/`)) found.push(`mount: ${m}`)
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
      if (cmd.includes(`${home}/`) && Number(pid) !== process.pid) found.push(`process ${pid}: ${cmd.slice(0, 200)}`)
    } catch {
      // gone
    }
  }
  return found
}

/** Force-removes every box of a home, prunes, and deletes the home. Never throws on a missing box. */
export async function destroyHome(home: string): Promise<string[]> {
  if (!existsSync(home)) return []
  const boxes = existsSync(join(home, 'boxes')) ? readdirSync(join(home, 'boxes')) : []
  for (const id of boxes) await refbox(home, ['rm', '-f', id], { timeoutMs: 90_000 })
  await refbox(home, ['prune'], { timeoutMs: 60_000 })
  const left = leftovers(home)
  rmSync(home, { recursive: true, force: true })
  return left
}
