/**
 * Chooses how boxes are driven (`BOXLITE_DRIVER`): `cli` runs a boxlite-dialect binary, `sdk`
 * embeds @boxlite-ai/boxlite, `auto` picks whichever works. Only this module knows the concrete
 * drivers; the World asks it for a BoxDriver and never looks further.
 */
import { CliDriver } from './cli'
import { isOnPath } from './executable'
import { SdkDriver } from './sdk'
import type { BoxDriver } from './types'

export const DRIVER_KINDS = ['cli', 'sdk', 'auto'] as const
export type DriverKind = (typeof DRIVER_KINDS)[number]

export interface DriverSettings {
  readonly kind: DriverKind
  /** The boxlite-dialect binary (cli driver). */
  readonly bin: string
  /** Global CLI flags such as `--registry HOST` (cli driver). */
  readonly globalArgs: readonly string[]
  /** Image registries to search for unqualified references. */
  readonly registries: readonly string[]
}

/** Reads `BOXLITE_DRIVER` (default `auto`); an unknown value is an error that lists the choices. */
export function driverKindFrom(value: string | undefined): DriverKind {
  const kind = (value ?? '').trim() || 'auto'
  if (!(DRIVER_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`unknown BOXLITE_DRIVER "${value}": choose one of ${DRIVER_KINDS.join(', ')}`)
  }
  return kind as DriverKind
}

/** One driver per scenario home. */
export function createDriver(settings: DriverSettings, home: string): BoxDriver {
  switch (settings.kind) {
    case 'cli':
      return new CliDriver({ bin: settings.bin, home, globalArgs: settings.globalArgs })
    case 'sdk':
    case 'auto':
      return createSdkOrAutoDriver(settings, home)
  }
}

/**
 * ---- THE SDK HOOK --------------------------------------------------------------------------
 * `sdk`: the runtime embedded through @boxlite-ai/boxlite (src/drivers/sdk.ts), so `npm ci` is all
 * a KVM host needs. `auto`: see resolveAuto (the suite's config resolves it before it gets here;
 * a caller that passes `auto` straight through gets the same answer).
 */
export function createSdkOrAutoDriver(settings: DriverSettings, home: string): BoxDriver {
  const kind = settings.kind === 'auto' ? resolveAuto(settings.bin, settings.bin.includes('/'), process.env.PATH) : settings.kind
  return kind === 'cli'
    ? new CliDriver({ bin: settings.bin, home, globalArgs: settings.globalArgs })
    : new SdkDriver({ home, registries: settings.registries })
}

/**
 * `auto`: the cli driver when a binary was named (BOXLITE_BIN, or a profile's `bin`) or `bin` is on
 * PATH, else the embedded runtime.
 */
export function resolveAuto(bin: string, binNamed: boolean, pathVariable: string | undefined): 'cli' | 'sdk' {
  if (binNamed) return 'cli'
  return isOnPath(bin, pathVariable) ? 'cli' : 'sdk'
}
