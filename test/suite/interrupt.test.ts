/** Ctrl-C during a run: every registered cleanup finishes before the process exits with 128 + signal. */
import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'

const dir = mkdtempSync(join(tmpdir(), 'interrupt-'))
after(() => rmSync(dir, { recursive: true, force: true }))

function runChild(signal: NodeJS.Signals, times = 1): Promise<{ code: number | null; marker: string }> {
  const marker = join(dir, `cleaned-${signal}-${times}`)
  const program = `
    const { isInterrupted, onInterrupt } =
      require(${JSON.stringify(join(__dirname, '..', '..', 'support', 'interrupt.ts'))})
    const { writeFileSync } = require('node:fs')
    onInterrupt(async () => {
      await new Promise((r) => setTimeout(r, 300))
      writeFileSync(${JSON.stringify(marker)}, 'boxes removed')
    })
    // A run that ends by itself once interrupted, as cucumber-js does when its scenarios are skipped.
    const run = setInterval(() => isInterrupted() && clearInterval(run), 50)
    process.stdout.write('ready\\n')`
  const child = spawn(process.execPath, ['--require', 'ts-node/register', '-e', program], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve) => {
    child.stdout.once('data', () => {
      // the child this test started, by its pid
      for (let i = 0; i < times; i++) setTimeout(() => child.kill(signal), i * 50)
    })
    child.on('exit', (code) => resolve({ code, marker: existsSync(marker) ? readFileSync(marker, 'utf8') : '' }))
  })
}

describe('interrupt handling', () => {
  it('SIGINT runs the cleanups, then exits 130', async () => {
    const { code, marker } = await runChild('SIGINT')
    assert.equal(marker, 'boxes removed')
    assert.equal(code, 130)
  })
  it('a second SIGINT while the cleanups run does not abandon them', async () => {
    const { code, marker } = await runChild('SIGINT', 2)
    assert.equal(marker, 'boxes removed')
    assert.equal(code, 130)
  })
  it('SIGTERM runs the cleanups, then exits 143', async () => {
    const { code, marker } = await runChild('SIGTERM')
    assert.equal(marker, 'boxes removed')
    assert.equal(code, 143)
  })
})
