/**
 * The driver capability model (issue 23): the cli driver's probe of its binary's help (both shapes: clap's
 * `Commands:` list as BoxLite's CLI prints it, and refbox's usage with several commands on a line), its
 * once-per-binary cache, `BOXLITE_CAPABILITIES` (its forms and its one-sentence refusal), and the skip
 * sentence a scenario tagged `@needs-<capability>` gets on a runtime without it.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, it } from 'node:test'
import {
  applyOverride,
  capabilitiesFromHelp,
  capabilityReport,
  helpCommands,
  parseCapabilityOverride,
  probeCli,
  SDK_CAPABILITIES,
} from '../../src/drivers/capabilities'
import { CliDriver } from '../../src/drivers/cli'
import { createDriver, driverCapabilities } from '../../src/drivers/select'
import type { Capability } from '../../src/drivers/types'
import { loadSettings } from '../../src/settings'
import { capabilitySkip, neededCapabilities, runtimeWords } from '../../support/parts/capability-gate'

const ROOT = resolve(__dirname, '../..')
const T = { timeoutSeconds: 20 }
const work = mkdtempSync(join(tmpdir(), 'capabilities-'))
after(() => rmSync(work, { recursive: true, force: true }))

/**
 * Shaped like clap's help for BoxLite's CLI 0.10 (its command list: boxlite-disks-beyond-rootfs.md §0). Written
 * here, not captured: no BoxLite binary is installed on the hosts this suite was built on.
 */
const CLAP_TOP = `BoxLite: run boxes, lightweight micro-VMs

Usage: boxlite [OPTIONS] <COMMAND>

Commands:
  run      Create and start a box, then run a command in it
  create   Create a box without starting it
  exec     Run a command in a running box
  list     List boxes
  inspect  Show a box's details
  start    Start stopped boxes
  stop     Stop running boxes
  restart  Restart boxes
  rm       Remove boxes
  cp       Copy files between the host and a box
  logs     Show a box's logs
  images   List cached images
  pull     Pull an image
  volume   Manage volumes
  help     Print this message or the help of the given subcommand(s)

Options:
      --home <HOME>          BoxLite home directory [env: BOXLITE_HOME=]
      --registry <REGISTRY>  Image registry to search
  -h, --help                 Print help
  -V, --version              Print version
`
const CLAP_RUN = `Create and start a box, then run a command in it

Usage: boxlite run [OPTIONS] <IMAGE> [COMMAND]...

Options:
  -d, --detach             Run in the background and print the box id
      --name <NAME>        Name the box
  -v, --volume <VOLUME>    Mount a volume: HOST:BOX[:ro] (host directory) or BOX[:ro] (anonymous)
  -h, --help               Print help
`

/** refbox's usage once its issue-23 commands are in, in the shapes their branches write (several on a line). */
const REFBOX_USAGE = `Usage: refbox [--home ABS_PATH] <command> [args]
       refbox --version

Commands (BoxLite CLI dialect):
  run -d [--name N] [--memory MiB] [--cpus N] [--disk-size GB] (--rootfs OCI_LAYOUT | IMAGE) [CMD ARGS...]
  create [same options as run]      create a box without starting it
    -v, --volume HOST:BOX[:ro] | -v /BOX[:ro] | -v /BOX:size=N[,ro]   (repeatable, on run and create)
                                    a host directory, an anonymous volume kept in the home after rm,
                                    or one with its own ext4 disk of N bytes (K/M/G; at least 16M)
  list|ls|ps [-a] [-q] [--format table|json]
  start BOX...   stop BOX...   restart BOX...   rm [-f] [-a] BOX...
  snapshot create BOX NAME | snapshot list BOX [--format table|json] | snapshot rm BOX NAME |
  snapshot restore BOX NAME         snapshots of a box's disk (restore: the box must be stopped)
  clone [--name N] BOX              a new stopped box with BOX's disk and options; prints its id
  export BOX DEST                   write the box to a .boxlite archive (DEST a directory: DEST/<name>.boxlite)
  import [--name N] ARCHIVE         a new, stopped box from a .boxlite archive
  gc [--dry-run]                    delete box directories, bases and image disks no box uses (10 min grace)
  cp HOST_FILE BOX:/path            stream a host file into the box

Home: --home ABS_PATH or BOXLITE_HOME.
`

const sorted = (set: ReadonlySet<Capability>) => [...set].sort()

describe('reading a help text', () => {
  it("lists clap's commands, and not the words of their descriptions", () => {
    const commands = helpCommands(CLAP_TOP)
    assert.deepEqual([...commands].slice(0, 3), ['run', 'create', 'exec'])
    assert.ok(commands.has('volume') && commands.has('help'))
    for (const word of ['Create', 'Show', 'Print', 'home']) assert.ok(!commands.has(word), word)
  })

  it("lists refbox's commands, several on one line and `a|b` alternatives, but not its descriptions", () => {
    const commands = helpCommands(REFBOX_USAGE)
    for (const c of ['run', 'ls', 'ps', 'stop', 'restart', 'rm', 'snapshot', 'clone', 'export', 'import', 'gc', 'cp'])
      assert.ok(commands.has(c), c)
    for (const word of ['snapshots', 'write', 'delete', 'stream', 'Home', '-v,', 'a', 'or'])
      assert.ok(!commands.has(word), word)
  })

  it("BoxLite's CLI 0.10 advertises volumes only; refbox with every command advertises everything", () => {
    assert.deepEqual(sorted(capabilitiesFromHelp(CLAP_TOP, CLAP_RUN)), ['anonymous-volumes', 'volumes'])
    assert.deepEqual(sorted(capabilitiesFromHelp(CLAP_TOP, '')), [], 'no run help, no -v: no volumes')
    assert.deepEqual(sorted(capabilitiesFromHelp(REFBOX_USAGE, '')), [
      'anonymous-volumes',
      'clone',
      'export',
      'gc',
      'sized-volumes',
      'snapshots',
      'volumes',
    ])
  })

  it('a -v that is not a volume, an export without import, or size= without -v advertise nothing', () => {
    const help = 'Commands:\n  run [-v, --verbose] IMAGE   export BOX DEST\n\n  size=N is not mentioned with volumes\n'
    assert.deepEqual(sorted(capabilitiesFromHelp(help, '')), [])
  })

  it("today's refbox (as built in this checkout) is read the same way", () => {
    const help = spawnSync(join(ROOT, 'bin', 'refbox'), ['--help'], { encoding: 'utf8' }).stdout
    const commands = helpCommands(help)
    for (const c of ['run', 'create', 'exec', 'list', 'inspect', 'start', 'stop', 'rm', 'cp', 'logs', 'prune'])
      assert.ok(commands.has(c), `${c} in refbox --help`)
  })
})

describe('the probe of a binary', () => {
  /** A fake boxlite-dialect CLI: prints the help it is given and counts how often it was asked. */
  function fakeCli(name: string, top: string, run: string | undefined): { bin: string; calls: () => string[] } {
    const dir = mkdtempSync(join(work, `${name}-`))
    writeFileSync(join(dir, 'top.txt'), top)
    if (run !== undefined) writeFileSync(join(dir, 'run.txt'), run)
    const bin = join(dir, name)
    writeFileSync(
      bin,
      [
        '#!/bin/sh',
        `echo "$*" >> '${dir}/calls'`,
        `[ "$1" = --help ] && exec cat '${dir}/top.txt'`,
        `[ "$1 $2" = "run --help" ] && [ -f '${dir}/run.txt' ] && exec cat '${dir}/run.txt'`,
        'echo "Error: unexpected arguments" >&2; exit 2',
        '',
      ].join('\n'),
    )
    chmodSync(bin, 0o755)
    return { bin, calls: () => readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') }
  }

  it('asks each binary once per process, however many drivers and homes ask', async () => {
    const fake = fakeCli('boxlite', CLAP_TOP, CLAP_RUN)
    const drivers = [1, 2, 3].map((n) => new CliDriver({ bin: fake.bin, home: join(work, `home-${n}`) }))
    const answers = await Promise.all(drivers.map((d) => d.capabilities(T)))
    for (const a of answers) assert.deepEqual(sorted(a), ['anonymous-volumes', 'volumes'])
    assert.deepEqual(fake.calls(), ['--help', 'run --help'], 'top help and run help, once')
  })

  it('a binary without `run --help` is read from its top help; one whose help fails has no capability, and says why', async () => {
    const noRunHelp = fakeCli('refboxish', REFBOX_USAGE, undefined)
    assert.equal((await probeCli(noRunHelp.bin, T)).found.size, 7)
    const broken = join(work, 'broken')
    writeFileSync(broken, '#!/bin/sh\necho "Error: cannot start" >&2\nexit 1\n')
    chmodSync(broken, 0o755)
    const report = await capabilityReport('cli', broken, undefined, T)
    assert.equal(report.effective.size, 0)
    assert.equal(report.probeProblem, `\`${broken} --help\` failed (exit 1)`)
  })

  it('the probe never passes the home on: BOXLITE_HOME is not given to the binary', async () => {
    const dir = mkdtempSync(join(work, 'env-'))
    const bin = join(dir, 'envcli')
    writeFileSync(bin, `#!/bin/sh\necho "home=[$BOXLITE_HOME]" >> '${dir}/seen'\necho 'Commands:'\necho '  gc'\n`)
    chmodSync(bin, 0o755)
    const saved = process.env.BOXLITE_HOME
    process.env.BOXLITE_HOME = join(dir, 'someone-elses-home')
    try {
      assert.deepEqual(sorted((await probeCli(bin, T)).found), ['gc'])
    } finally {
      if (saved === undefined) delete process.env.BOXLITE_HOME
      else process.env.BOXLITE_HOME = saved
    }
    assert.match(readFileSync(join(dir, 'seen'), 'utf8'), /^home=\[\]$/m)
  })

  it('the drivers made from settings and the hook asking without a driver give the same answer', async () => {
    const fake = fakeCli('boxlite', CLAP_TOP, CLAP_RUN)
    const capabilities = parseCapabilityOverride('+snapshots')
    const settings = { kind: 'cli' as const, bin: fake.bin, globalArgs: [], registries: [], capabilities }
    const fromDriver = await createDriver(settings, join(work, 'h')).capabilities(T)
    const fromHook = (await driverCapabilities(settings, T)).effective
    assert.deepEqual(sorted(fromDriver), ['anonymous-volumes', 'snapshots', 'volumes'])
    assert.deepEqual(sorted(fromHook), sorted(fromDriver))
    const sdk = { ...settings, kind: 'sdk' as const, capabilities: undefined }
    assert.deepEqual(sorted((await driverCapabilities(sdk, T)).effective), sorted(SDK_CAPABILITIES))
  })
})

describe('BOXLITE_CAPABILITIES', () => {
  const env = (value: string) => ({ BOXLITE_DRIVER: 'sdk', BOXLITE_CAPABILITIES: value })
  const found = new Set<Capability>(['snapshots', 'clone', 'volumes'])

  it('a list replaces what the driver reports, none empties it, +/- adjusts it; unset or blank leaves it', () => {
    const apply = (raw: string) => sorted(applyOverride(found, parseCapabilityOverride(raw)))
    assert.deepEqual(apply('gc,export'), ['export', 'gc'])
    assert.deepEqual(apply('none'), [])
    assert.deepEqual(apply('+gc,-clone'), ['gc', 'snapshots', 'volumes'])
    assert.deepEqual(apply(' '), ['clone', 'snapshots', 'volumes'])
    assert.equal(loadSettings({}, { BOXLITE_DRIVER: 'sdk' }).driver.capabilities, undefined)
    assert.deepEqual(loadSettings({}, env('+gc')).driver.capabilities, { raw: '+gc', add: ['gc'], remove: [] })
  })

  it('a bad value is refused in one sentence naming the setting, the value and the accepted form', () => {
    const form =
      'write a comma-separated list of snapshots, clone, export, volumes, anonymous-volumes, sized-volumes, gc ' +
      '(replacing what the ' +
      'driver reports), none, or +NAME/-NAME entries that adjust it (e.g. +gc,-clone).'
    for (const [value, problem] of [
      ['snapshot', 'names no capability "snapshot"'],
      ['gc,+clone', 'mixes a list with +/- adjustments'],
      ['gc,,clone', 'has an empty entry'],
      ['+gc,-gc', 'both adds and removes gc'],
    ]) {
      assert.throws(() => loadSettings({}, env(value)), {
        name: 'SettingError',
        message: `BOXLITE_CAPABILITIES="${value}" ${problem}: ${form}`,
      })
    }
  })
})

describe('the skip of a scenario that needs what the runtime lacks', () => {
  const boxliteCli = { driver: 'cli' as const, runtime: 'boxlite', version: '0.10.0' }
  const refbox = { driver: 'cli' as const, runtime: 'refbox', version: '0.1.0' }
  const sdk = { driver: 'sdk' as const, runtime: 'boxlite', version: '0.10.0' }
  const tags = (...names: string[]) => names.map((name) => ({ name }))
  const report = (effective: Capability[], extra: object = {}) => ({
    found: new Set(effective),
    effective: new Set(effective),
    ...extra,
  })

  it('reads the capabilities from @needs- tags and refuses a tag that names none', () => {
    assert.deepEqual(neededCapabilities(tags('@disk-guest', '@needs-snapshots', '@needs-clone')), [
      'snapshots',
      'clone',
    ])
    assert.deepEqual(neededCapabilities(tags('@disk-guest', '@host-access')), [])
    assert.throws(
      () => neededCapabilities(tags('@needs-snapshot')),
      /the tag @needs-snapshot names no capability: use one of @needs-snapshots, /,
    )
  })

  it("on BoxLite's CLI: names the capability, the tag, and the sdk driver that has it", () => {
    assert.equal(
      capabilitySkip(['snapshots'], report(['volumes']), boxliteCli),
      "Skipped: BoxLite's CLI (boxlite 0.10.0) has no snapshots (@needs-snapshots); the sdk driver (BOXLITE_DRIVER=sdk) has them",
    )
    assert.equal(
      capabilitySkip(['clone', 'export'], report(['volumes']), boxliteCli),
      "Skipped: BoxLite's CLI (boxlite 0.10.0) has no clones or export/import (@needs-clone, @needs-export); the sdk " +
        'driver (BOXLITE_DRIVER=sdk) has them',
    )
  })

  it('on the sdk driver: gc and sized volumes are unreleased, refbox has them', () => {
    assert.equal(
      capabilitySkip(['gc'], report([...SDK_CAPABILITIES]), sdk),
      'Skipped: the embedded runtime (@boxlite-ai/boxlite 0.10.0) has no gc (@needs-gc); no BoxLite release has gc yet ' +
        '(upstream PR #647); refbox has it (--profile reference)',
    )
    assert.match(
      capabilitySkip(['volumes', 'sized-volumes'], report(['volumes']), sdk) ?? '',
      /has no sized volumes \(@needs-sized-volumes\); no BoxLite release has sized volumes yet \(upstream PR #636\)/,
    )
  })

  it('names what each place has when what is missing is had in several', () => {
    assert.equal(
      capabilitySkip(['volumes', 'anonymous-volumes'], report([]), refbox),
      'Skipped: refbox 0.1.0 (cli driver) has no volumes or anonymous volumes (@needs-volumes, ' +
        "@needs-anonymous-volumes); the sdk driver (BOXLITE_DRIVER=sdk) has volumes; BoxLite's CLI has anonymous " +
        'volumes (-v /BOX: BOXLITE_DRIVER=cli with a boxlite binary)',
    )
  })

  it("on the sdk driver: anonymous volumes are BoxLite's CLI's", () => {
    assert.equal(
      capabilitySkip(['volumes', 'anonymous-volumes'], report([...SDK_CAPABILITIES]), sdk),
      'Skipped: the embedded runtime (@boxlite-ai/boxlite 0.10.0) has no anonymous volumes ' +
        "(@needs-anonymous-volumes); BoxLite's CLI has them (-v /BOX: BOXLITE_DRIVER=cli with a boxlite binary)",
    )
  })

  it('says when BOXLITE_CAPABILITIES took it away, or the help could not be read', () => {
    const none = { raw: 'none', replace: [] }
    assert.equal(
      capabilitySkip(['snapshots'], report([], { override: none }), refbox),
      'Skipped: refbox 0.1.0 (cli driver) has no snapshots (@needs-snapshots; BOXLITE_CAPABILITIES=none); the sdk ' +
        'driver (BOXLITE_DRIVER=sdk) has them',
    )
    const minus = {
      found: SDK_CAPABILITIES,
      effective: new Set<Capability>(['export']),
      override: { raw: '-snapshots,-clone,-volumes', remove: [] },
    }
    assert.match(
      capabilitySkip(['snapshots'], minus, sdk) ?? '',
      /\(@needs-snapshots; BOXLITE_CAPABILITIES=-snapshots,-clone,-volumes\); the sdk driver has them: unset BOXLITE_CAPABILITIES to use them$/,
    )
    assert.match(
      capabilitySkip(['gc'], report([], { probeProblem: '`boxlite --help` failed (exit 1)' }), boxliteCli) ?? '',
      /has no gc \(@needs-gc; its help could not be read: `boxlite --help` failed \(exit 1\)\)/,
    )
  })

  it('a runtime that has every capability asked for skips nothing', () => {
    assert.equal(capabilitySkip(['snapshots', 'clone'], report([...SDK_CAPABILITIES]), sdk), undefined)
    assert.equal(capabilitySkip([], report([]), boxliteCli), undefined)
    assert.equal(runtimeWords(refbox), 'refbox 0.1.0 (cli driver)')
  })
})
