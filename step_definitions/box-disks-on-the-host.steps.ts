/**
 * A box's disk as the host keeps it (@host-access): a fresh disk is sparse, the image's base disk is
 * shared and never written, and a box asked for a bigger disk gets it, bounded by what it asked
 * for. Assertions: see ./common/judge.ts.
 */
import { Given, Then } from '@cucumber/cucumber'
import { expect } from 'chai'
import { OUTCOME_PREFIX } from '../src/evidence/checks'
import { formatBytes, GiB } from '../src/evidence/units'
import { ownBytes } from '../src/host/home-footprint'
import { BEFORE_THE_BOX } from '../support/parts/host-meter'
import { budget } from '../support/step-budget'
import { CALL } from '../support/timeouts'
import type { DiskWorld } from '../support/world'

Given(
  'a running box that asked for a {size} disk, measured on the host',
  budget(CALL.createBox),
  async function (this: DiskWorld, bytes: number) {
    expect(bytes % GiB, `a disk size is asked for in whole GiB, not ${formatBytes(bytes)}`).to.equal(0)
    expect(
      bytes,
      `a ${formatBytes(bytes)} disk is above the suite's safety bound, which every fill must stay under`,
    ).to.be.at.most(this.settings.rootfsSafetyLimitBytes)
    this.host.sampleHome(BEFORE_THE_BOX)
    await this.boxes.start('box', { diskSizeGb: bytes / GiB })
    this.host.sampleStart('box')
  },
)

Then("the box's disk file holds at most {size} on the host", function (this: DiskWorld, limit: number) {
  const bytes = this.host.disk('box')
  this.log(`disk file ${this.host.diskPath('box')}`)
  this.checks.verify("allocated size of a fresh box's disk file on the host", bytes, '<=', limit, 'bytes')
})

Then(
  "the box's disk file on the host describes a disk of {size}",
  budget(CALL.quickProbe),
  async function (this: DiskWorld, bytes: number) {
    const [disk] = await this.tasks.baseDisks.chain('box')
    this.checks.verify("virtual size of the box's disk file (qemu-img info)", disk.virtualSize, '==', bytes, 'bytes')
  },
)

Then('the fill wrote at least {size}', budget(CALL.quickProbe), async function (this: DiskWorld, bytes: number) {
  this.checks.verify(
    'bytes the fill wrote before "No space left on device"',
    await this.tasks.filling.filledBytes('box'),
    '>=',
    bytes,
    'bytes',
  )
})

Then(
  'what the box keeps on the host has grown by at most {size} plus {size}',
  function (this: DiskWorld, size: number, slack: number) {
    const before = this.host.homeAt(BEFORE_THE_BOX)
    const now = this.host.sampleHome('after fill').home
    this.host.homeChart([
      { label: `before + ${formatBytes(size)} + ${formatBytes(slack)}`, bytes: before.total + size + slack },
    ])
    this.log(
      `the image store grew by ${formatBytes(now.store - before.store)} (a cache the image's boxes share; not counted)`,
    )
    this.checks.verify(
      'growth of the home outside the image store since before the box',
      ownBytes(now) - ownBytes(before),
      '<=',
      size + slack,
      'bytes',
    )
  },
)

Then(
  "both boxes' disks on the host are backed by one base disk file in the runtime's image store",
  budget(2 * CALL.quickProbe),
  async function (this: DiskWorld) {
    const victim = await this.tasks.baseDisks.bases('victim')
    const bystander = await this.tasks.baseDisks.bases('bystander')
    for (const [role, bases] of [
      ['victim', victim],
      ['bystander', bystander],
    ] as const) {
      expect(
        bases.length,
        `the ${role} box's disk has no backing file: it does not share the image's base disk`,
      ).to.be.greaterThan(0)
      expect(
        bases[0].inImageStore,
        `the ${role} box's base disk ${bases[0].realPath} is not in the runtime's image store`,
      ).to.equal(true)
      this.log(`${role}: backed by ${bases[0].realPath} (file ${bases[0].fileId})`)
    }
    expect(
      bystander[0].fileId,
      `the two boxes are backed by different base files: ${victim[0].realPath} and ${bystander[0].realPath}`,
    ).to.equal(victim[0].fileId)
  },
)

Given(
  "the SHA-256 of the box's base disks on the host is recorded",
  budget(CALL.quickProbe + CALL.fingerprint),
  async function (this: DiskWorld) {
    this.outcomes.record('base disk hashes', 'box', await this.tasks.baseDisks.hashes('box'))
  },
)

Then(
  'the base disks on the host still have the SHA-256 recorded before',
  budget(CALL.fingerprint),
  function (this: DiskWorld) {
    const deletion = this.outcomes.get('delete', 'box')
    expect(deletion.exitCode, `deleting the fill failed:\n${deletion.stdout}${deletion.stderr}`).to.equal(0)
    const { stop, start } = this.outcomes.get('restart', 'box')
    for (const [what, r] of [
      ['stopping', stop],
      ['starting', start],
      ['force-removing', this.outcomes.get('force-removal', 'box').record],
    ] as const) {
      expect(r.exitCode, `${what} the box failed:\n${r.stderr}`).to.equal(0)
    }
    const before = this.outcomes.get('base disk hashes', 'box')
    const now = this.tasks.baseDisks.now(before)
    for (const [path, sha] of before) {
      expect(now.get(path), `the shared base disk ${path} changed (SHA-256 before: ${sha})`).to.equal(sha)
      this.log(`✔ ${path}: sha256 ${sha.slice(0, 16)}… unchanged`)
    }
    const disks = before.size === 1 ? "the image's base disk is" : `all ${before.size} base disks are`
    this.log(`${OUTCOME_PREFIX}${disks} unchanged, byte for byte (SHA-256 before and after)`)
  },
)
