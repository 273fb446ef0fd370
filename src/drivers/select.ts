/**
 * Chooses how boxes are driven: `cli` runs a boxlite-dialect binary, `sdk` embeds
 * @boxlite-ai/boxlite. Only this module knows the concrete drivers; the World asks it for a
 * BoxDriver and never looks further. Which one a run uses is settled by the suite's settings
 * (src/settings.ts, where `auto` is resolved with resolveAuto) before it gets here.
 */
import { CliDriver } from './cli'
import { isOnPath } from './executable'
import { SdkDriver } from './sdk'
import type { BoxDriver } from './types'

/** What a person may ask for; `auto` is resolved to a DriverKind before any driver is made. */
export const DRIVER_CHOICES = ['cli', 'sdk', 'auto'] as const
export type DriverChoice = (typeof DRIVER_CHOICES)[number]
export type DriverKind = Exclude<DriverChoice, 'auto'>

export interface DriverSettings {
  readonly kind: DriverKind
  /** The boxlite-dialect binary (cli driver). */
  readonly bin: string
  /** Global CLI flags such as `--registry HOST` (cli driver). */
  readonly globalArgs: readonly string[]
  /** Image registries to search for unqualified references. */
  readonly registries: readonly string[]
}

/** One driver per scenario home. */
export function createDriver(settings: DriverSettings, home: string): BoxDriver {
  switch (settings.kind) {
    case 'cli':
      return new CliDriver({ bin: settings.bin, home, globalArgs: settings.globalArgs })
    case 'sdk':
      // The runtime embedded through @boxlite-ai/boxlite (src/drivers/sdk.ts): `npm ci` is all a KVM host needs.
      return new SdkDriver({ home, registries: settings.registries })
  }
}

/**
 * `auto`: the cli driver when a binary was named (BOXLITE_BIN, or a profile's `bin`) or `bin` is on
 * PATH, else the embedded runtime.
 */
export function resolveAuto(bin: string, binNamed: boolean, pathVariable: string | undefined): DriverKind {
  if (binNamed) return 'cli'
  return isOnPath(bin, pathVariable) ? 'cli' : 'sdk'
}
