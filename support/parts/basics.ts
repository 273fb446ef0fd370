/** What every part of a scenario works with. The home and the driver exist once the Before hook opened the scenario. */
import type { BoxDriver } from '../../src/drivers/types'
import type { Settings } from '../../src/settings'
import type { ScenarioDirs } from '../../src/homes'
import type { CallLedger } from './call-ledger'
import type { Clock } from '../../src/settings'
import type { Report } from './report'

export interface Basics {
  readonly settings: Settings
  readonly dirs: ScenarioDirs
  readonly driver: BoxDriver
  /** Whether the scenario may read the runtime's files on the host (@host-access, see ./host-gate.ts). */
  readonly hostAccess: boolean
  /** The scenario's name: the title of its charts (absent outside a scenario). */
  readonly scenario?: string
  readonly calls: CallLedger
  readonly clock: Clock
  readonly report: Report
}
