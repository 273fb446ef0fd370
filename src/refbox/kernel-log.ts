/**
 * `refbox logs BOX`: the box's kernel log. A BoxLite box has a kernel of its own; a refbox box's
 * disk is mounted by the host's kernel, so its "kernel log" is what that kernel said about the
 * box's loop device since the box's current boot mounted it (the shim records the device and the
 * kernel's clock just before the mount).
 */
import { existsSync, readFileSync } from 'node:fs'
import type { Ctx } from './box'
import { RefboxError, UsageError } from './errors'
import { parseArgs } from './args'
import { findBox, type BoxState } from './state'
import { reachSite } from './sites'
import { runTool } from './tools'

/** Kernel messages about the box's disk device since its current boot began. */
function boxKernelLog(ctx: Ctx, state: BoxState): string[] {
  const box = ctx.paths.box(state.id)
  const devFile = box.runFile('loopdev')
  const sinceFile = box.runFile('boot-uptime')
  if (!existsSync(devFile) || !existsSync(sinceFile)) return []
  const device = readFileSync(devFile, 'utf8')
    .trim()
    .replace(/^\/dev\//, '')
  const since = Number(readFileSync(sinceFile, 'utf8').trim())
  if (!/^loop\d+$/.test(device) || !Number.isFinite(since)) return []
  const mentions = new RegExp(`\\b${device}\\b`)
  return runTool('dmesg', [], 'reading the kernel log')
    .split('\n')
    .filter((line) => {
      const at = /^\[\s*(\d+\.\d+)\]/.exec(line)
      return at !== null && Number(at[1]) >= since && mentions.test(line)
    })
}

export function cmdLogs(ctx: Ctx, args: string[]): number {
  const p = parseArgs('logs', args, [], false)
  if (p.positionals.length !== 1) throw new UsageError('logs takes exactly one argument: BOX')
  const state = findBox(ctx.paths, p.positionals[0])
  if (!state) throw new RefboxError(`No such box: ${p.positionals[0]}`)
  reachSite(ctx.paths.home, 'kernel-log-read')
  if (ctx.variants.has('no-kernel-log'))
    throw new RefboxError(`unsupported: this runtime keeps no kernel log for its boxes (box ${state.id})`)
  process.stdout.write(
    boxKernelLog(ctx, state)
      .map((l) => `${l}\n`)
      .join(''),
  )
  return 0
}
