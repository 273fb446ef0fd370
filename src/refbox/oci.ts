/** OCI image layout: the few structures refbox reads (run --rootfs) and writes (build-image). */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { RefboxError } from './errors'

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerTar: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
  platform?: { architecture: string; os: string }
}

export interface ImageManifest {
  schemaVersion: 2
  mediaType?: string
  config: Descriptor
  layers: Descriptor[]
}

export interface LoadedImage {
  /** Hex of the manifest digest: names the cached base disk. */
  readonly manifestHex: string
  /** Layer blob paths, bottom first, digests verified. */
  readonly layers: readonly { path: string; mediaType: string }[]
}

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')

export const ociArch = (): string =>
  (({ x64: 'amd64', arm64: 'arm64' }) as Record<string, string>)[process.arch] ?? process.arch

function blobPath(layout: string, digest: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest)
  if (!m) throw new RefboxError(`images error: unsupported or malformed digest ${JSON.stringify(digest)} in ${layout}`)
  return join(layout, 'blobs', 'sha256', m[1])
}

function readBlob(layout: string, d: Descriptor): Buffer {
  const path = blobPath(layout, d.digest)
  if (!existsSync(path)) throw new RefboxError(`images error: blob ${d.digest} missing from ${layout}`)
  const data = readFileSync(path)
  if (`sha256:${sha256Hex(data)}` !== d.digest)
    throw new RefboxError(`images error: blob ${d.digest} in ${layout} does not match its digest`)
  return data
}

function parseJson<T>(data: Buffer | string, what: string): T {
  try {
    return JSON.parse(data.toString()) as T
  } catch (e) {
    throw new RefboxError(`images error: ${what} is not valid JSON: ${(e as Error).message}`)
  }
}

/** Reads a local OCI layout like BoxLite's `--rootfs`: the first manifest of index.json. */
export function loadLayout(layout: string): LoadedImage {
  const marker = join(layout, 'oci-layout')
  if (!existsSync(marker))
    throw new RefboxError(`images error: Local image must contain oci-layout file, not found at: ${marker}`)
  const indexFile = join(layout, 'index.json')
  if (!existsSync(indexFile))
    throw new RefboxError(`images error: Local image must contain index.json, not found at: ${indexFile}`)
  let desc = parseJson<{ manifests?: Descriptor[] }>(readFileSync(indexFile), indexFile).manifests?.[0]
  for (let depth = 0; desc && (desc.mediaType === MEDIA.index || desc.mediaType === MEDIA.dockerList); depth++) {
    if (depth > 3) throw new RefboxError(`images error: nested image indexes too deep in ${layout}`)
    const nested = parseJson<{ manifests?: Descriptor[] }>(readBlob(layout, desc), desc.digest).manifests ?? []
    desc = nested.find((m) => m.platform?.os === 'linux' && m.platform.architecture === ociArch())
    if (!desc) throw new RefboxError(`images error: no linux/${ociArch()} manifest in ${layout}`)
  }
  if (!desc) throw new RefboxError(`images error: index.json in ${layout} lists no manifest`)
  const manifest = parseJson<ImageManifest>(readBlob(layout, desc), desc.digest)
  if (!Array.isArray(manifest.layers)) throw new RefboxError(`images error: manifest ${desc.digest} has no layers`)
  const layers = manifest.layers.map((l) => {
    readBlob(layout, l) // verifies the digest
    return { path: blobPath(layout, l.digest), mediaType: l.mediaType }
  })
  return { manifestHex: desc.digest.slice('sha256:'.length), layers }
}
