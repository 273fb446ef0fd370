/** What the `cli` driver reads from `inspect` and `list -a --format json` beyond the status. */

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
