/**
 * What the host sees of each box's disk over a scenario: samples of its allocated size (the first
 * is its start), the growth of its first fill, and the charts the report shows them in. Beside
 * them, samples of the whole home (src/host/home-footprint.ts): growth and give-back are judged on
 * everything the runtime keeps on the host, wherever it keeps it.
 */
import { footprintChart, type ChartLine } from '../../src/evidence/chart'
import { boxDiskFootprint } from '../../src/host/footprint'
import { homeFootprint, type HomeFootprint } from '../../src/host/home-footprint'
import type { Basics } from './basics'
import { type Boxes, named } from './boxes'

export interface FootprintSample {
  readonly label: string
  readonly bytes: number
}

export interface HomeSample {
  readonly label: string
  readonly home: HomeFootprint
}

/** Labels of the home samples every host-side scenario takes. */
export const BEFORE_THE_BOX = 'before the box'
export const START = 'start'

export class HostMeter {
  private readonly samples = new Map<string, FootprintSample[]>()
  private readonly homeSamples: HomeSample[] = []
  /** Growth of the first measured fill above the start (what the runtime keeps outside its image store), per box. */
  private readonly firstGrowths = new Map<string, number>()

  constructor(private readonly scene: Basics & { readonly boxes: Boxes }) {}

  /** Allocated bytes of the box's disk on the host now. */
  disk(role: string): number {
    return boxDiskFootprint(this.diskPath(role))
  }

  diskPath(role: string): string {
    return this.scene.driver.diskPath(this.scene.boxes.get(role).id)
  }

  sample(role: string, label: string, bytes = this.disk(role)): FootprintSample {
    const sample = { label, bytes }
    this.samples.set(role, [...(this.samples.get(role) ?? []), sample])
    return sample
  }

  /**
   * The first measurement of the box's disk (and of the home), unless the scenario already took
   * one, or may not read the host (no @host-access): then no later step can need it.
   */
  sampleStart(role: string): void {
    if (!this.scene.hostAccess) return
    if (!this.samples.get(role)?.length) this.sample(role, START)
    if (!this.homeSampled(START)) this.sampleHome(START)
  }

  /** Allocated bytes under the home now: all of it, the image store, and the boxes' disk files. */
  home(): HomeFootprint {
    return homeFootprint(
      this.scene.driver.home,
      this.scene.driver.imageStoreDirs(),
      this.scene.boxes.ids().map((id) => this.scene.driver.diskPath(id)),
    )
  }

  sampleHome(label: string, home = this.home()): HomeSample {
    const sample = { label, home }
    this.homeSamples.push(sample)
    return sample
  }

  /** The first home sample with this label. */
  homeSampled(label: string): HomeSample | undefined {
    return this.homeSamples.find((s) => s.label === label)
  }

  homeAt(label: string): HomeFootprint {
    const sample = this.homeSampled(label)
    if (!sample) throw new Error(`the home was never measured "${label}"`)
    return sample.home
  }

  /** The home samples as stacked bars (the boxes' disks, the rest), with the allowed zone of each threshold. */
  homeChart(
    lines: ChartLine[],
    subtitle = "What the runtime keeps in the scenario's home directory on the host",
  ): void {
    if (this.homeSamples.length === 0) return
    const bars = this.homeSamples.map((s) => ({ label: s.label, bytes: s.home.total, part: s.home.disks }))
    const heading = { title: this.scene.scenario ?? 'Home directory on the host', subtitle }
    this.scene.report.attach(footprintChart(heading, bars, lines, ["the boxes' disks", 'the rest of the home']), {
      mediaType: 'image/svg+xml',
      fileName: 'host-home.svg',
    })
  }

  start(role: string): number {
    const first = this.samples.get(role)?.[0]
    if (!first) throw new Error(`${named(role)}'s disk was never measured at the start`)
    return first.bytes
  }

  latest(role: string): FootprintSample | undefined {
    return this.samples.get(role)?.at(-1)
  }

  /** Remembers the first growth measured (later fills are held against it). */
  noteGrowth(role: string, bytes: number): void {
    if (!this.firstGrowths.has(role)) this.firstGrowths.set(role, bytes)
  }

  firstGrowth(role: string): number {
    const growth = this.firstGrowths.get(role)
    if (growth === undefined) throw new Error(`${named(role)}'s disk growth was never measured after a fill`)
    return growth
  }

  /** The box's samples as a bar chart, with threshold lines. */
  chart(
    role: string,
    lines: ChartLine[],
    filter: (s: FootprintSample) => boolean = () => true,
    subtitle = `The disk file of ${named(role)} on the host`,
  ): void {
    const bars = (this.samples.get(role) ?? []).filter(filter)
    if (bars.length === 0) return
    const heading = { title: this.scene.scenario ?? `Disk of ${named(role)} on the host`, subtitle }
    this.scene.report.attach(footprintChart(heading, bars, lines), {
      mediaType: 'image/svg+xml',
      fileName: 'host-footprint.svg',
    })
  }
}
