/**
 * What a runtime start repairs in the home before any command runs, as BoxLite's `recover_boxes` does
 * (a snapshot a crash cut short: `.snapshot_pending`). Issue 23; nothing yet.
 */
import type { Ctx } from './box'

export function recoverHome(ctx: Ctx): void {
  void ctx
}
