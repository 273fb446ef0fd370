/**
 * Running commands in a box (`exec`) and streaming host files into it (`cp`). Both go through the
 * escape guard: nsenter only ever receives the descriptors the guard checked.
 */
import { spawn, type StdioOptions } from 'node:child_process'
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs'
import { constants as osConstants } from 'node:os'
import { basename, join, posix } from 'node:path'
import type { Ctx } from './box'
import { RefboxError } from './errors'
import { openBoxHandles, type BoxHandles } from './guard'
import { applyPressureDefects, evictWhenCrowded, peerProcesses } from './pressure-defects'
import { reachSite, recordingSites } from './sites'
import type { BoxState } from './state'
import { requireTools } from './tools'

/** The environment of a command in the box, as BoxLite's guest agent gives it. */
const BOX_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root' }

/** nsenter arguments that enter exactly the guard-checked descriptors (passed as fds 3, 4, 5). */
const NSENTER_BOX = [
  '--mount=/proc/self/fd/3',
  '--pid=/proc/self/fd/4',
  '--root=/proc/self/fd/5',
  '--wd=/proc/self/fd/5',
  '--',
]

/** Exit code as BoxLite reports it: the command's, or 128+N for death by signal N. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code
  return 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)
}

interface Launch {
  /** stdin, stdout, stderr of the command. */
  readonly stdio: readonly ('ignore' | 'inherit' | number)[]
  readonly detach: boolean
}

/** Starts `argv` in the box through nsenter; resolves to its exit code (0 at once when detached). */
function launchInBox(
  ctx: Ctx,
  state: BoxState,
  handles: BoxHandles,
  argv: readonly string[],
  launch: Launch,
): Promise<number> {
  requireTools('nsenter')
  let cmd = ['nsenter', ...NSENTER_BOX, ...argv]
  if (ctx.defects.has('exec-dies-when-full')) {
    // The regression: each command is staged in the rootfs (a 1 MiB bundle) before it runs.
    cmd = [
      'nsenter',
      ...NSENTER_BOX,
      '/bin/sh',
      '-c',
      'f=/.refbox-exec.$$; if head -c 1048576 /dev/zero > "$f" 2>/dev/null; then rm -f "$f"; exec "$@"; fi; ' +
        'rm -f "$f"; echo "Execution error: cannot stage the command in the rootfs" >&2; exit 126',
      'refbox-exec',
      ...argv,
    ]
  }
  if (recordingSites() && peerProcesses(ctx, state).length > 0) reachSite(ctx.paths.home, 'exec-beside-running-box')
  if (ctx.defects.has('freeze-peers-during-fill')) {
    // The regression: a global write throttle pauses every other box of the home while one works.
    const peers = peerProcesses(ctx, state).join(' ')
    cmd = [
      'sh',
      '-c',
      'p=$1; shift; [ -n "$p" ] && kill -STOP $p 2>/dev/null; "$@"; rc=$?; [ -n "$p" ] && kill -CONT $p 2>/dev/null; ' +
        'exit $rc',
      'refbox-freeze',
      peers,
      ...cmd,
    ]
  }
  const stdio: StdioOptions = [...launch.stdio, handles.mntFd, handles.pidFd, handles.rootFd]
  const child = spawn(cmd[0], cmd.slice(1), { stdio, env: BOX_ENV, detached: launch.detach })
  return new Promise((resolve, reject) => {
    child.once('error', (e) => reject(new RefboxError(`Execution error: cannot start nsenter: ${e.message}`)))
    if (launch.detach) {
      child.once('spawn', () => {
        child.unref()
        resolve(0)
      })
    } else {
      child.once('exit', (code, signal) => resolve(exitCodeOf(code, signal)))
    }
  })
}

export async function execInBox(
  ctx: Ctx,
  state: BoxState,
  argv: readonly string[],
  detach: boolean,
  interactive = false,
): Promise<number> {
  const handles = openBoxHandles(state)
  try {
    applyPressureDefects(ctx, state, handles)
    if (detach) {
      evictWhenCrowded(ctx, state)
      const log = openSync(join(ctx.paths.box(state.id).logs, 'exec.log'), 'a')
      try {
        return await launchInBox(ctx, state, handles, argv, { stdio: ['ignore', log, log], detach: true })
      } finally {
        closeSync(log)
      }
    }
    const code = await launchInBox(ctx, state, handles, argv, {
      stdio: [interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'],
      detach: false,
    })
    applyPressureDefects(ctx, state, handles)
    return code
  } finally {
    handles.close()
  }
}

/** In-box mounts a copy must not target (BoxLite refuses them too). */
const REFUSED_DESTINATIONS = ['/tmp', '/dev', '/proc', '/sys', '/run']

/** Validates a `cp` destination inside the box; returns it normalised. */
function checkCopyDestination(dest: string): string {
  if (!dest.startsWith('/')) throw new RefboxError(`cp: destination path in the box must be absolute: ${dest}`)
  if (dest.split('/').includes('..')) throw new RefboxError(`cp: destination must not contain '..': ${dest}`)
  const norm = posix.normalize(dest)
  for (const m of REFUSED_DESTINATIONS) {
    if (norm === m || norm === `${m}/` || norm.startsWith(`${m}/`)) {
      throw new RefboxError(
        `cp: destination ${dest} is under ${m}, a mount inside the box, not the box's disk; copy to e.g. /root/`,
      )
    }
  }
  if (norm === '/') throw new RefboxError('cp: destination must name a file or directory below /')
  return norm
}

/**
 * Streams a host file into the box: written to a temporary name next to the destination and
 * renamed only when complete, so a failed copy (ENOSPC) leaves no partial file behind.
 */
const COPY_SCRIPT =
  'dst=$1; name=$2; [ -d "$dst" ] && dst="${dst%/}/$name"; tmp="$dst.refbox-cp.$$"; ' +
  'if cat > "$tmp" && mv -f "$tmp" "$dst"; then exit 0; fi; rm -f "$tmp"; echo "cp: copy into $dst failed" >&2; exit 1'

export async function copyIntoBox(ctx: Ctx, state: BoxState, hostFile: string, dest: string): Promise<number> {
  const target = checkCopyDestination(dest)
  if (!existsSync(hostFile)) throw new RefboxError(`cp: source ${hostFile} does not exist`)
  if (!statSync(hostFile).isFile())
    throw new RefboxError(`cp: source ${hostFile} is not a regular file (directories are not supported)`)
  const handles = openBoxHandles(state)
  reachSite(ctx.paths.home, 'copy-in')
  let source = hostFile
  let staged: string | undefined
  try {
    applyPressureDefects(ctx, state, handles)
    if (ctx.defects.has('cp-stages-on-host')) {
      // The regression: the copy is buffered in the home first (and the buffer outlives a failed copy).
      staged = join(mkdtempSync(join(ctx.paths.tmpDir, 'cp-')), basename(hostFile))
      copyFileSync(hostFile, staged)
      source = staged
    }
    const input = openSync(source, 'r')
    let code: number
    try {
      code = await launchInBox(
        ctx,
        state,
        handles,
        ['/bin/sh', '-c', COPY_SCRIPT, 'refbox-cp', target, basename(hostFile)],
        {
          stdio: [input, 'inherit', 'inherit'],
          detach: false,
        },
      )
    } finally {
      closeSync(input)
    }
    applyPressureDefects(ctx, state, handles)
    if (code === 0 && staged) rmSync(join(staged, '..'), { recursive: true, force: true })
    if (ctx.defects.has('cp-exits-zero-on-enospc')) return 0 // the regression: the in-box status is dropped
    return code === 0 ? 0 : 1
  } finally {
    handles.close()
  }
}
