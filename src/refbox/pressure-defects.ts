/**
 * Defects that react to a box's disk pressure or activity: the read-only watchdog
 * (`readonly-when-full`, `inodes-block-appends`) and the peer freeze (`freeze-peers-during-fill`).
 * Healthy refbox never calls into anything here that changes a box.
 */
import { spawnSync } from 'node:child_process'
import { statfsSync } from 'node:fs'
import type { Ctx } from './box'
import type { BoxHandles } from './guard'
import { isAlive, namespaceOf, pidNamespaceMembers, signalRef } from './proc'
import { reachPressureSites } from './sites'
import { isRunning, listStates, type BoxState } from './state'

const FULL_BELOW_BYTES = 1024 * 1024

/**
 * Checked around every exec and cp: with the watchdog defects on, a full rootfs goes read-only.
 * The same check records the rootfs sites (./sites.ts) whichever defects are on.
 */
export function applyPressureDefects(ctx: Ctx, state: BoxState, handles: BoxHandles): void {
  reachPressureSites(ctx.paths.home, `/proc/self/fd/${handles.rootFd}`)
  const blocks = ctx.defects.has('readonly-when-full')
  const inodes = ctx.defects.has('inodes-block-appends')
  if (!blocks && !inodes) return
  const fs = statfsSync(`/proc/self/fd/${handles.rootFd}`)
  const full = (blocks && fs.bavail * fs.bsize < FULL_BELOW_BYTES) || (inodes && fs.ffree === 0)
  if (!full) return
  // The regression: a disk-pressure watchdog "protects" the filesystem by remounting it read-only.
  spawnSync('nsenter', ['--mount=/proc/self/fd/3', '--', 'mount', '-o', 'remount,ro', ctx.paths.box(state.id).root], {
    stdio: ['ignore', 'ignore', 'ignore', handles.mntFd],
  })
}

/**
 * Host pids of every process of the other running boxes of the home, including the nsenters waiting
 * on their commands (nsenter stops itself when its child stops; it must be continued too).
 */
export function peerProcesses(ctx: Ctx, state: BoxState): number[] {
  const hostNs = namespaceOf('self', 'pid')
  return (
    listStates(ctx.paths)
      // Only a live pid 1 pins its namespace's number; a dead one's may already be another box's.
      .filter((s) => s.id !== state.id && isRunning(s) && isAlive(s.main))
      .map((s) => namespaceOf(s.main!.pid, 'pid'))
      .filter((ns): ns is string => ns !== undefined && ns !== hostNs)
      .flatMap((ns) => pidNamespaceMembers(ns))
  )
}

/** Boxes running in a home from which `evict-when-crowded` starts evicting. */
const CROWD = 6

/** With `evict-when-crowded` on, a background exec in a crowded home kills the oldest other box. */
export function evictWhenCrowded(ctx: Ctx, state: BoxState): void {
  if (!ctx.defects.has('evict-when-crowded')) return
  const running = listStates(ctx.paths).filter(isRunning)
  if (running.length < CROWD) return
  // The regression: "load shedding" stops the home's oldest box to make room for the busy one.
  signalRef(running.find((s) => s.id !== state.id)?.main, 'SIGKILL')
}
