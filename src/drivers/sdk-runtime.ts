/**
 * The part of @boxlite-ai/boxlite (0.10.x) the sdk driver uses, as narrow interfaces: the seam
 * between the driver and the runtime. The real `JsBoxlite` fills it by default; unit tests give the
 * driver a scripted runtime instead, so its error mapping and time limits need no KVM
 * (test/sdk/scripted-runtime.ts; test/host/ checks the real package says what the script says).
 */
import type { Boxlite, JsImageRegistry, JsOptions } from '@boxlite-ai/boxlite'

type SdkModule = typeof import('@boxlite-ai/boxlite')
/** What `create` accepts (the package does not export the name). */
export type SdkBoxOptions = Parameters<Boxlite['create']>[0]

/** One chunk at a time; null at the end (`JsExecStdout` / `JsExecStderr`). */
export interface SdkStream {
  next(): Promise<string | null>
}

export interface SdkExecution {
  stdout(): Promise<SdkStream>
  stderr(): Promise<SdkStream>
  wait(): Promise<{ exitCode: number; errorMessage?: string }>
  kill(): Promise<void>
}

/** A snapshot as the SDK reports it (`JsSnapshotInfo`; `createdAt` in unix seconds). */
export interface SdkSnapshotInfo {
  readonly id: string
  readonly boxId: string
  readonly name: string
  readonly createdAt: number
  readonly containerDiskBytes: number
  readonly sizeBytes: number
}

/** `box.snapshot` (`JsSnapshotHandle`); the options are `Record<string, never>`, so the driver passes null. */
export interface SdkSnapshots {
  create(name: string, options: null): Promise<SdkSnapshotInfo>
  list(): Promise<SdkSnapshotInfo[]>
  remove(name: string): Promise<void>
  restore(name: string): Promise<void>
}

export interface SdkBox {
  readonly id: string
  readonly snapshot: SdkSnapshots
  start(): Promise<void>
  stop(): Promise<void>
  exec(
    command: string,
    args: string[] | null,
    env: null,
    tty: boolean,
    user: null,
    timeoutSecs: number | null,
    workingDir: null,
  ): Promise<SdkExecution>
  copyIn(hostPath: string, containerDest: string, options: null): Promise<void>
  /** A new box (status stopped) on the source's disk; the clone options are `Record<string, never>`. */
  cloneBox(options: null, name: string | null): Promise<SdkBox>
  /** Writes the archive (`dest` a directory: `<dest>/<name or "box">.boxlite`); resolves to its path. */
  export(dest: string, options: null): Promise<string>
}

/** What `getInfo` tells the driver; the rest of `JsBoxInfo` is passed on as evidence. */
export interface SdkBoxInfo {
  readonly id: string
  readonly state: { readonly status: string }
}

/** One runtime per BoxLite home (`JsBoxlite`). */
export interface SdkRuntime {
  create(options: SdkBoxOptions, name: string | null): Promise<SdkBox>
  get(idOrName: string): Promise<SdkBox | null>
  getInfo(idOrName: string): Promise<SdkBoxInfo | null>
  /** Every box of the home, running or not (`JsBoxInfo`: `name` absent for an unnamed box). */
  listInfo(): Promise<Array<SdkBoxInfo & { readonly name?: string }>>
  remove(idOrName: string, force: boolean): Promise<void>
  /** A new box (status stopped) from an archive `box.export` wrote. */
  importBox(archivePath: string, name: string | null): Promise<SdkBox>
  close(): void
}

/** Makes the runtime of a home; called once per driver, on its first call. */
export type RuntimeFactory = (options: JsOptions) => SdkRuntime

/** The method names above, for the test that checks the real package still has them all. */
export const SEAM_METHODS = {
  runtime: ['create', 'get', 'getInfo', 'listInfo', 'remove', 'importBox', 'close'],
  box: ['id', 'snapshot', 'start', 'stop', 'exec', 'copyIn', 'cloneBox', 'export'],
  snapshots: ['create', 'list', 'remove', 'restore'],
  execution: ['stdout', 'stderr', 'wait', 'kill'],
} as const

let loaded: SdkModule | undefined

/** Loads the package (ESM, through Node's require(esm)); a missing native addon becomes one clear error. */
export function loadSdk(): SdkModule {
  if (loaded) return loaded
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('@boxlite-ai/boxlite') as SdkModule
    return loaded
  } catch (e) {
    // The create error and the preflight add the cause and the way forward (diagnose.ts: sdk-missing).
    throw new Error(`could not load @boxlite-ai/boxlite: ${(e as Error).message.split('\n')[0]}`, { cause: e })
  }
}

/** The real runtime. Making it runs BoxLite's KVM check and takes the home lock. */
export const embeddedRuntime: RuntimeFactory = (options) => new (loadSdk().JsBoxlite)(options)

/** `BOXLITE_REGISTRY` hosts (`host[:port]`, HTTPS) as the SDK's `imageRegistries`, searched in order. */
export function imageRegistries(hosts: readonly string[]): JsImageRegistry[] {
  return hosts.map((host) => ({ host, transport: 'https', search: true }))
}
