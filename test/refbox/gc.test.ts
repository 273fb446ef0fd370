/**
 * refbox gc (src/refbox/gc.ts), PR #647's sweep: on a home laid out by hand (qcow2 chains made with qemu-img, no box
 * running), what it deletes, what it keeps and why, its report, and each gc defect's harm; then the CLI's two lines.
 */
import { expect } from 'chai'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import type { Ctx } from '../../src/refbox/box'
import { Defects } from '../../src/refbox/defects'
import { collectGarbage, formatGcReport, humanBytes } from '../../src/refbox/gc'
import { HomePaths } from '../../src/refbox/home'
import { Variants } from '../../src/refbox/variants'
import { freshHome, refbox, refboxOk } from './helpers'

const MiB = 1024 * 1024
const HOUR_AGO = (Date.now() - 3600_000) / 1000

/** Three boxes' worth of a home: what each name stands for is said where it is made. */
class Home {
  readonly paths: HomePaths
  constructor(readonly dir: string) {
    this.paths = new HomePaths(dir)
  }
  image(name: string, bytes = MiB): string {
    const path = join(this.dir, 'images', 'disk-images', name)
    mkdirSync(join(path, '..'), { recursive: true })
    writeFileSync(path, '')
    truncateSync(path, bytes)
    return path
  }
  /** A qcow2 backed by `backing` (raw for .ext4, qcow2 otherwise). */
  qcow2(path: string, backing: string): string {
    mkdirSync(join(path, '..'), { recursive: true })
    const fmt = backing.endsWith('.ext4') ? 'raw' : 'qcow2'
    const r = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', fmt, '-b', backing, path, String(MiB)])
    expect(r.status, r.stderr.toString()).to.equal(0)
    return path
  }
  box(id: string, opts: { record: boolean; base?: string }): string {
    const dir = join(this.dir, 'boxes', id)
    mkdirSync(join(dir, 'disks'), { recursive: true })
    if (opts.record) writeFileSync(join(dir, 'state.json'), JSON.stringify({ id, baseDisk: opts.base ?? '' }))
    return dir
  }
  file(rel: string, text = 'not a disk\n'): string {
    const path = join(this.dir, rel)
    mkdirSync(join(path, '..'), { recursive: true })
    writeFileSync(path, text)
    return path
  }
  /** Everything under the home modified an hour ago, except `fresh`: as if the home had sat for an hour. */
  ageAll(fresh: readonly string[] = []): void {
    const walk = (p: string) => {
      if (fresh.includes(p)) return
      const r = spawnSync('find', [p, '-depth', '-print0'], { encoding: 'utf8' })
      for (const f of r.stdout.split('\0').filter(Boolean)) if (!fresh.includes(f)) utimesSync(f, HOUR_AGO, HOUR_AGO)
    }
    walk(this.dir)
  }
}

const ctxOf = (home: Home, defects = ''): Ctx => ({
  paths: home.paths,
  defects: Defects.parse(defects),
  variants: Variants.none(),
})

describe('refbox gc (PR #647 sweep)', () => {
  let home: Home
  /** Named files of the layout below. */
  let f: Record<string, string>

  beforeEach(() => {
    home = new Home(freshHome('gc'))
    const h = home
    f = {}
    // A plain box: disk -> image `plain`.
    f.plain = h.image('plain.ext4', 2 * MiB)
    f.plainBox = h.box('PlainBox0001', { record: true, base: f.plain })
    f.plainDisk = h.qcow2(join(f.plainBox, 'disks', 'disk.qcow2'), f.plain)
    // A box with a snapshot: disk -> snapshots/s1 -> image `deep`; its record names `deep` too.
    f.deep = h.image('deep.ext4', 3 * MiB)
    f.snapBox = h.box('SnapBox00001', { record: true, base: f.deep })
    f.snapLayer = h.qcow2(join(f.snapBox, 'snapshots', 's1', 'disk.qcow2'), f.deep)
    f.snapDisk = h.qcow2(join(f.snapBox, 'disks', 'disk.qcow2'), f.snapLayer)
    // A clone: disk -> bases/clone.qcow2 -> image `cloned`; its record names nothing (only its chain pins).
    f.cloned = h.image('cloned.ext4', 4 * MiB)
    f.base = h.qcow2(join(h.dir, 'bases', 'clone.qcow2'), f.cloned)
    f.cloneBox = h.box('CloneBox0001', { record: true })
    f.cloneDisk = h.qcow2(join(f.cloneBox, 'disks', 'disk.qcow2'), f.base)
    // An orphan box directory (no record) whose overlay backs onto image `stale`: both go.
    f.stale = h.image('stale.ext4', 5 * MiB)
    f.orphanBox = h.box('OrphanBox001', { record: false })
    h.qcow2(join(f.orphanBox, 'disks', 'disk.qcow2'), f.stale)
    // An orphan base and an unused image.
    f.unused = h.image('unused.ext4', 6 * MiB)
    f.orphanBase = h.qcow2(join(h.dir, 'bases', 'orphan.qcow2'), f.unused)
    // Foreign files, and what gc never sweeps.
    f.note = h.file('images/disk-images/README.txt')
    f.partial = h.file('images/disk-images/new.ext4.tmp-123')
    f.baseNote = h.file('bases/notes.txt')
    f.layer = h.file('images/layers/sha256-abc.tar')
    f.log = h.file('logs/runtime.log')
    f.tmp = h.file('tmp/unpack-1/x')
    f.anon = h.file('volumes/anonymous/01ABC/data')
    f.notABox = h.file('boxes/.deleting-x/disks/disk.qcow2')
  })
  afterEach(() => rmSync(home.dir, { recursive: true, force: true }))

  const gone = (...names: string[]) => names.filter((n) => existsSync(f[n]))
  const kept = (...names: string[]) => names.filter((n) => !existsSync(f[n]))
  const SURVIVORS = ['plain', 'plainDisk', 'deep', 'snapLayer', 'snapDisk', 'cloned', 'base', 'cloneDisk']
  const FOREIGN = ['note', 'partial', 'baseNote', 'layer', 'log', 'tmp', 'anon', 'notABox']

  it('deletes the aged orphans only, orphan box directories first, and a second run reclaims nothing', () => {
    home.ageAll()
    const r = collectGarbage(ctxOf(home), false)
    expect(gone('orphanBox', 'stale', 'orphanBase', 'unused')).to.deep.equal([])
    expect(kept(...SURVIVORS, ...FOREIGN)).to.deep.equal([])
    expect(r.boxDirs.count).to.equal(1)
    expect(r.bases.count).to.equal(1)
    expect(r.images.count).to.equal(2)
    expect(r.images.bytes).to.equal(11 * MiB)
    expect(formatGcReport(r)).to.match(
      /^Reclaimed 11\.\d MiB total \(1 orphan box dir\(s\), 1 orphan base\(s\), 2 orphan image disk\(s\)\)\n$/,
    )
    const again = collectGarbage(ctxOf(home), false)
    expect(formatGcReport(again)).to.equal(
      'Reclaimed 0.0 MiB total (0 orphan box dir(s), 0 orphan base(s), 0 orphan image disk(s))\n',
    )
  })

  it('a dry run reports the same and deletes nothing', () => {
    home.ageAll()
    const dry = collectGarbage(ctxOf(home), true)
    expect(kept('orphanBox', 'stale', 'orphanBase', 'unused', ...SURVIVORS, ...FOREIGN)).to.deep.equal([])
    const text = formatGcReport(dry)
    expect(text.split('\n')[0]).to.match(/^Would reclaim 11\.\d MiB total \(1 orphan box dir\(s\), 1 orphan base/)
    expect(text.split('\n')[1]).to.equal('(dry run — nothing deleted; re-run without --dry-run to apply)')
    const real = collectGarbage(ctxOf(home), false)
    expect(real.paths).to.deep.equal(dry.paths)
  })

  it('keeps whatever was modified within the last 10 minutes, referenced or not', () => {
    home.ageAll([f.orphanBox, f.unused])
    const r = collectGarbage(ctxOf(home), false)
    expect(kept('orphanBox', 'unused')).to.deep.equal([])
    // The young orphan box directory still pins its image; the aged orphan base goes.
    expect(kept('stale')).to.deep.equal([])
    expect(gone('orphanBase')).to.deep.equal([])
    expect(r.boxDirs.count).to.equal(0)
  })

  it('keeps a base the clone records name, and the image below it', () => {
    rmSync(f.cloneBox, { recursive: true })
    home.file('bases/clone.refs.json', JSON.stringify({ source: 'CloneBox0001', boxes: [], bases: [] }))
    home.ageAll()
    collectGarbage(ctxOf(home), false)
    expect(kept('base', 'cloned')).to.deep.equal([])
  })

  it('gc-ignores-age: deletes a young unreferenced image', () => {
    home.ageAll([f.unused])
    collectGarbage(ctxOf(home, 'gc-ignores-age'), false)
    expect(existsSync(f.unused)).to.equal(false)
  })

  it('gc-deletes-referenced: the images below a snapshot and a clone base go, a plain box keeps its own', () => {
    home.ageAll()
    collectGarbage(ctxOf(home, 'gc-deletes-referenced'), false)
    expect(existsSync(f.deep)).to.equal(false)
    expect(existsSync(f.cloned)).to.equal(false)
    expect(kept('plain', 'base', 'snapLayer')).to.deep.equal([])
  })

  it('gc-dry-run-deletes: the dry run deletes what it reports', () => {
    home.ageAll()
    const r = collectGarbage(ctxOf(home, 'gc-dry-run-deletes'), true)
    expect(r.dryRun).to.equal(true)
    expect(existsSync(f.unused)).to.equal(false)
  })

  it('gc-sweeps-foreign: aged foreign files in bases/ and disk-images/ go, the rest of the home stays', () => {
    home.ageAll()
    collectGarbage(ctxOf(home, 'gc-sweeps-foreign'), false)
    expect(existsSync(f.note) || existsSync(f.partial) || existsSync(f.baseNote)).to.equal(false)
    expect(kept('layer', 'log', 'tmp', 'anon', ...SURVIVORS)).to.deep.equal([])
  })

  it('says sizes as PR #647 does: MiB with one decimal, GiB with two from 1 GiB on', () => {
    expect(humanBytes(0)).to.equal('0.0 MiB')
    expect(humanBytes(1536 * 1024)).to.equal('1.5 MiB')
    expect(humanBytes(1024 ** 3 - 1)).to.equal('1024.0 MiB')
    expect(humanBytes(1.5 * 1024 ** 3)).to.equal('1.50 GiB')
  })
})

describe('refbox gc on the command line', () => {
  let dir: string
  beforeEach(() => (dir = freshHome('gc-cli')))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('is in the help the cli driver reads, and prints its lines', async () => {
    expect(await refboxOk(dir, ['--help'])).to.match(/^\s+gc \[--dry-run\]/m)
    const h = new Home(dir)
    const image = h.image('aged.ext4', 3 * MiB)
    utimesSync(image, HOUR_AGO, HOUR_AGO)
    expect(await refboxOk(dir, ['gc', '--dry-run'])).to.equal(
      'Would reclaim 3.0 MiB total (0 orphan box dir(s), 0 orphan base(s), 1 orphan image disk(s))\n' +
        '(dry run — nothing deleted; re-run without --dry-run to apply)\n',
    )
    expect(existsSync(image)).to.equal(true)
    expect(await refboxOk(dir, ['gc'])).to.equal(
      'Reclaimed 3.0 MiB total (0 orphan box dir(s), 0 orphan base(s), 1 orphan image disk(s))\n',
    )
    expect(existsSync(image)).to.equal(false)
    const bad = await refbox(dir, ['gc', 'extra'])
    expect(bad.code).to.equal(2)
    expect(bad.stderr).to.include("unexpected argument 'extra'")
    expect(readFileSync(join(dir, '.lock'), 'utf8')).to.equal('')
  })
})
