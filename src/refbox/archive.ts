/** `refbox export` and `import`: BoxLite's `.boxlite` archives (tar + zstd) on its layout (issue 23; not built yet). */
import type { Ctx } from './box'
import { RefboxError } from './errors'

export function cmdExport(ctx: Ctx, args: string[]): Promise<number> {
  void ctx
  void args
  return Promise.reject(new RefboxError('unsupported: refbox cannot export boxes yet'))
}

export function cmdImport(ctx: Ctx, args: string[]): Promise<number> {
  void ctx
  void args
  return Promise.reject(new RefboxError('unsupported: refbox cannot import boxes yet'))
}
