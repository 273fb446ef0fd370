/**
 * Measuring a box's `/` and proving it bounded: the interlock (src/guest/interlock.ts) runs before
 * anything big is written, and the first proof of a box also fingerprints the image's files, the
 * baseline of "unchanged".
 */
import { KiB } from '../../../src/evidence/units'
import { type BoundProof, proveBoundedRootfs } from '../../../src/guest/interlock'
import { type RootfsSpace, rootfsSpace } from '../../../src/guest/measure'
import { command } from '../../../src/guest/probe'
import { named } from '../../parts/boxes'
import { CALL } from '../../timeouts'
import type { Scene } from '../../parts/scene'

/** Files every test image ships (alpine and the refbox image): "files that came with the image". */
export const IMAGE_FILES = ['/etc/os-release', '/bin/busybox'] as const

export class Rootfs {
  constructor(private readonly scene: Scene) {}

  /** Size, free space and filesystem types of `/`; the first measurement is the box's start. */
  async space(role: string, opts: { quiet?: boolean } = {}): Promise<RootfsSpace> {
    const { value } = await this.scene.boxes.exec(role, rootfsSpace, CALL.probe, 'judged-here', opts)
    this.scene.boxes.get(role).startSpace ??= value
    return value
  }

  /** Measures now and makes it the box's starting point. */
  async markStart(role: string): Promise<RootfsSpace> {
    const space = await this.space(role)
    this.scene.boxes.get(role).startSpace = space
    return space
  }

  startFreeBytes(role: string): number {
    const start = this.scene.boxes.get(role).startSpace
    if (!start) throw new Error(`${named(role)}'s free space was never measured at the start`)
    return start.availKiB * KiB
  }

  /**
   * Refuses (nothing written) unless `/` is a disk below the safety bound; returns the budget every write stays within.
   */
  async proveBounded(role: string): Promise<BoundProof> {
    const box = this.scene.boxes.get(role)
    const proof = await proveBoundedRootfs(
      async (script, timeoutSeconds) =>
        (
          await this.scene.boxes.exec(role, command('rootfs bound proof', script), timeoutSeconds, 'judged-here', {
            quiet: true,
          })
        ).record,
      {
        limitBytes: this.scene.settings.rootfsSafetyLimitBytes,
        baselineFiles: IMAGE_FILES,
        timeoutSeconds: CALL.probe,
      },
    )
    this.scene.report.log(
      `bound proof (${role}): / is ${proof.space.fsType || 'unknown type'}, ` +
        `${(proof.space.totalKiB / 1024).toFixed(1)} MiB, below ${(proof.budget.limitKiB / 1024).toFixed(0)} MiB; ` +
        `writes capped at ${proof.budget.capMiB} MiB`,
    )
    box.proof ??= proof
    box.startSpace ??= proof.space
    return box.proof === proof ? proof : { ...proof, baseline: box.proof.baseline }
  }
}
