/** Output shapes of `list` and `inspect`, as BoxLite prints them. */
import { isRunning, statusWord, type BoxState } from './state'

/** `2026-01-22 15:04:05 UTC`, BoxLite's CreatedAt. */
function boxliteTime(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`
}

export function listRow(s: BoxState) {
  return { ID: s.id, Image: s.image, Status: statusWord(s), CreatedAt: boxliteTime(s.createdAt), Names: s.name ?? '' }
}

/** `list-format`: other field order, RFC 3339 time, and fields main adds (contract §3 list). */
export function listRowVaried(s: BoxState) {
  return { Names: s.name ?? '', Status: statusWord(s), ID: s.id, Ports: '', CreatedAt: s.createdAt, Image: s.image }
}

export function listTable(states: readonly BoxState[], varied = false): string {
  const head = varied
    ? ['NAMES', 'ID', 'STATUS', 'IMAGE', 'CREATED', 'PORTS']
    : ['ID', 'IMAGE', 'STATUS', 'CREATED', 'NAMES']
  const rows = states.map((s) => {
    const r = listRow(s)
    return varied
      ? [r.Names, r.ID, r.Status, r.Image, r.CreatedAt, '']
      : [r.ID, r.Image, r.Status, r.CreatedAt, r.Names]
  })
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (l: string, m: string, r: string) => l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r
  const row = (cells: string[]) => '│' + cells.map((c, i) => ` ${c.padEnd(widths[i])} `).join('│') + '│'
  const [top, middle, bottom] = [line('┌', '┬', '┐'), line('├', '┼', '┤'), line('└', '┴', '┘')]
  return [top, row(head), middle, ...rows.map(row), bottom].join('\n') + '\n'
}

/** `State.Pid` is the box's host-side main process, as BoxLite reports its shim (VMM): refbox's shim. */
export function inspectItem(s: BoxState) {
  const running = isRunning(s)
  const status = statusWord(s).toLowerCase()
  return {
    Id: s.id,
    Name: s.name ?? '',
    Image: s.image,
    Created: s.createdAt,
    Status: status,
    State: { Status: status, Running: running, Pid: running ? (s.shim?.pid ?? 0) : 0, Error: s.failure ?? '' },
    Cpus: s.cpus,
    Memory: s.memoryMib * 1024 * 1024,
  }
}

/** `list-format`: State first, with the fields main adds, and more of the runtime's own. */
export function inspectItemVaried(s: BoxState) {
  const item = inspectItem(s)
  return {
    State: { ...item.State, ExitCode: 0, StartedAt: s.startedAt ?? '', LastActivityAt: s.startedAt ?? '' },
    Status: item.Status,
    Name: item.Name,
    Id: item.Id,
    Memory: item.Memory,
    Cpus: item.Cpus,
    Image: item.Image,
    Created: item.Created,
    Labels: {},
    Ports: [],
  }
}
