/** Boxes coming up, staying up, and keeping what they were given. */
import { Given, Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { formatBytes, KiB } from '../src/evidence/units'
import { CALL, stepBudget } from '../support/timeouts'
import type { DiskWorld } from '../support/world'

const ALIVE_BUDGET = (window: number) => stepBudget(CALL.quickProbe, window, CALL.aliveTry, CALL.quickProbe)

Given('a running box', { timeout: stepBudget(CALL.createBox) }, async function (this: DiskWorld) {
  await this.startBox('box')
})

Given('two running boxes, a victim and a bystander', { timeout: stepBudget(2 * CALL.createBox, CALL.probe) }, async function (this: DiskWorld) {
  await this.startBox('victim')
  await this.startBox('bystander')
  await this.rootfsSpace('bystander') // its starting free space
})

Then("the box's rootfs is an ext4 filesystem between {size} and {size}", { timeout: stepBudget(CALL.probe) }, async function (this: DiskWorld, min: number, max: number) {
  const space = await this.rootfsSpace('box')
  expect(space.fsType, 'the filesystem type of / inside the box').to.equal('ext4')
  this.verify('size of / inside the box', space.totalKiB * KiB, '>=', min, 'bytes')
  this.verify('size of / inside the box', space.totalKiB * KiB, '<', max, 'bytes', {
    name: 'size of / inside the box',
    needs: `at least ${formatBytes(min)} and less than ${formatBytes(max)}`,
  })
})

Then('{box} is still running and serving commands within {duration}', { timeout: ALIVE_BUDGET(60) }, async function (this: DiskWorld, role: string, window: number) {
  await this.expectServing(role, window)
})

Then('both boxes are still running and serving commands within {duration}', { timeout: 2 * ALIVE_BUDGET(60) }, async function (this: DiskWorld, window: number) {
  await this.expectServing('victim', window)
  await this.expectServing('bystander', window)
})

Then('the files that came with the image are unchanged', { timeout: stepBudget(CALL.fingerprint) }, async function (this: DiskWorld) {
  await this.expectImageFilesUnchanged('box')
})

Then('{box} can still write to its memory-backed \\/tmp', { timeout: stepBudget(CALL.probe, CALL.quickProbe) }, async function (this: DiskWorld, role: string) {
  await this.expectTmpfsWritable(role)
})

Then('{box} can still write a new file to its rootfs and read it back', { timeout: stepBudget(CALL.quickProbe) }, async function (this: DiskWorld, role: string) {
  await this.expectWriteAndReadBack(role, '/probe', 'recovered')
})

Given('the box has filled its rootfs', { timeout: stepBudget(CALL.probe, CALL.quickProbe, CALL.fill, CALL.quickProbe, CALL.fingerprint) }, async function (this: DiskWorld) {
  await this.fillAndKeepFingerprints('box')
})

When('the box is stopped and started again', { timeout: stepBudget(CALL.stop, CALL.start) }, async function (this: DiskWorld) {
  await this.stopAndStart('box')
})

Then('the box is running again', { timeout: stepBudget(CALL.quickProbe) }, async function (this: DiskWorld) {
  await this.expectRunningAgain('box')
})

Then('everything it wrote before the stop is still there, byte for byte', { timeout: stepBudget(CALL.fingerprint) }, async function (this: DiskWorld) {
  await this.expectDataKeptAcrossRestart('box')
})

Then('new files on its rootfs still fail with "No space left on device"', { timeout: stepBudget(CALL.oneBlockWrite) }, async function (this: DiskWorld) {
  await this.expectNewWritesStillEnospc('box')
})
