/**
 * Shared helpers for refbox's own tests: run the real CLI, a fresh absolute home per test, one
 * built image per test process, and cleanup that releases every box even when a test failed.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { findLeftovers } from '../../src/host/leftovers'

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
  if (r.code !== 0)
    throw new Error(`refbox ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
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

/** What a home still holds on the host: loop devices, mounts, processes (the suite's own check). */
export function leftovers(home: string): string[] {
  return findLeftovers(home).map((l) => `${l.kind}: ${l.detail}`)
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
