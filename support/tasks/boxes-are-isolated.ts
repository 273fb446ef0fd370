/**
 * A box filling its rootfs in the background while its neighbour keeps working. The victim's fill
 * is paced (`exec -d`) to last a known time D, while the bystander's in-box appender adds a line
 * every 0.1 s. For the first 60 % of D the host reads only the bystander's line count (never
 * touching the victim, so nothing the host does can wake a paused bystander); then it asks the
 * victim: if the fill is still running, every reading lay inside the fill. Progress is set against
 * the length of that window (lines per second), not against a fixed count.
 */
import type { CommandRecord } from '../../src/drivers/types'
import { formatRecord } from '../../src/evidence/commands'
import { says } from '../../src/evidence/vocabulary'
import {
  awaitPacedFill,
  pacedFillState,
  startAppender,
  startPacedFill,
  stopAppender,
  stopPacedFill,
} from '../../src/guest/background'
import { lineCount } from '../../src/guest/measure'
import { sleep } from '../../src/host/poll'
import { CALL, WAIT } from '../timeouts'
import type { Scene } from '../parts/scene'
import type { Rootfs } from './common/rootfs'

const BYSTANDER_LOG = '/work/log'

export interface BystanderRun {
  /** Readings of the bystander's line count taken while the victim's fill was running. */
  readonly samplesDuringFill: number
  /** Growth of the bystander's log between the first and last of those readings. */
  readonly linesDuringFill: number
  /** Time between the first and last of those readings. */
  readonly windowSeconds: number
  /** Commands into the bystander that failed during the fill. */
  readonly failedReads: number
  readonly fillError: string
}

export class Neighbours {
  constructor(
    private readonly scene: Scene,
    private readonly rootfs: Rootfs,
  ) {}

  async fillWhileBystanderAppends(victim: string, bystander: string): Promise<BystanderRun> {
    const { boxes, report, clock } = this.scene
    const appender = await boxes.exec(bystander, startAppender(BYSTANDER_LOG), CALL.quickProbe, 'must-succeed', {
      detach: true,
    })
    const proof = await this.rootfs.proveBounded(victim)
    const callMs = Math.max(appender.record.durationMs, proof.record.durationMs, 50)
    const availMiB = proof.space.availKiB / 1024
    const chunkMiB = Math.max(1, Math.ceil(availMiB / 32))
    const chunks = Math.floor(proof.budget.capMiB / chunkMiB) // never more than the proven cap
    if (chunks * chunkMiB <= availMiB)
      throw new Error(`cannot pace a fill of ${availMiB.toFixed(0)} MiB within the ${proof.budget.capMiB} MiB cap`)
    const fillMs = Math.min(60_000, Math.max(4000, 12 * callMs))
    const pause = fillMs / Math.ceil(availMiB / chunkMiB) / 1000
    report.log(
      `pacing the victim's fill to about ${(fillMs / 1000).toFixed(1)} s: chunks of ${chunkMiB} MiB, ` +
        `${pause.toFixed(2)} s apart`,
    )
    await boxes.exec(victim, startPacedFill(proof.budget, chunkMiB, chunks, pause), CALL.quickProbe, 'must-succeed', {
      detach: true,
    })
    const launched = Date.now()
    const fillWindow = clock.deadline(WAIT.backgroundFill)

    const readings = await this.readWhile(bystander, () => Date.now() - launched < 0.6 * fillMs)
    const insideFill = (await boxes.exec(victim, pacedFillState, CALL.quickProbe, 'judged-here', { quiet: true })).value
      .running
    const waitSeconds = Math.max(1, fillWindow.remainingSeconds())
    const limit = WAIT.backgroundFill + CALL.quickProbe // unscaled, as every limit: exec scales it
    const state = (await boxes.exec(victim, awaitPacedFill(waitSeconds), limit, 'judged-here')).value
    if (state.running) {
      await boxes.exec(victim, stopPacedFill, CALL.quickProbe, 'judged-here')
      throw new Error(`the victim's background fill was still running after ${fillWindow.seconds} s`)
    }
    if (!insideFill)
      throw new Error(
        `the victim's fill ended in under ${(0.6 * fillMs) / 1000} s, before the bystander could be watched: the ` +
          `pacing did not hold`,
      )
    await boxes.exec(bystander, stopAppender, CALL.quickProbe, 'judged-here')
    const fillError = state.error
    if (says('out-of-space', fillError)) boxes.get(victim).rootfsFull = true
    const first = readings.lines[0]
    const last = readings.lines.at(-1)
    const run: BystanderRun = {
      samplesDuringFill: readings.lines.length,
      linesDuringFill: first && last ? last.lines - first.lines : 0,
      windowSeconds: first && last ? (last.at - first.at) / 1000 : 0,
      failedReads: readings.failed,
      fillError,
    }
    report.log(
      `the bystander's log grew by ${run.linesDuringFill} lines over ${run.windowSeconds.toFixed(1)} s ` +
        `(${readings.lines.length} readings, all while the victim's fill ran; the fill wrote ${state.chunks} chunks)`,
    )
    return run
  }

  /** Reads the bystander's line count every 0.1 s while `go()`; the first failed read is attached. */
  private async readWhile(
    bystander: string,
    go: () => boolean,
  ): Promise<{ lines: Array<{ at: number; lines: number }>; failed: number }> {
    const lines: Array<{ at: number; lines: number }> = []
    let failed = 0
    const probe = lineCount(BYSTANDER_LOG)
    while (go()) {
      const { record } = await this.scene.boxes.exec(
        bystander,
        { ...probe, parse: (r: CommandRecord) => r },
        CALL.quickProbe,
        'judged-here',
        { quiet: true },
      )
      if (record.exitCode === 0 && !record.timedOut) lines.push({ at: Date.now(), lines: probe.parse(record) })
      else if (failed++ === 0)
        this.scene.report.attach(formatRecord(record), {
          mediaType: 'text/plain',
          fileName: 'bystander command that failed during the fill',
        })
      await sleep(100)
    }
    return { lines, failed }
  }
}
