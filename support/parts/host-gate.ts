/**
 * Keeps a scenario without @host-access away from the runtime's files on the host (the promise of
 * src/proof/host-access.ts): its scene gets a driver whose host-side members (the home, disk
 * paths, image store) throw, and directories without the home. A step that starts reading the host
 * then fails at once, naming the tag it needs, instead of quietly weakening the proof.
 */
import type { BoxDriver } from '../../src/drivers/types'
import { HOST_ACCESS_TAG } from '../../src/proof/host-access'
import type { ScenarioDirs } from '../../src/homes'

const HOST_SIDE_OF_DRIVER: ReadonlySet<PropertyKey> = new Set(['home', 'diskPath', 'imageStoreDirs'])
const HOST_SIDE_OF_DIRS: ReadonlySet<PropertyKey> = new Set(['home', 'dir'])

function refusal(what: string): Error {
  return new Error(
    `this scenario reads the runtime's ${what} on the host but is not tagged ${HOST_ACCESS_TAG}: tag it (the proof ` +
      `runs host-side defects only on tagged scenarios)`,
  )
}

/** The driver as an untagged scenario may use it: everything but its host-side members. */
export function gateDriver(driver: BoxDriver, hostAccess: boolean): BoxDriver {
  if (hostAccess) return driver
  return new Proxy(driver, {
    get(target, key) {
      if (HOST_SIDE_OF_DRIVER.has(key)) throw refusal(`files (driver.${String(key)})`)
      const value: unknown = Reflect.get(target, key, target)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}

/** The scenario's directories as an untagged scenario may use them: only its own host files. */
export function gateDirs(dirs: ScenarioDirs, hostAccess: boolean): ScenarioDirs {
  if (hostAccess) return dirs
  return new Proxy(dirs, {
    get(target, key) {
      if (HOST_SIDE_OF_DIRS.has(key)) throw refusal(`home (dirs.${String(key)})`)
      return Reflect.get(target, key, target) as unknown
    },
  })
}

export function hasHostAccess(tags: ReadonlyArray<{ readonly name: string }>): boolean {
  return tags.some((t) => t.name === HOST_ACCESS_TAG)
}
