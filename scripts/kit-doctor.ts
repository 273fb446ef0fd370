/**
 * `boxlite-disk-spec doctor`: can a run start on this host? One line per fact (Node, the KVM class,
 * the runtime's preflight boot, host tools, root, free space where boxes live, leftovers of killed
 * runs), then the verdict. Exit 0 only when a run can start.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { formatBytes, GiB } from '../src/evidence/units'
import { virtualizationHints } from '../src/preflight/kvm'
import type { PreflightVerdict } from '../src/preflight/probe'
import { findTool } from '../src/refbox/tools'
import { loadSettings, SettingError } from '../src/settings'
import { orphanedRunDirectories, SUITE_ROOT } from '../src/homes'
import { TS_LOADER } from '../support/package-home.cjs'

const ROOT = resolve(__dirname, '..')
/** Two 1 GiB fills side by side (--parallel 2) and the host-full scenario's 384 MiB home with its 1 GiB margin. */
export const NEEDED_FREE_BYTES = 4 * GiB
/** Host tools the scenarios that look at the host use with any runtime (disk checks, the host-full home, archives). */
const HOST_TOOLS: Readonly<Record<string, string>> = {
  'qemu-img': 'qemu-utils',
  'mkfs.ext4': 'e2fsprogs',
  losetup: 'mount',
  mount: 'mount',
  umount: 'mount',
  zstd: 'zstd',
}
const PREFLIGHT_LIMIT_MS = 300_000

/** What refbox needs on the host, and the Debian package of each (scripts/setup.sh installs them). */
export const SELF_TEST_TOOLS: Readonly<Record<string, string>> = {
  'qemu-storage-daemon': 'qemu-system-common',
  'qemu-img': 'qemu-utils',
  busybox: 'busybox-static',
  'mkfs.ext4': 'e2fsprogs',
  resize2fs: 'e2fsprogs',
  unshare: 'util-linux',
  setpriv: 'util-linux',
  findmnt: 'util-linux',
  losetup: 'mount',
  mount: 'mount',
  fusermount3: 'fuse3',
  zstd: 'zstd',
}

/** The Debian packages whose tools are missing, in one sentence, or undefined when all are there. */
export function missingSelfTestTools(find: (tool: string) => string | undefined = findTool): string | undefined {
  const missing = Object.keys(SELF_TEST_TOOLS).filter((t) => find(t) === undefined)
  if (missing.length === 0) return undefined
  const packages = [...new Set(missing.map((t) => SELF_TEST_TOOLS[t]))]
  return (
    `the self-test needs ${missing.join(', ')}, missing here: ` +
    `install the Debian package${packages.length > 1 ? 's' : ''} ` +
    `${packages.join(' ')} (apt-get install ${packages.join(' ')}, or scripts/setup.sh of the suite's repository).`
  )
}

interface Line {
  readonly name: string
  readonly text: string
  /** False when this fact alone keeps a run from starting. */
  readonly ok: boolean
}

export async function doctor(o: { env: NodeJS.ProcessEnv; selfTest: boolean }): Promise<number> {
  const lines: Line[] = []
  const say = (l: Line) => {
    lines.push(l)
    process.stdout.write(`${l.name}: ${l.text}\n`)
  }
  const [major, minor] = process.versions.node.split('.').map(Number)
  say({
    name: 'node',
    text: `${process.versions.node}${major > 20 || (major === 20 && minor >= 19) ? '' : ' (needs 20.19 or newer)'}`,
    ok: major > 20 || (major === 20 && minor >= 19),
  })
  if (o.selfTest) {
    say({ name: 'runtime', text: 'refbox, the bundled reference runtime (no KVM needed)', ok: true })
    say({
      name: 'kvm',
      text: existsSync('/dev/kvm')
        ? '/dev/kvm present (the self-test needs none; `doctor` without --self-test boots a box to say if it boots)'
        : 'no /dev/kvm: class no-kvm (the self-test needs none)',
      ok: true,
    })
    const missing = missingSelfTestTools()
    say({ name: 'tools', text: missing ?? 'everything refbox needs is installed', ok: !missing })
    const root = process.getuid?.() === 0
    say({
      name: 'user',
      text: root ? 'root' : 'not root: refbox mounts disks and makes loop devices (use sudo)',
      ok: root,
    })
  } else {
    const runtime = await preflight(o.env)
    say({ name: 'runtime', text: runtime.runtime, ok: runtime.usable })
    say({ name: 'kvm', text: kvmClass(runtime.verdict, existsSync('/dev/kvm')), ok: true })
    say({ name: 'preflight', text: preflightLine(runtime.verdict, runtime.error), ok: runtime.verdict?.ok === true })
    const missing = Object.keys(HOST_TOOLS).filter((t) => findTool(t) === undefined)
    const packages = [...new Set(missing.map((t) => HOST_TOOLS[t]))]
    say({
      name: 'tools',
      text: missing.length
        ? `${missing.join(', ')} missing (the scenarios that look at the host use them): ` +
          `apt-get install ${packages.join(' ')}`
        : `${Object.keys(HOST_TOOLS).join(', ')} present`,
      ok: missing.length === 0,
    })
    const root = process.getuid?.() === 0
    say({
      name: 'user',
      text: root
        ? 'root'
        : 'not root: the @host-full scenario mounts a filesystem of its own; add --tags "not @host-full"',
      ok: true,
    })
  }
  say(space())
  const orphans = orphanedRunDirectories()
  say({
    name: 'leftovers',
    text: orphans.length
      ? `${orphans.length} run${orphans.length > 1 ? 's' : ''} that were killed left boxes or homes ` +
        `in ${SUITE_ROOT}: ` +
        '`boxlite-disk-spec clean` removes them (a run also does at its start)'
      : 'none of killed runs',
    ok: true,
  })
  const blocking = lines.filter((l) => !l.ok)
  process.stdout.write(
    blocking.length === 0
      ? 'doctor: a run can start here.\n'
      : `doctor: a run cannot start here: fix ${blocking.map((l) => l.name).join(', ')} above.\n`,
  )
  return blocking.length === 0 ? 0 : 1
}

function space(): Line {
  let dir = SUITE_ROOT
  while (!existsSync(dir)) dir = resolve(dir, '..')
  const st = statfsSync(dir)
  const free = st.bavail * st.bsize
  return {
    name: 'space',
    text:
      `${formatBytes(free)} free where boxes will live ` +
      `(${SUITE_ROOT}; a run needs ${formatBytes(NEEDED_FREE_BYTES)}, TMPDIR moves it)`,
    ok: free >= NEEDED_FREE_BYTES,
  }
}

/**
 * The host's KVM class: no /dev/kvm, a /dev/kvm that cannot boot a guest, or one that boots. The
 * preflight's boot decides; when it failed for a cause that names no KVM fault (a boot timeout on
 * a busy host), what the host says of its virtualization (a paravirtual PVM, no nested VMX/SVM) does.
 */
export function kvmClass(
  verdict: PreflightVerdict | undefined,
  kvmExists: boolean,
  hints: readonly string[] = virtualizationHints(),
): string {
  if (!kvmExists) return 'no /dev/kvm: this host cannot boot BoxLite guests (class no-kvm)'
  const why = hints.map((h) => h.replace(/^host: /, '')).join('; ')
  switch (verdict?.hostClass) {
    case 'boots':
      return '/dev/kvm boots a guest (class boots)'
    case 'kvm-cannot-boot':
      return `/dev/kvm present but it cannot boot a guest${why ? ` (${why})` : ''} (class kvm-cannot-boot)`
    case 'no-kvm':
      return '/dev/kvm present but this user may not use it (class no-kvm)'
  }
  if (verdict?.ok)
    return `/dev/kvm present${why ? ` (${why})` : ''}; the binary under test booted its box (see preflight)`
  if (why) return `/dev/kvm present but it cannot boot a guest: ${why} (class kvm-cannot-boot)`
  return '/dev/kvm present; whether it boots a guest is not known (the probe failed for another cause, see preflight)'
}

function preflightLine(verdict: PreflightVerdict | undefined, error: string | undefined): string {
  if (error) return error
  if (!verdict) return 'did not finish'
  const seconds = (verdict.durationMs / 1000).toFixed(1)
  return verdict.ok
    ? `a box booted and ran a command (${seconds} s)`
    : `${verdict.sentence ?? 'failed'} (after ${seconds} s)`
}

/** The run's settings, and the preflight's verdict from scripts/preflight.ts as a child (as the plugin runs it). */
async function preflight(
  env: NodeJS.ProcessEnv,
): Promise<{ runtime: string; usable: boolean; verdict?: PreflightVerdict; error?: string }> {
  let runtime: string
  try {
    const config = loadSettings({}, env, process.cwd())
    runtime =
      config.driver.kind === 'sdk'
        ? 'the embedded BoxLite (@boxlite-ai/boxlite)'
        : `${config.driver.bin} (a boxlite-dialect binary)`
  } catch (e) {
    const sentence = e instanceof SettingError ? e.message : String(e)
    return { runtime: sentence, usable: false, error: 'not run: the settings above cannot be used' }
  }
  mkdirSync(SUITE_ROOT, { recursive: true })
  const dir = mkdtempSync(join(tmpdir(), 'boxlite-disk-spec-doctor-'))
  const verdictFile = join(dir, 'verdict.json')
  try {
    const child = spawn(
      process.execPath,
      ['--require', TS_LOADER, join(ROOT, 'scripts', 'preflight.ts'), '--verdict', verdictFile],
      {
        env,
        stdio: ['ignore', 'ignore', 'ignore'],
      },
    )
    const limit = setTimeout(() => child.kill('SIGKILL'), PREFLIGHT_LIMIT_MS)
    await new Promise((done) => child.on('close', done))
    clearTimeout(limit)
    if (!existsSync(verdictFile)) return { runtime, usable: true, error: 'the preflight ended without a verdict' }
    return { runtime, usable: true, verdict: JSON.parse(readFileSync(verdictFile, 'utf8')) as PreflightVerdict }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
