/**
 * Many boxes of one home filling their rootfs at the same time (`exec -d` in each, so the fills
 * overlap): each must stop at its own bound, keep serving, and keep what it held before.
 */
import type { Fingerprints } from '../../src/guest/measure'
import { KiB } from '../../src/evidence/units'
import { says } from '../../src/evidence/vocabulary'
import { awaitPacedFill, startPacedFill } from '../../src/guest/background'
import { writeRandomFile } from '../../src/guest/files'
import { fileFingerprints } from '../../src/guest/measure'
import { treeAllocatedBytes } from '../../src/host/footprint'
import { named } from '../parts/boxes'
import { CALL, WAIT } from '../timeouts'
import type { Scene } from '../parts/scene'
import type { Rootfs } from './common/rootfs'

const KEEPSAKE = '/crowd-keepsake'

export interface CrowdFill {
  readonly role: string
  /** The fill's last error, or how it ended when the box stopped under it. */
  readonly error: string
  readonly rootfsBytes: number
  readonly diskGrowth: number
}

/** The crowd as it started: its boxes' roles, each one's keepsake, and the home's allocation then. */
export interface CrowdStart {
  readonly roles: readonly string[]
  readonly keepsakes: ReadonlyMap<string, Fingerprints>
  readonly homeStart: number
}

export interface CrowdFills {
  readonly fills: readonly CrowdFill[]
  readonly homeGrowth: number
}

export class Crowd {
  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  /**
   * `count` boxes at the suite's default memory, each with a small fingerprinted file. The boxes
   * start side by side, as a host that runs many boxes starts them; the files are then written and
   * fingerprinted one box after the other, so that boxes sharing one filesystem show it: each
   * write replaces the file an earlier box fingerprinted.
   */
  async startMany(count: number, keepsakeKiB: number): Promise<CrowdStart> {
    const { boxes, report, settings } = this.scene
    const roles = Array.from({ length: count }, (_, i) => `crowd-${i + 1}`)
    const keepsakes = new Map<string, Fingerprints>()
    await everyOne(
      roles.map(async (role) => {
        await boxes.start(role)
        await this.rootfs.proveBounded(role)
      }),
    )
    report.log(`${count} boxes at ${settings.box.memoryMib} MiB of memory each (the suite's default)`)
    for (const role of roles) {
      await boxes.exec(role, writeRandomFile(KEEPSAKE, keepsakeKiB * KiB), CALL.quickProbe, 'must-succeed')
      keepsakes.set(role, (await boxes.exec(role, fileFingerprints([KEEPSAKE]), CALL.fingerprint, 'judged-here')).value)
      this.scene.host.sample(role, 'start')
    }
    return { roles, keepsakes, homeStart: treeAllocatedBytes(this.scene.dirs.home) }
  }

  /** Starts every box's fill in the background, then waits for all of them to end. */
  async fillAll(crowd: CrowdStart): Promise<CrowdFills> {
    const { boxes, clock, host } = this.scene
    for (const role of crowd.roles) {
      const proof = await this.rootfs.proveBounded(role)
      const chunkMiB = Math.max(1, Math.ceil(proof.space.availKiB / 1024 / 16))
      await boxes.exec(
        role,
        startPacedFill(proof.budget, chunkMiB, Math.floor(proof.budget.capMiB / chunkMiB), 0),
        CALL.quickProbe,
        'must-succeed',
        { detach: true },
      )
    }
    // Each box is watched by one call that waits inside it for its fill to end. Its status is asked
    // first and after a failed wait: an exec on a box that stopped under its fill would boot it again.
    const fillWindow = clock.deadline(WAIT.backgroundFill)
    const ended = new Map<string, string>()
    const watch = async (role: string): Promise<void> => {
      const stopped = async () => {
        const { status } = await boxes.status(role)
        return status === 'running' ? undefined : `${named(role)} stopped during the fill (status ${status})`
      }
      const before = await stopped()
      if (before) return void ended.set(role, before)
      try {
        const limit = WAIT.backgroundFill + CALL.quickProbe // unscaled, as every limit: exec scales it
        const fill = (await boxes.exec(role, awaitPacedFill(fillWindow.seconds), limit, 'judged-here')).value
        if (!fill.running) ended.set(role, fill.error)
      } catch (err) {
        ended.set(
          role,
          (await stopped()) ?? `${named(role)}: waiting for its fill failed: ${(err as Error).message.split('\n')[0]}`,
        )
      }
    }
    await everyOne(crowd.roles.map(watch))
    const fills = crowd.roles.map((role) => {
      const error = ended.get(role) ?? `still filling after ${fillWindow.seconds} s`
      if (says('out-of-space', error)) boxes.get(role).rootfsFull = true
      const rootfsBytes = (boxes.get(role).proof?.space.totalKiB ?? 0) * KiB
      return { role, error, rootfsBytes, diskGrowth: host.sample(role, 'after the fills').bytes - host.start(role) }
    })
    return { fills, homeGrowth: treeAllocatedBytes(this.scene.dirs.home) - crowd.homeStart }
  }

  async keepsakesNow(crowd: CrowdStart): Promise<Array<{ role: string; before: Fingerprints; now: Fingerprints }>> {
    return everyOne(
      crowd.roles.map(async (role) => {
        const before = crowd.keepsakes.get(role)
        if (!before) throw new Error(`${named(role)}'s file was never fingerprinted`)
        const now = (await this.scene.boxes.exec(role, fileFingerprints([KEEPSAKE]), CALL.fingerprint, 'judged-here'))
          .value
        return { role, before, now }
      }),
    )
  }
}

/**
 * Like Promise.all, but waits for every call to end before it throws the first failure: a box start
 * still in flight when the step fails could otherwise finish after the cleanup removed its name.
 */
async function everyOne<T>(calls: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(calls)
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
  return results.map((r) => (r as PromiseFulfilledResult<T>).value)
}
