/** Errors refbox reports to the user: printed as `Error: <message>` with no stack trace. */
export class RefboxError extends Error {
  constructor(
    message: string,
    /** Extra lines printed after the `Error:` line (BoxLite prints some errors over two lines). */
    readonly detail: readonly string[] = [],
  ) {
    super(message)
    this.name = 'RefboxError'
  }
}

/** Bad command line: exit 2, as clap does for BoxLite. */
export class UsageError extends RefboxError {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** A failure that was already printed (e.g. per-target errors of `rm`); only the exit code is left. */
export class ReportedFailure extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`)
  }
}
