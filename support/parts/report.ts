/** Where a scenario's parts write what a reader sees: cucumber's log and attachments of the running step. */
export interface Report {
  log(text: string): void
  attach(data: string | Buffer, options: { mediaType: string; fileName: string }): void
}
