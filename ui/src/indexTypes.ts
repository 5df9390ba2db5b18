// JSON shapes of the 一指数 commands (src/town_index.rs, src/town_index_explain.rs).

export interface VersionRef {
  version: number
  name: string
}

export interface Dimension {
  code: string
  name: string
  weight: number
}

export interface IndexRow {
  rank: number | null
  town_id: number
  name: string
  county: string
  city: string
  category: string
  stage: string
  score: number | null
  dimensions: (number | null)[]
  previous_rank: number | null
  rank_change: number | null
}

export interface Ranking {
  demo: boolean
  methodology: VersionRef
  index: string
  period: number
  periods: number[]
  dimensions: Dimension[]
  rows: IndexRow[]
}

export interface TownIndex {
  demo: boolean
  methodology: VersionRef
  town_id: number
  name: string
  county: string
  city: string
  category: string
  period: number
  score: number | null
  rank: number | null
  of: number
  previous_rank: number | null
  rank_change: number | null
  radar: { code: string; name: string; score: number | null; province_median: number | null }[]
  trend: { year: number; score: number | null; rank: number | null; of: number }[]
}

export interface UncertaintyRow {
  rank: number | null
  town_id: number
  name: string
  city: string
  category: string
  score: number | null
  mean: number | null
  median: number | null
  q05: number | null
  q95: number | null
}

export interface Uncertainty {
  demo: boolean
  methodology: VersionRef
  period: number
  runs: number
  seed: number
  weight_noise: number
  rows: UncertaintyRow[]
}

export interface NodeInfo {
  code: string
  name: string
  level: number
  kind: 'indicator' | 'aggregate'
  parent: string | null
  weight: number
  effective_weight: number
  direction: number
  denominator: string | null
}

export interface MethodologyView {
  version: number
  name: string
  created_at: string
  is_current: boolean
  note: string
  method: { weights: { method: string } } & Record<string, unknown>
  nodes: NodeInfo[]
  versions: VersionRef[]
}

export interface AhpReport {
  parent: string
  codes: string[]
  weights: number[]
  lambda_max: number
  ci: number
  cr: number
}

export interface Recomputed {
  saved: VersionRef | null
  ranking: Ranking
  ahp: AhpReport[]
}

export interface IndicatorDiagnostics {
  code: string
  name: string
  dimension: string
  dimension_name: string
  direction: number
  denominator: string | null
  stats: {
    availability: number
    min: number | null
    max: number | null
    mean: number | null
    median: number | null
    sd: number | null
    skew: number | null
    kurt: number | null
    skew_kurt_flag: boolean
    outliers_low: number
    outliers_high: number
  }
  winsorised_low: number
  winsorised_high: number
  log: boolean
  corr_parent: number | null
}

export interface IndexDiagnostics {
  demo: boolean
  methodology: VersionRef
  period: number
  periods: number[]
  towns: number
  ranked: number
  skew_threshold: number
  kurt_threshold: number
  indicators: IndicatorDiagnostics[]
  aggregates: {
    code: string
    name: string
    level: number
    children: number
    cronbach_alpha: number | null
    corr_parent: number | null
  }[]
  correlations: { codes: string[]; names: string[]; kinds: string[]; matrix: (number | null)[][] }
}
