/** `refbox snapshot create|list|rm|restore`: BoxLite's snapshots on its layout (issue 23; not built yet). */
import type { Ctx } from './box'
import { RefboxError } from './errors'

export function cmdSnapshot(ctx: Ctx, args: string[]): Promise<number> {
  void ctx
  void args
  return Promise.reject(new RefboxError('unsupported: refbox has no snapshots yet'))
}
