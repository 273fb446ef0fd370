/** Byte sizes as people read them ("50 MiB") and as the suite computes with them (bytes). */

export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB

const UNIT_BYTES: Record<string, number> = { B: 1, KiB, MiB, GiB }

/** Parses "50 MiB", "2GiB", "16 KiB" or "4096 B" into bytes; anything else is a clear error. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)\s*$/.exec(text)
  if (!m) throw new Error(`malformed size "${text}": write a number and one of B, KiB, MiB, GiB (e.g. "2 GiB")`)
  return Math.round(Number(m[1]) * UNIT_BYTES[m[2]])
}

/** 1536 -> "1.50 KiB", 52428800 -> "50.0 MiB"; negative values keep their sign. */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : ''
  const b = Math.abs(bytes)
  if (b >= GiB) return `${sign}${(b / GiB).toFixed(2)} GiB`
  if (b >= MiB) return `${sign}${(b / MiB).toFixed(1)} MiB`
  if (b >= KiB) return `${sign}${(b / KiB).toFixed(1)} KiB`
  return `${sign}${b} B`
}
