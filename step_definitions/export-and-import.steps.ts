/**
 * features/export-and-import.feature: a box written to an archive and imported again comes back whole in a new box
 * of its own, and a damaged archive makes no box. Assertions: see ./common/judge.ts.
 */
import { Given, Then, When } from '@cucumber/cucumber'
import { expect } from 'chai'
import { says } from '../src/evidence/vocabulary'
import type { FileKinds } from '../src/guest/file-kinds'
import { named } from '../support/parts/boxes'
import { budget } from '../support/step-budget'
import { ARCHIVE_CALL, type Export } from '../support/tasks/export-and-import'
import { CALL } from '../support/timeouts'
import type { DiskWorld } from '../support/world'

/** Roles are single words: a box's name is made from its role. */
const TWO_IMPORTS = ['import-1', 'import-2'] as const
const EXPORT = CALL.stop + CALL.quickProbe + ARCHIVE_CALL.export

Given(
  'a running box holding a text file, a 1 MiB binary file, files of mode 750 and 600 and a symbolic link',
  budget(CALL.createBox + CALL.probe + 2 * CALL.quickProbe),
  async function (this: DiskWorld) {
    await this.boxes.start('box')
    this.outcomes.record('files before the export', 'box', await this.tasks.archives.writeFileKinds('box'))
  },
)

When(
  'the box is exported while it runs and the archive is imported',
  budget(EXPORT + ARCHIVE_CALL.import),
  async function (this: DiskWorld) {
    const exported = this.outcomes.record(
      'export',
      'box',
      await this.tasks.archives.export('box', 'running', 'judged-later'),
    )
    if (exported.archive !== undefined)
      this.outcomes.record('import', 'imported', await this.tasks.archives.import(exported.archive, 'imported'))
  },
)

When(
  'the box is stopped and exported, and the archive is imported twice',
  budget(EXPORT + 2 * ARCHIVE_CALL.import),
  async function (this: DiskWorld) {
    const exported = this.outcomes.record(
      'export',
      'box',
      await this.tasks.archives.export('box', 'stopped', 'judged-later'),
    )
    if (exported.archive === undefined) return
    for (const role of TWO_IMPORTS)
      this.outcomes.record('import', role, await this.tasks.archives.import(exported.archive, role))
  },
)

Then('the imported box is a new box, and it is stopped', budget(CALL.quickProbe), async function (this: DiskWorld) {
  expectImported(this, 'imported')
  const { status, record } = await this.boxes.status('imported')
  expect(status, `the imported box is not stopped before it is started:\n${record.stdout}${record.stderr}`).to.equal(
    'stopped',
  )
  this.log(`✔ the imported box ${this.boxes.get('imported').id} is new and stopped`)
})

Then(
  "the imported box's disk on the host names no backing file",
  budget(CALL.quickProbe),
  async function (this: DiskWorld) {
    const chain = await this.tasks.baseDisks.chain('imported')
    expect(
      chain.map((image) => image.path),
      "the imported box's disk still reads from another file on the host (its backing chain, top first)",
    ).to.have.lengthOf(1)
    this.log(`✔ ${chain[0].path}: ${chain[0].format}, no backing file`)
  },
)

When('the imported box is started', budget(CALL.start), async function (this: DiskWorld) {
  // An import that made no box leaves nothing to start: the Then step reports the import.
  if (this.outcomes.find('import', 'imported')?.id === undefined) return
  this.outcomes.record('start after the import', 'imported', await this.tasks.archives.start('imported'))
})

Then(
  'the imported box holds the same files, modes and symbolic link',
  budget(CALL.quickProbe),
  async function (this: DiskWorld) {
    await expectSameFileKinds(this, 'imported')
  },
)

When('both imported boxes are started', budget(2 * CALL.start), async function (this: DiskWorld) {
  for (const role of TWO_IMPORTS) {
    // An import that made no box leaves nothing to start: the Then step reports the import.
    if (this.outcomes.find('import', role)?.id === undefined) continue
    this.outcomes.record('start after the import', role, await this.tasks.archives.start(role))
  }
})

Then(
  'both imported boxes hold the same files, modes and symbolic link',
  budget(2 * CALL.quickProbe),
  async function (this: DiskWorld) {
    const ids = TWO_IMPORTS.map((role) => expectImported(this, role))
    expect(ids[0], 'both imports of the archive gave the same box').to.not.equal(ids[1])
    for (const role of TWO_IMPORTS) await expectSameFileKinds(this, role)
  },
)

When('each imported box writes a file of its own', budget(2 * CALL.quickProbe), async function (this: DiskWorld) {
  for (const role of TWO_IMPORTS) await this.tasks.archives.writeOwnFile(role)
})

Then(
  'neither imported box sees the file the other wrote',
  budget(2 * CALL.quickProbe),
  async function (this: DiskWorld) {
    for (const role of TWO_IMPORTS) {
      const others = TWO_IMPORTS.filter((r) => r !== role)
      const seen = await this.tasks.archives.ownFilesSeen(role, others)
      expect(seen, `${named(role)} sees what the other import wrote: their disks are shared`).to.deep.equal([])
    }
    this.log('✔ each imported box sees only its own file')
  },
)

Then(
  'the imported box holds everything the box wrote, byte for byte',
  budget(CALL.fingerprint),
  async function (this: DiskWorld) {
    expectImported(this, 'imported')
    const start = this.outcomes.get('start after the import', 'imported')
    expect(start.exitCode, `the imported box did not start:\n${start.stderr}`).to.equal(0)
    const before = this.outcomes.get('fingerprints before the stop', 'box')
    const now = await this.tasks.recovery.fingerprintsNow('imported', before)
    for (const [path, was] of before) {
      expect(now.get(path), `${path} is not in the imported box as the box held it`).to.deep.equal(was)
      const held = was === 'missing' ? 'missing' : `${was.bytes} bytes, sha256 ${was.sha256.slice(0, 16)}…`
      this.log(`✔ ${path}: ${held}`)
    }
  },
)

Given(
  'a running box that was exported to an archive',
  budget(CALL.createBox + CALL.quickProbe + ARCHIVE_CALL.export),
  async function (this: DiskWorld) {
    await this.boxes.start('box')
    this.outcomes.record('export', 'box', await this.tasks.archives.export('box', 'running', 'must-succeed'))
  },
)

When(
  'damaged copies of the archive are imported: a changed disk byte, no manifest, version 6, a backing file',
  budget(4 * ARCHIVE_CALL.hostTool + 8 * ARCHIVE_CALL.hostTool + 4 * ARCHIVE_CALL.import + 2 * CALL.quickProbe),
  async function (this: DiskWorld) {
    const good = this.outcomes.get('export', 'box')
    this.outcomes.record('damaged imports', 'home', await this.tasks.archives.importDamaged(good))
  },
)

Then('each import fails and names no new box', function (this: DiskWorld) {
  for (const { damage, record, id } of this.outcomes.get('damaged imports', 'home').attempts) {
    this.calls.examine(record)
    expect(
      record.exitCode,
      `the archive with ${damage} was imported (box ${id ?? '?'}):\n${record.stdout}`,
    ).to.not.equal(0)
    expect(id, `the refused import of the archive with ${damage} still named a box`).to.equal(undefined)
    expect(
      says('stack-trace', record.stderr),
      `the import of the archive with ${damage} crashed instead of refusing it:\n${record.stderr}`,
    ).to.equal(false)
    this.log(`✔ ${damage}: refused (exit ${record.exitCode}): ${record.stderr.trim().split('\n').at(-1) ?? ''}`)
  }
})

Then('the runtime lists the same boxes as before the imports', function (this: DiskWorld) {
  const { listed } = this.outcomes.get('damaged imports', 'home')
  expect(listed.after, 'the runtime lists other boxes after the refused imports than before them').to.deep.equal(
    listed.before,
  )
  this.log(`✔ ${listed.after.length} box(es) listed before and after`)
})

Then('the home holds no new box directory', function (this: DiskWorld) {
  const { boxDirs, boxesDir } = this.outcomes.get('damaged imports', 'home')
  const added = boxDirs.after.filter((entry) => !boxDirs.before.includes(entry))
  expect(added, `the refused imports left new entries in ${boxesDir}`).to.deep.equal([])
  this.log(`✔ ${boxesDir}: no new entry`)
})

/** The import of `role` succeeded and gave a box other than the exported one; returns its id. */
function expectImported(world: DiskWorld, role: string): string {
  const exported: Export = world.outcomes.get('export', 'box')
  expect(exported.record.exitCode, `the export of the box failed:\n${exported.record.stderr}`).to.equal(0)
  expect(exported.archive, 'the export named no archive').to.be.a('string')
  const { record, id } = world.outcomes.get('import', role)
  expect(record.exitCode, `the import as ${named(role)} failed:\n${record.stderr}`).to.equal(0)
  expect(id, `the import as ${named(role)} named no box`).to.be.a('string')
  expect(id, `the import as ${named(role)} gave the exported box's own id`).to.not.equal(exported.sourceId)
  return id as string
}

/** The box started and holds the file kinds as the exported box held them. */
async function expectSameFileKinds(world: DiskWorld, role: string): Promise<void> {
  const start = world.outcomes.get('start after the import', role)
  expect(start.exitCode, `${named(role)} did not start:\n${start.stderr}`).to.equal(0)
  const was: FileKinds = world.outcomes.get('files before the export', 'box')
  const now = await world.tasks.archives.fileKinds(role)
  expect(now.text, `the text file in ${named(role)} differs`).to.equal(was.text)
  expect(now.binary, `the 1 MiB binary file in ${named(role)} differs (size and SHA-256)`).to.deep.equal(was.binary)
  expect(now.modes, `file modes in ${named(role)} differ`).to.deep.equal(was.modes)
  expect(now.link, `the symbolic link in ${named(role)} is gone or points elsewhere`).to.equal(was.link)
  expect(now.throughLink, `the text read through the link in ${named(role)} differs`).to.equal(was.throughLink)
  const binary =
    was.binary === 'missing' ? 'missing' : `${was.binary.bytes} bytes, sha256 ${was.binary.sha256.slice(0, 16)}…`
  world.log(
    `✔ ${named(role)}: text, binary (${binary}), modes ${JSON.stringify(was.modes)}, link -> ${was.link}: the same`,
  )
}
