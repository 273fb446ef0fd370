/**
 * Everything a run can be told from outside: the cucumber profile's world parameters first, then
 * environment variables, then defaults. Bad values fail with a message that says what to fix.
 */
import { existsSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { isExecutableFile, isOnPath } from '../src/drivers/executable'
import { type DriverSettings, driverKindFrom, resolveAuto } from '../src/drivers/select'
import { HARD_ROOTFS_LIMIT_BYTES } from '../src/guest/interlock'
import { formatBytes, parseSize } from '../src/evidence/units'

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

export interface SuiteConfig {
  readonly driver: DriverSettings
  readonly box: BoxDefaults
  readonly timeoutFactor: number
  readonly keepBoxes: KeepBoxes
  /** The interlock's bound when a scenario states none (never above the 2 GiB hard limit). */
  readonly rootfsSafetyLimitBytes: number
}

export function loadSuiteConfig(params: WorldParameters, env: NodeJS.ProcessEnv, cwd = process.cwd()): SuiteConfig {
  const requested = driverKindFrom(params.driver ?? env.BOXLITE_DRIVER)
  const named = params.bin ?? (env.BOXLITE_BIN?.trim() || undefined)
  // `auto` is settled once, here: a named binary or `boxlite` on PATH means cli, else the embedded runtime.
  const kind = requested === 'auto' ? resolveAuto(named ?? 'boxlite', named !== undefined, env.PATH) : requested
  const bin = kind === 'cli' ? resolveBinary(named ?? 'boxlite', env, cwd) : (named ?? 'boxlite')
  const registries = (env.BOXLITE_REGISTRY ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
  for (const r of registries) {
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(r)) throw new Error(`BOXLITE_REGISTRY: "${r}" is not a host[:port] (no scheme, no path)`)
  }
  const rootfsRaw = params.rootfs ?? env.BOXLITE_ROOTFS
  const rootfs = rootfsRaw ? checkOciLayout(resolve(cwd, rootfsRaw)) : undefined
  const lifetime = Math.ceil(600 * timeoutFactor(env))
  return {
    driver: { kind, bin, registries, globalArgs: registries.flatMap((r) => ['--registry', r]) },
    box: {
      rootfs,
      image: rootfs ? undefined : (params.image ?? env.BOXLITE_IMAGE ?? 'alpine:latest'),
      memoryMib: positiveInt(env.BOXLITE_MEMORY_MIB ?? '256', 'BOXLITE_MEMORY_MIB'),
      diskSizeGb: env.BOXLITE_DISK_SIZE_GB ? positiveInt(env.BOXLITE_DISK_SIZE_GB, 'BOXLITE_DISK_SIZE_GB') : undefined,
      lifetimeSeconds: lifetime,
    },
    timeoutFactor: timeoutFactor(env),
    keepBoxes: keepBoxes(env.KEEP_BOXES),
    rootfsSafetyLimitBytes: safetyLimit(env.ROOTFS_SAFETY_LIMIT),
  }
}

/** TIMEOUT_FACTOR scales every timeout and wait (default 1). */
export function timeoutFactor(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TIMEOUT_FACTOR ?? '1'
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new Error(`TIMEOUT_FACTOR must be a number above 0 (at most 100), got "${raw}"`)
  return n
}

function keepBoxes(raw: string | undefined): KeepBoxes {
  const v = (raw ?? '').trim() || 'never'
  if (v !== 'never' && v !== 'on-failure' && v !== 'always') {
    throw new Error(`KEEP_BOXES must be never, on-failure or always, got "${raw}"`)
  }
  return v
}

function safetyLimit(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return HARD_ROOTFS_LIMIT_BYTES
  const bytes = parseSize(raw)
  if (bytes <= 0 || bytes > HARD_ROOTFS_LIMIT_BYTES) {
    throw new Error(`ROOTFS_SAFETY_LIMIT must be above 0 and at most ${formatBytes(HARD_ROOTFS_LIMIT_BYTES)}, got "${raw}"`)
  }
  return bytes
}

function positiveInt(raw: string, name: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new Error(`${name} must be a whole number of at least 1, got "${raw}"`)
  return Number(raw)
}

/** A path (absolute, or relative to the project) must be an executable file; a bare name is looked up on PATH. */
export function resolveBinary(bin: string, env: NodeJS.ProcessEnv, cwd: string): string {
  if (bin.includes('/')) {
    const abs = isAbsolute(bin) ? bin : resolve(cwd, bin)
    if (!isExecutableFile(abs)) throw new Error(`the boxlite binary ${abs} does not exist or is not executable (BOXLITE_BIN)`)
    return abs
  }
  if (isOnPath(bin, env.PATH)) return bin
  throw new Error(`"${bin}" is not on PATH: install BoxLite, set BOXLITE_BIN, or run the reference profile (--profile reference)`)
}

function checkOciLayout(dir: string): string {
  if (!existsSync(join(dir, 'oci-layout')) || !existsSync(join(dir, 'index.json'))) {
    throw new Error(`BOXLITE_ROOTFS ${dir} is not an OCI image layout (needs oci-layout and index.json)`)
  }
  return dir
}
