/** What boxes left under a home once they were removed: host leftovers and box directories. */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { findLeftovers } from './leftovers'

/** One line per thing left: processes, mounts and loop devices under the home, and entries of its `boxes/`. */
export function homeRemains(home: string): string[] {
  const boxesDir = join(home, 'boxes')
  const dirs = existsSync(boxesDir) ? readdirSync(boxesDir) : []
  return [...findLeftovers(home).map((l) => `${l.kind}: ${l.detail}`), ...dirs.map((d) => `box directory: boxes/${d}`)]
}
