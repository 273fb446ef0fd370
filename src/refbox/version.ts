/**
 * `refbox --version`: one line that no reader can mistake for BoxLite, naming any injected defect
 * and any benign variation (the suite's reports quote it as the runtime under test).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Defects } from './defects'
import type { Variants } from './variants'

export function versionLine(defects: Defects, variants?: Variants): string {
  const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string
  }
  const injected = defects.names.length ? `; injected defects: ${defects.names.join(', ')}` : ''
  const varied = variants?.names.length ? `; benign variations: ${variants.names.join(', ')}` : ''
  return `refbox ${version}: reference runtime on BoxLite's disk stack, not BoxLite${injected}${varied}`
}
