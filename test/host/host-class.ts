/**
 * Which of the three kinds of host this is, by the project's own checks. The host check
 * (src/preflight/kvm.ts) tells a host without a usable /dev/kvm; a host that has one either boots
 * BoxLite or cannot (a nested PVM hypervisor passes every static check), and only a real boot says
 * which: the preflight (src/preflight/probe.ts) with the real embedded runtime. Host-tier tests
 * assert the outcome of the class found and skip, with the reason, the outcomes of the others.
 */
import type { TestContext } from 'node:test'
import { existsSync, readdirSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { SdkDriver } from '../../src/drivers/sdk'
import { checkHost } from '../../src/preflight/kvm'
import { runPreflight, type PreflightVerdict } from '../../src/preflight/probe'

export type HostClass = 'no-kvm' | 'kvm-cannot-boot' | 'boots'

const DESCRIBED: Record<HostClass, string> = {
  'no-kvm': 'a host without /dev/kvm',
  'kvm-cannot-boot': 'a host whose /dev/kvm cannot boot a BoxLite guest (e.g. a nested PVM hypervisor)',
  boots: 'a host that boots BoxLite',
}

export interface HostReading {
  readonly hostClass: HostClass
  /** The preflight's verdict on the real runtime: the evidence the class was read from. */
  readonly verdict: PreflightVerdict
  /** Where that preflight kept its scratch directory (it must be empty afterwards). */
  readonly scratchParent: string
}

/** How long the real probe may take to boot and to answer (the suite's own limits). */
const BOOT_SECONDS = 90
const EXEC_SECONDS = 30

let reading: Promise<HostReading> | undefined

/** Reads this host once per test process: the host check, then the real preflight with the sdk driver. */
export function readHost(image: string, work: string): Promise<HostReading> {
  reading ??= (async () => {
    const scratchParent = join(work, 'scratch')
    const verdict = await runPreflight({
      driverFor: (home) => new SdkDriver({ home }),
      // The embedded runtime needs this host's KVM: its preflight checks the host first, as scripts/preflight.ts does.
      hostCheck: () => checkHost(),
      image: { rootfs: image },
      scratchParent,
      bootSeconds: BOOT_SECONDS,
      execSeconds: EXEC_SECONDS,
    })
    const hostClass: HostClass = !checkHost().ok ? 'no-kvm' : verdict.ok ? 'boots' : 'kvm-cannot-boot'
    const found =
      `${verdict.ok ? 'the probe box booted' : verdict.sentence} ` + `(${(verdict.durationMs / 1000).toFixed(1)} s)`
    process.stdout.write(`host class: ${hostClass}, ${DESCRIBED[hostClass]}; preflight: ${found}\n`)
    return { hostClass, verdict, scratchParent }
  })()
  return reading
}

/** True when this host is of `wanted`; otherwise skips the test with the reason and returns false. */
export function hostIs(t: TestContext, found: HostClass, wanted: HostClass): boolean {
  if (found === wanted) return true
  t.skip(`this is ${DESCRIBED[found]}: the outcome for ${DESCRIBED[wanted]} can only be shown on one`)
  return false
}

/** What a path still holds; nothing when it was never made. */
export function entriesOf(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : []
}

/** BoxLite links each box's socket directory under /tmp/bl-<uid>/; the links that point into `path`. */
export function socketLinksInto(path: string): string[] {
  const dir = `/tmp/bl-${process.getuid?.() ?? 0}`
  return entriesOf(dir).filter((name) => {
    try {
      return readlinkSync(join(dir, name)).startsWith(path)
    } catch {
      return false
    }
  })
}
