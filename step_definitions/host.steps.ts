/** What the host sees of a box's disk: growth, give-back, copies, leftovers (@host-access). */
import { Given, Then, When } from '@cucumber/cucumber'
import { CALL, WAIT, stepBudget } from '../support/timeouts'
import type { DiskWorld } from '../support/world'

Given('a running box whose disk is measured on the host', { timeout: stepBudget(CALL.createBox) }, async function (this: DiskWorld) {
  await this.startBox('box')
  this.sampleFootprint('box', 'start')
})

Then("the box's disk on the host has grown by at least {size}", { timeout: stepBudget(WAIT.settleGrowth) }, async function (this: DiskWorld, bytes: number) {
  const fills = this.fills.get('box')?.length ?? 0
  await this.expectDiskGrowth('box', bytes, fills > 0 ? 'after fill' : 'after writing')
})

When('the box is force-removed', { timeout: stepBudget(CALL.forceRemove) }, async function (this: DiskWorld) {
  await this.forceRemove('box')
})

Then('at least {percent} of that growth is given back within {duration}', { timeout: stepBudget(60) }, async function (this: DiskWorld, fraction: number, seconds: number) {
  await this.expectGrowthReleased('box', fraction, seconds)
})

Then('nothing of the box is left running or mounted on the host', { timeout: stepBudget(WAIT.leftovers) }, async function (this: DiskWorld) {
  await this.expectNothingOfTheBoxLeft('box')
})

When("the host copies a file twice the size of the box's free space into the box", { timeout: stepBudget(2 * CALL.probe, 60, CALL.copy) }, async function (this: DiskWorld) {
  await this.copyInTwiceTheFreeSpace('box')
})

Then('the copy fails with a non-zero exit', function (this: DiskWorld) {
  this.expectCopyFailed()
})

Then("the box's home on the host grew by at most twice the box's free space plus {size}", function (this: DiskWorld, slack: number) {
  this.expectHomeGrowthAtMostTwiceFreePlus('box', slack)
})

Then("the box's disk on the host falls back to within {size} of its start within {duration}", { timeout: stepBudget(60) }, async function (this: DiskWorld, within: number, seconds: number) {
  await this.expectDiskFallsBack('box', within, seconds, 'after delete')
})

Then("the box's disk on the host is at most {float} times the first fill's growth above its start", function (this: DiskWorld, factor: number) {
  this.expectAtMostTimesFirstGrowth('box', factor, 'after 2nd fill')
})

When('the box writes a {size} file to its rootfs', { timeout: stepBudget(CALL.probe, CALL.bigWrite) }, async function (this: DiskWorld, bytes: number) {
  this.sampleStartFootprint('box')
  await this.writeFile('box', '/big', bytes)
})

When('the box deletes that file', { timeout: stepBudget(CALL.deleteAndSync) }, async function (this: DiskWorld) {
  const r = await this.deleteFiles('box', ['/big'])
  this.examine(r)
  if (r.exitCode !== 0) throw new Error(`deleting /big failed: ${r.stderr}`)
})

When('the box writes {int} files of {size} each to its rootfs', { timeout: stepBudget(CALL.probe, CALL.bigWrite) }, async function (this: DiskWorld, count: number, bytes: number) {
  this.sampleStartFootprint('box')
  this.smallFiles = count
  await this.writeSmallFiles('box', count, bytes)
})

When('the box deletes every other file, then the rest', { timeout: stepBudget(CALL.bigWrite) }, async function (this: DiskWorld) {
  await this.deleteSmallFilesInterleaved('box', this.smallFiles ?? 0)
})
