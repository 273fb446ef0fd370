/**
 * Finds out the facts of ./runtime-facts.ts without booting anything: the runtime's own word for
 * its version (`BIN --version` for a boxlite-dialect binary, the package version for the embedded
 * SDK), the image's digest, the kernel and KVM class, and the suite's git revision.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { arch, release } from 'node:os'
import { basename, join } from 'node:path'
import type { HostClass, PreflightFacts, RuntimeFacts } from './runtime-facts'

/** Node's architecture names as `uname -m` says them. */
const ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64' }

interface RuntimeIdentity {
  readonly runtime: string
  readonly version: string
  readonly description: string
}

/** Runs `bin args` and returns its stdout; throws when it cannot run or exits non-zero. */
type RunCommand = (bin: string, args: readonly string[]) => string

const runCommand: RunCommand = (bin, args) =>
  execFileSync(bin, [...args], { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] })

/** `BIN --version`: "boxlite 0.10.0" (clap's form), or refbox's line that says it is not BoxLite. */
export function identifyCli(bin: string, run: RunCommand = runCommand): RuntimeIdentity {
  let line: string
  try {
    line = run(bin, ['--version']).split('\n')[0].trim()
  } catch (err) {
    const why = (err as { stderr?: string }).stderr?.split('\n')[0] || (err as Error).message.split('\n')[0]
    return {
      runtime: basename(bin).toLowerCase(),
      version: 'unknown',
      description: `${basename(bin)}, version unknown (\`${bin} --version\` failed: ${why})`,
    }
  }
  const m = /^(\S+)\s+v?(\d+\.\d+\.\d+[^\s:;,]*)/.exec(line)
  if (!m)
    return {
      runtime: basename(bin).toLowerCase(),
      version: 'unknown',
      description: `${basename(bin)}, version unknown (\`--version\` said "${line.slice(0, 120)}")`,
    }
  return { runtime: m[1].toLowerCase(), version: m[2], description: line.slice(0, 240) }
}

/** The embedded runtime: its npm package's version (read from its package.json; nothing is booted). */
export function identifySdk(packageJsonPath: string = sdkPackageJson()): RuntimeIdentity {
  try {
    const { name, version } = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { name: string; version: string }
    return { runtime: 'boxlite', version, description: `BoxLite ${version} (embedded runtime of ${name})` }
  } catch {
    return {
      runtime: 'boxlite',
      version: 'unknown',
      description: `BoxLite, version unknown (${packageJsonPath} is not readable: run npm ci)`,
    }
  }
}

function sdkPackageJson(): string {
  try {
    return require.resolve('@boxlite-ai/boxlite/package.json')
  } catch {
    return join(__dirname, '..', '..', 'node_modules', '@boxlite-ai', 'boxlite', 'package.json')
  }
}

/** "alpine:latest (registries: mirror.example)" or "OCI layout .refbox-image, sha256:e14a077825f9". */
function describeImage(
  image: string | undefined,
  rootfs: string | undefined,
  registries: readonly string[] = [],
): string {
  if (rootfs) {
    try {
      const index = JSON.parse(readFileSync(join(rootfs, 'index.json'), 'utf8')) as {
        manifests?: Array<{ digest?: string }>
      }
      const digest = index.manifests?.[0]?.digest ?? 'no manifest'
      return `OCI layout ${basename(rootfs)} (${rootfs}), ${digest.slice(0, 19)}`
    } catch {
      return `OCI layout ${rootfs} (index.json unreadable)`
    }
  }
  return `${image ?? 'alpine:latest'}${registries.length ? ` (registries: ${registries.join(', ')})` : ''}`
}

/** The preflight's word when it gave one; else what the device node alone tells. */
export function hostClass(verdict: { ok: boolean; hostClass?: string } | undefined, kvmExists: boolean): HostClass {
  const told = verdict?.hostClass
  if (told === 'no-kvm' || told === 'kvm-cannot-boot' || told === 'boots' || told === 'not-checked') return told
  if (verdict?.ok) return 'boots'
  return kvmExists ? 'not-checked' : 'no-kvm'
}

/** Short commit of the suite, "+ local changes" when tracked files differ from it. */
function suiteRevision(root: string, env: NodeJS.ProcessEnv = process.env): string {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', root, ...args], {
        encoding: 'utf8',
        timeout: 10_000,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim()
    const head = git('rev-parse', '--short=12', 'HEAD')
    return git('status', '--porcelain', '--untracked-files=no') ? `${head} + local changes` : head
  } catch {
    return env.GITHUB_SHA ? env.GITHUB_SHA.slice(0, 12) : 'unknown (not a git checkout)'
  }
}

interface RunSettings {
  readonly driver: 'cli' | 'sdk'
  readonly bin: string
  readonly image?: string
  readonly rootfs?: string
  readonly registries: readonly string[]
}

interface GatherOptions {
  readonly suiteRoot: string
  readonly startedAt: string
  /** The preflight's verdict file contents (src/preflight/verdict.ts), when a preflight ran. */
  readonly verdict?: { ok: boolean; durationMs: number; sentence?: string; hostClass?: string }
  readonly run?: RunCommand
  readonly sdkPackageJson?: string
  readonly kvmDevice?: string
  readonly env?: NodeJS.ProcessEnv
}

export function gatherRuntimeFacts(settings: RunSettings, o: GatherOptions): RuntimeFacts {
  const identity = settings.driver === 'cli' ? identifyCli(settings.bin, o.run) : identifySdk(o.sdkPackageJson)
  const preflight: PreflightFacts | undefined = o.verdict
    ? {
        ok: o.verdict.ok,
        seconds: o.verdict.durationMs / 1000,
        ...(o.verdict.sentence ? { sentence: o.verdict.sentence } : {}),
      }
    : undefined
  return {
    driver: settings.driver,
    ...identity,
    ...(settings.driver === 'cli' ? { binary: settings.bin } : {}),
    image: describeImage(settings.image, settings.rootfs, settings.registries),
    host: {
      kernel: release(),
      arch: ARCH[arch()] ?? arch(),
      kvm: hostClass(o.verdict, existsSync(o.kvmDevice ?? '/dev/kvm')),
    },
    suiteRevision: suiteRevision(o.suiteRoot, o.env),
    startedAt: o.startedAt,
    ...(preflight ? { preflight } : {}),
  }
}
