/**
 * refbox volumes (`-v`): the grammar, and on real boxes the mounts (host directory, read-only, anonymous, sized),
 * their release with the box's shim, what rm keeps and deletes, and the volume defects.
 */
import { expect } from 'chai'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parseVolumeSpec, parseVolumeSpecs, shimVolumeLines } from '../../src/refbox/volumes'
import { Defects } from '../../src/refbox/defects'
import { RefboxError } from '../../src/refbox/errors'
import { destroyHome, freshHome, refbox, refboxOk, runBox, sh, testImage } from './helpers'

const MiB = 1024 * 1024
const message = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    expect(e).to.be.instanceOf(RefboxError)
    return (e as Error).message
  }
  throw new Error('no error')
}

describe('refbox -v grammar', () => {
  it('reads host, anonymous and sized volumes with their options', () => {
    expect(parseVolumeSpec('/h/d:/data')).to.deep.equal({ guestPath: '/data', hostPath: '/h/d', readOnly: false })
    expect(parseVolumeSpec('/h/d:/data:ro')).to.deep.equal({ guestPath: '/data', hostPath: '/h/d', readOnly: true })
    expect(parseVolumeSpec('./d:/data/', '/w')).to.deep.equal({ guestPath: '/data', hostPath: '/w/d', readOnly: false })
    expect(parseVolumeSpec('/data')).to.deep.equal({ guestPath: '/data', readOnly: false, sizeBytes: undefined })
    expect(parseVolumeSpec('/data:ro').readOnly).to.equal(true)
    expect(parseVolumeSpec('/data:size=64M')).to.deep.equal({
      guestPath: '/data',
      readOnly: false,
      sizeBytes: 64 * MiB,
    })
    expect(parseVolumeSpec('/data:ro,size=1g')).to.deep.equal({
      guestPath: '/data',
      readOnly: true,
      sizeBytes: 1024 * MiB,
    })
    expect(parseVolumeSpec(`/d:size=${16 * MiB}`).sizeBytes).to.equal(16 * MiB)
  })

  it('refuses bad specs in one sentence naming the accepted form', () => {
    expect(message(() => parseVolumeSpec('data'))).to.match(/^invalid argument: volume box path must be absolute/)
    expect(message(() => parseVolumeSpec('/a:/b:ro:x'))).to.match(/^invalid argument: invalid volume spec/)
    expect(message(() => parseVolumeSpec('/d:size=15M'))).to.include('at least 16777216 bytes')
    expect(message(() => parseVolumeSpec('/d:size=1T'))).to.match(/invalid volume size '1T'/)
    expect(message(() => parseVolumeSpec('/d:sise=64M'))).to.include("unknown volume option 'sise=64M'")
    expect(message(() => parseVolumeSpec('/h:/d:size=64M'))).to.include('size= is only valid on anonymous volumes')
    expect(message(() => parseVolumeSpec('named:/d'))).to.match(/^unsupported: managed volume "named"/)
    expect(message(() => parseVolumeSpec('/h:/'))).to.include('must name a directory below /')
    expect(message(() => parseVolumeSpecs(['/a:/d', '/d']))).to.include('duplicate volume box path /d')
  })

  it('tells the shim each mount, with the defects that change it', () => {
    const vols = [
      { guestPath: '/d', hostPath: '/h', readOnly: true },
      { guestPath: '/s', readOnly: false, sizeBytes: 16 * MiB, image: '/i.img' },
    ]
    expect(shimVolumeLines(vols, Defects.none())).to.equal('bind\t1\t/h\t/d\nimage\t0\t/i.img\t/s')
    expect(shimVolumeLines(vols, Defects.parse('volume-ro-ignored'))).to.match(/^bind\t0\t/)
    expect(shimVolumeLines(vols, Defects.parse('volume-in-rootfs'))).to.match(/^dir\t1\t-\t\/d\n/)
  })
})

describe('refbox volumes on real boxes', () => {
  let home: string
  let scratch: string
  let hostDir: string
  const loopsOf = (path: string) => execFileSync('losetup', ['-a'], { encoding: 'utf8' }).includes(path)
  const mountsOf = (path: string) => readFileSync('/proc/self/mountinfo', 'utf8').includes(path)

  before(() => {
    home = freshHome('volumes')
    scratch = freshHome('volumes-host')
    hostDir = join(scratch, 'shared')
    mkdirSync(hostDir)
    writeFileSync(join(hostDir, 'from-host'), 'hello\n')
    testImage()
  })
  after(async () => {
    expect(await destroyHome(home)).to.deep.equal([])
    rmSync(scratch, { recursive: true, force: true })
  })

  it('mounts a host directory, a read-only view, an anonymous and a sized volume, and releases them', async () => {
    const id = await runBox(home, [
      '-v',
      `${hostDir}:/data`,
      '-v',
      `${hostDir}:/ro:ro`,
      '-v',
      '/anon',
      '-v',
      '/s:size=16M',
    ])
    const r = await sh(home, id, 'cat /data/from-host; echo box > /data/from-box; echo x > /ro/x; echo rc=$?; df -k /s')
    expect(r.stdout).to.include('hello').and.include('rc=1')
    expect(r.stderr).to.include('Read-only file system')
    expect(readFileSync(join(hostDir, 'from-box'), 'utf8')).to.equal('box\n')
    expect(existsSync(join(hostDir, 'x'))).to.equal(false)
    const image = join(home, 'boxes', id, 'volumes', 'uservol3.img')
    expect(statSync(image).size).to.equal(16 * MiB)
    const fill = await sh(home, id, 'dd if=/dev/zero of=/s/fill bs=1M count=32 2>&1; df -k / | tail -n 1')
    expect(fill.stdout).to.include('No space left on device')
    await refboxOk(home, ['stop', id])
    expect(loopsOf(image)).to.equal(false)
    expect(mountsOf(join(home, 'boxes', id))).to.equal(false)
    const [anon] = readdirSync(join(home, 'volumes', 'anonymous'))
    await refboxOk(home, ['start', id])
    await sh(home, id, 'echo kept > /anon/kept')
    await refboxOk(home, ['rm', '-f', id])
    expect(existsSync(join(home, 'boxes', id))).to.equal(false)
    expect(readFileSync(join(home, 'volumes', 'anonymous', anon, 'kept'), 'utf8')).to.equal('kept\n')
    expect(loopsOf(home)).to.equal(false)
  })

  it('refuses a box whose host path is gone at start, in BoxLite words', async () => {
    const gone = join(scratch, 'gone')
    mkdirSync(gone)
    const id = (await refboxOk(home, ['create', '-v', `${gone}:/g`, '--rootfs', testImage()])).trim()
    rmSync(gone, { recursive: true })
    const r = await refbox(home, ['start', id])
    expect(r.code).to.equal(1)
    expect(r.stderr).to.include(`configuration error: Volume host path does not exist: ${gone}`)
    await refboxOk(home, ['rm', '-f', id])
  })

  it('refuses to mount a volume through a symlink the box made on its path', async () => {
    const id = await runBox(home, ['-v', `${hostDir}:/v/x`])
    const r = await sh(home, id, 'umount /v/x && rm -r /v && ln -s /etc /v && sync; echo done=$?')
    expect(r.stdout).to.include('done=0')
    await refboxOk(home, ['stop', id])
    const start = await refbox(home, ['start', id])
    expect(start.code).to.equal(1)
    expect(start.stderr).to.include("cannot make the volume's box path /v/x")
    expect(existsSync('/etc/x')).to.equal(false)
    await refboxOk(home, ['rm', '-f', id])
  })

  it('records its defect sites: a box with volumes is created, started and removed', async () => {
    const log = join(scratch, 'sites.ndjson')
    const env = { env: { REFBOX_SITE_LOG: log } }
    const id = await runBox(home, ['-v', '/anon'], env)
    await refboxOk(home, ['rm', '-f', id], env)
    const sites = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { site: string }).site)
    expect(sites).to.include.members(['create-with-volumes', 'start-with-volumes', 'remove-box-with-volumes'])
    const plain = await runBox(home, [], { env: { REFBOX_SITE_LOG: join(scratch, 'plain.ndjson') } })
    await refboxOk(home, ['rm', '-f', plain])
    expect(readFileSync(join(scratch, 'plain.ndjson'), 'utf8')).to.not.match(/"site":"[^"]*volumes/)
  })

  it('defects: a read-only volume mounted read-write, and a volume that is only a directory in the rootfs', async () => {
    const ro = await runBox(home, ['-v', `${hostDir}:/ro:ro`], { env: { REFBOX_DEFECTS: 'volume-ro-ignored' } })
    expect((await sh(home, ro, 'echo w > /ro/written-through && echo ok')).stdout).to.equal('ok\n')
    expect(existsSync(join(hostDir, 'written-through'))).to.equal(true)
    const inRootfs = await runBox(home, ['-v', `${hostDir}:/data`], { env: { REFBOX_DEFECTS: 'volume-in-rootfs' } })
    expect((await sh(home, inRootfs, 'echo r > /data/in-rootfs && ls /data')).stdout).to.equal('in-rootfs\n')
    expect(existsSync(join(hostDir, 'in-rootfs'))).to.equal(false)
    await refboxOk(home, ['rm', '-f', ro, inRootfs])
  })

  it('defects: rm deletes the anonymous volume, and rm keeps the sized image', async () => {
    const env = { env: { REFBOX_DEFECTS: 'rm-deletes-anonymous-volume,sized-image-kept' } }
    const before = existsSync(join(home, 'volumes', 'anonymous')) ? readdirSync(join(home, 'volumes', 'anonymous')) : []
    const id = await runBox(home, ['-v', '/anon', '-v', '/s:size=16M'], env)
    const anon = readdirSync(join(home, 'volumes', 'anonymous')).filter((d) => !before.includes(d))
    expect(anon).to.have.length(1)
    await refboxOk(home, ['rm', '-f', id], env)
    expect(existsSync(join(home, 'volumes', 'anonymous', anon[0]))).to.equal(false)
    expect(existsSync(join(home, 'boxes', id, 'volumes', 'uservol1.img'))).to.equal(true)
    expect(loopsOf(home)).to.equal(false)
    rmSync(join(home, 'boxes', id), { recursive: true })
  })
})
