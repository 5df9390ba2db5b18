// JSON shapes of the core's commands (the contract in ARCHITECTURE.md / the overview brief).

export type Status = 'met' | 'ahead' | 'behind' | 'no_target'

export interface Target {
  key: string
  name: string
  unit: string
  actual: number | null
  target: number | null
  comparator: 'at_least' | 'about'
  progress: number | null
  elapsed: number
  status: Status
  previous: number | null
  yoy: number | null
  province_share: number | null
}

export interface Scope {
  code: string
  name: string
  level: 'province' | 'city' | 'county'
}

export interface CityRow {
  code: string
  name: string
  towns: number
  output: number
  tax: number
  investment: number
  high_tech_firms: number
}

export interface CategoryRow {
  category: string
  towns: number
  output: number
  tax: number
  investment: number
  high_tech_firms: number
}

export interface RankRow {
  rank: number
  town_id: number | string
  name: string
  county: string
  city: string
  category: string
  stage: string
  value: number
  unit: string
}

export interface TrendRow {
  year: number
  output: number
  tax: number
  effective_investment: number
  high_tech_firms: number
  listed_firms: number
  named_towns: number
}

export interface Overview {
  demo: boolean
  year: number
  years: number[]
  as_of: string
  scope: Scope
  plan: { start_year: number; end_year: number; elapsed: number }
  targets: Target[]
  by_city: CityRow[]
  by_category: CategoryRow[]
  rank_output: RankRow[]
  rank_tax: RankRow[]
  trends: TrendRow[]
}

export interface Scopes {
  province: { code: string; name: string }
  cities: { code: string; name: string; counties: { code: string; name: string; towns: number }[] }[]
}
