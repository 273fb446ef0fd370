/** `refbox gc [--dry-run]`: the sweep of BoxLite's unreleased PR #647 (issue 23; not built yet). */
import type { Ctx } from './box'
import { RefboxError } from './errors'

export function cmdGc(ctx: Ctx, args: string[]): Promise<number> {
  void ctx
  void args
  return Promise.reject(new RefboxError('unsupported: refbox has no gc yet'))
}
