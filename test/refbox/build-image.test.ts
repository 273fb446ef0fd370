/** build-image: an OCI layout that refbox (and BoxLite's --rootfs) can load, byte-identical per busybox. */
import { expect } from 'chai'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { after, describe, it } from 'node:test'
import { loadLayout } from '../../src/refbox/oci'
import { REFBOX } from './helpers'

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out[relative(dir, p)] = readFileSync(p).toString('base64')
    }
  }
  walk(dir)
  return out
}

describe('refbox build-image', () => {
  const work = mkdtempSync(join(tmpdir(), 'refbox-test-build-'))
  after(() => rmSync(work, { recursive: true, force: true }))

  it('builds a byte-identical layout from the same busybox', () => {
    for (const out of ['a', 'b']) {
      const r = spawnSync(REFBOX, ['build-image', '--out', join(work, out)], { encoding: 'utf8' })
      expect(r.status, r.stderr).to.equal(0)
    }
    const a = tree(join(work, 'a'))
    expect(Object.keys(a)).to.include.members(['oci-layout', 'index.json'])
    expect(a).to.deep.equal(tree(join(work, 'b')))
  })

  it('holds busybox, its applet links (not busybox itself), os-release, passwd and the base directories', () => {
    const image = loadLayout(join(work, 'a'))
    expect(image.layers).to.have.length(1)
    const list = spawnSync('tar', ['-tvzf', image.layers[0].path], { encoding: 'utf8' }).stdout
    expect(list).to.match(/^-rwxr-xr-x root\/root\s+\d+ 1970-01-01 00:00 bin\/busybox$/m)
    expect(list).to.match(/^lrwxrwxrwx .* bin\/sh -> \/bin\/busybox$/m)
    expect(list).not.to.match(/bin\/busybox -> /)
    for (const p of ['etc/os-release', 'etc/passwd', 'tmp/', 'proc/', 'dev/', 'root/']) expect(list).to.include(` ${p}`)
    const osRelease = spawnSync('tar', ['-xzOf', image.layers[0].path, 'etc/os-release'], { encoding: 'utf8' }).stdout
    expect(osRelease).to.match(/^ID=refbox-busybox$/m)
  })

  it('refuses to overwrite a non-empty directory that is not a layout', () => {
    const r = spawnSync(REFBOX, ['build-image', '--out', work], { encoding: 'utf8' })
    expect(r.status).to.equal(1)
    expect(r.stderr).to.include('not empty and not an OCI layout')
  })
})
