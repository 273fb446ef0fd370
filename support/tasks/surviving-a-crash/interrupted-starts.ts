/**
 * Starts cut short: `run -d` SIGKILLed (its own process, by pid) at many points of a measured
 * start and as each sign of a start shows on the host, then whatever `list -a` shows force-removed;
 * and starts that fail on a bad image. Each kill is placed in the phase the host saw the start in
 * (src/host/start-phases.ts); what is left under the home afterwards is what the Then steps judge.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BoxSpec, CommandRecord, KillPoint } from '../../../src/drivers/types'
import { homeRemains } from '../../../src/host/home-remains'
import {
  type Baseline,
  baselineOf,
  countByPhase,
  phaseOf,
  SIGNS,
  SignClock,
  sightOf,
  signShows,
  signsIn,
  type Sign,
  type StartPhase,
} from '../../../src/host/start-phases'
import { named } from '../../parts/boxes'
import { CALL } from '../../timeouts'
import type { Scene } from '../../parts/scene'

/** One killed start: where the kill was aimed, when it went out, and the phase the host saw the start in. */
export interface KilledStartOutcome {
  readonly aim: string
  readonly killedAfterMs?: number
  readonly phase: StartPhase
  readonly record: CommandRecord
}

/** An uninterrupted start in this home, as the kills are placed against it. */
export interface TimedStart {
  /** How long it took (ms): the shorter of two timed starts. */
  readonly startMs: number
  /** The signs every uninterrupted start showed once it returned; the others cannot be seen on this runtime. */
  readonly observable: readonly Sign[]
}

export interface ListedBox {
  readonly id: string
  readonly name: string
}

/** The phase each observed-moment kill aims at. */
const AIMED_PHASE: Readonly<Record<Sign, StartPhase>> = {
  'box directory': 'configured',
  'disk file': 'disk made',
  'host process': 'host process running',
}

export class InterruptedStarts {
  constructor(private readonly scene: Scene) {}

  /** Whether the runtime lets a start be killed by pid and lists every box (the `cli` dialect does). */
  get supported(): boolean {
    return this.scene.driver.createKilled !== undefined && this.scene.driver.listAll !== undefined
  }

  /**
   * Starts and removes three boxes: the first makes the image's disk, the other two are timed and
   * the shorter counts. One start slowed by a busy host would put every kill point past the end of
   * the quicker starts that are then killed, and no start would be cut short at all.
   */
  async timeAStart(): Promise<TimedStart> {
    const { boxes, dirs, report } = this.scene
    const timed: number[] = []
    let observable: readonly Sign[] = SIGNS
    for (const role of ['warm-up', 'timed', 'timed-again']) {
      const baseline = baselineOf(dirs.home)
      const started = Date.now()
      const signs = new SignClock(dirs.home, baseline, started)
      try {
        await boxes.start(role)
      } finally {
        signs.stop()
      }
      const took = Date.now() - started
      if (role !== 'warm-up') timed.push(took)
      const shown = signsIn(sightOf(dirs.home, baseline))
      observable = observable.filter((s) => shown.includes(s))
      const seen = SIGNS.map((s) => `${s} ${signs.firstSeenMs[s] ?? '-'} ms`).join(', ')
      report.log(`${named(role)}: the host saw ${seen}; the start returned after ${took} ms`)
      await this.remove(role, boxes.get(role).id)
      boxes.get(role).removed = true
    }
    const startMs = Math.min(...timed)
    report.log(`two uninterrupted starts took ${timed.join(' and ')} ms; the shorter counts`)
    const unseen = SIGNS.filter((s) => !observable.includes(s))
    if (unseen.length > 0)
      report.log(`not observable on this runtime (absent once a start returned): ${unseen.join(', ')}`)
    return { startMs, observable }
  }

  /**
   * One `run -d` per fraction of the timed start, SIGKILLed then; returns these kills. `earlier`
   * kills of the scenario count in the phases reported.
   */
  async killAtPoints(
    timed: TimedStart,
    earlier: readonly KilledStartOutcome[],
    fractions: readonly number[],
  ): Promise<KilledStartOutcome[]> {
    const kills: KilledStartOutcome[] = []
    for (const fraction of fractions) {
      const pct = Math.round(fraction * 100)
      const ms = Math.max(1, Math.round(fraction * timed.startMs))
      kills.push(await this.killOne(`killed-at-${pct}pct`, `at ${pct} % (${ms} ms)`, () => ms))
    }
    this.reportPhases(timed, [...earlier, ...kills])
    return kills
  }

  /** One `run -d` per sign this runtime shows, SIGKILLed as the sign shows on the host; returns these kills. */
  async killAsSignsShow(
    timed: TimedStart,
    earlier: readonly KilledStartOutcome[],
    signs: readonly Sign[],
  ): Promise<KilledStartOutcome[]> {
    const { dirs, report } = this.scene
    const kills: KilledStartOutcome[] = []
    for (const sign of signs) {
      if (!timed.observable.includes(sign)) {
        report.log(`no kill as the ${sign} appears: not observable on this runtime`)
        continue
      }
      kills.push(
        await this.killOne(
          `killed-as-${sign.replace(/ /g, '-')}-appears`,
          `as the ${sign} appears`,
          (baseline) => (_pid, ended) => signShows(dirs.home, baseline, sign, ended),
        ),
      )
    }
    this.reportPhases(timed, [...earlier, ...kills])
    return kills
  }

  /** How many of the kills so far landed in each phase; a phase whose sign this runtime never shows is named so. */
  private reportPhases(timed: TimedStart, all: readonly KilledStartOutcome[]): void {
    const counts = countByPhase(all.map((k) => k.phase))
    const unseen = SIGNS.filter((s) => !timed.observable.includes(s)).map((s) => AIMED_PHASE[s])
    const line = counts.map(([p, n]) => `${p} ${unseen.includes(p) ? 'not observable' : n}`).join(', ')
    this.scene.report.log(`kills per phase (${all.length} kills so far): ${line}`)
    const kills = all.map(({ record: _, ...k }) => k)
    this.scene.report.attach(
      JSON.stringify({ startMs: timed.startMs, observable: timed.observable, counts, kills }, null, 2),
      { mediaType: 'application/json', fileName: 'killed-starts.json' },
    )
  }

  private async killOne(
    role: string,
    aim: string,
    point: (baseline: Baseline) => KillPoint,
  ): Promise<KilledStartOutcome> {
    const { driver, calls, boxes, settings, dirs, report } = this.scene
    const createKilled = driver.createKilled?.bind(driver)
    if (!createKilled) throw new Error('the driver cannot kill a start part-way')
    const spec = this.spec(boxes.reserve(role), settings.box.rootfs)
    const baseline = baselineOf(dirs.home)
    let killedAfterMs: number | undefined
    const what = `start ${named(role)}, SIGKILLed ${aim}`
    const record = await calls.run(what, 'judged-here', CALL.createBox, async (limit) => {
      const r = await createKilled(spec, point(baseline), limit)
      killedAfterMs = r.killedAfterMs
      return r.record
    })
    // Looked at once the start's process is gone: what it made, and what outlived it.
    const phase = phaseOf(signsIn(sightOf(dirs.home, baseline)), killedAfterMs === undefined)
    report.log(
      killedAfterMs === undefined
        ? `the start of ${named(role)} (kill ${aim}) returned after ${record.durationMs} ms, before the kill`
        : `killed the start of ${named(role)} ${aim} after ${killedAfterMs} ms: ${phase}`,
    )
    return { aim, killedAfterMs, phase, record }
  }

  /** `list -a`, then `rm -f` of every box it shows; returns what it showed. */
  async removeWhatIsListed(): Promise<ListedBox[]> {
    const { driver, calls } = this.scene
    const listAll = driver.listAll?.bind(driver)
    if (!listAll) throw new Error('the driver cannot list every box')
    let listed: ListedBox[] = []
    await calls.run('list -a', 'judged-here', CALL.quickProbe, async (limit) => {
      const r = await listAll(limit)
      listed = r.boxes
      return r.record
    })
    for (const box of listed) {
      const removal = await this.remove(box.name || box.id, box.id)
      // Cleanup would ask for each killed start's box by name again: one runtime call each, for nothing.
      if (removal.exitCode === 0 && box.name) this.scene.boxes.removedByName(box.name)
    }
    return listed
  }

  /** Starts from an image layout that does not exist and from one whose index is not JSON; returns how each ended. */
  async startFromBadImages(): Promise<CommandRecord[]> {
    const { dirs, driver, calls, boxes } = this.scene
    const broken = join(dirs.dir, 'broken-layout')
    mkdirSync(broken, { recursive: true })
    writeFileSync(join(broken, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n')
    writeFileSync(join(broken, 'index.json'), 'not json\n')
    const starts: CommandRecord[] = []
    for (const [role, rootfs] of [
      ['missing-image', join(dirs.dir, 'no-such-layout')],
      ['broken-image', broken],
    ] as const) {
      const spec = this.spec(boxes.reserve(role), rootfs)
      const record = await calls.run(`start ${named(role)}`, 'judged-here', CALL.createBox, async (limit) => {
        try {
          return (await driver.create(spec, limit)).record
        } catch (err) {
          const rec = (err as { record?: CommandRecord }).record
          if (!rec) throw err
          return rec
        }
      })
      starts.push(record)
    }
    return starts
  }

  /** What is left under the home, polled until nothing is or the window ends. */
  async remains(windowSeconds: number): Promise<string[]> {
    const home = this.scene.dirs.home
    return (
      await this.scene.clock.pollUntil(
        () => homeRemains(home),
        (r) => r.length === 0,
        { intervalMs: 250, windowSeconds },
      )
    ).value
  }

  private spec(name: string, rootfs: string | undefined): BoxSpec {
    const { image, memoryMib, lifetimeSeconds } = this.scene.settings.box
    return {
      ...(rootfs !== undefined ? { rootfs } : { image }),
      memoryMib,
      name,
      command: ['sleep', String(lifetimeSeconds)],
    }
  }

  private async remove(label: string, id: string): Promise<CommandRecord> {
    const { driver, calls } = this.scene
    return calls.run(`rm -f ${label}`, 'judged-here', CALL.forceRemove, (limit) => driver.remove(id, limit))
  }
}
