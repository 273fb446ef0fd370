/** What the `cli` driver reads from `inspect`, `list -a --format json` and `snapshot list` beyond the status. */
import type { SnapshotInfo } from './types'

/** `State.Pid` of the first `inspect` entry, when it is a live-looking pid. */
export function parseInspectPid(stdout: string): number | undefined {
  try {
    const entry = (JSON.parse(stdout) as Array<{ State?: { Pid?: unknown } }>)[0]
    const pid = entry?.State?.Pid
    return typeof pid === 'number' && Number.isInteger(pid) && pid > 1 ? pid : undefined
  } catch {
    return undefined
  }
}

/** `list -a --format json`: `[{ID, Names, ...}]`. */
export function parseListJson(stdout: string): Array<{ id: string; name: string }> {
  try {
    return (JSON.parse(stdout) as Array<{ ID?: unknown; Names?: unknown }>)
      .filter((r) => typeof r.ID === 'string')
      .map((r) => ({ id: r.ID as string, name: typeof r.Names === 'string' ? r.Names : '' }))
  } catch {
    return []
  }
}

/**
 * `snapshot list BOX --format json`: `[{name, createdAt, containerDiskBytes, sizeBytes, ...}]` (the SDK's
 * `JsSnapshotInfo` fields), or the REST wire form in snake_case. Entries without a name are dropped.
 */
export function parseSnapshotList(stdout: string): SnapshotInfo[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(stdout)
  } catch {
    return []
  }
  const rows = Array.isArray(parsed) ? parsed : ((parsed as { snapshots?: unknown })?.snapshots ?? [])
  if (!Array.isArray(rows)) return []
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
  return (rows as Array<Record<string, unknown>>)
    .filter((r) => typeof r?.name === 'string')
    .map((r) => ({
      name: r.name as string,
      createdAt: num(r.createdAt ?? r.created_at),
      containerDiskBytes: num(r.containerDiskBytes ?? r.container_disk_bytes),
      sizeBytes: num(r.sizeBytes ?? r.size_bytes),
    }))
}
