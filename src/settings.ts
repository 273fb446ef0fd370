/**
 * Everything a run can be told from outside: the cucumber profile's world parameters first, then
 * environment variables, then defaults. Read and validated once per process (runSettings) and
 * passed down; bad values fail with one sentence that says what to fix. TIMEOUT_FACTOR is applied
 * in one place, the Clock: every call limit, poll, window and step deadline asks it.
 */
import { existsSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { CAPABILITIES_FORM, type CapabilityOverride, parseCapabilityOverride } from './drivers/capabilities'
import { isExecutableFile, isOnPath } from './drivers/executable'
import type { CallOptions } from './drivers/types'
import { DRIVER_CHOICES, type DriverChoice, type DriverSettings, resolveAuto } from './drivers/select'
import { HARD_ROOTFS_LIMIT_BYTES } from './guest/interlock'
import { formatBytes, parseSize } from './evidence/units'
import { pollUntil, type PollResult } from './host/poll'

/** What cucumber.js profiles may set (`worldParameters`); each overrides the matching variable. */
export interface WorldParameters {
  readonly driver?: string
  readonly bin?: string
  readonly image?: string
  readonly rootfs?: string
}

export type KeepBoxes = 'never' | 'on-failure' | 'always'

export interface BoxDefaults {
  readonly image?: string
  readonly rootfs?: string
  readonly memoryMib: number
  readonly diskSizeGb?: number
  /** `sleep N` keeps the box alive; it outlives any scenario. */
  readonly lifetimeSeconds: number
}

export interface Settings {
  readonly driver: DriverSettings
  readonly box: BoxDefaults
  readonly timeoutFactor: number
  /** TIMEOUT_FACTOR at work: the only place it is applied. */
  readonly clock: Clock
  readonly keepBoxes: KeepBoxes
  /** The interlock's bound when a scenario states none (never above the 2 GiB hard limit). */
  readonly rootfsSafetyLimitBytes: number
}

let loaded: { readonly key: string; readonly settings: Settings } | undefined

/**
 * The run's settings, read once per process: cucumber's World, its hooks and its plugins all ask
 * here, and only the first asking reads the environment. Other world parameters (a unit test's
 * own World) read them again.
 */
export function runSettings(
  params: WorldParameters,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Settings {
  const key = JSON.stringify(params)
  if (loaded?.key !== key) loaded = { key, settings: loadSettings(params, env, cwd) }
  return loaded.settings
}

/** Reads and checks every setting; the first bad one throws a SettingError. */
export function loadSettings(params: WorldParameters, env: NodeJS.ProcessEnv, cwd = process.cwd()): Settings {
  const requested = driverChoice(params.driver ?? env.BOXLITE_DRIVER)
  const named = params.bin ?? (env.BOXLITE_BIN?.trim() || undefined)
  // `auto` is settled once, here: a named binary or `boxlite` on PATH means cli, else the embedded runtime.
  const kind = requested === 'auto' ? resolveAuto(named ?? 'boxlite', named !== undefined, env.PATH) : requested
  const bin = kind === 'cli' ? resolveBinary(named ?? 'boxlite', env, cwd) : (named ?? 'boxlite')
  const registries = (env.BOXLITE_REGISTRY ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
  for (const r of registries) {
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(r))
      throw new SettingError(
        'BOXLITE_REGISTRY',
        r,
        'is not a registry',
        'write host[:port] (no scheme, no path), comma-separated for several',
      )
  }
  const rootfsRaw = params.rootfs ?? (env.BOXLITE_ROOTFS?.trim() || undefined)
  const rootfs = rootfsRaw ? checkOciLayout(resolve(cwd, rootfsRaw), rootfsRaw) : undefined
  const factor = timeoutFactor(env)
  const clock = new Clock(factor)
  return {
    driver: {
      kind,
      bin,
      registries,
      globalArgs: registries.flatMap((r) => ['--registry', r]),
      ...capabilityOverride(env.BOXLITE_CAPABILITIES),
    },
    box: {
      rootfs,
      image: rootfs ? undefined : (params.image ?? imageReference(env.BOXLITE_IMAGE)),
      memoryMib: wholeNumber(env.BOXLITE_MEMORY_MIB ?? '256', 'BOXLITE_MEMORY_MIB', 1, 1048576, 'MiB'),
      diskSizeGb: env.BOXLITE_DISK_SIZE_GB
        ? wholeNumber(
            env.BOXLITE_DISK_SIZE_GB,
            'BOXLITE_DISK_SIZE_GB',
            1,
            2,
            'GiB; the suite fills the disk, so at most its 2 GiB safety bound',
          )
        : undefined,
      lifetimeSeconds: Math.ceil(clock.seconds(600)),
    },
    timeoutFactor: factor,
    clock,
    keepBoxes: keepBoxes(env.KEEP_BOXES),
    rootfsSafetyLimitBytes: safetyLimit(env.ROOTFS_SAFETY_LIMIT),
  }
}

/**
 * A setting that cannot be used. Its message is one sentence a person acts on: the setting, the
 * bad value, what is wrong and the accepted form.
 */
export class SettingError extends Error {
  constructor(
    readonly setting: string,
    readonly value: string,
    problem: string,
    accepted: string,
  ) {
    super(`${setting}="${value}" ${problem}: ${accepted}.`)
    this.name = 'SettingError'
  }
}

/**
 * The run's time: every per-call limit and every wait the suite states (support/timeouts.ts, and the
 * "within N seconds" of a sentence), scaled by TIMEOUT_FACTOR. Callers name the unscaled seconds;
 * only these methods multiply.
 */
export class Clock {
  constructor(readonly factor: number) {}

  /** Seconds scaled by TIMEOUT_FACTOR. */
  seconds(seconds: number): number {
    return seconds * this.factor
  }

  ms(seconds: number): number {
    return Math.round(this.seconds(seconds) * 1000)
  }

  /** A runtime or host call's options: its limit, scaled. */
  limit(seconds: number): CallOptions {
    return { timeoutSeconds: this.seconds(seconds) }
  }

  /** Measures every `intervalMs` until `ok`, for at most the window (scaled). */
  pollUntil<T>(
    measure: () => T | Promise<T>,
    ok: (value: T) => boolean,
    opts: { intervalMs: number; windowSeconds: number },
  ): Promise<PollResult<T>> {
    return pollUntil(measure, ok, { intervalMs: opts.intervalMs, timeoutMs: this.ms(opts.windowSeconds) })
  }

  /** A window (scaled) that starts now. */
  deadline(seconds: number): Deadline {
    const scaled = this.seconds(seconds)
    const ends = Date.now() + scaled * 1000
    return { seconds: scaled, remainingSeconds: () => Math.max(0, (ends - Date.now()) / 1000) }
  }
}

export interface Deadline {
  /** The whole window, scaled. */
  readonly seconds: number
  remainingSeconds(): number
}

/** TIMEOUT_FACTOR scales every timeout and wait (default 1). */
function timeoutFactor(env: NodeJS.ProcessEnv): number {
  const raw = env.TIMEOUT_FACTOR ?? '1'
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 100) {
    throw new SettingError(
      'TIMEOUT_FACTOR',
      raw,
      'is not a usable factor',
      'write a number above 0 and at most 100, e.g. 2 or 1.5',
    )
  }
  return n
}

function driverChoice(raw: string | undefined): DriverChoice {
  const choice = (raw ?? '').trim() || 'auto'
  if (!(DRIVER_CHOICES as readonly string[]).includes(choice)) {
    throw new SettingError(
      'BOXLITE_DRIVER',
      raw ?? '',
      'is not a driver',
      `use one of ${DRIVER_CHOICES.join(', ')} (unset means auto)`,
    )
  }
  return choice as DriverChoice
}

/** Unset means the default image; set, it must look like an image reference. */
function imageReference(raw: string | undefined): string {
  if (raw === undefined) return 'alpine:latest'
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(raw)) {
    throw new SettingError(
      'BOXLITE_IMAGE',
      raw,
      raw.trim() === '' ? 'is empty' : 'is not an image reference',
      'write a reference such as alpine:latest or registry.local:5000/team/alpine:3.20, or unset it',
    )
  }
  return raw
}

/** BOXLITE_CAPABILITIES: unset means what the driver reports (its probe, or its package's list). */
function capabilityOverride(raw: string | undefined): { capabilities?: CapabilityOverride } {
  try {
    const capabilities = parseCapabilityOverride(raw)
    return capabilities ? { capabilities } : {}
  } catch (e) {
    throw new SettingError('BOXLITE_CAPABILITIES', raw ?? '', (e as Error).message, CAPABILITIES_FORM)
  }
}

function keepBoxes(raw: string | undefined): KeepBoxes {
  const v = (raw ?? '').trim() || 'never'
  if (v !== 'never' && v !== 'on-failure' && v !== 'always') {
    throw new SettingError('KEEP_BOXES', raw ?? '', 'is not a keep policy', 'use never, on-failure or always')
  }
  return v
}

function safetyLimit(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return HARD_ROOTFS_LIMIT_BYTES
  const accepted =
    `write a size above 0 and at most ${formatBytes(HARD_ROOTFS_LIMIT_BYTES)}, written as a number ` +
    `and B, KiB, MiB or GiB (e.g. "1 GiB")`
  let bytes: number
  try {
    bytes = parseSize(raw)
  } catch {
    throw new SettingError('ROOTFS_SAFETY_LIMIT', raw, 'is not a size', accepted)
  }
  if (bytes <= 0 || bytes > HARD_ROOTFS_LIMIT_BYTES)
    throw new SettingError('ROOTFS_SAFETY_LIMIT', raw, 'is out of range', accepted)
  return bytes
}

function wholeNumber(raw: string, name: string, min: number, max: number, unit: string): number {
  const n = Number(raw.trim())
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
    throw new SettingError(name, raw, 'is not usable', `write a whole number from ${min} to ${max}, in ${unit}`)
  }
  return n
}

/** A path (absolute, or relative to the project) must be an executable file; a bare name is looked up on PATH. */
export function resolveBinary(bin: string, env: NodeJS.ProcessEnv, cwd: string): string {
  const accepted =
    'give the path of a boxlite-dialect binary (e.g. ./bin/refbox) or a name on PATH, or unset BOXLITE_BIN for the ' +
    'embedded runtime'
  if (bin.includes('/')) {
    const abs = isAbsolute(bin) ? bin : resolve(cwd, bin)
    if (!existsSync(abs)) throw new SettingError('BOXLITE_BIN', bin, 'does not exist', accepted)
    if (!isExecutableFile(abs)) throw new SettingError('BOXLITE_BIN', bin, 'is not an executable file', accepted)
    return abs
  }
  if (isOnPath(bin, env.PATH)) return bin
  throw new SettingError(
    'BOXLITE_BIN',
    bin,
    'is not on PATH',
    `install BoxLite, or ${accepted}, or use \`--profile reference\``,
  )
}

function checkOciLayout(dir: string, raw: string): string {
  const accepted =
    'give a directory holding an OCI image layout (oci-layout and index.json), e.g. one written by `./bin/refbox ' +
    'build-image --out DIR`'
  if (!existsSync(dir)) throw new SettingError('BOXLITE_ROOTFS', raw, 'does not exist', accepted)
  if (!existsSync(join(dir, 'oci-layout')) || !existsSync(join(dir, 'index.json'))) {
    throw new SettingError('BOXLITE_ROOTFS', raw, 'is not an OCI image layout', accepted)
  }
  return dir
}
