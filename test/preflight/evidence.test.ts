import { strict as assert } from 'node:assert'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { readBoxLogs, usefulLines } from '../../src/preflight/evidence'

/** The box directory BoxLite 0.10.0 left after the failed boot observed on this project's hosts. */
function failedBootHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'evidence-test-'))
  const box = join(home, 'boxes', 'A9x0FGVF2Ql5')
  mkdirSync(join(box, 'logs'), { recursive: true })
  mkdirSync(join(home, 'logs'), { recursive: true })
  writeFileSync(
    join(box, 'shim.stderr'),
    [
      '[shim] 22:55:03.605976 T+0ms: main() entered',
      '[shim] T+7ms: entering VM (krun_start_enter)',
      '[krun] 22:55:03.613004 krun_start_enter called',
      '[2026-11-29T22:55:16.145339Z ERROR krun_vmm::linux::vstate] Received KVM_EXIT_INTERNAL_ERROR signal',
      '',
    ].join('\n'),
  )
  writeFileSync(
    join(box, 'logs', 'boxlite-shim.log.2026-11-29'),
    '2026-11-29T22:55:03.612578Z  WARN boxlite_shim: Seccomp disabled\n',
  )
  writeFileSync(join(box, 'logs', 'console.log'), '')
  writeFileSync(
    join(home, 'logs', 'boxlite.log.2026-11-29'),
    [
      '2026-11-29T22:55:16.628126Z  WARN boxlite::litebox::init::tasks::guest_connect: VM subprocess exited ' +
        'unexpectedly during startup pid=7187 exit_code=1',
      '[2026-11-29T22:55:16.145339Z ERROR krun_vmm::linux::vstate] Received KVM_EXIT_INTERNAL_ERROR signal',
      '2026-11-29T22:55:16.628263Z ERROR boxlite::litebox::init::tasks: Task failed: engine reported an error: The ' +
        'VM failed to start. box_id=A9x0FGVF2Ql5 task=guest_connect',
      '  /tmp/exp/home3/boxes/A9x0FGVF2Ql5',
      '2026-11-29T22:55:16.628301Z ERROR boxlite::litebox::init::types: Box failed. Diagnostic files preserved at:',
    ].join('\n'),
  )
  return home
}

test('readBoxLogs finds the shim, console and runtime logs, box files first', () => {
  const home = failedBootHome()
  try {
    const paths = readBoxLogs(home).map((f) => f.path)
    assert.deepEqual(paths, [
      'boxes/A9x0FGVF2Ql5/shim.stderr',
      'boxes/A9x0FGVF2Ql5/logs/boxlite-shim.log.2026-11-29',
      'boxes/A9x0FGVF2Ql5/logs/console.log',
      'logs/boxlite.log.2026-11-29',
    ])
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
})

test('usefulLines puts the KVM exit first, drops timestamps, repeats and pointers to other files', () => {
  const home = failedBootHome()
  try {
    const lines = usefulLines(readBoxLogs(home))
    assert.deepEqual(lines, [
      'boxes/A9x0FGVF2Ql5/shim.stderr: [ERROR krun_vmm::linux::vstate] Received KVM_EXIT_INTERNAL_ERROR signal',
      'logs/boxlite.log.2026-11-29: WARN boxlite::litebox::init::tasks::guest_connect: VM subprocess exited ' +
        'unexpectedly during startup pid=7187 exit_code=1',
    ])
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
})

test('usefulLines caps the count and the length of a line', () => {
  const text = Array.from({ length: 20 }, (_, i) => `ERROR failure number ${i} ${'x'.repeat(300)}`).join('\n')
  const lines = usefulLines([{ path: 'f', text }], 4)
  assert.equal(lines.length, 4)
  assert.ok(
    lines.every((l) => l.length <= 'f: '.length + 240),
    lines.join('\n'),
  )
})

test('a home with no boxes has no logs and no lines', () => {
  const home = mkdtempSync(join(tmpdir(), 'evidence-test-'))
  try {
    assert.deepEqual(readBoxLogs(home), [])
    assert.deepEqual(readBoxLogs(join(home, 'missing')), [])
    assert.deepEqual(usefulLines([]), [])
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
})
