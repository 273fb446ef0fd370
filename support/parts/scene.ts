/** What the tasks of one scenario work with: the basics, its boxes, and the host's view of their disks. */
import type { Basics } from './basics'
import type { Boxes } from './boxes'
import type { HostMeter } from './host-meter'

export interface Scene extends Basics {
  readonly boxes: Boxes
  readonly host: HostMeter
}
