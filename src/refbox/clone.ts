/** `refbox clone`: BoxLite's clone bases (`<home>/bases/`) on its layout (issue 23; not built yet). */
import type { Ctx } from './box'
import { RefboxError } from './errors'

export function cmdClone(ctx: Ctx, args: string[]): Promise<number> {
  void ctx
  void args
  return Promise.reject(new RefboxError('unsupported: refbox cannot clone boxes yet'))
}
