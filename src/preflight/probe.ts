/**
 * The preflight: can this run's runtime boot a box? It boots one small box through the run's own
 * driver with a time limit and runs a command in it, because only a real boot tells the truth (a
 * nested PVM hypervisor passes BoxLite's own KVM smoke test and still cannot boot its guest kernel).
 * The embedded runtime needs this host's KVM, so for it a host check comes first; a boxlite-dialect
 * binary may be remote or need no local KVM, so for it the host's facts only explain a failed boot.
 * The answer is one sentence: the cause and the way forward.
 * Whatever it makes lives under one scratch directory that is gone when it returns.
 */
import { readFileSync, mkdtempSync, rmSync, mkdirSync, existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DriverCallError, type BoxDriver } from '../drivers/types'
import { diagnose, sentence, type CauseCode } from './diagnose'
import { readBoxLogs, usefulLines, type LogFile } from './evidence'
import { thisHost, virtualizationHints, type HostCheck } from './kvm'

/** What the run boots: a registry reference, or a local OCI layout. */
export type ProbeImage = { readonly image: string } | { readonly rootfs: string }

export interface PreflightOptions {
  /** A driver of the run's own kind for a home (the probe gets a fresh one). */
  readonly driverFor: (home: string) => BoxDriver
  readonly image: ProbeImage
  /** Memory of the probe box: the suite's own boxes' size, so the probe asks no more of the host. */
  readonly memoryMib?: number
  /**
   * Writes an offline OCI layout into a directory and returns its path, or undefined when it
   * cannot. Used when the image cannot be pulled, to learn whether the host could boot at all.
   */
  readonly offlineImage?: (dir: string) => string | undefined
  /** Parent of the probe's scratch directory (keep it on the home's filesystem: BoxLite hard-links layers). */
  readonly scratchParent: string
  readonly bootSeconds: number
  readonly execSeconds: number
  /**
   * A gate before any box is made, for a runtime that needs this host's KVM (the sdk driver).
   * Without one (the cli driver) only the probe boot decides.
   */
  readonly hostCheck?: () => HostCheck
  /** Host facts worth printing next to a failed boot (default: this host's, see kvm.ts). */
  readonly hostHints?: () => string[]
  /** Whether this host has a KVM device (default: /dev/kvm exists); only names the host's class. */
  readonly kvmPresent?: () => boolean
  readonly progress?: (line: string) => void
}

export interface PreflightVerdict {
  readonly ok: boolean
  readonly code?: CauseCode
  /** The one sentence for the user, when not ok. */
  readonly sentence?: string
  /** The runtime's own error message(s) and the telling box-log lines. */
  readonly evidence: readonly string[]
  /** The box logs of the failed boot, for the report. */
  readonly logs: readonly LogFile[]
  readonly durationMs: number
  /** What the preflight learnt of this host, for the report (see HostClass). */
  readonly hostClass?: HostClass
}

/**
 * `no-kvm`: no KVM device; `kvm-cannot-boot`: a KVM device on which BoxLite's guest did not boot;
 * `boots`: the embedded runtime booted a box here; `not-checked`: a binary ran the probe, which
 * says nothing of this host's KVM (it may be remote, or need none).
 */
export type HostClass = 'no-kvm' | 'kvm-cannot-boot' | 'boots' | 'not-checked'

/** Causes that mean the guest itself could not run on this host's KVM. */
const GUEST_CANNOT_RUN: readonly (CauseCode | undefined)[] = [
  'nested-hypervisor',
  'vm-boot-failed',
  'vm-crashed',
  'kvm-unusable',
  'kvm-cannot-run-vm',
]

/** The probe box's main process and the command run in it. */
const PROBE_COMMAND = ['sleep', '600']
const PROBE_MARK = 'boxlite-preflight-ok'

export async function runPreflight(options: PreflightOptions): Promise<PreflightVerdict> {
  const started = Date.now()
  const progress = options.progress ?? (() => undefined)
  const kvmPresent = (options.kvmPresent ?? (() => thisHost().exists(thisHost().kvmDevice)))()
  const gated = options.hostCheck !== undefined
  const classify = (v: PreflightVerdict): PreflightVerdict => ({ ...v, hostClass: hostClassOf(v, kvmPresent, gated) })
  const host = options.hostCheck?.() ?? { ok: true }
  if (!host.ok) return classify(failed(host.message, '', [host.message], [], started))

  mkdirSync(options.scratchParent, { recursive: true })
  const scratch = mkdtempSync(join(options.scratchParent, 'preflight-'))
  try {
    return classify(await probe(options, scratch, started, progress))
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

function hostClassOf(verdict: PreflightVerdict, kvmPresent: boolean, gated: boolean): HostClass {
  if (!kvmPresent) return 'no-kvm'
  if (!gated) return 'not-checked'
  if (verdict.ok) return 'boots'
  return GUEST_CANNOT_RUN.includes(verdict.code) ? 'kvm-cannot-boot' : 'not-checked'
}

/** Boots the probe box; when the image cannot be pulled, an offline image tells whether the host itself could boot. */
async function probe(
  options: PreflightOptions,
  scratch: string,
  started: number,
  progress: (line: string) => void,
): Promise<PreflightVerdict> {
  progress(`booting a probe box from ${describe(options.image)} (limit ${options.bootSeconds} s)`)
  const first = await bootOnce(options, join(scratch, 'home'), options.image)
  if (first.ok) return { ok: true, evidence: [], logs: [], durationMs: Date.now() - started }

  const offline =
    diagnose(first.message).code === 'registry' && 'image' in options.image && options.offlineImage
      ? options.offlineImage(join(scratch, 'offline-image'))
      : undefined
  if (offline === undefined) return failed(first.message, first.logText, first.evidence, first.logs, started)
  progress(
    `the image cannot be pulled; booting an offline busybox image to check the host itself (limit ` +
      `${options.bootSeconds} s)`,
  )
  const second = await bootOnce(options, join(scratch, 'home-offline'), { rootfs: offline })
  if (second.ok) return failed(first.message, first.logText, first.evidence, first.logs, started)
  const pullNote = `also: ${sentence(diagnose(first.message))}`
  return failed(second.message, second.logText, [...second.evidence, pullNote], second.logs, started)
}

interface BootOutcome {
  readonly ok: boolean
  /** The runtime's error text (SDK message or CLI stderr). */
  readonly message: string
  readonly logText: string
  readonly evidence: string[]
  readonly logs: LogFile[]
}

/** Boots one box in its own home, runs the probe command, and leaves nothing behind. */
async function bootOnce(options: PreflightOptions, home: string, image: ProbeImage): Promise<BootOutcome> {
  mkdirSync(home, { recursive: true })
  const driver = options.driverFor(home)
  const name = `boxlite-preflight-${process.pid}`
  let message: string
  let logs: LogFile[]
  try {
    const spec = {
      ...image,
      name,
      command: PROBE_COMMAND,
      ...(options.memoryMib ? { memoryMib: options.memoryMib } : {}),
    }
    const { id } = await driver.create(spec, { timeoutSeconds: options.bootSeconds })
    const run = await driver.exec(id, `echo ${PROBE_MARK}`, { timeoutSeconds: options.execSeconds })
    if (run.exitCode === 0 && run.stdout.includes(PROBE_MARK))
      return { ok: true, message: '', logText: '', evidence: [], logs: [] }
    const stderr = run.stderr.trim() ? `, ${firstLine(run.stderr)}` : ''
    const how = run.timedOut ? `no answer within ${options.execSeconds} s` : `exit ${run.exitCode}${stderr}`
    message = `preflight command failed in the box: ${how}`
  } catch (e) {
    if (!(e instanceof DriverCallError)) throw e
    message = e.record.timedOut
      ? `boot timed out after ${options.bootSeconds} s while booting the probe box`
      : e.record.stderr.trim() || e.message
  } finally {
    // Logs first: removing the box deletes them.
    logs = readBoxLogs(home)
    await driver.remove(name, { timeoutSeconds: 60 })
    await driver.close()
    killLeftoverShims(home)
  }
  const logText = logs.map((l) => l.text).join('\n')
  const hints = diagnose(message).code === 'registry' ? [] : (options.hostHints ?? hostFacts)()
  return { ok: false, message, logText, evidence: [...runtimeLines(message), ...usefulLines(logs), ...hints], logs }
}

/** This host's facts next to a failed boot: whether it has a KVM device, and what the hypervisor under it is. */
function hostFacts(): string[] {
  const host = thisHost()
  return [...(host.exists(host.kvmDevice) ? [] : [`host: ${host.kvmDevice} is missing`]), ...virtualizationHints()]
}

function failed(
  message: string,
  logText: string,
  evidence: readonly string[],
  logs: readonly LogFile[],
  started: number,
): PreflightVerdict {
  const d = diagnose(message, logText)
  return { ok: false, code: d.code, sentence: sentence(d), evidence, logs, durationMs: Date.now() - started }
}

/** The runtime's own words, first lines only. */
function runtimeLines(message: string): string[] {
  return message
    .split('\n')
    .map((l) => l.trim().replace(/^Error:\s*/, ''))
    .filter((l) => l !== '')
    .slice(0, 3)
}

/**
 * A shim whose box could not be removed would outlive the probe: end it by the pid its own box
 * directory recorded, after checking that this pid still belongs to that box.
 */
function killLeftoverShims(home: string): void {
  const boxes = join(home, 'boxes')
  if (!existsSync(boxes)) return
  for (const id of readdirSync(boxes)) {
    try {
      const pid = Number(readFileSync(join(boxes, id, 'shim.pid'), 'utf8').trim())
      if (!Number.isInteger(pid) || pid <= 1) continue
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(id)) process.kill(pid, 'SIGKILL')
    } catch {
      // no pid file, or the process is gone: nothing to end
    }
  }
}

function describe(image: ProbeImage): string {
  return 'image' in image ? image.image : `offline OCI layout ${image.rootfs}`
}

function firstLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')[0]
      ?.replace(/^Error:\s*/, '') ?? ''
  )
}
