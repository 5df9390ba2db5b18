// Shapes of the `town_profile` and `town_search` commands (src/profile in the core).

export interface Period {
  year: number
  quarter: number
}

export interface Median {
  value: number | null
  towns: number
}

export interface KeyFigure {
  key: string
  name: string
  unit: string
  period: string
  value: number | null
  source: string | null
  target: { year: number; value: number; source: string } | null
  category_median: Median
  county_median: Median
}

export interface Series {
  key: string
  name: string
  unit: string
  kind: string
  values: (number | null)[]
  sources: (string | null)[]
}

export interface SubIndex {
  code: string
  name: string
  weight: number
  score: number | null
  province_median: number | null
}

export interface Profile {
  demo: boolean
  town: {
    id: number
    name: string
    county: string
    county_code: string
    city: string
    category: string
    lead_industry: string
    stage: string
    status: string
    cultivation_date: string | null
    creation_date: string | null
    named_date: string | null
    planned_area_km2: number
  }
  code: { code: string; printed: string } | null
  colour: string
  lifecycle: {
    stage: string
    status: string
    creation_batch: number | null
    named_batch: number | null
    events: { date: string; kind: string; batch: number | null; grade: string | null; note: string | null }[]
  }
  area: { planned_km2: number; measured_km2: number | null; boundary: GeoJsonGeometry | null }
  industry: {
    category: string
    lead_industry: string
    links: { chain: string; segment: string; link: string; is_key: boolean; firms: number }[]
  }
  period: Period | null
  figures: KeyFigure[]
  targets_note: string | null
  periods: Period[]
  series: Series[]
  index: {
    methodology: { version: number; name: string }
    year: number
    score: number | null
    rank: number | null
    of: number
    previous_rank: number | null
    rank_interval: [number, number] | null
    dimensions: SubIndex[]
  } | null
  index_note: string | null
  firms: {
    id: number
    name: string
    credit_code: string
    industry: string
    link: string | null
    tags: string[]
    output_wan_yuan: number
    tax_wan_yuan: number
    employees: number
    source: string
  }[]
  projects: {
    id: number
    name: string
    project_type: string
    is_lead_industry: boolean
    total_investment_wan_yuan: number
    invested_wan_yuan: number
    invested_in_year_wan_yuan: number | null
    start_year: number
    end_year: number
    source: string
  }[]
  warnings: { kind: string; colour: string | null; text: string }[]
  media: Media[]
  cases: { id: number; title: string; date: string; tags: string[]; excerpt: string }[]
}

export interface Media {
  id: number
  kind: string
  file_name: string
  caption: string | null
  taken_on: string | null
  bytes: number
  width: number | null
  height: number | null
  /** ok, missing or changed */
  state: string
  problem: string | null
}

export type GeoJsonGeometry =
  | { type: 'Polygon'; coordinates: number[][][] }
  | { type: 'MultiPolygon'; coordinates: number[][][][] }

export interface SearchHit {
  town_id: number
  name: string
  county: string
  city: string
  category: string
  stage: string
  initials: string
  code: string | null
  matched: string
}

/** Shown wherever a period has no value: never a zero. */
export const NO_DATA = '暂无数据'
