/**
 * Clone bases, as BoxLite keeps them: `<home>/bases/<nanoid8>.qcow2`, the disk a clone operation froze, which
 * the source's new disk and every clone's disk back onto. Who holds each base is kept beside them, in
 * `<home>/bases/refs.json` (BoxLite: the `base_disk` and `base_disk_ref` tables of its database):
 *
 *     {"<name>.qcow2": {"source": "<id of the box that was cloned>", "boxes": ["<ids whose disk backs onto it>"],
 *                       "bases": ["<names of bases made on top of it>"], "parent": "<the base below it, if any>"}}
 *
 * A base lives while anything holds it: removing its last holder deletes it, and then drops it from its
 * parent, which may go in turn (BoxLite's `try_gc_base`, cascading). A base never backs onto a box's own
 * files (its snapshots): clone flattens those layers into it, so no box's removal can break another's chain.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { HomePaths } from './home'

export interface BaseRefs {
  readonly source: string
  readonly boxes: readonly string[]
  readonly bases: readonly string[]
  readonly parent?: string
}

/** A base of the home: its file name (`<nanoid8>.qcow2`), path and holders. */
export interface Base {
  readonly name: string
  readonly path: string
  readonly refs: BaseRefs
}

const BASE_FILE = /^[A-Za-z0-9]{8}\.qcow2$/
const NANOID = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export function basesDir(paths: HomePaths): string {
  return join(paths.home, 'bases')
}

/** A fresh base file name in the home, as BoxLite's 8-character nanoid. */
export function newBaseName(paths: HomePaths): string {
  for (;;) {
    const name = `${[...randomBytes(8)].map((b) => NANOID[b % NANOID.length]).join('')}.qcow2`
    if (!existsSync(join(basesDir(paths), name))) return name
  }
}

/** One record for every base of the home, keyed by base file name (BoxLite keeps one table for them). */
const refsFile = (paths: HomePaths) => join(basesDir(paths), 'refs.json')

function readAll(paths: HomePaths): Record<string, BaseRefs> {
  try {
    return JSON.parse(readFileSync(refsFile(paths), 'utf8')) as Record<string, BaseRefs>
  } catch {
    return {} // no record yet
  }
}

function writeAll(paths: HomePaths, all: Record<string, BaseRefs>): void {
  mkdirSync(basesDir(paths), { recursive: true })
  const file = refsFile(paths)
  writeFileSync(`${file}.new`, `${JSON.stringify(all, null, 2)}\n`)
  renameSync(`${file}.new`, file)
}

export function writeRefs(paths: HomePaths, name: string, refs: BaseRefs): void {
  writeAll(paths, { ...readAll(paths), [name]: refs })
}

/** Drops a base's record (its file is the caller's). */
export function forgetBase(paths: HomePaths, name: string): void {
  const all = readAll(paths)
  delete all[name]
  writeAll(paths, all)
}

function readRefs(paths: HomePaths, name: string): BaseRefs | undefined {
  const refs = readAll(paths)[name] as Partial<BaseRefs> | undefined
  if (!refs) return undefined // a file nobody registered: never ours to delete
  return { source: refs.source ?? '', boxes: refs.boxes ?? [], bases: refs.bases ?? [], parent: refs.parent }
}

/** Every registered base of the home. */
export function listBases(paths: HomePaths): Base[] {
  return Object.keys(readAll(paths))
    .filter((name) => BASE_FILE.test(name))
    .flatMap((name) => {
      const refs = readRefs(paths, name)
      return refs ? [{ name, path: join(basesDir(paths), name), refs }] : []
    })
}

/** The base at `path`, if it is a registered base of the home. */
export function baseAt(paths: HomePaths, path: string): Base | undefined {
  return listBases(paths).find((b) => b.path === path)
}

/** Adds holders to a base's record. */
export function addHolders(paths: HomePaths, name: string, add: { boxes?: string[]; bases?: string[] }): void {
  const refs = readRefs(paths, name)
  if (!refs) return
  writeRefs(paths, name, {
    ...refs,
    boxes: [...new Set([...refs.boxes, ...(add.boxes ?? [])])],
    bases: [...new Set([...refs.bases, ...(add.bases ?? [])])],
  })
}

/** Boxes other than `id` that hold a base `id` is the source of: its clones (BoxLite's clone dependencies). */
export function cloneDependents(paths: HomePaths, id: string, exists: (id: string) => boolean): string[] {
  const ids = listBases(paths)
    .filter((b) => b.refs.source === id)
    .flatMap((b) => b.refs.boxes)
    .filter((holder) => holder !== id && exists(holder))
  return [...new Set(ids)]
}

/** Deletes a base and its record, then drops it from its parent (which goes too once nothing holds it). */
export function deleteBase(paths: HomePaths, base: Base, keepUnheld = false): void {
  rmSync(base.path, { force: true })
  forgetBase(paths, base.name)
  const parent = base.refs.parent
  if (parent === undefined) return
  const refs = readRefs(paths, parent)
  if (!refs) return
  const left = { ...refs, bases: refs.bases.filter((b) => b !== base.name) }
  writeRefs(paths, parent, left)
  if (!keepUnheld && left.boxes.length === 0 && left.bases.length === 0)
    deleteBase(paths, { name: parent, path: join(basesDir(paths), parent), refs: left })
}

/**
 * Drops box `id` from every base that lists it; each base nothing holds any more is deleted (cascading), unless
 * `keepUnheld` (the defect `base-outlives-last-clone`).
 */
export function releaseBox(paths: HomePaths, id: string, keepUnheld = false): void {
  for (const base of listBases(paths)) {
    if (!base.refs.boxes.includes(id)) continue
    const left = { ...base.refs, boxes: base.refs.boxes.filter((b) => b !== id) }
    writeRefs(paths, base.name, left)
    if (!keepUnheld && left.boxes.length === 0 && left.bases.length === 0)
      deleteBase(paths, { ...base, refs: left }, keepUnheld)
  }
}
