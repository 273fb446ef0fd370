/**
 * `refbox --version`: one line that no reader can mistake for BoxLite, naming any injected defect
 * (the suite's reports quote it as the runtime under test).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Defects } from './defects'

export function versionLine(defects: Defects): string {
  const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string
  }
  const injected = defects.names.length ? `; injected defects: ${defects.names.join(', ')}` : ''
  return `refbox ${version}: reference runtime on BoxLite's disk stack, not BoxLite${injected}`
}
