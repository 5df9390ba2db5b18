// 一图 data: the JSON shapes of the map commands (src/spatial/view.rs), one cached fetch per scope,
// the boundaries registered with ECharts once per scope, and the layers' colours and legends.
// Layer values are joined by town id from the commands that own them (index_towns, code_list).
import { registerMap } from 'echarts/core'
import { revision } from './freshness'
import { ensureGlyphs } from './glyphs'
import { cssVar } from './theme'
import { call } from './transport'
import type { Scope } from './types'
import { colourMap, type Term } from './vocab'

export type Level = 'province' | 'city' | 'county'

export interface Crumb {
  code: string
  name: string
  level: Level
}

interface Feature {
  type: 'Feature'
  properties: { adcode: string; name: string; level: Level; parent_adcode: string }
  geometry: Geometry | null
}

export interface FeatureCollection {
  type: 'FeatureCollection'
  features: Feature[]
}

export type Geometry =
  | { type: 'Polygon'; coordinates: number[][][] }
  | { type: 'MultiPolygon'; coordinates: number[][][][] }

export interface MapGeo {
  scope: Scope
  breadcrumb: Crumb[]
  outline: FeatureCollection
  children: FeatureCollection
  source: string
  review_number: string
  disclaimer: string
}

export type ControlKind = 'redline' | 'farmland' | 'urban'

export interface MapTown {
  id: number
  name: string
  county: string
  city: string
  category: string
  stage: string
  status: string
  lon: number | null
  lat: number | null
  /** 亿元 */
  output: number | null
  area_km2: number | null
  boundary: Geometry | null
  flags: string[]
  violations: ControlKind[]
  is_demo: boolean
}

export interface MapTowns {
  demo: boolean
  year: number | null
  scope: Scope
  towns: MapTown[]
}

export interface Piece {
  town_id: number
  kind: ControlKind
  geometry: Geometry
}

interface CheckReport {
  pieces: Piece[]
}

interface Ranking {
  period: number
  rows: { town_id: number; score: number | null; rank: number | null }[]
}

export type CodeColour = '绿' | '黄' | '红' | '灰'

interface CodeList {
  towns: { town_id: number; colour: CodeColour; printed: string }[]
}

// --- fetching, one promise per key; a failed fetch is forgotten so a retry asks again -----------
// Everything is kept until the data changes (freshness.ts): the first fetch after that drops it all,
// the bundled boundaries too (`map import-divisions` replaces them).

const geos = new Map<string, Promise<MapGeo>>()
const townLists = new Map<string, Promise<MapTowns>>()
const checks = new Map<string, Promise<Piece[]>>()
const scores = new Map<string, Promise<Map<number, { score: number | null; rank: number | null }>>>()
const codes = new Map<'', Promise<Map<number, { colour: CodeColour; printed: string }>>>()
let cachedAt = revision.value

function cached<K, V>(store: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
  if (cachedAt !== revision.value) {
    cachedAt = revision.value
    for (const m of [geos, townLists, checks, scores, codes]) m.clear()
  }
  let p = store.get(key)
  if (!p) {
    p = load()
    store.set(key, p)
    p.catch(() => store.get(key) === p && store.delete(key))
  }
  return p
}

/** The ECharts map name of a scope's drawing: its children, or the county's own outline. */
export function mapKey(code: string): string {
  return `towncockpit-${code}`
}

/** The scope's boundaries (one level down), registered with ECharts the first time they arrive. */
export function loadGeo(code: string): Promise<MapGeo> {
  return cached(geos, code, async () => {
    const g = await call<MapGeo>('map_geo', { scope: code })
    const drawn = g.scope.level === 'county' ? g.outline : g.children
    registerMap(mapKey(code), drawn as unknown as Parameters<typeof registerMap>[1])
    // Region labels come from the boundaries, not from the chart option (see glyphs.ts).
    const names = (drawn as { features?: { properties?: { name?: string } }[] }).features ?? []
    await ensureGlyphs(names.map((f) => f.properties?.name ?? '').join(''))
    return g
  })
}

/** The scope's towns; `polygons` adds each town's boundary (county view, or zoomed in). */
export function loadTowns(code: string, year: number | null, polygons: boolean): Promise<MapTowns> {
  const key = `${code}|${year ?? ''}|${polygons ? 'polygons' : 'points'}`
  return cached(townLists, key, () => {
    const args: Record<string, unknown> = { scope: code, points_only: !polygons }
    if (year !== null) args.year = year
    return call<MapTowns>('map_towns', args)
  })
}

/** The violating pieces of the scope's towns, per control line. */
export function loadPieces(code: string): Promise<Piece[]> {
  return cached(checks, code, async () => (await call<CheckReport>('map_check', { scope: code, pieces: true })).pieces)
}

/** 活力指数 per town for a year (the latest when null). */
export function loadScores(year: number | null) {
  return cached(scores, String(year ?? ''), async () => {
    const r = await call<Ranking>('index_towns', year === null ? {} : { period: year })
    return new Map(r.rows.map((row) => [row.town_id, { score: row.score, rank: row.rank }]))
  })
}

/** The town code colour of every town. */
export function loadCodes() {
  return cached(codes, '', async () => new Map((await call<CodeList>('code_list')).towns.map((t) => [t.town_id, t])))
}

// --- layers ---------------------------------------------------------------------------------------

export type LayerKey = 'score' | 'code' | 'category' | 'output' | 'controls'

export const LAYERS: { key: LayerKey; label: string; hint: string }[] = [
  { key: 'score', label: '活力指数', hint: '特色小镇活力指数（0–100）' },
  { key: 'code', label: '小镇码颜色', hint: '一码的绿、黄、红、灰' },
  { key: 'category', label: '主导产业', hint: '主导产业类别' },
  { key: 'output', label: '产出', hint: '总产出，按五分位分级' },
  { key: 'controls', label: '三条控制线', hint: '与控制线冲突的部分' },
]

export const CONTROL_LABEL: Record<ControlKind, string> = {
  redline: '生态保护红线',
  farmland: '永久基本农田',
  urban: '城镇开发边界',
}

/** What the violating piece is, as the legend says it. */
export const PIECE_LABEL: Record<ControlKind, string> = {
  redline: '占用生态保护红线',
  farmland: '占用永久基本农田',
  urban: '超出城镇开发边界',
}

export const PIECE_COLOUR: Record<ControlKind, string> = {
  redline: '#ff3b3b',
  farmland: '#f5a623',
  urban: '#b066ff',
}

export const CODE_COLOUR: Record<CodeColour, string> = {
  绿: '#22b36b',
  黄: '#f2c230',
  红: '#e5484d',
  灰: '#98a2b3',
}

const FLAGGED = '#e5484d'
const CLEAR = '#22b36b'
const MISSING = '#7b8794'

export interface LegendItem {
  label: string
  colour: string
  count?: number
}

export interface Legend {
  title: string
  items: LegendItem[]
  /** A continuous scale: colours from low to high with its ends. */
  ramp?: { colours: string[]; low: string; high: string }
}

/** Everything a layer needs to colour a town, joined by id. */
export interface LayerData {
  scores?: Map<number, { score: number | null; rank: number | null }>
  codes?: Map<number, { colour: CodeColour; printed: string }>
  /** The core's categories in order with their colours (`vocabularies`), shared with the static renders. */
  categories?: Term[]
  year: number | null
}

function hex(c: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c.trim())
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [128, 128, 128]
}

/** The theme's sequential ramp (low → high), from the CSS variables. */
function ramp(): string[] {
  return [1, 2, 3, 4, 5].map((i) => cssVar(`--ramp-${i}`) || '#888888')
}

function mix(stops: string[], t: number): string {
  const x = Math.min(Math.max(t, 0), 1) * (stops.length - 1)
  const i = Math.min(Math.floor(x), stops.length - 2)
  const a = hex(stops[i])
  const b = hex(stops[i + 1])
  const f = x - i
  const c = a.map((v, k) => Math.round(v + (b[k] - v) * f))
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`
}

function fixed(v: number, digits = 1): string {
  return v.toLocaleString('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** Quintile breaks of the values (four inner edges). */
function quintiles(values: number[]): number[] {
  const v = [...values].sort((a, b) => a - b)
  return [1, 2, 3, 4].map((k) => v[Math.floor((v.length * k) / 5)] ?? 0)
}

export interface Painted {
  colour: (t: MapTown) => string
  /** The town's value on this layer, as the tooltip says it. */
  value: (t: MapTown) => string
  legend: Legend
}

/** How `layer` colours `towns`, with its legend. */
export function paint(layer: LayerKey, towns: MapTown[], d: LayerData): Painted {
  const count = (pred: (t: MapTown) => boolean) => towns.filter(pred).length
  switch (layer) {
    case 'score': {
      const vals = towns.map((t) => d.scores?.get(t.id)?.score).filter((v): v is number => v != null)
      const lo = vals.length ? Math.min(...vals) : 0
      const hi = vals.length ? Math.max(...vals) : 100
      const stops = ramp()
      return {
        colour: (t) => {
          const s = d.scores?.get(t.id)?.score
          return s == null ? MISSING : mix(stops, hi > lo ? (s - lo) / (hi - lo) : 1)
        },
        value: (t) => {
          const s = d.scores?.get(t.id)
          return s?.score == null ? '活力指数：暂无' : `活力指数：${fixed(s.score)}（全省第 ${s.rank ?? '—'} 名）`
        },
        legend: {
          title: `活力指数${d.year ? `（${d.year} 年）` : ''}`,
          items: vals.length < towns.length ? [{ label: '暂无指数', colour: MISSING, count: towns.length - vals.length }] : [],
          ramp: { colours: stops, low: fixed(lo), high: fixed(hi) },
        },
      }
    }
    case 'code': {
      const colourOf = (t: MapTown) => d.codes?.get(t.id)?.colour
      return {
        colour: (t) => {
          const c = colourOf(t)
          return c ? CODE_COLOUR[c] : MISSING
        },
        value: (t) => {
          const c = d.codes?.get(t.id)
          return c ? `小镇码：${c.colour}码（${c.printed}）` : '小镇码：暂无'
        },
        legend: {
          title: '小镇码颜色',
          items: (Object.keys(CODE_COLOUR) as CodeColour[]).map((c) => ({
            label: `${c}码`,
            colour: CODE_COLOUR[c],
            count: count((t) => colourOf(t) === c),
          })),
        },
      }
    }
    case 'category': {
      const colours = colourMap(d.categories ?? [])
      const present = Object.keys(colours).filter((c) => towns.some((t) => t.category === c))
      const other = count((t) => !(t.category in colours))
      return {
        colour: (t) => colours[t.category] ?? MISSING,
        value: (t) => `主导产业：${t.category}`,
        legend: {
          title: '主导产业类别',
          items: [
            ...present.map((c) => ({ label: c, colour: colours[c], count: count((t) => t.category === c) })),
            ...(other ? [{ label: '其他', colour: MISSING, count: other }] : []),
          ],
        },
      }
    }
    case 'output': {
      const vals = towns.map((t) => t.output).filter((v): v is number => v != null)
      const breaks = quintiles(vals)
      const stops = ramp()
      const edges = [0, ...breaks]
      const cls = (v: number) => Math.min(breaks.filter((b) => v >= b).length, 4)
      return {
        colour: (t) => (t.output == null ? MISSING : stops[cls(t.output)]),
        value: (t) => (t.output == null ? '总产出：暂无' : `总产出：${fixed(t.output)} 亿元`),
        legend: {
          title: `总产出（亿元${d.year ? `，${d.year} 年` : ''}）`,
          items: stops.map((c, i) => ({
            label: i < 4 ? `${fixed(edges[i])} – ${fixed(edges[i + 1])}` : `≥ ${fixed(edges[4])}`,
            colour: c,
            count: count((t) => t.output != null && cls(t.output) === i),
          })),
        },
      }
    }
    case 'controls': {
      return {
        colour: (t) => (t.violations.length ? FLAGGED : CLEAR),
        value: (t) =>
          t.violations.length
            ? `控制线问题：${t.violations.map((k) => PIECE_LABEL[k]).join('、')}`
            : '控制线：未发现问题',
        legend: {
          title: '三条控制线',
          items: [
            { label: '存在冲突的小镇', colour: FLAGGED, count: count((t) => t.violations.length > 0) },
            { label: '未发现问题的小镇', colour: CLEAR, count: count((t) => t.violations.length === 0) },
            ...(Object.keys(PIECE_LABEL) as ControlKind[]).map((k) => ({
              label: PIECE_LABEL[k],
              colour: PIECE_COLOUR[k],
              count: count((t) => t.violations.includes(k)),
            })),
          ],
        },
      }
    }
  }
}

/** The outer rings of a (multi)polygon, as [lon, lat] lists. */
export function rings(g: Geometry | null): number[][][] {
  if (!g) return []
  return g.type === 'Polygon' ? g.coordinates.slice(0, 1) : g.coordinates.map((p) => p[0])
}
