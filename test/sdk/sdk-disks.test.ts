/**
 * The sdk driver's calls for every disk beyond the rootfs (issue 23): snapshots, clone, export/import,
 * unforced removal and host-path volumes, against the scripted runtime (scripted-runtime.ts) that says what
 * @boxlite-ai/boxlite 0.10.0 says. Each call succeeds as the CLI dialect would print it, and each refusal
 * comes back as a failed record in the runtime's words (exit 1, `Error: <message>`), never a rejection.
 * No KVM, no boot: what a real boot shows is for a host that can boot BoxLite.
 */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { SdkDriver } from '../../src/drivers/sdk'
import type { BoxSpec, CommandRecord } from '../../src/drivers/types'
import { RUNTIME_SAYS, scripted } from './scripted-runtime'

let homes = 0
const T = { timeoutSeconds: 5 }
const SPEC: BoxSpec = { image: 'alpine:latest', command: ['sleep', '600'] }

function driverWith(capabilities?: ConstructorParameters<typeof SdkDriver>[0]['capabilities']) {
  const { factory, runtimes } = scripted()
  const driver = new SdkDriver({ home: `/scripted/disks-${++homes}`, runtime: factory, capabilities })
  return { driver, runtime: () => runtimes[0] }
}

/** A driver with one booted box. */
async function withBox(name = 'src') {
  const made = driverWith()
  const { id } = await made.driver.create({ ...SPEC, name }, T)
  return { ...made, id }
}

function refused(record: CommandRecord, message: string): void {
  assert.equal(record.exitCode, 1, record.command)
  assert.equal(record.stderr, `Error: ${message}\n`, record.command)
  assert.equal(record.timedOut, false)
}

test('the sdk driver has snapshots, clone, export and volumes; not sized volumes, not gc', async () => {
  assert.deepEqual([...(await driverWith().driver.capabilities(T))].sort(), ['clone', 'export', 'snapshots', 'volumes'])
  const adjusted = driverWith({ raw: '+gc,-clone', add: ['gc'], remove: ['clone'] }).driver
  assert.deepEqual([...(await adjusted.capabilities(T))].sort(), ['export', 'gc', 'snapshots', 'volumes'])
  assert.deepEqual([...(await driverWith({ raw: 'none', replace: [] }).driver.capabilities(T))], [])
})

test('host-path volumes reach the runtime as {hostPath, guestPath, readOnly} and show as -v in the record', async () => {
  const { driver, runtime } = driverWith()
  const { record } = await driver.create(
    {
      ...SPEC,
      volumes: [
        { hostPath: '/srv/data', guestPath: '/data' },
        { hostPath: '/srv/ro', guestPath: '/ro', readOnly: true },
      ],
    },
    T,
  )
  const [box] = runtime().boxes.values()
  assert.deepEqual(box.options.volumes, [
    { hostPath: '/srv/data', guestPath: '/data' },
    { hostPath: '/srv/ro', guestPath: '/ro', readOnly: true },
  ])
  assert.match(record.command, / -v \/srv\/data:\/data -v \/srv\/ro:\/ro:ro /)
  await driver.close()
})

test('an anonymous or sized volume is refused before the runtime is asked: the SDK has neither', async () => {
  const { driver, runtime } = driverWith()
  await assert.rejects(driver.create({ ...SPEC, volumes: [{ guestPath: '/cache' }] }, T), {
    message:
      'the embedded runtime has no anonymous volumes (/cache): give a host path, or use the cli driver (-v /BOX)',
  })
  await assert.rejects(driver.create({ ...SPEC, volumes: [{ guestPath: '/big', sizeBytes: 64 << 20 }] }, T), {
    message: "the embedded runtime has no sized volumes (/big): only BoxLite's CLI may (-v PATH:size=N)",
  })
  assert.equal(runtime(), undefined, 'no runtime was made, so no box either')
})

test('snapshot create and list: the name printed, the list with unix-second times; refusals in the runtime words', async () => {
  const { driver, id, runtime } = await withBox()
  const made = await driver.snapshotCreate(id, 'v1', T)
  assert.deepEqual([made.exitCode, made.stdout, made.stderr], [0, 'v1\n', ''])
  assert.equal(made.command, `boxlite-sdk --home ${driver.home} snapshot create ${id} v1`)
  await driver.snapshotCreate(id, 'v2', T)
  const listed = await driver.snapshotList(id, T)
  assert.equal(listed.record.exitCode, 0)
  assert.deepEqual(
    listed.snapshots.map((s) => s.name),
    ['v1', 'v2'],
  )
  assert.deepEqual(listed.snapshots[0], {
    name: 'v1',
    createdAt: 1_790_000_000,
    containerDiskBytes: 2 ** 30,
    sizeBytes: 196_608,
  })
  assert.ok(Number.isInteger(listed.snapshots[0].createdAt), 'unix seconds, as JsSnapshotInfo gives them')
  refused(await driver.snapshotCreate(id, 'v1', T), RUNTIME_SAYS.snapshotExists('v1', id))
  refused(await driver.snapshotCreate(id, '', T), RUNTIME_SAYS.snapshotNameEmpty)
  const missing = await driver.snapshotList('nope', T)
  assert.deepEqual(missing.snapshots, [])
  refused(missing.record, 'No such box: nope')
  // A box never started has no disk to snapshot.
  const configured = await runtime().create({ image: 'alpine:latest' }, 'cold')
  refused(await driver.snapshotCreate(configured.id, 'v1', T), RUNTIME_SAYS.noDisk(driver.home, configured.id))
  await driver.close()
})

test('snapshot restore only on a stopped box, on a fresh handle; remove refuses the layer the disk sits on', async () => {
  const { driver, id, runtime } = await withBox()
  await driver.snapshotCreate(id, 'v1', T)
  await driver.snapshotCreate(id, 'v2', T)
  refused(await driver.snapshotRestore(id, 'v1', T), RUNTIME_SAYS.restoreRunning)
  const kept = await runtime().get(id)
  assert.ok(kept)
  assert.equal((await driver.stop(id, T)).exitCode, 0)
  await assert.rejects(
    kept.snapshot.restore('v1'),
    { message: RUNTIME_SAYS.deadHandle },
    'the script kills old handles',
  )
  const restored = await driver.snapshotRestore(id, 'v1', T)
  assert.deepEqual([restored.exitCode, restored.stderr], [0, ''])
  assert.equal(restored.command, `boxlite-sdk --home ${driver.home} snapshot restore ${id} v1`)
  refused(await driver.snapshotRestore(id, 'v9', T), RUNTIME_SAYS.snapshotMissing('v9', id))
  refused(await driver.snapshotRemove(id, 'v1', T), RUNTIME_SAYS.snapshotInUse)
  const removed = await driver.snapshotRemove(id, 'v2', T)
  assert.deepEqual([removed.exitCode, removed.command], [0, `boxlite-sdk --home ${driver.home} snapshot rm ${id} v2`])
  refused(await driver.snapshotRemove(id, 'v2', T), RUNTIME_SAYS.snapshotMissing('v2', id))
  assert.deepEqual(
    (await driver.snapshotList(id, T)).snapshots.map((s) => s.name),
    ['v1'],
  )
  assert.deepEqual(
    runtime().events.filter((e) => e.startsWith('snapshot')),
    [`snapshot create ${id} v1`, `snapshot create ${id} v2`, `snapshot restore ${id} v1`, `snapshot remove ${id} v2`],
  )
  await driver.close()
})

test('clone: a new stopped box; the source cannot be removed unforced while the clone depends on it', async () => {
  const { driver, id, runtime } = await withBox()
  const cloned = await driver.clone(id, 'copy', T)
  assert.equal(cloned.record.exitCode, 0)
  assert.ok(cloned.id && cloned.id !== id, 'a new id')
  assert.equal(cloned.record.stdout, `${cloned.id}\n`)
  assert.equal(cloned.record.command, `boxlite-sdk --home ${driver.home} clone --name copy ${id}`)
  assert.equal((await driver.status(cloned.id, T)).status, 'stopped')
  const taken = await driver.clone(id, 'copy', T)
  assert.equal(taken.id, undefined)
  refused(taken.record, RUNTIME_SAYS.nameTaken('copy'))
  const blocked = await driver.removeUnforced(id, T)
  refused(blocked, RUNTIME_SAYS.cloneDependencies([cloned.id]))
  assert.equal(blocked.command, `boxlite-sdk --home ${driver.home} rm ${id}`, 'no -f')
  assert.equal((await driver.removeUnforced(cloned.id, T)).exitCode, 0)
  assert.equal((await driver.removeUnforced(id, T)).exitCode, 0, 'no dependant left')
  assert.equal(runtime().boxes.size, 0)
  const cold = await runtime().create({ image: 'alpine:latest' }, 'cold')
  refused((await driver.clone(cold.id, undefined, T)).record, RUNTIME_SAYS.noDisk(driver.home, cold.id))
  await driver.close()
})

test('export then import: the archive path the runtime reports, a new stopped box; a missing archive makes no box', async () => {
  const { driver, id, runtime } = await withBox('web')
  const exported = await driver.exportBox(id, '/tmp/out', T)
  assert.deepEqual([exported.record.exitCode, exported.archive], [0, '/tmp/out/web.boxlite'])
  assert.equal(exported.record.command, `boxlite-sdk --home ${driver.home} export ${id} /tmp/out`)
  const imported = await driver.importBox('/tmp/out/web.boxlite', 'web2', T)
  assert.equal(imported.record.exitCode, 0)
  assert.ok(imported.id && imported.id !== id)
  assert.equal((await driver.status(imported.id, T)).status, 'stopped')
  const before = runtime().boxes.size
  const bad = await driver.importBox('/tmp/out/none.boxlite', undefined, T)
  assert.equal(bad.id, undefined)
  refused(bad.record, RUNTIME_SAYS.archiveMissing('/tmp/out/none.boxlite'))
  assert.equal(runtime().boxes.size, before, 'no box was created')
  const cold = await runtime().create({ image: 'alpine:latest' }, 'cold')
  const refusedExport = await driver.exportBox(cold.id, '/tmp/out', T)
  assert.equal(refusedExport.archive, undefined)
  refused(refusedExport.record, RUNTIME_SAYS.noDisk(driver.home, cold.id))
  await runtime().remove(cold.id, true)
  await driver.close()
  assert.equal(runtime().boxes.size, 0, 'close() removed the source and the imported box')
})

test('close() removes the clones and imports the driver made, forcing past clone dependencies', async () => {
  const { driver, id, runtime } = await withBox()
  const cloned = await driver.clone(id, undefined, T)
  const exported = await driver.exportBox(id, '/tmp/x', T)
  await driver.importBox(exported.archive ?? '', undefined, T)
  assert.ok(cloned.id)
  assert.equal(runtime().boxes.size, 3)
  await driver.close()
  assert.equal(runtime().boxes.size, 0)
})

test('listAll lists every box of the home, clones and unnamed ones included', async () => {
  const { driver, id } = await withBox('listed')
  const clone = await driver.clone(id, undefined, T)
  const { boxes, record } = await driver.listAll(T)
  assert.equal(record.exitCode, 0, record.stderr)
  assert.deepEqual(
    boxes.map((b) => b.name),
    ['listed', ''],
  )
  assert.deepEqual(
    boxes.map((b) => b.id),
    [id, clone.id],
  )
})
