/**
 * Placeholder until the i21-features branch lands its catalogue (the one source of truth for each
 * guarantee's severity, what it means for users and why its threshold): the same interface, a few
 * entries, so the reports can be built against it. Take theirs on merge.
 */
export type Severity = 'host-and-neighbours' | 'data' | 'cost'

export interface Guarantee {
  /** Rule title as in the feature file. */
  readonly rule: string
  /** Feature file name. */
  readonly feature: string
  readonly severity: Severity
  /** 1 = first. */
  readonly order: number
  readonly forUsers: string
  readonly whyThreshold: string
}

export const GUARANTEES: readonly Guarantee[] = [
  {
    rule: 'A box filling its rootfs takes nothing from the boxes next to it',
    feature: 'boxes-are-isolated.feature',
    severity: 'host-and-neighbours',
    order: 1,
    forUsers: 'One runaway box cannot take disk space or writes away from the other boxes on the same host.',
    whyThreshold:
      'Upstream stress test test_disk_full_isolation: a neighbour may lose no more than 16 MiB of free space.',
  },
  {
    rule: 'Data a box synced survives a hard kill of its host process, on a consistent disk',
    feature: 'surviving-a-crash.feature',
    severity: 'data',
    order: 2,
    forUsers: 'What a program saved and synced is still there after the box is killed without warning.',
    whyThreshold: 'BoxLite #866: a killed box came back with a disk that failed every restart.',
  },
  {
    rule: 'Removing a box gives back the space its disk used',
    feature: 'host-gets-its-space-back.feature',
    severity: 'cost',
    order: 3,
    forUsers: 'Deleting a box frees the host disk it used, so hosts do not fill up over time.',
    whyThreshold: 'Upstream test_rm_reclaims_space: at least 90 % of the growth back within 30 s.',
  },
]

const BY_RULE = new Map(GUARANTEES.map((g) => [g.rule, g]))

export function guaranteeOf(rule: string): Guarantee | undefined {
  return BY_RULE.get(rule)
}
