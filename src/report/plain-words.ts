/**
 * What a headline may say to a person: no host paths (they differ per run and machine) and no
 * 64-hex hashes (nobody compares them by eye). They are moved to the row's details, where an
 * engineer looks; the headline keeps the file's name and says "unchanged" or "changed".
 */

/**
 * An absolute path three or more parts deep, e.g. /tmp/x/home/boxes/1/disks/disk.qcow2: a host
 * path. Shorter ones (/etc/os-release, /fill) are the guest's files a reader may well want named.
 */
const HOST_PATH = /(^|[\s("'=])(\/(?:[\w.@+-]+\/){2,}[\w.@+-]*)/g
/** A sha256 (with its label) or any 64-hex run; shortened hashes with an ellipsis too. */
const HASH = /\b(?:sha256[:\s]\s*)?(?:[0-9a-f]{64}|[0-9a-f]{12,63}…)/gi

export interface PlainText {
  readonly text: string
  /** The paths and hashes taken out, for the details. */
  readonly details: readonly string[]
}

export function plainHeadline(said: string): PlainText {
  const details: string[] = []
  let text = said.replace(HASH, (hash) => {
    details.push(hash.trim())
    return ''
  })
  text = text.replace(HOST_PATH, (_all, before: string, path: string) => {
    details.push(path)
    const name = path.replace(/\/+$/, '').split('/').pop() ?? ''
    return `${before}${name}`
  })
  text = text
    .replace(/\(\s*\)/g, '')
    .replace(/\s+([,;:)])/g, '$1')
    .replace(/\s{2,}/g, ' ')
    .trim()
  return { text, details: [...new Set(details)] }
}

/** True when a text still holds a host path under /tmp/ or a 64-hex hash. */
// The report check (scripts/check-summary-html.ts) refuses the same in a headline cell.
export function hasHostDetail(text: string): boolean {
  return /\/tmp\//.test(text) || /[0-9a-f]{64}/i.test(text)
}
