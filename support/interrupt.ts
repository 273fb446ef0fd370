/**
 * Ctrl-C (SIGINT), SIGTERM or SIGHUP during a run still removes every box: each live scenario
 * registers its cleanup here, the handler runs them all, and the process exits with 128 + signal
 * number whoever ends it.
 *
 * Ctrl-C in a terminal reaches the whole process group: the coordinator and every --parallel
 * worker (the runtime's own commands run in their own groups, see src/drivers/cli.ts). A signal
 * sent to the coordinator alone (a CI timeout, `kill PID`) is passed on to its workers by their
 * pids, so a worker may see it twice. A repeated signal only shortens the wait: removal always
 * finishes; only SIGKILL can leave boxes for the next run's sweep. Once the boxes are gone the
 * run is let end by itself (scenarios still queued are skipped), so every report is complete; if
 * it lingers past a few seconds, the process ends anyway. A worker whose coordinator vanished
 * cleans up on its own.
 */
import { readdirSync, readFileSync } from 'node:fs'

const cleanups = new Set<() => Promise<void>>()
const finals: Array<() => void> = []
const SIGNALS: Record<string, number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }
const GIVE_UP_MS = 120_000
/** How long a run may take to end by itself once its boxes are removed (a step may still be waiting). */
const LINGER_MS = 10_000
let installed = false
let interrupted = false
let hurry = false

/** Registers a cleanup for the interrupt path; returns the function that unregisters it. */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  install()
  cleanups.add(cleanup)
  return () => cleanups.delete(cleanup)
}

/** Runs once every scenario's cleanup is done (e.g. deleting the run's directory). */
export function onInterruptDone(final: () => void): void {
  install()
  finals.push(final)
}

export function isInterrupted(): boolean {
  return interrupted
}

/** Nothing new may start once the run is being interrupted (its box would outlive the cleanup). */
export function refuseIfInterrupted(what: string): void {
  if (interrupted) throw new Error(`not starting ${what}: the run is being interrupted`)
}

function install(): void {
  if (installed) return
  installed = true
  for (const [signal, number] of Object.entries(SIGNALS)) {
    process.on(signal, () => void cleanUpAndExit(signal, 128 + number, signal as NodeJS.Signals))
  }
  if (isWorker()) {
    process.on('disconnect', () => {
      // cucumber's worker would die on its next message to the vanished coordinator: let it talk to no one.
      process.send = (() => true) as typeof process.send
      void cleanUpAndExit('coordinator gone', 130)
    })
  }
}

function isWorker(): boolean {
  return process.env.CUCUMBER_WORKER_ID !== undefined && typeof process.send === 'function'
}

async function cleanUpAndExit(reason: string, code: number, signal?: NodeJS.Signals): Promise<void> {
  if (interrupted) {
    hurry = true
    process.stderr.write(
      `\n${reason} again: still removing boxes; exiting as soon as they are gone (only SIGKILL abandons them)\n`,
    )
    return
  }
  interrupted = true
  // cucumber-js sets its own exit code when the run ends; an exit listener has the last word.
  process.on('exit', () => {
    process.exitCode = code
  })
  const deadline = Date.now() + GIVE_UP_MS
  const workers = !isWorker() && signal ? cucumberWorkers() : []
  process.stderr.write(
    `\n${reason}: removing the boxes of ${cleanups.size} running ` +
      `scenario(s)${workers.length ? ` and of ${workers.length} worker(s)` : ''} before exiting\n`,
  )
  for (const pid of workers) {
    try {
      process.kill(pid, signal) // our own worker processes, by pid
    } catch {
      // already gone
    }
  }
  const timer = new Promise<'gave up'>((done) => setTimeout(() => done('gave up'), GIVE_UP_MS).unref())
  // Until none is left: a scenario that was registering while we cleaned up is cleaned up too.
  while (cleanups.size > 0) {
    const batch = [...cleanups]
    cleanups.clear()
    if ((await Promise.race([Promise.allSettled(batch.map((c) => c())), timer])) === 'gave up') break
  }
  for (const final of finals) {
    try {
      final()
    } catch (err) {
      process.stderr.write(`cleanup after the interrupt: ${(err as Error).message}\n`)
    }
  }
  while (workers.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
  // A worker always lets its run end (its coordinator is waiting for the scenario's result); a
  // coordinator or a serial run told twice does not wait.
  if (hurry && !isWorker()) process.exit(code)
  setTimeout(() => process.exit(code), LINGER_MS).unref()
}

/** Our child processes that are cucumber-js workers. */
function cucumberWorkers(): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid !== process.pid) continue
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('run_worker')) pids.push(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return pids
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
