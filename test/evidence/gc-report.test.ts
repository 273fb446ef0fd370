import { expect } from 'chai'
import { describe, it } from 'node:test'
import { parseGcReport } from '../../src/evidence/gc-report'
import { GiB, MiB } from '../../src/evidence/units'

describe('parseGcReport', () => {
  it("reads PR #647's line, real and dry run", () => {
    const real = parseGcReport(
      'Reclaimed 268.0 MiB total (0 orphan box dir(s), 1 orphan base(s), 2 orphan image disk(s))\n',
    )
    expect(real).to.deep.include({ dryRun: false, bytes: 268 * MiB, boxDirs: 0, bases: 1, imageDisks: 2 })
    const dry = parseGcReport(
      'WARN something\nWould reclaim 1.50 GiB total (3 orphan box dir(s), 0 orphan base(s), 0 orphan image disk(s))\n' +
        '(dry run — nothing deleted; re-run without --dry-run to apply)\n',
    )
    expect(dry).to.deep.include({ dryRun: true, bytes: 1.5 * GiB, boxDirs: 3, bases: 0, imageDisks: 0 })
  })

  it('accepts other units and wordings, and leaves unstated counts undefined', () => {
    expect(parseGcReport('reclaimed 4096 bytes: 1 image disk')).to.deep.include({ bytes: 4096, imageDisks: 1 })
    expect(parseGcReport('Reclaimed 2 MB total')?.bases).to.equal(undefined)
    expect(parseGcReport('Reclaimed 2 MB total')?.bytes).to.equal(2_000_000)
  })

  it('finds nothing in output that does not say it', () => {
    expect(parseGcReport('')).to.equal(undefined)
    expect(parseGcReport('Error: unsupported: gc')).to.equal(undefined)
  })
})
