/**
 * The interlock against the `unbounded-rootfs` defect on real refbox: the box's `/` is a sparse
 * multi-GiB disk standing in for the host's own filesystem. Every fill and inode path the steps use
 * must refuse before writing, and the stand-in "host" disk must not grow by a byte of fill.
 */
import { strict as assert } from 'node:assert'
import { after, before, describe, it } from 'node:test'
import { MiB } from '../../src/evidence/units'
import { boxDiskFootprint } from '../../src/host/footprint'
import { DiskWorld } from '../../support/world'
import { REFBOX, testImage } from '../refbox/helpers'

describe('with refbox defect unbounded-rootfs, every fill refuses and the stand-in host disk does not grow', () => {
  let world: DiskWorld
  let disk: string
  let before0: number
  const previous = process.env.REFBOX_DEFECTS

  before(async () => {
    process.env.REFBOX_DEFECTS = 'unbounded-rootfs'
    const quiet = (() => undefined) as never
    world = new DiskWorld({
      attach: quiet,
      log: quiet,
      link: quiet,
      parameters: { driver: 'cli', bin: REFBOX, rootfs: testImage() },
    })
    world.open('unbounded-rootfs interlock', undefined, true) // it measures the box's disk on the host
    await world.boxes.start('box')
    disk = world.host.diskPath('box')
    before0 = boxDiskFootprint(disk)
  })
  after(async () => {
    const left = await world.close(false)
    if (previous === undefined) delete process.env.REFBOX_DEFECTS
    else process.env.REFBOX_DEFECTS = previous
    assert.deepEqual(left, [], 'the box left something behind')
  })

  const growth = () => boxDiskFootprint(disk) - before0

  it('a fill refuses', async () => {
    await assert.rejects(world.tasks.filling.fill('box'), /refusing to fill: \/ inside the box is [\d.]+ GiB/)
  })
  it('six racing writers refuse', async () => {
    await assert.rejects(world.tasks.racingWriters.race('box', 6), /refusing to fill/)
  })
  it('an inode exhaustion refuses', async () => {
    await assert.rejects(world.tasks.inodes.exhaust('box', 500_000), /refusing to fill/)
  })
  it('the stand-in host disk did not grow (less than 1 MiB of metadata noise)', () => {
    assert.ok(growth() < 1 * MiB, `the box's disk grew by ${growth()} bytes`)
  })
})
