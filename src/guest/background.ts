/**
 * Work a box does in the background (`exec -d`) while the host watches: a heartbeat appender, and
 * a fill paced to last long enough for a neighbour's progress to be observed while it runs. Each
 * leaves its state on the box's tmpfs and is stopped by its recorded pid, never by name.
 */
import { shellQuote as q } from '../shell/command'
import { boundCheck, type FillBudget } from './bound'
import { command, type GuestProbe, int, keyValues, ProbeError } from './probe'
import type { CommandRecord } from '../drivers/types'

const PACED = {
  done: '/tmp/fill.done',
  err: '/tmp/fill.err',
  chunks: '/tmp/fill.chunks',
  pid: '/tmp/fill.pid',
} as const
const APPENDER_PID = '/tmp/appender.pid'

/** Appends a line to `path` every 0.1 s until stopped, paced inside the box (not by the host). */
export function startAppender(path: string): GuestProbe<CommandRecord> {
  const dir = path.replace(/\/[^/]*$/, '') || '/'
  return command(
    'start appending to a log',
    `mkdir -p ${q(dir)} && : > ${q(path)} && echo $$ > ${APPENDER_PID} && while :; do echo tick >> ${q(path)}; sleep ` +
      `0.1; done`,
  )
}

export const stopAppender = command('stop the appender', `kill $(cat ${APPENDER_PID}) 2>/dev/null; true`)

/** `chunks` fills of `chunkMiB`, `pauseSeconds` apart, within the budget's cap. */
export function startPacedFill(
  budget: FillBudget,
  chunkMiB: number,
  chunks: number,
  pauseSeconds: number,
): GuestProbe<CommandRecord> {
  if (chunkMiB * chunks > budget.capMiB) {
    throw new Error(`refusing a paced fill of ${chunks} x ${chunkMiB} MiB: the proven cap is ${budget.capMiB} MiB`)
  }
  return command(
    'start the fill in the background',
    `rm -f ${PACED.done} ${PACED.err} ${PACED.chunks}; echo $$ > ${PACED.pid}; ` +
      `${boundCheck(budget.limitKiB, `echo refused > ${PACED.err}; touch ${PACED.done};`)} ` +
      `i=0; while [ $i -lt ${chunks} ] && dd if=/dev/zero of=/fill.$i bs=1M count=${chunkMiB} 2>${PACED.err}; ` +
      `do i=$((i + 1)); echo $i > ${PACED.chunks}; sleep ${pauseSeconds.toFixed(2)}; done; ` +
      `echo $i > ${PACED.chunks}; touch ${PACED.done}`,
  )
}

/** Whether the background fill has finished, and how many chunks it wrote. */
export const pacedFillState: GuestProbe<{ running: boolean; chunks: number }> = {
  what: 'background fill state',
  script:
    `if [ -e ${PACED.done} ]; then echo state=done; else echo state=running; fi; echo chunks=$(cat ` +
    `${PACED.chunks} 2>/dev/null || echo 0)`,
  parse(record) {
    const kv = keyValues(record.stdout)
    if (record.exitCode !== 0 || (kv.state !== 'done' && kv.state !== 'running')) {
      throw new ProbeError('background fill state', 'no state', record)
    }
    return { running: kv.state === 'running', chunks: int(kv.chunks) ?? 0 }
  },
}

/**
 * Waits inside the box, up to `seconds`, for the background fill to finish, then reports its state
 * like pacedFillState plus its last error: one call where polling from the host made one or two
 * per box every half second (each a runtime call, which on a busy host costs more than the wait).
 */
export function awaitPacedFill(seconds: number): GuestProbe<{ running: boolean; chunks: number; error: string }> {
  const ticks = Math.max(1, Math.ceil(seconds * 5))
  return {
    what: 'wait for the background fill to end',
    script:
      `i=0; while [ ! -e ${PACED.done} ] && [ $i -lt ${ticks} ]; do sleep 0.2; i=$((i + 1)); done; ` +
      `${pacedFillState.script}; echo "error=$(tr '\n' ' ' < ${PACED.err} 2>/dev/null)"`,
    parse(record) {
      const state = pacedFillState.parse(record)
      return { ...state, error: (keyValues(record.stdout).error ?? '').trim() }
    },
  }
}

/** Stops a runaway background fill (only when it outlives its deadline); the chunk in flight is one budgeted dd. */
export const stopPacedFill = command(
  'stop background fill',
  `touch ${PACED.done}; kill $(cat ${PACED.pid}) 2>/dev/null; true`,
)
