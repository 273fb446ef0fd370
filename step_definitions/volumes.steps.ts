/**
 * features/volumes.feature: host directory, read-only, anonymous and sized volumes (@host-access).
 * Assertions: see ./common/judge.ts.
 */
import { Given, Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { formatValue } from '../src/evidence/checks'
import { formatBytes } from '../src/evidence/units'
import { budget } from '../support/step-budget'
import { CALL } from '../support/timeouts'
import type { DiskWorld } from '../support/world'
import { expectSays } from './common/judge'

const FILL = 3 * CALL.probe + CALL.fill

Given(
  'a host directory on a {size} filesystem of its own, shared with a running box at {word}, and a running bystander',
  budget(60 + 2 * CALL.createBox),
  async function (this: DiskWorld, bytes: number, guestPath: string) {
    const hostPath = await this.tasks.volumes.hostDirOnItsOwnFilesystem(bytes)
    this.outcomes.record('volume size', 'box', bytes)
    await this.tasks.volumes.startWithVolumes('box', [{ hostPath, guestPath }])
    await this.boxes.start('bystander')
  },
)

Given(
  'a host directory holding a small file whose SHA-256 is recorded',
  budget(CALL.quickProbe),
  function (this: DiskWorld) {
    this.outcomes.record('volume witness', 'host', this.tasks.volumes.writeHostFile())
  },
)

Given(
  'a running box with that directory as a read-only volume at {word}',
  budget(CALL.createBox),
  async function (this: DiskWorld, guestPath: string) {
    const hostPath = this.tasks.volumes.makeHostDir()
    await this.tasks.volumes.startWithVolumes('box', [{ hostPath, guestPath, readOnly: true }])
  },
)

Given(
  'a running box with an anonymous volume at {word} holding a small file whose SHA-256 is recorded',
  budget(CALL.createBox + 3 * CALL.quickProbe + CALL.fingerprint),
  async function (this: DiskWorld, guestPath: string) {
    await this.tasks.volumes.startWithVolumes('box', [{ guestPath }])
    this.outcomes.record('volume witness', 'box', await this.tasks.volumes.writeWitness('box', guestPath))
  },
)

Given(
  'a running box with a {size} sized volume at {word}, its home measured before the box',
  budget(CALL.createBox),
  async function (this: DiskWorld, sizeBytes: number, guestPath: string) {
    this.tasks.volumes.sampleHomeBeforeTheBox()
    this.outcomes.record('volume size', 'box', sizeBytes)
    await this.tasks.volumes.startWithVolumes('box', [{ guestPath, sizeBytes }])
  },
)

When('the box fills its volume at {word}', budget(FILL), async function (this: DiskWorld, dir: string) {
  const planned = this.outcomes.get('volume size', 'box')
  this.outcomes.record('volume fill', 'box', await this.tasks.volumes.fill('box', dir, planned))
})

function expectVolumeFilled(world: DiskWorld, dir: string, op: '>=' | '<=', bytes: number): void {
  const run = world.outcomes.get('volume fill', 'box')
  expect(run.dir, 'the fill judged here filled another path').to.equal(dir)
  expect(run.fill.refused, `the fill's bound check refused to write to ${dir}: ${run.fill.output}`).to.equal(false)
  expect(run.record.timedOut, `the fill timed out after ${run.record.durationMs} ms`).to.equal(false)
  expectSays('out-of-space', run.fill.output, `the fill of ${dir} did not end with "No space left on device"`)
  world.checks.verify(`bytes the fill wrote to ${dir}`, run.fill.bytes ?? -1, op, bytes, 'bytes', {
    name: `bytes written to the volume at ${dir}`,
    detail: `volume of ${formatBytes(run.plannedBytes)}, fill capped at ${run.capMiB} MiB`,
  })
}

Then(
  'the fill of {word} stopped with "No space left on device" after at least {size}',
  function (this: DiskWorld, dir: string, bytes: number) {
    expectVolumeFilled(this, dir, '>=', bytes)
  },
)

Then(
  'the fill of {word} stopped with "No space left on device" after at most {size}',
  function (this: DiskWorld, dir: string, bytes: number) {
    expectVolumeFilled(this, dir, '<=', bytes)
  },
)

Then("the box's rootfs lost at most {size} of free space during the fill", function (this: DiskWorld, slack: number) {
  const run = this.outcomes.get('volume fill', 'box')
  this.checks.verify(
    `free space the box's rootfs lost while ${run.dir} filled`,
    run.rootfsFreeBefore - run.rootfsFreeAfter,
    '<=',
    slack,
    'bytes',
    { name: "rootfs free space lost to the volume's fill" },
  )
})

Then('the host directory still holds every byte of the fill', function (this: DiskWorld) {
  expect(this.outcomes.get('force-removal', 'box').record.exitCode, 'rm -f of the box failed').to.equal(0)
  const run = this.outcomes.get('volume fill', 'box')
  const onHost = this.tasks.volumes.hostFile('fill')
  expect(onHost, `the fill the box wrote to ${run.dir} is not in the host directory after rm -f`).to.not.equal(
    'missing',
  )
  this.checks.verify(
    'bytes of the fill in the host directory after rm -f',
    onHost === 'missing' ? 0 : onHost.bytes,
    '==',
    run.fill.bytes ?? -1,
    'bytes',
    { name: "bytes of the volume's fill kept on the host after rm" },
  )
})

When(
  'the box tries to overwrite the file and to create a new file in {word}',
  budget(CALL.probe),
  async function (this: DiskWorld, dir: string) {
    const existing = this.outcomes.get('volume witness', 'host').name
    this.outcomes.record('volume writes', 'box', await this.tasks.volumes.tryWrites('box', dir, existing))
  },
)

Then('both writes fail with "Read-only file system"', function (this: DiskWorld) {
  const tries = this.outcomes.get('volume writes', 'box')
  for (const [what, t] of [
    ['overwriting the host file', tries.overwrite],
    ['creating a new file', tries.create],
  ] as const) {
    expect(t.exitCode, `${what} in the read-only volume did not fail: ${t.said || '(nothing said)'}`).to.not.equal(0)
    expectSays('read-only-filesystem', t.said, `${what} in the read-only volume did not fail as read-only`)
  }
})

Then(
  "the host's file still has the SHA-256 recorded, and no new file is in the host directory",
  function (this: DiskWorld) {
    const witness = this.outcomes.get('volume witness', 'host')
    const tries = this.outcomes.get('volume writes', 'box')
    expect(this.tasks.volumes.hostFile(witness.name), "the host's file changed").to.deep.equal(witness.fingerprint)
    expect(this.tasks.volumes.hostDirEntries(), 'the host directory after the writes').to.deep.equal([witness.name])
    expect(tries.fresh).to.not.be.oneOf(this.tasks.volumes.hostDirEntries())
  },
)

Then(
  'the file in {word} still has the SHA-256 recorded',
  budget(2 * CALL.fingerprint),
  async function (this: DiskWorld, dir: string) {
    const { stop, start } = this.outcomes.get('restart', 'box')
    expect(stop.exitCode, `stopping the box failed: ${stop.stderr}`).to.equal(0)
    expect(start.exitCode, `starting the box again failed: ${start.stderr}`).to.equal(0)
    const witness = this.outcomes.get('volume witness', 'box')
    expect(witness.path.startsWith(`${dir}/`), `the recorded file is not in ${dir}`).to.equal(true)
    const now = await this.tasks.volumes.fingerprintInBox('box', witness.path)
    expect(now, `${witness.path} after the restart`).to.deep.equal(witness.fingerprint)
  },
)

Then("the runtime's home still holds that file with the SHA-256 recorded", function (this: DiskWorld) {
  expect(this.outcomes.get('force-removal', 'box').record.exitCode, 'rm -f of the box failed').to.equal(0)
  const witness = this.outcomes.get('volume witness', 'box')
  const found = this.tasks.volumes.filesInHome(witness.name)
  expect(
    found.map((f) => f.path),
    `no file ${witness.name} (the anonymous volume's ${witness.path}) is left in the runtime's home after rm -f`,
  ).to.not.deep.equal([])
  expect(
    found.some(
      (f) => f.fingerprint.sha256 === witness.fingerprint.sha256 && f.fingerprint.bytes === witness.fingerprint.bytes,
    ),
    `the runtime's home holds ${witness.name} only with other content: ${found.map((f) => f.path).join(', ')}`,
  ).to.equal(true)
})

Then(
  'within {duration} the home is back within {size} of its size before the box',
  budget((window: number) => window + 5),
  async function (this: DiskWorld, window: number, within: number) {
    expect(this.outcomes.get('force-removal', 'box').record.exitCode, 'rm -f of the box failed').to.equal(0)
    const { above, seconds } = await this.tasks.volumes.homeBackWithin(within, window)
    this.checks.verify(
      `bytes the home holds above its size before the box, ${window} s after rm -f`,
      above,
      '<=',
      within,
      'bytes',
      {
        name: 'home above its size before the box after rm',
        detail: `after ${formatValue(seconds, 'seconds')}`,
      },
    )
  },
)
