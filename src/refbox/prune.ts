/**
 * `prune`: releases what crashed or killed runs left in one home. Only things provably belonging to
 * that home are touched: recorded pids (after their start times check out), processes whose command
 * line names a box directory of the home, loop devices backed by a file under the home, and mounts
 * under the home. Live boxes (shim and main process running) are left alone.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Ctx } from './box'
import { recordedRefs } from './remove'
import { BOX_ID } from './home'
import { allPids, cmdlineOf, isAlive, refOf, signalRef, waitFor } from './proc'
import { isRunning, listStates, writeState } from './state'

export async function prune(ctx: Ctx): Promise<string[]> {
  const released: string[] = []
  const home = ctx.paths.home
  const states = listStates(ctx.paths)
  for (const s of states) {
    if (isAlive(s.shim) && !isRunning(s)) await waitFor(() => !isAlive(s.shim), 10_000) // may be tearing down
  }
  const live = new Set(states.filter((s) => isAlive(s.shim) && isRunning(s)).map((s) => s.id))

  for (const s of states.filter((st) => !live.has(st.id))) {
    for (const ref of recordedRefs(s)) {
      if (signalRef(ref, 'SIGKILL')) released.push(`killed process ${ref.pid} of box ${s.id}`)
    }
    if (s.status === 'running') {
      s.status = 'stopped'
      writeState(ctx.paths, s)
      released.push(`marked box ${s.id} stopped`)
    }
  }

  // Processes that name a box directory of this home but belong to no live box (e.g. an orphaned
  // storage daemon, or a box whose state file is gone).
  const boxesPrefix = `${ctx.paths.boxesDir}/`
  for (const pid of allPids()) {
    if (pid === process.pid) continue
    const hit = cmdlineOf(pid).find((a) => a.includes(boxesPrefix))
    if (!hit) continue
    const id = hit.slice(hit.indexOf(boxesPrefix) + boxesPrefix.length).split('/')[0]
    if (!BOX_ID.test(id) || live.has(id)) continue
    const ref = refOf(pid)
    if (ref && signalRef(ref, 'SIGKILL'))
      released.push(`killed process ${pid} (${cmdlineOf(pid)[0] ?? '?'}) left by box ${id}`)
  }
  await sleepBriefly()

  const liveRaw = new Set([...live].map((id) => ctx.paths.box(id).raw))
  for (const loop of loopDevices()) {
    if (!loop.backFile.startsWith(`${home}/`) || liveRaw.has(loop.backFile)) continue
    spawnSync('losetup', ['-d', loop.name], { stdio: 'ignore' })
    released.push(`detached ${loop.name} (${loop.backFile})`)
  }

  const liveRoots = [...live].map((id) => ctx.paths.box(id).dir + '/')
  const mounts = mountTargets().filter((t) => t.startsWith(`${home}/`) && !liveRoots.some((r) => t.startsWith(r)))
  for (const target of mounts.sort((a, b) => b.length - a.length)) {
    spawnSync('umount', ['-l', target], { stdio: 'ignore' })
    released.push(`unmounted ${target}`)
  }

  for (const dir of [ctx.paths.tmpDir, ctx.paths.diskImagesDir]) {
    if (!existsSync(dir)) continue
    for (const name of readdirSync(dir).filter((n) => /^unpack-|\.tmp-\d+$/.test(n))) {
      rmSync(join(dir, name), { recursive: true, force: true })
      released.push(`removed unfinished ${join(dir, name)}`)
    }
  }
  return released
}

const sleepBriefly = () => new Promise((r) => setTimeout(r, 200))

function loopDevices(): { name: string; backFile: string }[] {
  const r = spawnSync('losetup', ['-J', '-l', '-O', 'NAME,BACK-FILE'], { encoding: 'utf8' })
  if (r.status !== 0 || !r.stdout.trim()) return []
  const parsed = JSON.parse(r.stdout) as { loopdevices?: { name: string; 'back-file'?: string }[] }
  return (parsed.loopdevices ?? []).map((l) => ({
    name: l.name,
    backFile: (l['back-file'] ?? '').replace(/ \(deleted\)$/, '').trim(),
  }))
}

function mountTargets(): string[] {
  const r = spawnSync('findmnt', ['-n', '-l', '-o', 'TARGET'], { encoding: 'utf8' })
  return r.status === 0
    ? r.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
    : []
}
