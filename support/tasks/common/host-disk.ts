/**
 * How far a box's disk grew on the host (@host-access): polled until the data has arrived, sampled
 * with the whole home at the same moment, so later give-back and fall-back are judged from this peak.
 */
import { formatBytes } from '../../../src/evidence/units'
import { ownBytes } from '../../../src/host/home-footprint'
import { START } from '../../parts/host-meter'
import type { Scene } from '../../parts/scene'
import { WAIT } from '../../timeouts'

export class HostDisk {
  constructor(private readonly scene: Scene) {}

  /**
   * Polls until the box's disk file grew by `bytes` above its start (the data may still be on its
   * way); returns that growth. The home is measured at the same moment: later give-back and
   * fall-back are judged on everything the runtime keeps, from this peak.
   */
  async growth(role: string, bytes: number, label: string): Promise<number> {
    const { host } = this.scene
    const start = host.start(role)
    const poll = await this.scene.clock.pollUntil(
      () => host.disk(role),
      (b) => b - start >= bytes,
      { intervalMs: WAIT.pollInterval * 1000, windowSeconds: WAIT.settleGrowth },
    )
    host.sample(role, label, poll.value)
    const home = host.sampleHome(label).home
    host.noteGrowth(role, ownBytes(home) - ownBytes(host.homeAt(START)))
    host.homeChart([
      { label: `start + ${formatBytes(bytes)}`, bytes: host.homeAt(START).total + bytes, kind: 'at-least' },
    ])
    return poll.value - start
  }
}
