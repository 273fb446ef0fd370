/** A box's qcow2 overlay on the base disk: made, checked for a tear, rebuilt. */
import { spawnSync } from 'node:child_process'
import { existsSync, rmSync, statSync } from 'node:fs'
import type { BoxState } from './state'
import { runTool } from './tools'
import { sayNote } from './voice'

export function createOverlay(base: string, qcow2: string, virtualSize: number): void {
  runTool(
    'qemu-img',
    ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', base, qcow2, String(virtualSize)],
    'creating the box overlay',
  )
}

/**
 * Why `qemu-img check` finds the disk torn (corrupt: exit 2, unreadable: exit 1), or undefined when it is sound (leaks
 * allowed) or absent.
 */
export function tornDisk(qcow2: string): string | undefined {
  if (!existsSync(qcow2)) return undefined
  const r = spawnSync('qemu-img', ['check', '-U', '-q', qcow2], { stdio: ['ignore', 'ignore', 'pipe'] })
  if (r.status !== 1 && r.status !== 2) return undefined
  return r.stderr.toString().trim().split('\n')[0] || `qemu-img check exited ${r.status}`
}

/**
 * A disk torn by a crash (clusters past its end, BoxLite #866) would fail every boot: like
 * BoxLite's fix, the overlay is rebuilt from the base and the box boots with its data gone.
 */
export function rebuildTorn(state: BoxState, qcow2: string, why: string): void {
  rmSync(qcow2, { force: true })
  createOverlay(state.baseDisk, qcow2, state.virtualSize)
  state.needsResize = state.virtualSize > statSync(state.baseDisk).size
  sayNote(
    `refbox: box ${state.id}'s disk was torn (${why}): rebuilt it from the base image; what the box wrote is lost\n`,
  )
}
