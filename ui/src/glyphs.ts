// Canvas text (ECharts) does not make the browser load a web font the way DOM text does: a chart
// drawn before the bundled Noto Sans SC has loaded would use a fallback font (or a tofu box for a
// rare character such as 坞 in a town's name). Loading it first costs nothing after the first call:
// there is one local font file per weight.

const FAMILY = '"Noto Sans SC"'
const requested = new Set<string>()

/** Every string inside a chart option (labels, names, axis categories), bounded for huge data. */
export function textOf(value: unknown, out: string[] = [], budget = { left: 200_000 }): string[] {
  if (budget.left <= 0) return out
  budget.left--
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const v of value) textOf(v, out, budget)
  else if (value && typeof value === 'object') for (const v of Object.values(value)) textOf(v, out, budget)
  return out
}

/** Loads the font (regular and bold) for the CJK characters of `text` not yet asked for, before a chart draws them. */
export async function ensureGlyphs(text: string): Promise<void> {
  let fresh = ''
  for (const ch of text) {
    if (ch.charCodeAt(0) > 0x2e7f && !requested.has(ch)) {
      requested.add(ch)
      fresh += ch
    }
  }
  if (!fresh || typeof document === 'undefined' || !document.fonts) return
  try {
    await Promise.all([document.fonts.load(`400 16px ${FAMILY}`, fresh), document.fonts.load(`700 16px ${FAMILY}`, fresh)])
  } catch {
    // A font that fails to load leaves the fallback font; the chart must still draw.
  }
}
