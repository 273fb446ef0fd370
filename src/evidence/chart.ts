/**
 * A small bar chart of the host footprint of a box's disk, as an SVG Buffer for the HTML report
 * (the report shows image attachments only when they are Buffers or base64).
 */
import { formatBytes } from './units'

interface ChartBar {
  readonly label: string
  readonly bytes: number
  /** The bar's lower part, drawn darker (e.g. the box's disk within the whole home). */
  readonly part?: number
}

export interface ChartLine {
  /** e.g. "limit: start + 30 MiB". */
  readonly label: string
  readonly bytes: number
}

const WIDTH = 560
const HEIGHT = 300
const PAD = { top: 40, right: 170, bottom: 50, left: 70 }

/**
 * Bars for the measured footprints, dashed lines for the thresholds they are held to. With
 * `legend` (names of a bar's lower part and the rest), each bar is split at its `part`.
 */
export function footprintChart(
  title: string,
  bars: readonly ChartBar[],
  lines: readonly ChartLine[] = [],
  legend?: readonly [string, string],
): Buffer {
  if (bars.length === 0) throw new Error('a footprint chart needs at least one measurement')
  const top = Math.max(1, ...bars.map((b) => b.bytes), ...lines.map((l) => l.bytes)) * 1.1
  const plotW = WIDTH - PAD.left - PAD.right
  const plotH = HEIGHT - PAD.top - PAD.bottom
  const y = (bytes: number) => PAD.top + plotH - (Math.max(0, bytes) / top) * plotH
  const slot = plotW / bars.length
  const barW = Math.min(60, slot * 0.6)

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
      `font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${PAD.left + plotW}" y2="${PAD.top + plotH}" stroke="#333"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}" stroke="#333"/>`,
  ]
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4
    parts.push(
      `<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${esc(formatBytes(v))}</text>`,
      `<line x1="${PAD.left}" y1="${y(v)}" x2="${PAD.left + plotW}" y2="${y(v)}" stroke="#eee"/>`,
    )
  }
  bars.forEach((bar, i) => {
    const x = PAD.left + slot * i + (slot - barW) / 2
    const h = PAD.top + plotH - y(bar.bytes)
    parts.push(
      `<rect x="${x}" y="${y(bar.bytes)}" width="${barW}" height="${Math.max(1, h)}" ` +
        `fill="${legend ? '#9cc0ee' : '#3b7dd8'}"/>`,
    )
    if (legend && bar.part !== undefined) {
      const part = Math.min(bar.part, bar.bytes)
      parts.push(
        `<rect x="${x}" y="${y(part)}" width="${barW}" height="${Math.max(0, PAD.top + plotH - y(part))}" ` +
          `fill="#1f4e8c"/>`,
      )
    }
    parts.push(
      `<text x="${x + barW / 2}" y="${y(bar.bytes) - 4}" text-anchor="middle">${esc(formatBytes(bar.bytes))}</text>`,
      `<text x="${x + barW / 2}" y="${PAD.top + plotH + 16}" text-anchor="middle">${esc(bar.label)}</text>`,
    )
  })
  lines.forEach((line, i) => {
    const colour = ['#d62728', '#ff7f0e', '#2ca02c'][i % 3]
    parts.push(
      `<line x1="${PAD.left}" y1="${y(line.bytes)}" x2="${PAD.left + plotW}" y2="${y(line.bytes)}" ` +
        `stroke="${colour}" stroke-dasharray="6 4"/>`,
      `<text x="${PAD.left + plotW + 6}" y="${y(line.bytes) + 4}" fill="${colour}">${esc(line.label)}</text>`,
    )
  })
  legend?.forEach((name, i) => {
    const ly = HEIGHT - 12 - 14 * (1 - i)
    parts.push(
      `<rect x="${PAD.left + plotW + 6}" y="${ly - 9}" width="10" height="10" ` +
        `fill="${i === 0 ? '#1f4e8c' : '#9cc0ee'}"/>`,
      `<text x="${PAD.left + plotW + 20}" y="${ly}">${esc(name)}</text>`,
    )
  })
  parts.push('</svg>')
  return Buffer.from(parts.join('\n'), 'utf8')
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
