'use strict'
/**
 * refbox runs as the JavaScript that tsc builds from src/refbox into dist/refbox (tsconfig.build.json):
 * a suite run makes hundreds of refbox calls, and loading its TypeScript through ts-node in each one
 * costs about three times the CPU of the built call. `npm ci` builds it (the "prepare" script), so do
 * the reference profile (cucumber.js) and the unit tier whenever a source is newer than its build;
 * bin/refbox refuses to run a stale build.
 *
 *   node scripts/build-refbox.cjs      builds when dist/refbox is missing or older than src/refbox
 */
const { execFileSync } = require('node:child_process')
const { readdirSync, statSync } = require('node:fs')
const { join } = require('node:path')

const ROOT = join(__dirname, '..')
const SOURCES = join(ROOT, 'src', 'refbox')
const BUILT = join(ROOT, 'dist', 'refbox')

/** The first source whose built file is missing or older, as a repository path; undefined when the build is current. */
function staleRefboxSource() {
  for (const name of readdirSync(SOURCES)) {
    if (!name.endsWith('.ts')) continue
    let built
    try {
      built = statSync(join(BUILT, `${name.slice(0, -3)}.js`)).mtimeMs
    } catch {
      return `src/refbox/${name}`
    }
    if (statSync(join(SOURCES, name)).mtimeMs > built) return `src/refbox/${name}`
  }
  return undefined
}

function buildRefbox() {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: ['ignore', 2, 2],
  })
}

module.exports = { staleRefboxSource }

if (require.main === module) {
  const stale = staleRefboxSource()
  if (stale) {
    process.stderr.write(`refbox: building dist/refbox with tsc (${stale} is newer than its build)\n`)
    buildRefbox()
  }
}
