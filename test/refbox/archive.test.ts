/**
 * refbox export and import (src/refbox/archive.ts) on BoxLite's archive format: a zstd tar of manifest.json and a
 * standalone disk.qcow2; import's checks in BoxLite's order and words, with nothing left behind when it refuses;
 * and what each export/import defect breaks.
 */
import { expect } from 'chai'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { destroyHome, freshHome, refbox, refboxOk, runBox, sh } from './helpers'

const WRITE =
  'mkdir /d && echo hello > /d/t.txt && chmod 600 /d/t.txt && printf x > /d/x && chmod 750 /d/x && ' +
  'ln -s t.txt /d/link && sync'
const READ = 'stat -c "%a %n" /d/t.txt /d/x && readlink /d/link && cat /d/link'
const CONTENT = '600 /d/t.txt\n750 /d/x\nt.txt\nhello\n'

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')
const backingOf = (qcow2: string) =>
  (JSON.parse(run('qemu-img', ['info', '-U', '--output=json', qcow2])) as { 'backing-filename'?: string })[
    'backing-filename'
  ]

describe('refbox export and import', () => {
  let home: string
  let files: string
  let source: string
  let archive: string
  const goodDisk = () => join(files, 'good', 'disk.qcow2')
  const boxDirs = () => (existsSync(join(home, 'boxes')) ? readdirSync(join(home, 'boxes')).sort() : [])
  const tmpEntries = () => (existsSync(join(home, 'tmp')) ? readdirSync(join(home, 'tmp')) : [])
  /** A copy of the good archive's members, changed by `change`, packed again with zstd. */
  const damaged = (label: string, change: (dir: string) => void): string => {
    const dir = join(files, label)
    mkdirSync(dir)
    run('tar', ['-I', 'zstd -d -q', '-xf', archive, '-C', dir])
    change(dir)
    const path = join(files, `${label}.boxlite`)
    run('tar', ['-C', dir, '-I', 'zstd -3 -q', '-cf', path, ...readdirSync(dir).sort().reverse()])
    return path
  }

  before(async () => {
    home = freshHome('archive')
    files = mkdtempSync(join(tmpdir(), 'refbox-test-archives-'))
    source = await runBox(home, ['--name', 'src'])
    await refboxOk(home, ['exec', source, '--', 'sh', '-c', WRITE])
    archive = (await refboxOk(home, ['export', source, files])).trim()
  })
  after(async () => {
    rmSync(files, { recursive: true, force: true })
    expect(await destroyHome(home)).to.deep.equal([])
  })

  it('writes <name>.boxlite into a directory: zstd, manifest v3 with the disk checksum, a disk without backing', () => {
    expect(archive).to.equal(join(files, 'src.boxlite'))
    const head = Buffer.alloc(4)
    const fd = openSync(archive, 'r')
    readSync(fd, head, 0, 4, 0)
    closeSync(fd)
    expect(head.toString('hex')).to.equal('28b52ffd')
    expect(run('tar', ['-I', 'zstd -d -q', '-tf', archive]).trim().split('\n')).to.deep.equal([
      'manifest.json',
      'disk.qcow2',
    ])
    const dir = join(files, 'good')
    mkdirSync(dir)
    run('tar', ['-I', 'zstd -d -q', '-xf', archive, '-C', dir])
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>
    expect(manifest.version).to.equal(3)
    expect(manifest.box_name).to.equal('src')
    expect(manifest.container_disk_checksum).to.equal(sha256(join(dir, 'disk.qcow2')))
    expect(new Date(String(manifest.exported_at)).getTime()).to.be.greaterThan(0)
    expect(backingOf(join(dir, 'disk.qcow2'))).to.equal(undefined)
    expect(tmpEntries()).to.deep.equal([])
  })

  it('imports twice: two new stopped boxes with disks of their own and the same files; DEST verbatim', async () => {
    const a = (await refboxOk(home, ['import', '--name', 'a', archive])).trim()
    const b = (await refboxOk(home, ['import', archive])).trim()
    expect(new Set([source, a, b]).size).to.equal(3)
    for (const id of [a, b]) {
      expect((await refboxOk(home, ['inspect', '--format', '{{.State.Status}}', id])).trim()).to.equal('stopped')
      expect(backingOf(join(home, 'boxes', id, 'disks', 'disk.qcow2'))).to.equal(undefined)
    }
    expect(statSync(join(home, 'boxes', a, 'disks', 'disk.qcow2')).ino).to.not.equal(
      statSync(join(home, 'boxes', b, 'disks', 'disk.qcow2')).ino,
    )
    expect((await sh(home, a, READ)).stdout).to.equal(CONTENT)
    await refboxOk(home, ['exec', a, '--', 'sh', '-c', 'echo a > /only-a && sync'])
    expect((await sh(home, b, READ)).stdout).to.equal(CONTENT)
    expect((await sh(home, b, 'cat /only-a')).code).to.not.equal(0)
    // A stopped box exports the same way; a DEST that is not a directory is the archive's path.
    await refboxOk(home, ['stop', a])
    const before = sha256(join(home, 'boxes', a, 'disks', 'disk.qcow2'))
    const verbatim = join(files, 'named-by-caller.tar.zst')
    expect((await refboxOk(home, ['export', a, verbatim])).trim()).to.equal(verbatim)
    expect(sha256(join(home, 'boxes', a, 'disks', 'disk.qcow2'))).to.equal(before)
    for (const id of [a, b]) await refboxOk(home, ['rm', '-f', id])
  })

  it("refuses bad archives in BoxLite's words, and leaves nothing under boxes/ or tmp/", async () => {
    const bad: Array<[string, string]> = [
      [join(files, 'nowhere.boxlite'), `Error: box not found: Archive not found: ${join(files, 'nowhere.boxlite')}`],
      [
        damaged('no-manifest', (d) => rmSync(join(d, 'manifest.json'))),
        'Error: storage error: Invalid archive: manifest.json not found',
      ],
      [
        damaged('version-6', (d) => {
          const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Record<string, unknown>
          writeFileSync(join(d, 'manifest.json'), JSON.stringify({ ...m, version: 6 }))
        }),
        'Error: storage error: Unsupported archive version 6 (max supported: 5). Upgrade boxlite.',
      ],
      [
        damaged('no-disk', (d) => rmSync(join(d, 'disk.qcow2'))),
        'Error: storage error: Invalid archive: disk.qcow2 not found',
      ],
      [damaged('flipped', flipByte), 'Error: storage error: Container disk checksum mismatch: expected '],
      [
        damaged('backing', (d) => withBacking(d, goodDisk())),
        `Error: invalid state: Imported disk 'disk.qcow2' has backing file reference '${goodDisk()}'. ` +
          'This is not allowed for security reasons.',
      ],
    ]
    const dirs = boxDirs()
    for (const [path, said] of bad) {
      const r = await refbox(home, ['import', path])
      expect(r.code, path).to.equal(1)
      expect(r.stderr, path).to.include(said)
      expect(r.stdout).to.equal('')
    }
    expect(boxDirs()).to.deep.equal(dirs)
    expect(tmpEntries()).to.deep.equal([])
  })

  it('defects: each breaks export or import the way its description says', async () => {
    const env = (d: string) => ({ env: { REFBOX_DEFECTS: d } })
    const kept = (
      await refboxOk(home, ['export', source, join(files, 'kept.boxlite')], env('export-keeps-backing'))
    ).trim()
    const keptRefusal = await refbox(home, ['import', kept])
    expect(keptRefusal.stderr).to.include('has backing file reference')
    for (const [defect, lost] of [
      ['export-drops-symlinks', 't.txt\nhello\n'],
      ['export-loses-modes', '600 /d/t.txt\n750 /d/x\n'],
    ] as const) {
      const path = (await refboxOk(home, ['export', source, join(files, `${defect}.boxlite`)], env(defect))).trim()
      const id = (await refboxOk(home, ['import', path])).trim()
      const read = (await sh(home, id, READ)).stdout
      expect(read, defect).to.not.include(lost)
      await refboxOk(home, ['rm', '-f', id])
    }
    const dirs = boxDirs()
    const flipped = join(files, 'flipped.boxlite')
    const skipped = (await refboxOk(home, ['import', flipped], env('import-skips-checksum'))).trim()
    const trusted = (
      await refboxOk(home, ['import', join(files, 'backing.boxlite')], env('import-trusts-backing'))
    ).trim()
    expect(boxDirs()).to.deep.equal([...dirs, skipped, trusted].sort())
    for (const id of [skipped, trusted]) await refboxOk(home, ['rm', '-f', id])
    const half = await refbox(home, ['import', join(files, 'version-6.boxlite')], env('import-half-made-box'))
    expect(half.code).to.equal(1)
    expect(boxDirs()).to.have.lengthOf(dirs.length + 1)
    const shared = [
      (await refboxOk(home, ['import', archive], env('import-shares-disk'))).trim(),
      (await refboxOk(home, ['import', archive], env('import-shares-disk'))).trim(),
    ]
    const inodes = shared.map((id) => statSync(join(home, 'boxes', id, 'disks', 'disk.qcow2')).ino)
    expect(inodes[0]).to.equal(inodes[1])
  })
})

/** Inverts a byte in the middle of the disk. */
function flipByte(dir: string): void {
  const path = join(dir, 'disk.qcow2')
  const at = Math.floor(statSync(path).size / 2)
  const fd = openSync(path, 'r+')
  const b = Buffer.alloc(1)
  readSync(fd, b, 0, 1, at)
  b[0] ^= 0xff
  writeSync(fd, b, 0, 1, at)
  closeSync(fd)
}

/** Replaces the disk with a thin one over `base`, and gives the manifest its true checksum. */
function withBacking(dir: string, base: string): void {
  const disk = join(dir, 'disk.qcow2')
  rmSync(disk)
  run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, disk])
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, container_disk_checksum: sha256(disk) }))
}
