/**
 * The real `cucumber-js`, started as a user would, with a bad setting or a selection that matches
 * nothing (support/before-run-plugin.cjs). A bad setting ends the run before anything runs: one
 * sentence naming the setting, the value and the accepted form, no stack trace, exit code 2, and no
 * report file at all. An empty selection fails in every profile, naming the selection.
 */
import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, it } from 'node:test'

const ROOT = resolve(__dirname, '../..')
const CUCUMBER = join(ROOT, 'node_modules/.bin/cucumber-js')
const scratch = mkdtempSync(join(tmpdir(), 'before-run-test-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

const notExecutable = join(scratch, 'boxlite-not-executable')
writeFileSync(notExecutable, '#!/bin/sh\n')
chmodSync(notExecutable, 0o644)
const notLayout = join(scratch, 'not-a-layout')
mkdirSync(notLayout)

interface Outcome {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly seconds: number
  readonly reports: string[]
}

let runs = 0
function cucumber(args: readonly string[], env: Record<string, string>): Promise<Outcome> {
  const reports = join(scratch, `reports-${++runs}`)
  const started = Date.now()
  const child = spawn(CUCUMBER, args, {
    cwd: ROOT,
    // Registries on loopback only, and no boxlite on PATH: nothing here may leave the host.
    env: {
      ...process.env,
      REPORTS_DIR: reports,
      BOXLITE_REGISTRY: '127.0.0.1:9',
      PATH: `${join(ROOT, 'node_modules/.bin')}:/usr/bin:/bin`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  return new Promise((done) =>
    child.on('close', (code) =>
      done({
        code,
        stdout,
        stderr,
        seconds: (Date.now() - started) / 1000,
        reports: existsSync(reports) ? readdirSync(reports) : [],
      }),
    ),
  )
}

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m

/** Setting, value, and the start of the sentence that must name them. */
const BAD: ReadonlyArray<readonly [string, string, string]> = [
  ['BOXLITE_DRIVER', 'nope', 'BOXLITE_DRIVER="nope" is not a driver: use one of cli, sdk, auto'],
  [
    'BOXLITE_BIN',
    '/no/such/boxlite',
    'BOXLITE_BIN="/no/such/boxlite" does not exist: give the path of a boxlite-dialect binary',
  ],
  ['BOXLITE_BIN', notExecutable, `BOXLITE_BIN="${notExecutable}" is not an executable file: give the path`],
  [
    'BOXLITE_ROOTFS',
    '/no/such/layout',
    'BOXLITE_ROOTFS="/no/such/layout" does not exist: give a directory holding an OCI image layout',
  ],
  ['BOXLITE_ROOTFS', notLayout, `BOXLITE_ROOTFS="${notLayout}" is not an OCI image layout: give a directory`],
  ['BOXLITE_IMAGE', '', 'BOXLITE_IMAGE="" is empty: write a reference such as alpine:latest'],
  ['BOXLITE_MEMORY_MIB', '256M', 'BOXLITE_MEMORY_MIB="256M" is not usable: write a whole number from 1 to'],
  ['BOXLITE_DISK_SIZE_GB', '0', 'BOXLITE_DISK_SIZE_GB="0" is not usable: write a whole number from 1 to 2, in GiB'],
  ['TIMEOUT_FACTOR', 'abc', 'TIMEOUT_FACTOR="abc" is not a usable factor: write a number above 0'],
  ['KEEP_BOXES', 'yes', 'KEEP_BOXES="yes" is not a keep policy: use never, on-failure or always.'],
  [
    'ROOTFS_SAFETY_LIMIT',
    '5GiB',
    'ROOTFS_SAFETY_LIMIT="5GiB" is out of range: write a size above 0 and at most 2.00 GiB',
  ],
  [
    'BOXLITE_REGISTRY',
    'https://mirror.local',
    'BOXLITE_REGISTRY="https://mirror.local" is not a registry: write host[:port]',
  ],
]

describe('a bad setting stops cucumber-js before anything runs', { concurrency: 3 }, () => {
  for (const [setting, value, sentence] of BAD) {
    it(`${setting}="${value.replace(scratch, '…')}"`, { timeout: 60_000 }, async () => {
      const r = await cucumber(['--tags', '@disk-guest'], { [setting]: value })
      const said = `exit ${r.code} after ${r.seconds.toFixed(1)} s\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
      assert.equal(r.code, 2, said)
      assert.equal(r.stdout, '', said)
      const lines = r.stderr.trimEnd().split('\n')
      assert.equal(lines.length, 1, `one line only\n${said}`)
      assert.ok(lines[0].startsWith(`boxlite-disk-spec: ${sentence}`), said)
      assert.ok(lines[0].endsWith('.'), `one whole sentence\n${said}`)
      assert.doesNotMatch(r.stderr, STACK_FRAME)
      assert.deepEqual(r.reports, [], 'no report file is written, not even an empty one')
    })
  }
})

describe('a selection that matches nothing fails', { concurrency: 2 }, () => {
  for (const profile of ['default', 'reference']) {
    it(`in the ${profile} profile, naming the tag expression`, { timeout: 120_000 }, async () => {
      const r = await cucumber(['--profile', profile, '--tags', '@disk-gust'], {})
      const said = `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
      assert.equal(r.code, 1, said)
      assert.match(
        r.stderr,
        new RegExp(
          '^boxlite-disk-spec: no scenario matches --tags "@disk-gust": check the tag expression; ' +
            'the features use .*@disk-guest',
          'm',
        ),
        said,
      )
      assert.doesNotMatch(r.stderr, /BoxLite preflight/, 'nothing was probed for an empty run')
      assert.doesNotMatch(`${r.stdout}${r.stderr}`, STACK_FRAME)
    })
  }
  it('not with --dry-run, nor with ALLOW_EMPTY_SELECTION=1 (for tooling)', { timeout: 120_000 }, async () => {
    const dry = await cucumber(['--profile', 'reference', '--tags', '@disk-gust', '--dry-run'], {})
    assert.equal(dry.code, 0, dry.stderr)
    const allowed = await cucumber(['--profile', 'reference', '--tags', '@disk-gust'], { ALLOW_EMPTY_SELECTION: '1' })
    assert.equal(allowed.code, 0, allowed.stderr)
  })
})
