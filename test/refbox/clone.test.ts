/**
 * refbox clone on BoxLite's layout: bases/<nanoid8>.qcow2 shared by the source and its clones, freeze-and-copy for
 * a running source, the clone dependency rules of rm, the base deleted with its last holder (cascading), and each
 * clone defect breaking what it claims to. The after hook checks that nothing is left on the host.
 */
import { expect } from 'chai'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, afterEach, before, describe, it } from 'node:test'
import { destroyHome, freshHome, refbox, refboxOk, runBox, sh } from './helpers'

interface Refs {
  source: string
  boxes: string[]
  bases: string[]
  parent?: string
}

const backingOf = (qcow2: string): string | undefined =>
  (
    JSON.parse(spawnSync('qemu-img', ['info', '-U', '--output=json', qcow2], { encoding: 'utf8' }).stdout) as {
      'backing-filename'?: string
    }
  )['backing-filename']

describe('refbox clone', () => {
  let home: string
  before(() => {
    home = freshHome('clone')
  })
  afterEach(async () => {
    // Every test starts from an empty home (the base count is part of what they check).
    expect(await destroyHome(home)).to.deep.equal([])
    home = freshHome('clone')
  })
  after(async () => {
    expect(await destroyHome(home)).to.deep.equal([])
  })

  const disk = (id: string) => join(home, 'boxes', id, 'disks', 'disk.qcow2')
  /** The base disks of the home (their record, bases/refs.json, aside). */
  const bases = () =>
    existsSync(join(home, 'bases')) ? readdirSync(join(home, 'bases')).filter((f) => f.endsWith('.qcow2')) : []
  const allRefs = () => JSON.parse(readFileSync(join(home, 'bases', 'refs.json'), 'utf8')) as Record<string, Refs>
  const refsOf = (base: string): Refs => allRefs()[base]
  const cat = async (id: string, path: string) => (await sh(home, id, `cat ${path}`)).stdout
  const stoppedSourceWithFile = async (extra: string[] = []) => {
    const src = await runBox(home, extra)
    await refboxOk(home, ['exec', src, '--', 'sh', '-c', 'echo before > /f && sync'])
    await refboxOk(home, ['stop', src])
    return src
  }
  const clone = async (src: string, extra: string[] = [], env: Record<string, string> = {}) =>
    (await refboxOk(home, ['clone', ...extra, src], { env })).trim()

  it("forks a stopped box's disk into bases/ under the source and the clone, and copies its options", async () => {
    const src = await stoppedSourceWithFile(['--memory', '256', '--disk-size', '1'])
    const id = await clone(src, ['--name', 'c1'])
    expect(id).to.match(/^[0-9A-Za-z]{12}$/)
    const [base, ...more] = bases()
    expect(more).to.deep.equal([])
    expect(base).to.match(/^[A-Za-z0-9]{8}\.qcow2$/)
    expect(backingOf(disk(src))).to.equal(join(home, 'bases', base))
    expect(backingOf(disk(id))).to.equal(join(home, 'bases', base))
    expect(refsOf(base)).to.deep.equal({ source: src, boxes: [src, id], bases: [] })
    const [info] = JSON.parse(await refboxOk(home, ['inspect', id])) as Array<{ Name: string; Status: string }>
    expect([info.Name, info.Status]).to.deep.equal(['c1', 'stopped'])
    const options = ['image', 'rootfs', 'command', 'memoryMib', 'cpus', 'diskSizeGb', 'virtualSize', 'baseDisk']
    const pick = (box: string) => {
      const state = JSON.parse(readFileSync(join(home, 'boxes', box, 'state.json'), 'utf8')) as Record<string, unknown>
      return Object.fromEntries(options.map((k) => [k, state[k]]))
    }
    expect(pick(id)).to.deep.equal(pick(src))
    // Isolated both ways.
    expect(await cat(id, '/f')).to.equal('before\n')
    await refboxOk(home, ['exec', src, '--', 'sh', '-c', 'echo s > /s && sync'])
    await refboxOk(home, ['exec', id, '--', 'sh', '-c', 'echo c > /c && sync'])
    expect((await sh(home, id, 'ls /s')).code).to.not.equal(0)
    expect((await sh(home, src, 'ls /c')).code).to.not.equal(0)
  })

  it("copies a running box's frozen disk: unsynced writes before the clone are in, later ones are not", async () => {
    const src = await runBox(home)
    await refboxOk(home, ['exec', src, '--', 'sh', '-c', 'echo before > /f; echo unsynced > /u'])
    const id = await clone(src)
    const [base] = bases()
    expect(backingOf(disk(src))).to.not.equal(join(home, 'bases', base)) // the running disk stays where it was
    expect(refsOf(base)).to.deep.equal({ source: src, boxes: [id], bases: [] })
    await refboxOk(home, ['exec', src, '--', 'sh', '-c', 'echo after > /a && sync'])
    await refboxOk(home, ['stop', src])
    expect(await cat(id, '/f /u')).to.equal('before\nunsynced\n')
    expect((await sh(home, id, 'ls /a')).code).to.not.equal(0)
    expect(await cat(src, '/f /a')).to.equal('before\nafter\n')
  })

  it('refuses a box that never started, a name in use and a missing box, in BoxLite words', async () => {
    const src = await stoppedSourceWithFile(['--name', 'taken'])
    const unstarted = (await refboxOk(home, ['create', '--rootfs', await rootfsOf(src), 'true'])).trim()
    const never = await refbox(home, ['clone', unstarted])
    expect(never.code).to.equal(1)
    expect(never.stderr).to.include(`Error: storage error: Container disk not found at ${disk(unstarted)}`)
    const dup = await refbox(home, ['clone', '--name', 'taken', src])
    expect(dup.code).to.equal(1)
    expect(dup.stderr).to.include('already exists: box name taken')
    const missing = await refbox(home, ['clone', 'nosuchbox'])
    expect(missing.stderr).to.include('box not found: nosuchbox')
    expect(bases()).to.deep.equal([])
    expect(await cat(src, '/f')).to.equal('before\n')
  })

  async function rootfsOf(id: string): Promise<string> {
    const state = JSON.parse(readFileSync(join(home, 'boxes', id, 'state.json'), 'utf8')) as { rootfs: string }
    return state.rootfs
  }

  it('refuses rm of a cloned box naming its clones; rm -f keeps them; the last holder takes the base', async () => {
    const src = await stoppedSourceWithFile()
    const a = await clone(src)
    const b = await clone(src)
    const plain = await refbox(home, ['rm', src])
    expect(plain.code).to.equal(1)
    expect(plain.stderr).to.match(
      new RegExp(
        String.raw`invalid state: Cannot remove box: boxes \[(${a}, ${b}|${b}, ${a})\] have clone dependencies ` +
          String.raw`on it\. Remove those first or use force=true\.`,
      ),
    )
    expect(existsSync(disk(src))).to.equal(true)
    await refboxOk(home, ['rm', '-f', src])
    expect(await cat(a, '/f')).to.equal('before\n')
    await refboxOk(home, ['rm', '-f', a])
    expect(await cat(b, '/f')).to.equal('before\n')
    expect(bases()).to.have.length(2) // one per clone operation, each made from the source's disk of the time
    await refboxOk(home, ['rm', '-f', b])
    expect(bases()).to.deep.equal([])
    expect(allRefs()).to.deep.equal({})
  })

  it("gives the clone the source's host directories and a fresh sized volume of its own", async () => {
    const dir = join(home, 'shared')
    mkdirSync(dir)
    const src = await runBox(home, ['-v', `${dir}:/hd`, '-v', '/sz:size=32M'])
    await refboxOk(home, ['exec', src, '--', 'sh', '-c', 'echo s > /sz/s && echo h > /hd/h && sync'])
    await refboxOk(home, ['stop', src])
    const id = await clone(src)
    expect(await cat(id, '/hd/h')).to.equal('h\n')
    expect((await sh(home, id, 'ls /sz/s')).code).to.not.equal(0) // its own, empty
    await refboxOk(home, ['rm', '-f', src])
    expect(existsSync(join(home, 'boxes', id, 'volumes', 'uservol1.img'))).to.equal(true)
    expect((await sh(home, id, 'touch /sz/c && ls /sz/c')).code).to.equal(0)
  })

  it('cascades: a clone of a clone backs onto the first base, and both go with their last holders', async () => {
    const src = await stoppedSourceWithFile()
    const a = await clone(src)
    await refboxOk(home, ['exec', a, '--', 'sh', '-c', 'echo from-a > /a && sync'])
    await refboxOk(home, ['stop', a])
    const aa = await clone(a)
    const byParent = bases().map((f) => [f, refsOf(f)] as const)
    const child = byParent.find(([, r]) => r.source === a)
    const parent = byParent.find(([, r]) => r.source === src)
    expect(child?.[1].parent).to.equal(parent?.[0])
    expect(parent?.[1].bases).to.deep.equal([child?.[0]])
    expect(await cat(aa, '/f /a')).to.equal('before\nfrom-a\n')
    for (const id of [src, a]) await refboxOk(home, ['rm', '-f', id])
    expect(await cat(aa, '/f /a')).to.equal('before\nfrom-a\n')
    await refboxOk(home, ['rm', '-f', aa])
    expect(bases()).to.deep.equal([])
  })

  describe('defects', () => {
    const defect = (name: string) => ({ REFBOX_DEFECTS: name })

    it("clone-shares-live-disk: the clone backs onto the source's disk and sees its later writes", async () => {
      const src = await stoppedSourceWithFile()
      const id = await clone(src, [], defect('clone-shares-live-disk'))
      expect(backingOf(disk(id))).to.equal(disk(src))
      await refboxOk(home, ['exec', src, '--', 'sh', '-c', 'echo s > /s && sync'])
      await refboxOk(home, ['stop', src])
      expect(await cat(id, '/s')).to.equal('s\n')
    })

    it("live-clone-renames: a running box's later writes reach its clone", async () => {
      const src = await runBox(home)
      const id = await clone(src, [], defect('live-clone-renames'))
      await refboxOk(home, ['exec', src, '--', 'sh', '-c', 'echo after > /a && sync'])
      await refboxOk(home, ['stop', src])
      expect(await cat(id, '/a')).to.equal('after\n')
    })

    it('rm-ignores-clones: a plain rm removes a cloned box', async () => {
      const src = await stoppedSourceWithFile()
      await clone(src)
      await refboxOk(home, ['rm', src], { env: defect('rm-ignores-clones') })
    })

    // Their disks have lost what they back onto: refbox rebuilds such a disk from the image at start, so the data goes.
    it("force-rm-deletes-base and clone-rm-deletes-base: the other boxes lose the source's data", async () => {
      const src = await stoppedSourceWithFile()
      const a = await clone(src)
      const b = await clone(src)
      await refboxOk(home, ['rm', '-f', a], { env: defect('clone-rm-deletes-base') })
      expect((await sh(home, b, 'cat /f')).stdout).to.not.equal('before\n')
      const src2 = await stoppedSourceWithFile()
      const c = await clone(src2)
      await refboxOk(home, ['rm', '-f', src2], { env: defect('force-rm-deletes-base') })
      expect((await sh(home, c, 'cat /f')).stdout).to.not.equal('before\n')
    })

    it('base-outlives-last-clone: the base stays once no box uses it', async () => {
      const src = await stoppedSourceWithFile()
      const a = await clone(src)
      for (const id of [src, a]) await refboxOk(home, ['rm', '-f', id], { env: defect('base-outlives-last-clone') })
      expect(bases()).to.have.length(1)
    })
  })
})
