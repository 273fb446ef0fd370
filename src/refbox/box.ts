/**
 * Box lifecycle: create (overlay on the shared base disk), start (launch the box's shim), stop (./remove removes).
 * There is no refbox daemon: each box is its own shim process tree, found again through state.json.
 */
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ensureBaseDisk } from './base-disk'
import type { Defects } from './defects'
import type { Variants } from './variants'
import { baseFor, reserveIfDefective, resizeWanted, touchBaseIfDefective } from './host-disk-defects'
import { RefboxError } from './errors'
import { BOX_NAME, type HomePaths } from './home'
import { loadLayout } from './oci'
import { createOverlay, rebuildTorn, tornDisk } from './overlay'
import {
  allPids,
  cmdlineOf,
  hasEnv,
  isAlive,
  namespaceOf,
  parentOf,
  pidNamespaceMembers,
  refOf,
  signalRef,
  waitFor,
  type ProcRef,
} from './proc'
import { collectDiscardReport, reachBootSites, reachSite, recordingSites } from './sites'
import { generatedName, listStates, newBoxId, writeState, isRunning, type BoxState } from './state'
import { slowly } from './variant-effects'
import { BOX_TOOLS, requireRootAndFuse, requireTools } from './tools'
import { checkVolumesAtStart, createVolumes, shimVolumeLines, type VolumeRequest } from './volumes'

const GiB = 1024 ** 3
/** Size of the disk `unbounded-rootfs` gives a box: far beyond any image, like a host disk. */
const UNBOUNDED_SIZE = 8 * GiB
// From the sources and from their build in dist/refbox alike (tsc does not copy the shell script).
const SHIM = join(__dirname, '..', '..', 'src', 'refbox', 'box-shim.sh')

export interface Ctx {
  readonly paths: HomePaths
  readonly defects: Defects
  readonly variants: Variants
}

interface BoxRequest {
  readonly image: string
  readonly rootfs: string
  readonly name?: string
  readonly memoryMib: number
  readonly cpus: number
  readonly diskSizeGb?: number
  readonly command: readonly string[]
  readonly volumes?: readonly VolumeRequest[]
}

export function createBox(ctx: Ctx, req: BoxRequest): BoxState {
  requireRootAndFuse()
  requireTools(...BOX_TOOLS)
  if (req.name !== undefined) {
    if (!BOX_NAME.test(req.name))
      throw new RefboxError(
        `invalid box name ${JSON.stringify(req.name)}: use letters, digits, '_', '.', '-' (at most 64)`,
      )
    if (listStates(ctx.paths).some((s) => s.name === req.name))
      throw new RefboxError(`already exists: box name ${req.name}`)
  }
  const fresh = () => newBoxId(ctx.variants.has('ids-and-names'))
  let id = fresh()
  while (existsSync(ctx.paths.boxDir(id))) id = fresh()
  const box = ctx.paths.box(id)
  reachSite(ctx.paths.home, 'create-requested')
  // The regression `failed-create-leaves-dir`: the box directory is made before the image is read.
  if (ctx.defects.has('failed-create-leaves-dir')) mkdirSync(box.logs, { recursive: true })
  const base = ensureBaseDisk(ctx.paths, loadLayout(req.rootfs))
  reachSite(ctx.paths.home, 'create-image-ready')
  reachSite(ctx.paths.home, 'box-create')
  let virtualSize = Math.max(Math.floor((req.diskSizeGb ?? 0) * GiB), base.size)
  if (ctx.defects.has('unbounded-rootfs')) virtualSize = Math.max(virtualSize, UNBOUNDED_SIZE)
  let state: BoxState = {
    id,
    name: req.name ?? (ctx.variants.has('ids-and-names') ? generatedName() : undefined),
    image: req.image,
    rootfs: req.rootfs,
    createdAt: new Date().toISOString(),
    command: req.command,
    memoryMib: req.memoryMib,
    cpus: req.cpus,
    diskSizeGb: req.diskSizeGb,
    baseDisk: base.path,
    virtualSize,
    needsResize: virtualSize > base.size,
    status: 'configured',
  }
  // Recorded before anything else is made, so a run killed from here on leaves a box that
  // `list -a` shows and `rm -f` removes (a directory without a record is listed too: ./state).
  mkdirSync(box.dir, { recursive: true })
  writeState(ctx.paths, state)
  try {
    mkdirSync(box.disks, { recursive: true })
    mkdirSync(box.logs, { recursive: true })
    const baseDisk = baseFor(ctx.defects, box, base.path)
    if (baseDisk !== state.baseDisk) {
      state = { ...state, baseDisk }
      writeState(ctx.paths, state)
    }
    createOverlay(baseDisk, box.qcow2, virtualSize)
    reserveIfDefective(ctx.defects, box.qcow2, virtualSize)
    if (req.volumes?.length) {
      reachSite(ctx.paths.home, 'create-with-volumes')
      state = { ...state, volumes: createVolumes(ctx.paths, box, req.volumes, ctx.defects) }
      writeState(ctx.paths, state)
    }
  } catch (e) {
    rmSync(box.dir, { recursive: true, force: true })
    throw e
  }
  return state
}

/** qemu option syntax: a comma inside a value is written twice. */
const qemuEscape = (s: string): string => s.replace(/,/g, ',,')

/** Boots the box's disk and main process; resolves once the main process runs on the box disk. */
export async function startBox(ctx: Ctx, state: BoxState): Promise<void> {
  if (isRunning(state)) return
  return slowly(ctx, () => bootBox(ctx, state))
}

async function bootBox(ctx: Ctx, state: BoxState): Promise<void> {
  requireRootAndFuse()
  requireTools(...BOX_TOOLS)
  const box = ctx.paths.box(state.id)
  await waitForShimExit(state) // a previous boot may still be flushing its disk
  collectDiscardReport(ctx.paths.home, box.runFile('discards'), false) // a boot that ended without a stop
  reachSite(ctx.paths.home, 'box-start')
  if (state.startedAt !== undefined) reachSite(ctx.paths.home, 'restart')
  touchBaseIfDefective(ctx.defects, state.baseDisk, state.startedAt !== undefined)
  // Its last boot never wrote an exit status: its shim died (killed, or the host crashed).
  const crashed = state.startedAt !== undefined && state.status === 'running' && !existsSync(box.exit)
  if (
    (ctx.defects.has('lost-writes-on-stop') && state.startedAt !== undefined) ||
    (ctx.defects.has('rebuild-after-crash') && crashed)
  ) {
    rmSync(box.qcow2, { force: true }) // the regression: "start" provisions the overlay as if the box were new
    createOverlay(state.baseDisk, box.qcow2, state.virtualSize)
  }
  const torn = tornDisk(box.qcow2)
  if (torn !== undefined) reachSite(ctx.paths.home, 'torn-disk')
  if (torn !== undefined && !ctx.defects.has('torn-disk-unremovable')) rebuildTorn(state, box.qcow2, torn)
  if (state.needsResize) reachSite(ctx.paths.home, 'start-needing-resize')
  if (state.volumes?.length) {
    reachSite(ctx.paths.home, 'start-with-volumes')
    checkVolumesAtStart(state.volumes)
  }
  rmSync(box.run, { recursive: true, force: true })
  rmSync(box.exit, { force: true })
  mkdirSync(box.run, { recursive: true })
  mkdirSync(box.logs, { recursive: true })

  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C',
    REFBOX_BOX_DIR: box.dir,
    REFBOX_QSD_FILE: qemuEscape(box.qcow2),
    REFBOX_QSD_MOUNT: qemuEscape(box.raw),
    REFBOX_TMP_SIZE: `${Math.max(16, Math.floor(state.memoryMib / 2))}m`,
    REFBOX_RESIZE: resizeWanted(ctx.defects, state.needsResize) ? '1' : '0',
    REFBOX_MOUNT_DISCARD: ctx.defects.has('no-discard') ? 'nodiscard' : 'discard',
    REFBOX_TMPFS: ctx.defects.has('no-tmpfs') ? '0' : '1',
    REFBOX_REFUSE_FULL: ctx.defects.has('start-refuses-when-full') ? '1' : '0',
    REFBOX_COUNT_DISCARDS: recordingSites() ? '1' : '0',
    REFBOX_VOLUMES: shimVolumeLines(state.volumes ?? [], ctx.defects),
  }
  const boxCommand = state.command
  let launcher = ['unshare', '--mount', '--propagation', 'private', 'sh', SHIM, ...boxCommand]
  const running = listStates(ctx.paths).find((s) => s.id !== state.id && isRunning(s) && isAlive(s.shim))
  if (running) reachSite(ctx.paths.home, 'start-beside-running-box')
  const peer = ctx.defects.has('shared-disk') ? running : undefined
  if (peer?.shim) {
    // The regression: the disk is cached per image, so a new box joins a running box's mounted disk.
    env.REFBOX_SHARE_ROOT = ctx.paths.box(peer.id).root
    launcher = ['nsenter', '-t', String(peer.shim.pid), '-m', '--', 'sh', SHIM, ...boxCommand]
  }
  const log = openSync(box.shimLog, 'a')
  const child = spawn(launcher[0], launcher.slice(1), { detached: true, stdio: ['ignore', log, log], env })
  closeSync(log)
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))
  child.unref()
  const shim = child.pid === undefined ? undefined : refOf(child.pid)
  state.shim = shim
  state.main = state.qsd = state.unshare = undefined
  state.failure = undefined
  state.status = 'running'
  // The regression `shim-recorded-when-up` (with its half in stopBox): the shim is recorded only once the box is up.
  if (!ctx.defects.has('shim-recorded-when-up')) writeState(ctx.paths, state)

  const ready = () => existsSync(box.runFile('ready'))
  const over = () => ready() || existsSync(box.runFile('failed')) || !isAlive(shim)
  const settled = await Promise.race([waitFor(over, 60_000, 20), spawnError.then(() => false)])
  if (ready()) {
    // Recorded only while their parents vouch for them, so a reused pid is never mistaken for them.
    state.qsd = readChildRef(box.runFile('qsd.pid'), shim)
    state.unshare = readChildRef(box.runFile('unshare.pid'), shim)
    state.main = readChildRef(box.runFile('main.pid'), state.unshare)
    state.rootDev = readFileSync(box.runFile('rootdev'), 'utf8').trim()
    state.startedAt = new Date().toISOString()
    if (existsSync(box.runFile('resized'))) state.needsResize = false
    writeState(ctx.paths, state)
    reachSite(ctx.paths.home, 'box-up')
    if (state.main) reachBootSites(ctx.paths.home, `/proc/${state.main.pid}/root`)
    return
  }
  const reason = !settled ? 'timed out after 60 s' : shimFailure(box.runFile('failed'), box.shimLog)
  await ensureStopped(state, box.dir)
  state.status = 'failed'
  state.failure = reason
  writeState(ctx.paths, state)
  throw new RefboxError(`engine reported an error: box ${state.id} failed to start: ${reason}`, [`see ${box.shimLog}`])
}

/** The process whose pid the shim wrote to `file`, if it is still a child of `parent`. */
function readChildRef(file: string, parent: ProcRef | undefined): ProcRef | undefined {
  if (!isAlive(parent) || !existsSync(file)) return undefined
  const pid = Number(readFileSync(file, 'utf8').trim())
  const ref = refOf(pid)
  return ref && parentOf(pid) === parent.pid ? ref : undefined
}

/** The useful line of a failed boot: what the shim said, else the last lines of its log. */
function shimFailure(failedFile: string, log: string): string {
  const said = existsSync(failedFile) ? readFileSync(failedFile, 'utf8').trim() : ''
  if (said) return said
  const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []
  return lines.slice(-2).join(' | ') || 'the box shim exited without starting the box'
}

async function waitForShimExit(state: BoxState): Promise<void> {
  if (!isAlive(state.shim)) return
  if (!(await waitFor(() => !isAlive(state.shim), 30_000))) {
    throw new RefboxError(`invalid state: box ${state.id} is still shutting down (shim pid ${state.shim?.pid})`)
  }
}

/**
 * Takes the box down: SIGKILL to its pid 1 (a pid-namespace init ignores SIGTERM), then the shim
 * unmounts and flushes. If the shim does not finish in time it is killed; the kernel then releases
 * the rest (parent-death signals, namespace teardown, loop autoclear).
 */
async function ensureStopped(state: BoxState, boxDir: string, searchUnrecorded = true): Promise<void> {
  // An exec's nsenter waits outside the box for its child; if it is stopped it can never reap it, and
  // the dying box's pid 1 would wait for that forever. Processes that entered the box go with it.
  // They are listed while pid 1 lives: the kernel reuses a dead namespace's number within a second,
  // so a listing made after the kill can name a box starting in another home (the likely cause of a
  // start that died of SIGKILL with four proof runs side by side).
  const ns = isAlive(state.main) ? namespaceOf(state.main.pid, 'pid') : undefined
  const members = ns && ns !== namespaceOf('self', 'pid') ? pidNamespaceMembers(ns).map(refOf) : []
  signalRef(state.main, 'SIGKILL')
  for (const member of members) signalRef(member, 'SIGKILL')
  // The shim's TERM trap stops a box at any stage, even one whose main pid was never recorded
  // (a `run` interrupted mid-start): it kills the box, or tears the disk down if there is none yet.
  // A live recorded shim is the box's only one (a start waits for the last shim to exit).
  const shims = isAlive(state.shim) || !searchUnrecorded ? [state.shim] : [state.shim, ...unrecordedShims(boxDir)]
  for (const shim of shims) signalRef(shim, 'SIGTERM')
  if (await waitFor(() => !shims.some(isAlive), 30_000)) return
  for (const shim of shims) signalRef(shim, 'SIGKILL')
  await waitFor(() => !shims.some(isAlive), 10_000)
}

/**
 * Shims of this box that its record does not name: a `run` killed between launching the shim and
 * recording it. Each shim carries its box directory in its environment (REFBOX_BOX_DIR), which is
 * unique to the box, so nothing else is ever taken for one.
 */
function unrecordedShims(boxDir: string): ProcRef[] {
  return allPids()
    .filter((pid) => cmdlineOf(pid).includes(SHIM) && hasEnv(pid, 'REFBOX_BOX_DIR', boxDir))
    .map(refOf)
    .filter((ref): ref is ProcRef => ref !== undefined)
}

export async function stopBox(ctx: Ctx, state: BoxState): Promise<void> {
  reachSite(ctx.paths.home, 'box-stop')
  return slowly(ctx, () => stopNow(ctx, state))
}

async function stopNow(ctx: Ctx, state: BoxState): Promise<void> {
  const booted = state.status === 'running' && state.rootDev !== undefined
  // `shim-recorded-when-up`, its other half: rm -f trusts the record and never looks for a shim it does not name.
  await ensureStopped(state, ctx.paths.box(state.id).dir, !ctx.defects.has('shim-recorded-when-up'))
  // The storage daemon got SIGTERM from the shim (or its parent-death signal): let it finish flushing.
  if (!(await waitFor(() => !isAlive(state.qsd), 30_000))) signalRef(state.qsd, 'SIGKILL')
  if (isAlive(state.shim)) throw new RefboxError(`box ${state.id}: its shim (pid ${state.shim?.pid}) did not exit`)
  collectDiscardReport(ctx.paths.home, ctx.paths.box(state.id).runFile('discards'), booted)
  if (state.status === 'running') state.status = 'stopped'
  writeState(ctx.paths, state)
}
