// Numbers the Chinese way: 亿元 grows into 万亿元, small 亿元 shrink into 万元, counts get 万 past ten
// thousand, shares are percentages. Every figure keeps its unit.

const group = (n: number, digits: number): string =>
  n.toLocaleString('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** A value and its unit, split so the screen can set the unit smaller. */
export interface Shown {
  value: string
  unit: string
}

/** Formats `v` given in `unit` (as the core reports it: 亿元, 万元, 家, 个, 万人, %, …). */
export function show(v: number | null | undefined, unit: string): Shown {
  if (v === null || v === undefined || !Number.isFinite(v)) return { value: '—', unit: '' }
  const abs = Math.abs(v)
  switch (unit) {
    case '亿元':
      if (abs >= 10000) return { value: group(v / 10000, 2), unit: '万亿元' }
      if (abs > 0 && abs < 1) return { value: group(v * 10000, 0), unit: '万元' }
      return { value: group(v, abs >= 1000 ? 0 : 1), unit }
    case '万元':
      if (abs >= 10000) return show(v / 10000, '亿元')
      return { value: group(v, 0), unit }
    case '%':
      // Shares with unit '%' arrive in percentage points (72.5 = 72.5%).
      return { value: group(v, 1), unit: '%' }
    case '人':
      if (abs >= 10000) return { value: group(v / 10000, 1), unit: '万人' }
      return { value: group(v, 0), unit }
    case '万人':
      return { value: group(v, 1), unit }
    default:
      if (Number.isInteger(v) && abs >= 100000) return { value: group(v / 10000, 1), unit: `万${unit}` }
      return { value: group(v, Number.isInteger(v) ? 0 : 1), unit }
  }
}

export function showText(v: number | null | undefined, unit: string): string {
  const s = show(v, unit)
  return s.unit ? `${s.value} ${s.unit}` : s.value
}

/** A fraction as a percentage: 0.072 → "7.2%". */
export function pct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  return `${(v * 100).toFixed(digits)}%`
}

/** Year-on-year change with its sign: "+7.2%" / "−3.0%". */
export function yoy(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  const s = (Math.abs(v) * 100).toFixed(1)
  return v > 0 ? `+${s}%` : v < 0 ? `−${s}%` : '0.0%'
}

/** ISO date → 2025年12月31日. */
export function chineseDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso)
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : iso
}

/** A number with Chinese digit grouping and exactly `digits` decimals: 1234.5 → "1,234.50". */
export function fixed(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  return group(v, digits)
}
