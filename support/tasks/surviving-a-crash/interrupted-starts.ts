/**
 * Starts cut short: `run -d` SIGKILLed (its own process, by pid) at points of a measured start,
 * then whatever `list -a` shows force-removed; and starts that fail on a bad image. What is left
 * of them under the home afterwards is what the Then steps judge.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BoxSpec, CommandRecord } from '../../../src/drivers/types'
import { homeRemains } from '../../../src/host/home-remains'
import { named } from '../../parts/boxes'
import { CALL } from '../../timeouts'
import type { Scene } from '../../parts/scene'

export interface ListedBox {
  readonly id: string
  readonly name: string
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
   * the quicker starts that are then killed, and no start would be cut short at all. Returns the
   * shorter start, in ms.
   */
  async timeAStart(): Promise<number> {
    const timed: number[] = []
    for (const role of ['warm-up', 'timed', 'timed-again']) {
      const started = Date.now()
      await this.scene.boxes.start(role)
      if (role !== 'warm-up') timed.push(Date.now() - started)
      await this.remove(role, this.scene.boxes.get(role).id)
      this.scene.boxes.get(role).removed = true
    }
    this.scene.report.log(`two uninterrupted starts took ${timed.join(' and ')} ms; the shorter counts`)
    return Math.min(...timed)
  }

  /** One `run -d` per fraction, each SIGKILLed at that fraction of a start of `startMs`. */
  async killStartsAt(startMs: number, fractions: readonly number[]): Promise<CommandRecord[]> {
    const { driver, calls, boxes, settings, report } = this.scene
    const createKilled = driver.createKilled?.bind(driver)
    if (!createKilled) throw new Error('the driver cannot kill a start part-way')
    const kills: CommandRecord[] = []
    for (const fraction of fractions) {
      const role = `killed-at-${Math.round(fraction * 100)}pct`
      const name = boxes.reserve(role)
      const ms = Math.max(1, Math.round(fraction * startMs))
      const spec = this.spec(name, settings.box.rootfs)
      kills.push(
        await calls.run(`start ${named(role)}, SIGKILLed after ${ms} ms`, 'judged-here', CALL.createBox, (limit) =>
          createKilled(spec, ms, limit),
        ),
      )
      report.log(`killed the start of ${named(role)} after ${ms} ms`)
    }
    return kills
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
    for (const box of listed) await this.remove(box.name || box.id, box.id)
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
        { intervalMs: 250, windowSeconds: windowSeconds },
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
