/** A box killed, torn or interrupted: what must survive and what must be left behind (nothing). */
import { Given, Then, When } from '@cucumber/cucumber'
import { assert, expect } from 'chai'
import { OUTCOME_PREFIX } from '../src/evidence/checks'
import { firstLineSaying, says } from '../src/evidence/vocabulary'
import type { FileFingerprint } from '../src/guest/measure'
import { errorText } from '../src/drivers/cli'
import { SIGNS } from '../src/host/start-phases'
import { budget } from '../support/step-budget'
import { SYNCED, UNSYNCED } from '../support/tasks/surviving-a-crash/hard-kill'
import { CALL, WAIT, servingBudget } from '../support/timeouts'
import type { DiskWorld } from '../support/world'
import { expectRunning, expectSays, expectServing } from './common/judge'

/** The most starts the killed-starts scenario may kill: each listed box then costs one rm -f. */
const KILLS_AT_MOST = 14

Given(
  'the box has synced a {int} MiB file and written a {int} KiB file without syncing it',
  budget(CALL.probe + CALL.bigWrite + CALL.quickProbe + CALL.fingerprint),
  async function (this: DiskWorld, mib: number, kib: number) {
    this.outcomes.record('files before the kill', 'box', await this.tasks.hardKill.writeFiles('box', mib, kib))
  },
)

When(
  "the box's host process is killed outright",
  budget(CALL.quickProbe + 2 * WAIT.leftovers),
  async function (this: DiskWorld) {
    if (!this.tasks.hardKill.supported) {
      this.log("Skipped: this driver cannot ask the runtime for the box's host process (the sdk driver reports none)")
      return 'skipped'
    }
    await this.tasks.hardKill.kill('box')
    return undefined
  },
)

Then(
  "a check of the box's disk file finds {int} errors and {int} corruptions",
  budget(CALL.probe),
  async function (this: DiskWorld, errors: number, corruptions: number) {
    const { record, result } = await this.tasks.hardKill.checkDisk('box')
    assert.isDefined(result, `qemu-img check gave no report (exit ${record.exitCode}): ${record.stderr.trim()}`)
    this.checks.verify('check errors of "qemu-img check" after the kill', result.checkErrors, '<=', errors, 'count')
    this.checks.verify(
      'corruptions "qemu-img check" found after the kill',
      result.corruptions,
      '<=',
      corruptions,
      'count',
    )
    this.log(`leaked clusters (allowed after a kill): ${result.leaks}`)
  },
)

Then(
  'the box starts again and the synced file keeps its size and SHA-256',
  budget(CALL.start + CALL.quickProbe + CALL.fingerprint),
  async function (this: DiskWorld) {
    const start = this.calls.examine(await this.tasks.hardKill.startAgain('box'))
    expect(start.exitCode, `starting the box after the kill failed: ${start.stderr.trim()}`).to.equal(0)
    await expectRunning(this, 'box')
    const before = this.outcomes.get('files before the kill', 'box')
    const after = await this.tasks.hardKill.fingerprintsNow('box', before)
    const was = before.get(SYNCED) as FileFingerprint
    const now = after.get(SYNCED)
    expect(now, `${SYNCED} (synced before the kill) is gone after the hard kill`).to.not.equal('missing')
    expect(
      now,
      `${SYNCED} (synced before the kill) changed across the hard kill (size and SHA-256 before: ` +
        `${JSON.stringify(was)})`,
    ).to.deep.equal(was)
    this.log(`✔ ${SYNCED}: ${was.bytes} bytes, sha256 ${was.sha256.slice(0, 16)}… unchanged`)
    const survived = JSON.stringify(after.get(UNSYNCED)) === JSON.stringify(before.get(UNSYNCED))
    this.log(`${UNSYNCED} (never synced; may be lost): ${survived ? 'survived' : 'lost or changed'}`)
  },
)

Then(
  "the box's kernel log since it started again shows no filesystem error",
  budget(CALL.quickProbe),
  async function (this: DiskWorld) {
    const log = await this.tasks.hardKill.kernelLog('box')
    if (!log || log.exitCode !== 0) {
      // Not a pass and not a failure: the check cannot be made on this runtime, and the report says so.
      const answer = log ? ` (logs exited ${log.exitCode}: ${errorText(log.stderr)})` : ''
      this.log(
        'Skipped: not possible on this runtime: it exposes no kernel log for its boxes, so whether ext4 ' +
          `reported errors after the kill cannot be checked${answer}`,
      )
      return 'skipped'
    }
    const errors = log.stdout.split('\n').filter((line) => says('filesystem-error', line))
    expect(errors, `the box's kernel log shows ext4 errors after the hard kill:\n${errors.join('\n')}`).to.deep.equal(
      [],
    )
    this.log(
      `✔ no "EXT4-fs error" in ${log.stdout.split('\n').filter(Boolean).length} kernel log lines of the box's disk ` +
        `since it started again`,
    )
    return undefined
  },
)

Given(
  'the time one box takes to start in this home',
  budget(2 * (CALL.createBox + CALL.forceRemove)),
  async function (this: DiskWorld) {
    if (!this.tasks.interruptedStarts.supported) {
      this.log(
        'Skipped: this driver cannot kill a start by its pid or list every box (the sdk driver runs starts in-process)',
      )
      return 'skipped'
    }
    this.outcomes.record('timed start', 'home', await this.tasks.interruptedStarts.timeAStart())
    return undefined
  },
)

When(
  'starts are killed outright at {int} points from {percent} to {percent} of that time',
  budget((points: number) => points * CALL.createBox),
  async function (this: DiskWorld, points: number, from: number, to: number) {
    expect(points, `at most ${KILLS_AT_MOST - SIGNS.length} starts are killed at points of a start`).to.be.at.most(
      KILLS_AT_MOST - SIGNS.length,
    )
    const step = points > 1 ? (to - from) / (points - 1) : 0
    const fractions = Array.from({ length: points }, (_, i) => from + i * step)
    const timed = this.outcomes.get('timed start', 'home')
    const earlier = this.outcomes.all('killed starts', 'home').flat()
    const kills = await this.tasks.interruptedStarts.killAtPoints(timed, earlier, fractions)
    this.outcomes.record('killed starts', 'home', kills)
  },
)

When(
  "starts are killed outright as the box directory, the disk file and the box's first process appear",
  budget(SIGNS.length * CALL.createBox),
  async function (this: DiskWorld) {
    const timed = this.outcomes.get('timed start', 'home')
    const earlier = this.outcomes.all('killed starts', 'home').flat()
    const kills = await this.tasks.interruptedStarts.killAsSignsShow(timed, earlier, SIGNS)
    this.outcomes.record('killed starts', 'home', kills)
  },
)

When(
  'every box the runtime lists, stopped ones included, is force-removed',
  budget(CALL.quickProbe + KILLS_AT_MOST * CALL.forceRemove),
  async function (this: DiskWorld) {
    const listed = await this.tasks.interruptedStarts.removeWhatIsListed()
    this.log(`"list -a" showed ${listed.length} box(es): ${listed.map((b) => b.id).join(', ') || 'none'}`)
  },
)

When(
  'a box is started from an image that does not exist and one from an image whose index file is corrupt',
  budget(2 * CALL.createBox),
  async function (this: DiskWorld) {
    if (!this.tasks.interruptedStarts.supported) {
      this.log('Skipped: this driver cannot list every box (the sdk driver has no list -a)')
      return 'skipped'
    }
    this.outcomes.record('bad-image starts', 'home', await this.tasks.interruptedStarts.startFromBadImages())
    return undefined
  },
)

Then(
  'both starts fail with an error and the runtime lists no box, stopped ones included',
  budget(CALL.quickProbe + 6 * CALL.forceRemove),
  async function (this: DiskWorld) {
    const starts = this.outcomes.get('bad-image starts', 'home')
    for (const r of starts) {
      expect(r.exitCode, `a start from a bad image did not fail: ${r.command}`).to.not.equal(0)
      expect(r.stderr.trim(), `a start from a bad image failed without saying why: ${r.command}`).to.not.equal('')
      this.log(`✔ the start was refused (exit ${r.exitCode}), saying: ${r.stderr.trim().split('\n')[0]}`)
    }
    const listed = await this.tasks.interruptedStarts.removeWhatIsListed()
    expect(
      listed.map((b) => b.id),
      'boxes "list -a" shows after starts that failed',
    ).to.deep.equal([])
    const n = starts.length
    this.log(`${OUTCOME_PREFIX}${n === 2 ? 'both' : `all ${n}`} starts refused with an error; the runtime lists no box`)
  },
)

Then(
  'no process, mount, loop device or box directory is left under the home within {duration}',
  budget((window: number) => window),
  async function (this: DiskWorld, window: number) {
    const left = await this.tasks.interruptedStarts.remains(window)
    expect(
      left.length,
      `left behind under the home ${window} s after the listed boxes were removed:\n${left.join('\n')}`,
    ).to.equal(0)
    this.log('✔ nothing of those boxes is left under the home')
  },
)

Given(
  'the box has written a {int} KiB file and was stopped',
  budget(CALL.probe + CALL.quickProbe + CALL.fingerprint + CALL.stop),
  async function (this: DiskWorld, kib: number) {
    this.outcomes.record('file before the tear', 'box', await this.tasks.tornDisk.writeAndStop('box', kib))
  },
)

When(
  'its disk file is cut to {percent} of its length on the host',
  budget(0),
  function (this: DiskWorld, fraction: number) {
    this.tasks.tornDisk.tear('box', fraction)
  },
)

When(
  'the box is started again, given at most {duration}',
  budget((window: number) => window),
  async function (this: DiskWorld, window: number) {
    this.outcomes.record('start on the torn disk', 'box', await this.tasks.tornDisk.startAgain('box', window))
  },
)

Then(
  'the start ended within {duration}, either with the box serving commands again within {duration} and its disk ' +
    'rebuilt, or failing with an error that names the disk',
  budget((_: number, serving: number) => servingBudget(serving) + CALL.fingerprint),
  async function (this: DiskWorld, window: number, serving: number) {
    const start = this.outcomes.get('start on the torn disk', 'box')
    const said = `${start.stdout}\n${start.stderr}`.trim()
    expect(start.timedOut, `the start on a torn disk did not end within ${window} s (it hangs)`).to.equal(false)
    if (start.exitCode === 0) {
      expectSays('disk-rebuilt', said, 'the box started on its torn disk without saying the disk was rebuilt')
      await expectServing(this, 'box', serving)
      const was = this.outcomes.find('file before the tear', 'box')
      const now = await this.tasks.tornDisk.keepsakeNow('box')
      const kept = JSON.stringify([...now.values()]) === JSON.stringify([...(was?.values() ?? [])])
      this.log(
        `the runtime REBUILT the torn disk and the box serves again ` +
          `(its file written before the tear: ${kept ? 'kept' : 'gone'}); ` +
          `it said: ${firstLineSaying('disk-rebuilt', said)}`,
      )
      // One of the two correct outcomes, named for the summary's reader.
      this.log(`${OUTCOME_PREFIX}rebuilt from its image, data ${kept ? 'kept' : 'lost'}, runtime said so`)
    } else {
      const named = expectSays('disk-damaged', said, 'the start on a torn disk failed without naming the disk')
      expect(says('stack-trace', said), `the start on a torn disk failed with a stack trace:\n${said}`).to.equal(false)
      this.log(`the runtime REFUSED to start the torn disk (exit ${start.exitCode}): ${named}`)
      this.log(`${OUTCOME_PREFIX}refused to start, naming the disk`)
    }
  },
)

Then(
  'force-removing the box succeeds and leaves nothing of it in the home within {duration}',
  budget((window: number) => CALL.forceRemove + window),
  async function (this: DiskWorld, window: number) {
    const { removal, left } = await this.tasks.tornDisk.removeAndLook('box', window)
    this.calls.examine(removal)
    expect(removal.exitCode, `rm -f of the box with the torn disk failed: ${removal.stderr.trim()}`).to.equal(0)
    expect(left.length, `left behind under the home ${window} s after rm -f:\n${left.join('\n')}`).to.equal(0)
    this.log('✔ rm -f removed the box and nothing of it is left under the home')
  },
)
