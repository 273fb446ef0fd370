/**
 * The world, in-box part: what a box does to its own disk (fill, race, run out of inodes, delete,
 * restart) and how the suite checks it still serves. Every write of more than a few KiB goes
 * through the bound proof first (src/guest/interlock).
 */
import { expect } from 'chai'
import type { CommandRecord } from '../src/drivers/types'
import { formatRecord } from '../src/evidence/commands'
import { KiB, MiB } from '../src/evidence/units'
import { INODE_SAFETY_CAP, proveBoundedRootfs, type BoundProof } from '../src/guest/interlock'
import * as guest from '../src/guest/probes'
import type { FileFingerprint, FillOutcome, InodeExhaustion, RootfsSpace, WriterOutcome } from '../src/guest/probes'
import { sleep } from '../src/host/poll'
import { type BoxHandle, CoreWorld } from './world_core'
import { CALL, WAIT } from './timeouts'

/** Files every test image ships (alpine and the refbox image): "files that came with the image". */
export const IMAGE_FILES = ['/etc/os-release', '/bin/busybox'] as const
/** Written before a fill and rewritten after it, so a restart must keep both old and fresh data. */
const KEEPSAKE = '/keepsake'
const BYSTANDER_LOG = '/work/log'
/** An existing file that must stay appendable when no inode is left. */
const LOG_FILE = '/persistent.log'

export interface FillRecord {
  readonly outcome: FillOutcome
  readonly record: CommandRecord
}

export interface FillCycle {
  readonly fill: FillOutcome
  readonly freeWhenFullKiB: number
  readonly deleteExit: number
  readonly freeAfterDeleteKiB: number
}

export interface BystanderRun {
  /** Line counts read while the victim's fill was running before and after the read. */
  readonly samplesDuringFill: number
  /** Growth of the bystander's log between the first and last of those readings. */
  readonly linesDuringFill: number
  /** Time between the first and last of those readings. */
  readonly windowSeconds: number
  /** Commands into the bystander that failed during the fill. */
  readonly failedReads: number
  readonly firstFailure?: CommandRecord
  readonly fillChunks: number
  readonly fillError: string
}

export class GuestWorld extends CoreWorld {
  /** Outcomes of this scenario's in-box actions, by box role. */
  readonly fills = new Map<string, FillRecord[]>()
  writers?: { outcomes: WriterOutcome[]; record: CommandRecord }
  inodes?: { result: InodeExhaustion; record: CommandRecord; cap: number }
  restart?: { stop: CommandRecord; start: CommandRecord }
  deletion?: CommandRecord
  cycles?: { requested: number; done: FillCycle[] }
  bystander?: BystanderRun
  /** Fingerprints taken just before a stop, compared after the start. */
  beforeStop?: Map<string, FileFingerprint | 'missing'>

  // ---- measuring ------------------------------------------------------------------------------

  async rootfsSpace(role: string, opts: { quiet?: boolean } = {}): Promise<RootfsSpace> {
    const space = await this.probe(role, guest.rootfsSpace, CALL.probe, opts)
    const box = this.box(role)
    box.startSpace ??= space
    return space
  }

  /**
   * The interlock: proves `/` is a disk below the safety bound before anything big is written.
   * The first proof of a box also fingerprints the image files (the "unchanged" baseline).
   */
  async proveBounded(role: string): Promise<BoundProof> {
    const box = this.box(role)
    const proof = await proveBoundedRootfs(
      async (script, timeoutSeconds) => this.exec(role, 'rootfs bound proof', script, timeoutSeconds, 'judged-here', { quiet: true }),
      { limitBytes: this.config.rootfsSafetyLimitBytes, baselineFiles: IMAGE_FILES, timeoutSeconds: CALL.probe },
    )
    this.log(`bound proof (${role}): / is ${proof.space.fsType || 'unknown type'}, ${(proof.space.totalKiB / 1024).toFixed(1)} MiB, below ${(proof.budget.limitKiB / 1024).toFixed(0)} MiB; writes capped at ${proof.budget.capMiB} MiB`)
    box.proof ??= proof
    box.startSpace ??= proof.space
    return box.proof === proof ? proof : { ...proof, baseline: box.proof.baseline }
  }

  // ---- filling --------------------------------------------------------------------------------

  /** Writes zeros to `/fill` until the disk is full (capped by the proof); judged by a Then step. */
  async fillRootfs(role: string, path = '/fill'): Promise<FillRecord> {
    const proof = await this.proveBounded(role)
    const probe = guest.fillRootfs(proof.budget, path)
    const record = await this.exec(role, 'fill the rootfs', probe.script, CALL.fill, 'judged-later')
    const fill = { outcome: probe.parse(record), record }
    if (fill.outcome.refused) throw new Error(`the in-box bound check refused to fill: ${fill.outcome.output}`)
    if (fill.outcome.enospc) this.box(role).rootfsFull = true
    this.fills.set(role, [...(this.fills.get(role) ?? []), fill])
    return fill
  }

  lastFill(role: string): FillRecord {
    const fill = this.fills.get(role)?.at(-1)
    if (!fill) throw new Error(`${this.named(role)} never filled its rootfs in this scenario`)
    return fill
  }

  /** The claim every fill is held to: it ended in ENOSPC, not at the safety cap or in some other error. */
  expectFillEndedWithEnospc(role: string): void {
    const { outcome, record } = this.lastFill(role)
    this.examine(record)
    expect(record.timedOut, `the fill timed out after ${record.durationMs} ms`).to.equal(false)
    expect(outcome.output, `the fill did not report "No space left on device"; it ended with:\n${outcome.output}`).to.match(/No space left on device/)
  }

  /** A fill as a precondition: it must end in ENOSPC or the scenario stops here. */
  async fillRootfsCompletely(role: string): Promise<void> {
    await this.fillRootfs(role)
    this.expectFillEndedWithEnospc(role)
  }

  async fillWithConcurrentWriters(role: string, writers: number): Promise<void> {
    const proof = await this.proveBounded(role)
    const probe = guest.fillRootfsWithConcurrentWriters(proof.budget, writers)
    const record = await this.exec(role, `${writers} writers fill the rootfs`, probe.script, CALL.concurrentFill, 'judged-later')
    this.writers = { outcomes: probe.parse(record), record }
    if (this.writers.outcomes.some((w) => w.enospc)) this.box(role).rootfsFull = true
  }

  async exhaustInodes(role: string, cap: number): Promise<void> {
    if (!Number.isInteger(cap) || cap < 1 || cap > INODE_SAFETY_CAP) {
      throw new Error(`the inode loop cap must be between 1 and ${INODE_SAFETY_CAP}, got ${cap}`)
    }
    const proof = await this.proveBounded(role)
    const probe = guest.exhaustInodes(proof.budget, cap)
    const record = await this.exec(role, 'create empty files until no inode is left', probe.script, CALL.inodeLoop, 'judged-later')
    this.inodes = { result: probe.parse(record), record, cap }
    this.box(role).rootfsFull = true
  }

  /**
   * The victim fills in the background (`exec -d`, so the home's lock is free for other calls)
   * while the bystander's in-box appender adds a line every 0.1 s. The fill is paced to last a
   * known time D. For the first 60 % of D the host reads only the bystander's line count (never
   * touching the victim, so nothing the host does can wake a paused bystander); then it asks the
   * victim: if the fill is still running, every reading lay inside the fill. The progress is set
   * against the length of that window (lines per second), not against a fixed count.
   */
  async fillWhileBystanderAppends(victim: string, bystander: string): Promise<void> {
    const appender = await this.exec(bystander, 'start appending to a log', guest.startAppender(BYSTANDER_LOG), CALL.quickProbe, 'must-succeed', { detach: true })
    const proof = await this.proveBounded(victim)
    const callMs = Math.max(appender.durationMs, proof.record.durationMs, 50)
    const availMiB = proof.space.availKiB / 1024
    const chunkMiB = Math.max(1, Math.ceil(availMiB / 32))
    const chunks = Math.floor(proof.budget.capMiB / chunkMiB) // never more than the proven cap
    if (chunks * chunkMiB <= availMiB) throw new Error(`cannot pace a fill of ${availMiB.toFixed(0)} MiB within the ${proof.budget.capMiB} MiB cap`)
    const fillMs = Math.min(60_000, Math.max(4000, 12 * callMs))
    const pause = fillMs / Math.ceil(availMiB / chunkMiB) / 1000
    this.log(`pacing the victim's fill to about ${(fillMs / 1000).toFixed(1)} s: chunks of ${chunkMiB} MiB, ${pause.toFixed(2)} s apart`)
    await this.exec(victim, 'start the fill in the background', guest.startPacedFill(proof.budget, chunkMiB, chunks, pause), CALL.quickProbe, 'must-succeed', { detach: true })
    const launched = Date.now()

    const readings: Array<{ at: number; lines: number }> = []
    let failedReads = 0
    let firstFailure: CommandRecord | undefined
    while (Date.now() - launched < 0.6 * fillMs) {
      const read = await this.exec(bystander, 'count log lines', guest.lineCount(BYSTANDER_LOG).script, CALL.quickProbe, 'judged-here', { quiet: true })
      if (read.exitCode === 0 && !read.timedOut) readings.push({ at: Date.now(), lines: guest.lineCount(BYSTANDER_LOG).parse(read) })
      else {
        failedReads++
        if (!firstFailure) this.attach(formatRecord(read), { mediaType: 'text/plain', fileName: 'bystander command that failed during the fill' })
        firstFailure ??= read
      }
      await sleep(100)
    }
    let state = await this.probe(victim, guest.pacedFillState, CALL.quickProbe, { quiet: true })
    const insideFill = state.running
    const deadline = launched + this.scaled(WAIT.backgroundFill) * 1000
    while (state.running && Date.now() < deadline) {
      await sleep(250)
      state = await this.probe(victim, guest.pacedFillState, CALL.quickProbe, { quiet: true })
    }
    if (state.running) {
      await this.exec(victim, guest.stopPacedFill.what, guest.stopPacedFill.script, CALL.quickProbe, 'judged-here')
      throw new Error(`the victim's background fill was still running after ${WAIT.backgroundFill * this.config.timeoutFactor} s`)
    }
    if (!insideFill) throw new Error(`the victim's fill ended in under ${(0.6 * fillMs) / 1000} s, before the bystander could be watched: the pacing did not hold`)
    await this.exec(bystander, guest.stopAppender.what, guest.stopAppender.script, CALL.quickProbe, 'judged-here')
    const err = await this.exec(victim, guest.pacedFillError.what, guest.pacedFillError.script, CALL.quickProbe, 'judged-here')
    if (/No space left/.test(err.stdout)) this.box(victim).rootfsFull = true
    const first = readings[0]
    const last = readings.at(-1)
    this.bystander = {
      samplesDuringFill: readings.length,
      linesDuringFill: first && last ? last.lines - first.lines : 0,
      windowSeconds: first && last ? (last.at - first.at) / 1000 : 0,
      failedReads,
      firstFailure,
      fillChunks: state.chunks,
      fillError: err.stdout.trim(),
    }
    this.log(
      `the bystander's log grew by ${this.bystander.linesDuringFill} lines over ${this.bystander.windowSeconds.toFixed(1)} s ` +
        `(${readings.length} readings, all while the victim's fill ran; the fill wrote ${state.chunks} chunks)`,
    )
  }

  // ---- a log file that must stay appendable ---------------------------------------------------

  async writeLogFile(role: string, text: string): Promise<void> {
    await this.exec(role, `write "${text}" to ${LOG_FILE}`, guest.writeAndReadBack(LOG_FILE, text), CALL.quickProbe, 'must-succeed')
  }

  /** Appends a line and returns the whole file; an append that fails is the scenario's failure. */
  async appendToLogFile(role: string, line: string): Promise<string> {
    const r = await this.exec(role, `append "${line}" to ${LOG_FILE}`, guest.appendAndRead(LOG_FILE, line), CALL.quickProbe, 'judged-here')
    expect(r.exitCode, `appending to ${LOG_FILE} failed:\n${r.stdout}${r.stderr}`).to.equal(0)
    return r.stdout
  }

  // ---- deleting and restarting ----------------------------------------------------------------

  async deleteFiles(role: string, paths: readonly string[]): Promise<CommandRecord> {
    this.deletion = await this.exec(role, `delete ${paths.join(' ')}`, guest.removeAndSync(paths), CALL.deleteAndSync, 'judged-later')
    return this.deletion
  }

  /** Fill, measure, delete, measure, `times` times; stops early if a delete fails. */
  async fillAndDeleteCycles(role: string, times: number): Promise<void> {
    const done: FillCycle[] = []
    this.cycles = { requested: times, done }
    for (let i = 0; i < times; i++) {
      const fill = await this.fillRootfs(role)
      this.examine(fill.record) // judged by the Then step through this.cycles
      const full = await this.rootfsSpace(role)
      const del = await this.exec(role, 'delete the fill', guest.removeAndSync(['/fill']), CALL.deleteAndSync, 'judged-here')
      const after = await this.rootfsSpace(role)
      done.push({ fill: fill.outcome, freeWhenFullKiB: full.availKiB, deleteExit: del.exitCode, freeAfterDeleteKiB: after.availKiB })
      if (del.exitCode !== 0) break
      this.box(role).rootfsFull = false
    }
  }

  /** Precondition for the restart scenario: full rootfs, and both old and fresh data to check later. */
  async fillAndKeepFingerprints(role: string): Promise<void> {
    await this.proveBounded(role)
    await this.exec(role, 'write a 64 KiB keepsake of random data', guest.writeRandomFile(KEEPSAKE, 64 * KiB), CALL.quickProbe, 'must-succeed')
    await this.fillRootfsCompletely(role)
    // Fresh, unsynced data on a full disk: a stop that drops unwritten data loses it.
    await this.exec(role, 'rewrite the keepsake in place', guest.rewriteInPlace(KEEPSAKE, { flush: false }), CALL.quickProbe, 'must-succeed')
    this.beforeStop = await this.probe(role, guest.fileFingerprints(['/fill', KEEPSAKE]), CALL.fingerprint)
  }

  async stopAndStart(role: string): Promise<void> {
    const id = this.box(role).id
    const stop = await this.run(`stop ${this.named(role)}`, 'judged-later', () => this.driver.stop(id, { timeoutSeconds: this.scaled(CALL.stop) }))
    const start = await this.run(`start ${this.named(role)}`, 'judged-later', () => this.driver.start(id, { timeoutSeconds: this.scaled(CALL.start) }))
    this.restart = { stop, start }
  }

  async expectRunningAgain(role: string): Promise<void> {
    const { stop, start } = this.restart ?? {}
    expect(this.examine(stop).exitCode, 'stopping the box with a full rootfs failed').to.equal(0)
    expect(this.examine(start).exitCode, 'starting the box with a full rootfs failed').to.equal(0)
    await this.expectStatusRunning(role)
  }

  async expectDataKeptAcrossRestart(role: string): Promise<void> {
    if (!this.beforeStop) throw new Error('nothing was fingerprinted before the stop')
    const after = await this.probe(role, guest.fileFingerprints([...this.beforeStop.keys()]), CALL.fingerprint)
    for (const [path, before] of this.beforeStop) {
      const now = after.get(path)
      expect(now, `${path} is gone after the restart`).to.not.equal('missing')
      expect(now, `${path} changed across the restart (size and SHA-256 before: ${JSON.stringify(before)})`).to.deep.equal(before)
      this.log(`✔ ${path}: ${(before as FileFingerprint).bytes} bytes, sha256 ${(before as FileFingerprint).sha256.slice(0, 16)}… unchanged`)
    }
  }

  async expectNewWritesStillEnospc(role: string): Promise<void> {
    const r = await this.exec(role, 'write 1 MiB to a new file', guest.tryWriteOneMiB('/fill2'), CALL.oneBlockWrite, 'judged-here')
    expect(r.stdout, 'a new write on the full rootfs did not fail with "No space left on device"').to.match(/No space left on device/)
  }

  // ---- still serving --------------------------------------------------------------------------

  async expectStatusRunning(role: string): Promise<void> {
    const id = this.box(role).id
    const r = await this.driver.status(id, { timeoutSeconds: this.scaled(CALL.quickProbe) })
    this.records.push(r.record)
    expect(r.status, `${this.named(role)} ${id} is not running:\n${r.record.stdout}${r.record.stderr}`).to.equal('running')
  }

  /**
   * `assert_alive` plus more: this box's status is running, it answers a command (retried every
   * 500 ms within the window), and its rootfs still takes a write (in place when it is full, so a
   * read-only or aborted filesystem is caught).
   */
  async expectServing(role: string, windowSeconds: number): Promise<void> {
    await this.expectStatusRunning(role)
    const started = Date.now()
    const windowMs = this.scaled(windowSeconds) * 1000
    let tries = 0
    let last: CommandRecord | undefined
    do {
      if (tries > 0) await sleep(WAIT.aliveInterval * 1000)
      tries++
      last = await this.exec(role, 'echo alive', guest.alive.script, CALL.aliveTry, 'judged-here', { quiet: true })
      if (last.exitCode === 0 && last.stdout.trim() === 'alive') break
    } while (Date.now() - started < windowMs)
    expect(last.exitCode === 0 && last.stdout.trim() === 'alive', `${this.named(role)} did not answer within ${windowSeconds} s (${tries} tries); last: exit ${last.exitCode} ${last.stderr}`).to.equal(true)
    this.log(`✔ ${this.named(role)} answered after ${tries} ${tries === 1 ? 'try' : 'tries'}`)

    const box = this.box(role)
    if (box.rootfsFull) {
      if (!box.proof) throw new Error('a full box that was never proven bounded: there is no canary to rewrite')
      const w = await this.exec(role, 'rewrite 4 KiB of an existing file in place', guest.rewriteInPlace(guest.CANARY, { flush: true }), CALL.quickProbe, 'judged-here')
      expect(w.exitCode, `the full rootfs no longer takes writes to existing data (read-only?):\n${w.stdout}${w.stderr}`).to.equal(0)
    } else {
      await this.expectWriteAndReadBack(role, '/serving-probe', 'serving')
    }
  }

  async expectWriteAndReadBack(role: string, path: string, word: string): Promise<void> {
    const r = await this.exec(role, `write "${word}" to ${path} and read it back`, guest.writeAndReadBack(path, word), CALL.quickProbe, 'judged-here')
    expect(r.exitCode, `writing ${path} failed:\n${r.stdout}${r.stderr}`).to.equal(0)
    expect(r.stdout, `${path} does not read back "${word}"`).to.include(word)
  }

  async expectTmpfsWritable(role: string): Promise<void> {
    const space = await this.rootfsSpace(role)
    expect(space.tmpFsType, '/tmp is not a memory-backed tmpfs').to.equal('tmpfs')
    await this.expectWriteAndReadBack(role, '/tmp/probe', 'tmpfs-still-writes')
  }

  async expectImageFilesUnchanged(role: string): Promise<void> {
    const baseline = this.box(role).proof?.baseline
    if (!baseline) throw new Error('the image files were never fingerprinted before the disk was changed')
    const now = await this.probe(role, guest.fileFingerprints([...baseline.keys()]), CALL.fingerprint)
    for (const [path, before] of baseline) {
      expect(before, `${path} is not in the image, so it cannot serve as a witness`).to.not.equal('missing')
      expect(now.get(path), `${path} (from the image) changed or became unreadable`).to.deep.equal(before)
    }
    this.log(`✔ unchanged: ${[...baseline.keys()].join(', ')}`)
  }

  /** Free space of `/` at least `bytes` now; remembered as the starting point. */
  async expectFreeSpaceAbove(role: string, bytes: number): Promise<void> {
    const space = await this.rootfsSpace(role)
    this.box(role).startSpace = space
    this.verify(`free space on ${this.named(role)}'s rootfs`, space.availKiB * KiB, '>', bytes, 'bytes')
  }

  startFreeBytes(box: BoxHandle): number {
    if (!box.startSpace) throw new Error(`${this.named(box.role)}'s free space was never measured at the start`)
    return box.startSpace.availKiB * KiB
  }

  /** Used by the 200 MiB / small-file reclaim scenarios: a sized write that must succeed. */
  async writeFile(role: string, path: string, bytes: number): Promise<void> {
    const proof = await this.proveBounded(role)
    await this.exec(role, `write a ${bytes / MiB} MiB file`, guest.writeFileOfSize(proof.budget, path, bytes / MiB), CALL.bigWrite, 'must-succeed')
  }

  async writeSmallFiles(role: string, count: number, bytes: number): Promise<void> {
    const proof = await this.proveBounded(role)
    await this.exec(role, `write ${count} files of ${bytes / KiB} KiB`, guest.writeSmallFiles(proof.budget, '/small', count, bytes), CALL.bigWrite, 'must-succeed')
  }

  async deleteSmallFilesInterleaved(role: string, count: number): Promise<void> {
    await this.exec(role, 'delete every other small file, then the rest', guest.deleteSmallFilesInterleaved('/small', count), CALL.bigWrite, 'must-succeed')
  }
}
