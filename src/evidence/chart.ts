/**
 * A bar chart of what a box's disk takes on the host, as an SVG Buffer for the reports (the HTML
 * report shows image attachments only when they are Buffers or base64). Drawn to be read at its
 * own width (720 px): text of at least 13 px, a title per scenario, a y axis in one unit with
 * round ticks, x labels wrapped to their slot, and the pass zone drawn one way in every chart: a
 * shaded "allowed" band behind the bar a threshold judges, below a ceiling or above a floor.
 */
import { GiB, KiB, MiB } from './units'
import { formatBytes } from './units'

interface ChartBar {
  readonly label: string
  readonly bytes: number
  /** The bar's lower part, drawn darker (e.g. the box's disk within the whole home). */
  readonly part?: number
}

/** A threshold and the side of it that passes. */
export interface ChartLine {
  /** e.g. "start + 30 MiB". */
  readonly label: string
  readonly bytes: number
  /** `at-most` (a ceiling, the default) or `at-least` (a floor). */
  readonly kind?: 'at-most' | 'at-least'
  /** The label of the bar it judges (default: the last bar). */
  readonly bar?: string
}

export interface ChartTitle {
  /** The scenario's name. */
  readonly title: string
  /** What the bars measure, e.g. "What the runtime keeps in its home on the host". */
  readonly subtitle?: string
}

export const CHART_WIDTH = 720
const PLOT_HEIGHT = 210
/** The smallest text in the chart, in its own pixels: at its own width it reads as 13 px. */
export const CHART_MIN_FONT = 13
const PAD = { top: 78, right: 24, left: 84 }
const PART = '#1f4e8c'
const REST = '#9cc0ee'
const SINGLE = '#3b7dd8'
const ALLOWED = '#2e9b4e'

/**
 * Bars for the measured footprints, a shaded allowed band for each threshold. With `legend`
 * (names of a bar's lower part and the rest), each bar is split at its `part`.
 */
export function footprintChart(
  heading: string | ChartTitle,
  bars: readonly ChartBar[],
  lines: readonly ChartLine[] = [],
  legend?: readonly [string, string],
): Buffer {
  if (bars.length === 0) throw new Error('a footprint chart needs at least one measurement')
  const { title, subtitle } = typeof heading === 'string' ? { title: heading, subtitle: undefined } : heading
  const plotW = CHART_WIDTH - PAD.left - PAD.right
  const plotH = PLOT_HEIGHT
  const f = CHART_MIN_FONT
  const slot = plotW / bars.length
  const labelChars = Math.max(6, Math.floor((slot - 6) / (f * 0.56)))
  const labels = bars.map((b) => wrap(b.label, labelChars).slice(0, 3))
  // Legend: the two series of a split bar, and the allowed zone of each threshold, laid out in rows.
  const entries: Array<{ swatch: string; text: string }> = []
  if (legend) entries.push({ swatch: PART, text: legend[0] }, { swatch: REST, text: legend[1] })
  for (const line of lines) {
    const side = line.kind === 'at-least' ? 'at least' : 'at most'
    entries.push({ swatch: ALLOWED, text: `allowed: ${side} ${line.label} (${formatBytes(line.bytes)})` })
  }
  const placed: Array<{ swatch: string; text: string; x: number; row: number }> = []
  let [lx, row] = [PAD.left, 0]
  for (const e of entries) {
    const width = 22 + e.text.length * f * 0.56
    if (lx + width > CHART_WIDTH - PAD.right && lx > PAD.left) [lx, row] = [PAD.left, row + 1]
    placed.push({ ...e, x: lx, row })
    lx += width + 18
  }
  const legendTop = PAD.top + plotH + 26 + 15 * Math.max(...labels.map((l) => l.length)) + 8
  const HEIGHT = legendTop + (placed.length ? 20 * (row + 1) : 0) + 6
  const axis = niceAxis(Math.max(1, ...bars.map((b) => b.bytes), ...lines.map((l) => l.bytes)) * 1.08)
  const y = (bytes: number) => PAD.top + plotH - (Math.max(0, Math.min(bytes, axis.top)) / axis.top) * plotH
  const barW = Math.min(72, slot * 0.55)
  const xOf = (i: number) => PAD.left + slot * i + (slot - barW) / 2

  const titleLines = wrap(title, Math.floor(plotW / 8.6)).slice(0, 2)
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${HEIGHT}" ` +
      `viewBox="0 0 ${CHART_WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="${f}">`,
    `<rect width="${CHART_WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${PAD.left}" y="22" font-size="16" font-weight="bold" fill="#1d2430">` +
      `${titleLines.map((l, i) => `<tspan x="${PAD.left}" dy="${i ? 19 : 0}">${esc(l)}</tspan>`).join('')}</text>`,
  ]
  if (subtitle)
    parts.push(`<text x="${PAD.left}" y="${22 + 19 * titleLines.length}" fill="#5a6270">${esc(subtitle)}</text>`)

  // Allowed bands first, so the bars are drawn over them.
  lines.forEach((line) => {
    const i = Math.max(0, line.bar === undefined ? bars.length - 1 : bars.findIndex((b) => b.label === line.bar))
    const x = PAD.left + slot * i + 4
    const [from, to] = line.kind === 'at-least' ? [axis.top, line.bytes] : [line.bytes, 0]
    parts.push(
      `<rect x="${x}" y="${y(from)}" width="${slot - 8}" height="${Math.max(0, y(to) - y(from))}" ` +
        `fill="${ALLOWED}" fill-opacity="0.14"/>`,
      `<line x1="${x}" y1="${y(line.bytes)}" x2="${x + slot - 8}" y2="${y(line.bytes)}" ` +
        `stroke="${ALLOWED}" stroke-width="2"/>`,
    )
  })

  for (const v of axis.ticks) {
    parts.push(
      `<line x1="${PAD.left}" y1="${y(v)}" x2="${PAD.left + plotW}" y2="${y(v)}" stroke="#e6e9ee"/>`,
      `<text x="${PAD.left - 8}" y="${y(v) + 4}" text-anchor="end" fill="#3b4350">${axis.label(v)}</text>`,
    )
  }
  parts.push(
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${PAD.left + plotW}" y2="${PAD.top + plotH}" stroke="#333"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}" stroke="#333"/>`,
    `<text transform="translate(20 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#3b4350">` +
      `on the host (${axis.unit})</text>`,
  )

  bars.forEach((bar, i) => {
    const x = xOf(i)
    parts.push(
      `<rect x="${x}" y="${y(bar.bytes)}" width="${barW}" height="${Math.max(1, PAD.top + plotH - y(bar.bytes))}" ` +
        `fill="${legend ? REST : SINGLE}"/>`,
    )
    if (legend && bar.part !== undefined) {
      const part = Math.min(bar.part, bar.bytes)
      parts.push(
        `<rect x="${x}" y="${y(part)}" width="${barW}" ` +
          `height="${Math.max(0, PAD.top + plotH - y(part))}" fill="${PART}"/>`,
      )
    }
    parts.push(
      `<text x="${x + barW / 2}" y="${y(bar.bytes) - 5}" text-anchor="middle" fill="#1d2430">` +
        `${esc(formatBytes(bar.bytes))}</text>`,
    )
    const label = labels[i]
    parts.push(
      `<text x="${x + barW / 2}" y="${PAD.top + plotH + 18}" text-anchor="middle" fill="#1d2430">` +
        `${label.map((l, j) => `<tspan x="${x + barW / 2}" dy="${j ? 15 : 0}">${esc(l)}</tspan>`).join('')}</text>`,
    )
  })

  for (const e of placed) {
    const y0 = legendTop + 20 * e.row
    const opacity = e.swatch === ALLOWED ? ' fill-opacity="0.35"' : ''
    parts.push(
      `<rect x="${e.x}" y="${y0 - 11}" width="14" height="14" fill="${e.swatch}"${opacity}/>`,
      `<text x="${e.x + 20}" y="${y0}" fill="#1d2430">${esc(e.text)}</text>`,
    )
  }
  parts.push('</svg>')
  return Buffer.from(parts.join('\n'), 'utf8')
}

export interface Axis {
  readonly top: number
  readonly ticks: readonly number[]
  readonly unit: string
  label(v: number): string
}

/** A y axis in one unit (KiB, MiB or GiB) with 3-6 round ticks (1, 2, 2.5 or 5 times a power of ten). */
export function niceAxis(max: number): Axis {
  const [unit, size] = max >= 1.5 * GiB ? ['GiB', GiB] : max >= 1.5 * MiB ? ['MiB', MiB] : ['KiB', KiB]
  const span = max / size
  const raw = span / 5
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => span / s <= 6) ?? 10 * power
  const count = Math.max(1, Math.ceil(span / step - 1e-9))
  const ticks = Array.from({ length: count + 1 }, (_, i) => i * step * size)
  const decimals = step < 1 ? (String(step).split('.')[1]?.length ?? 0) : 0
  return {
    top: count * step * size,
    ticks,
    unit,
    label: (v) => (v / size).toFixed(Number.isInteger(v / size) ? 0 : decimals),
  }
}

/** Greedy word wrap; a word longer than a line stays whole. */
export function wrap(text: string, max: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > max) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
