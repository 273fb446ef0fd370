'use strict'
/**
 * Where the suite's package lives and where it may write. The suite runs from a git checkout (its
 * developers) or from an installed package (`npx boxlite-disk-spec`, possibly read-only, possibly
 * inside another project's checkout): files it makes for itself, such as refbox's offline image, go
 * into the checkout only when it is one and writable, else into a per-user cache outside it.
 */
const { accessSync, constants, existsSync, readFileSync } = require('node:fs')
const { homedir } = require('node:os')
const { join, resolve } = require('node:path')

const PACKAGE_ROOT = resolve(__dirname, '..')

/**
 * The module that teaches Node the suite's TypeScript (ts-node, as tsconfig.json's "ts-node" block sets it up):
 * programs started as children register it first. Resolved here, so that it is the package's own ts-node
 * whatever directory the child starts in.
 */
const TS_LOADER = require.resolve('ts-node/register')

/**
 * ts-node's settings for a suite run from any directory (bin/boxlite-disk-spec sets them before it loads
 * TypeScript; children inherit them): the package's tsconfig.json, not whatever one the caller's directory
 * has (or none), and its files compiled although an installed package lives under node_modules, which
 * ts-node otherwise leaves alone.
 */
function tsNodeEnv(root = PACKAGE_ROOT) {
  return { TS_NODE_PROJECT: join(root, 'tsconfig.json'), TS_NODE_SKIP_IGNORE: 'true' }
}

/** The package's own version (package.json), e.g. "0.1.0". */
function packageVersion(root = PACKAGE_ROOT) {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
}

/** A git checkout of the suite itself: its own .git, not one of a project it is installed in. */
function isCheckout(root = PACKAGE_ROOT) {
  return existsSync(join(root, '.git'))
}

function writable(dir) {
  try {
    accessSync(dir, constants.W_OK)
    return true
  } catch {
    return false
  }
}

/** $XDG_CACHE_HOME/boxlite-disk-spec/<version> (default ~/.cache/...). */
function cacheDirectory(env = process.env, root = PACKAGE_ROOT) {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.trim() ? env.XDG_CACHE_HOME : join(homedir(), '.cache')
  return join(resolve(base), 'boxlite-disk-spec', packageVersion(root))
}

/** REFBOX_IMAGE_DIR, else .refbox-image in a writable checkout, else the cache's refbox-image. */
function refboxImageDirectory(env = process.env, root = PACKAGE_ROOT) {
  if (env.REFBOX_IMAGE_DIR && env.REFBOX_IMAGE_DIR.trim()) return resolve(env.REFBOX_IMAGE_DIR)
  if (isCheckout(root) && writable(root)) return join(root, '.refbox-image')
  return join(cacheDirectory(env, root), 'refbox-image')
}

module.exports = {
  PACKAGE_ROOT,
  TS_LOADER,
  tsNodeEnv,
  packageVersion,
  isCheckout,
  cacheDirectory,
  refboxImageDirectory,
}
