/** What every task of a scenario works with: its parts, made once per scenario by the World. */
import type { BoxDriver } from '../../src/drivers/types'
import type { SuiteConfig } from '../config'
import type { ScenarioDirs } from '../homes'
import type { Boxes } from '../parts/boxes'
import type { CallLedger } from '../parts/call-ledger'
import type { Clock } from '../parts/clock'
import type { HostMeter } from '../parts/host-meter'
import type { Report } from '../parts/report'

export interface Scene {
  readonly config: SuiteConfig
  readonly dirs: ScenarioDirs
  readonly driver: BoxDriver
  readonly calls: CallLedger
  readonly clock: Clock
  readonly report: Report
  readonly boxes: Boxes
  readonly host: HostMeter
}
