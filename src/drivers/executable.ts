import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/** True for an existing regular file this process may execute. */
export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** True when a bare command name resolves to an executable in one of PATH's directories. */
export function isOnPath(name: string, pathVariable: string | undefined): boolean {
  return (pathVariable ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .some((dir) => isExecutableFile(join(dir, name)))
}
