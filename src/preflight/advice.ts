/**
 * Advice for a person who meets a runtime's failure. Drivers report the runtime's words only; the
 * preflight and the World add this where a person reads the failure (./diagnose has the causes).
 */
import { diagnose, sentence } from './diagnose'

/** What to do about a runtime's failure, when its message says; undefined when the message is all there is to say. */
export function advice(message: string): string | undefined {
  const d = diagnose(message)
  return d.code === 'unknown' || d.code === 'no-such-box' ? undefined : sentence(d)
}

/** A failure as a person reads it: the driver's words, then what to do about the runtime's message, when it says. */
export function withAdvice(failure: string, runtimeOutput: string): string {
  const hint = advice(runtimeOutput)
  return hint ? `${failure}: ${hint}` : failure
}
