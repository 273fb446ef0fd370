/**
 * When refbox's build counts as stale (scripts/build-refbox.cjs): in a git checkout, a source newer than
 * its build; in an installed package, whose files all carry the time npm extracted them, only a missing one.
 */
import { strict as assert } from 'node:assert'
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS without type declarations
const { staleRefboxSource } = require('../../scripts/build-refbox.cjs') as {
  staleRefboxSource: (root?: string) => string | undefined
}

const made: string[] = []
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/** A package root with one refbox source and its build, the source one second newer. */
function packageRoot(withGit: boolean, withBuild = true): string {
  const root = mkdtempSync(join(tmpdir(), 'refbox-build-'))
  made.push(root)
  mkdirSync(join(root, 'src', 'refbox'), { recursive: true })
  mkdirSync(join(root, 'dist', 'refbox'), { recursive: true })
  if (withGit) mkdirSync(join(root, '.git'))
  writeFileSync(join(root, 'src', 'refbox', 'cli.ts'), 'export {}\n')
  utimesSync(join(root, 'src', 'refbox', 'cli.ts'), 2_000, 2_000)
  if (withBuild) {
    writeFileSync(join(root, 'dist', 'refbox', 'cli.js'), '"use strict"\n')
    utimesSync(join(root, 'dist', 'refbox', 'cli.js'), 1_000, 1_000)
  }
  return root
}

describe("refbox's build", () => {
  it('is stale in a checkout when a source is newer than its build', () => {
    assert.equal(staleRefboxSource(packageRoot(true)), 'src/refbox/cli.ts')
  })

  it('is current in an installed package although the extracted source looks newer', () => {
    assert.equal(staleRefboxSource(packageRoot(false)), undefined)
  })

  it('is stale wherever a built file is missing', () => {
    assert.equal(staleRefboxSource(packageRoot(false, false)), 'src/refbox/cli.ts')
    assert.equal(staleRefboxSource(packageRoot(true, false)), 'src/refbox/cli.ts')
  })
})
