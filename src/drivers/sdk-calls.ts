/**
 * How the sdk driver runs one SDK operation: under the call's time limit, interruptible, and turned
 * into a CommandRecord as the CLI would print it. Also reads an execution's output streams.
 */
import type { SdkExecution, SdkStream } from './sdk-runtime'
import type { CommandRecord } from './types'

export type CallOutcome = Pick<CommandRecord, 'exitCode' | 'stdout' | 'stderr'>

class Interrupted extends Error {}

/** Fires its callbacks once, when a call's time is up. */
export class Deadline {
  expired = false
  private readonly callbacks: Array<() => unknown> = []
  /** Runs at expiry, or at once when the time is already up. */
  onExpire(callback: () => unknown): void {
    if (this.expired)
      void Promise.resolve()
        .then(callback)
        .catch(() => undefined)
    else this.callbacks.push(callback)
  }
  expire(): void {
    this.expired = true
    for (const callback of this.callbacks)
      void Promise.resolve()
        .then(callback)
        .catch(() => undefined)
  }
}

export class SdkCalls {
  /** Rejecters of the calls in flight, so interrupt() can end them at once. */
  private readonly inFlight = new Set<(reason: Interrupted) => void>()
  /**
   * Boots (create, start) the SDK is still working on, also after their call timed out: a boot
   * cannot be cancelled, and removing its box mid-boot could leave a shim behind.
   */
  private readonly booting = new Set<Promise<unknown>>()

  /**
   * Runs `work` and turns every outcome into a record: a failure is `Error: <runtime message>`,
   * never a stack. A call past its limit (or interrupted) resolves as timed out at once; the SDK's
   * own promise is left to settle (and, for a boot, is still awaited by bootsSettled()).
   */
  async run(
    command: string,
    timeoutSeconds: number,
    work: (deadline: Deadline) => Promise<CallOutcome>,
    boots = false,
  ): Promise<CommandRecord> {
    const started = Date.now()
    const deadline = new Deadline()
    const working = work(deadline).catch(toFailure)
    if (boots) {
      this.booting.add(working)
      void working.finally(() => this.booting.delete(working))
    }
    let reject: (reason: Interrupted) => void = () => undefined
    const interrupted = new Promise<never>((_, r) => (reject = r))
    this.inFlight.add(reject)
    const timer = setTimeout(
      () => {
        deadline.expire()
        reject(new Interrupted())
      },
      Math.max(1, Math.round(timeoutSeconds * 1000)),
    )
    try {
      const result = await Promise.race([working, interrupted])
      return { command, ...result, timedOut: false, durationMs: Date.now() - started }
    } catch (e) {
      if (!(e instanceof Interrupted)) throw e
      const why = deadline.expired
        ? `[timed out after ${timeoutSeconds} s]`
        : '[interrupted: the driver was interrupted]'
      return { command, exitCode: -1, stdout: '', stderr: why, timedOut: true, durationMs: Date.now() - started }
    } finally {
      clearTimeout(timer)
      this.inFlight.delete(reject)
    }
  }

  /** Ends every call in flight at once; they resolve as interrupted. */
  interrupt(): void {
    for (const reject of this.inFlight) reject(new Interrupted())
  }

  /** Settles when every boot started so far has, however it ends. */
  async bootsSettled(): Promise<void> {
    await Promise.allSettled([...this.booting])
  }
}

/** A rejected SDK call as the CLI would print it: `Error: <runtime message>` (create adds the explanation). */
function toFailure(e: unknown): CallOutcome {
  return { exitCode: 1, stdout: '', stderr: `Error: ${e instanceof Error ? e.message : String(e)}\n` }
}

/** Joins a stream's chunks; a stream the SDK cannot give (some commands have none) reads as empty. */
export async function readAll(streamPromise: Promise<SdkStream>): Promise<string> {
  let stream: SdkStream
  try {
    stream = await streamPromise
  } catch {
    return ''
  }
  const chunks: string[] = []
  try {
    for (let chunk = await stream.next(); chunk !== null; chunk = await stream.next()) chunks.push(chunk)
  } catch {
    // the stream ends with an error when the command is killed; what was read is kept
  }
  return chunks.join('')
}

/** Reads and drops a detached command's output, so it never blocks on a full pipe. */
export async function drain(execution: SdkExecution): Promise<void> {
  await Promise.all([readAll(execution.stdout()), readAll(execution.stderr())])
  await execution.wait()
}
