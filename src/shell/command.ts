/**
 * Shell words, for both sides of a box: the scripts the suite runs inside a box, and the
 * copy-pasteable form of every runtime call in the report. Neutral: it knows no driver and no box.
 */

/** Quotes one word for a POSIX shell: bare when it is plainly safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

/** A copy-pasteable shell form of a call, for the report. */
export function renderCommand(bin: string, argv: readonly string[]): string {
  return [bin, ...argv].map(shellQuote).join(' ')
}
