/**
 * The numbers a user of a runtime feels, measured on one fresh box: how long a box takes to start
 * and answer, how fast a fill writes until the disk is full, how long running out of inodes takes,
 * and how soon the host gets a deleted fill's space back. Every write goes through the bound proof
 * (src/guest/interlock) first, exactly as in the suite.
 */
import { existsSync } from 'node:fs'
import type { BoxDriver, BoxSpec, CommandRecord } from '../drivers/types'
import { KiB, MiB } from '../evidence/units'
import { INODE_SAFETY_CAP, proveBoundedRootfs } from '../guest/interlock'
import { alive, removeAndSync } from '../guest/files'
import { exhaustInodes, fillRootfs } from '../guest/guarded-writes'
import { rootfsSpace } from '../guest/measure'
import { boxDiskFootprint } from '../host/footprint'
import { pollUntil, sleep } from '../host/poll'

export interface Sample {
  /** Seconds from `run -d` until the box answers a command. */
  readonly boxStartSeconds: number
  /** MiB per second written by a fill that ends in "No space left on device". */
  readonly fillMiBPerSecond: number
  /** Seconds for the inode loop to create files until none is left. */
  readonly inodeExhaustionSeconds: number
  readonly inodeFilesPerSecond: number
  /**
   * Seconds from deleting the fill until the host disk file gave back 90 % of its growth; absent without host access.
   */
  readonly reclaimSeconds?: number
}

export const METRICS: ReadonlyArray<{ key: keyof Sample; label: string; unit: string; better: 'lower' | 'higher' }> = [
  { key: 'boxStartSeconds', label: 'box start (run -d until it answers)', unit: 's', better: 'lower' },
  { key: 'fillMiBPerSecond', label: 'fill throughput until ENOSPC', unit: 'MiB/s', better: 'higher' },
  { key: 'inodeExhaustionSeconds', label: 'inode exhaustion (time)', unit: 's', better: 'lower' },
  { key: 'inodeFilesPerSecond', label: 'inode exhaustion (files/s)', unit: 'files/s', better: 'higher' },
  { key: 'reclaimSeconds', label: 'reclaim: delete fill until host gets 90 % back', unit: 's', better: 'lower' },
]

interface MeasureOptions {
  readonly limitBytes: number
  /** The run's clock (src/settings.ts): TIMEOUT_FACTOR is applied there, not here. */
  readonly clock: { seconds(seconds: number): number }
}

/** One sample on a new box, which the caller removes (its id is reported as soon as it exists). */
export async function measureOnce(
  driver: BoxDriver,
  spec: BoxSpec,
  opts: MeasureOptions,
  onBox: (id: string) => void,
): Promise<Sample> {
  const t = (s: number) => opts.clock.seconds(s)
  const must = (what: string, r: CommandRecord) => {
    if (r.exitCode !== 0 || r.timedOut)
      throw new Error(`${what} failed (exit ${r.exitCode}${r.timedOut ? ', timed out' : ''}): ${r.stderr || r.stdout}`)
    return r
  }
  const started = Date.now()
  const { id } = await driver.create(spec, { timeoutSeconds: t(300) })
  onBox(id)
  const answered = await pollUntil(
    () => driver.exec(id, alive.script, { timeoutSeconds: t(15) }),
    (r) => r.stdout.trim() === 'alive',
    {
      intervalMs: 100,
      timeoutMs: t(60) * 1000,
    },
  )
  if (!answered.ok) throw new Error(`the box did not answer within ${t(60)} s of starting`)
  const boxStartSeconds = (Date.now() - started) / 1000

  const exec = (script: string, timeoutSeconds: number) =>
    driver.exec(id, script, { timeoutSeconds: t(timeoutSeconds) })
  const proof = await proveBoundedRootfs(exec, {
    limitBytes: opts.limitBytes,
    baselineFiles: [],
    timeoutSeconds: t(20),
  })
  // The reclaim is measured where the user sees it: the box's disk file, when this host has it.
  const hostAccess = existsSync(driver.diskPath(id))
  const diskStart = hostAccess ? boxDiskFootprint(driver.diskPath(id)) : 0
  const fill = fillRootfs(proof.budget)
  const fillRecord = await exec(fill.script, 120)
  const outcome = fill.parse(fillRecord)
  if (!outcome.enospc) throw new Error(`the fill did not end in "No space left on device": ${outcome.output}`)
  const full = rootfsSpace.parse(must('measuring the full rootfs', await exec(rootfsSpace.script, 20)))
  const fillMiBPerSecond = ((proof.space.availKiB - full.availKiB) * KiB) / MiB / (fillRecord.durationMs / 1000)

  let reclaimSeconds: number | undefined
  if (hostAccess) {
    await sleep(500) // let the fill's last writes reach the disk file before measuring its peak
    const peak = boxDiskFootprint(driver.diskPath(id))
    const deleted = Date.now()
    must('deleting the fill', await exec(removeAndSync(['/fill']).script, 30))
    const back = await pollUntil(
      () => boxDiskFootprint(driver.diskPath(id)),
      (b) => peak - b >= 0.9 * (peak - diskStart),
      {
        intervalMs: 100,
        timeoutMs: t(60) * 1000,
      },
    )
    if (back.ok) reclaimSeconds = (Date.now() - deleted) / 1000
    else throw new Error(`the host got less than 90 % of the fill's growth back within ${t(60)} s of the delete`)
  } else {
    must('deleting the fill', await exec(removeAndSync(['/fill']).script, 30))
  }

  const inodes = exhaustInodes(proof.budget, INODE_SAFETY_CAP)
  const inodeRecord = await exec(inodes.script, 180)
  const result = inodes.parse(inodeRecord)
  if (result.reachedCap || !/No space left/.test(result.lastError)) {
    throw new Error(
      `the inode loop did not end in "No space left on device" (created ${result.created}): ${result.lastError}`,
    )
  }
  const inodeExhaustionSeconds = inodeRecord.durationMs / 1000
  return {
    boxStartSeconds,
    fillMiBPerSecond,
    inodeExhaustionSeconds,
    inodeFilesPerSecond: result.created / inodeExhaustionSeconds,
    reclaimSeconds,
  }
}

export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b)
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2
}
