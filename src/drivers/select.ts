/**
 * Chooses how boxes are driven: `cli` runs a boxlite-dialect binary, `sdk` embeds
 * @boxlite-ai/boxlite. Only this module knows the concrete drivers; the World asks it for a
 * BoxDriver and never looks further. Which one a run uses is settled by the suite's settings
 * (src/settings.ts, where `auto` is resolved with resolveAuto) before it gets here.
 */
import { type CapabilityOverride, type CapabilityReport, capabilityReport } from './capabilities'
import { CliDriver } from './cli'
import { isOnPath } from './executable'
import { SdkDriver } from './sdk'
import type { BoxDriver, CallOptions } from './types'

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
  /** `BOXLITE_CAPABILITIES`: replaces or adjusts what the driver reports it can do (absent: unset). */
  readonly capabilities?: CapabilityOverride
}

/** One driver per scenario home. */
export function createDriver(settings: DriverSettings, home: string): BoxDriver {
  switch (settings.kind) {
    case 'cli':
      return new CliDriver({
        bin: settings.bin,
        home,
        globalArgs: settings.globalArgs,
        capabilities: settings.capabilities,
      })
    case 'sdk':
      // The runtime embedded through @boxlite-ai/boxlite (src/drivers/sdk.ts): `npm ci` is all a KVM host needs.
      return new SdkDriver({ home, registries: settings.registries, capabilities: settings.capabilities })
  }
}

/**
 * What the run's driver can do, without making one (no home needed): the hook that skips a scenario
 * needing a capability asks before any box or home exists. Same answer as the driver's capabilities().
 */
export function driverCapabilities(settings: DriverSettings, opts: CallOptions): Promise<CapabilityReport> {
  return capabilityReport(settings.kind, settings.bin, settings.capabilities, opts)
}

/**
 * `auto`: the cli driver when a binary was named (BOXLITE_BIN, or a profile's `bin`) or `bin` is on
 * PATH, else the embedded runtime.
 */
export function resolveAuto(bin: string, binNamed: boolean, pathVariable: string | undefined): DriverKind {
  if (binNamed) return 'cli'
  return isOnPath(bin, pathVariable) ? 'cli' : 'sdk'
}
