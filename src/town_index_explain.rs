//! How sure and how sound the town vitality index is: rank intervals of every town from a seeded
//! Monte Carlo run ([`crate::index::uncertainty`]) and the per-year diagnostics of the
//! framework ([`crate::index::diagnostics`]) — what a leader asking "why is this town 12th, and
//! could it as well be 20th?" needs to see.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::index::diagnostics::{diagnose_period, IndicatorStats};
use crate::index::{compute, NodeKind, UncertaintySpec};
use crate::store::Store;
use crate::town_index::{
    load_frame, methodology, pick_year, rank_stats, ranking, RankingArgs, VersionRef,
};
use crate::towns::load_all;

/// Runs when the caller names none: about a second for the demo province in a debug build.
pub const DEFAULT_RUNS: usize = 200;
pub const MAX_RUNS: usize = 5000;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UncertaintyArgs {
    /// Year (the latest when absent).
    pub period: Option<i32>,
    pub version: Option<i64>,
    /// Monte Carlo runs (default [`DEFAULT_RUNS`], at most [`MAX_RUNS`]).
    pub runs: Option<usize>,
    /// Random seed: the same seed gives the same intervals.
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UncertaintyRow {
    /// Nominal rank (the published one).
    pub rank: Option<u32>,
    pub town_id: i64,
    pub name: String,
    pub city: String,
    pub category: String,
    pub score: Option<f64>,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub q05: Option<f64>,
    pub q95: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Uncertainty {
    pub demo: bool,
    pub methodology: VersionRef,
    pub period: i32,
    pub runs: usize,
    pub seed: u64,
    /// Each weight is multiplied by a uniform draw from [1 − noise, 1 + noise].
    pub weight_noise: f64,
    /// Ordered by nominal rank.
    pub rows: Vec<UncertaintyRow>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Nominal, median, 5% and 95% rank of every town ranked in a year.
pub async fn uncertainty(store: &Store, args: UncertaintyArgs) -> Result<Uncertainty> {
    let runs = args.runs.unwrap_or(DEFAULT_RUNS);
    if !(1..=MAX_RUNS).contains(&runs) {
        return Err(Error::invalid(format!(
            "不确定性分析的参数 runs（运行次数）应在 1 到 {MAX_RUNS} 之间，而不是 {runs}"
        )));
    }
    let spec = UncertaintySpec {
        runs,
        seed: args.seed.unwrap_or(1),
        ..UncertaintySpec::default()
    };
    let ranked = ranking(
        store,
        RankingArgs {
            period: args.period,
            version: args.version,
            intervals: false,
        },
    )
    .await?;
    let m = methodology(store, Some(ranked.methodology.version)).await?;
    let towns = load_all(store).await?;
    let stats = rank_stats(store, &m, &towns, ranked.period, &spec).await?;
    let rows = ranked
        .rows
        .into_iter()
        .map(|r| {
            let s = stats.get(&r.town_id);
            let pick = |f: fn(&crate::index::RankStats) -> f64| s.and_then(|s| finite(f(s)));
            UncertaintyRow {
                rank: r.rank,
                town_id: r.town_id,
                name: r.name,
                city: r.city,
                category: r.category,
                score: r.score,
                mean: pick(|s| s.mean),
                median: pick(|s| s.median),
                q05: pick(|s| s.q05),
                q95: pick(|s| s.q95),
            }
        })
        .collect();
    Ok(Uncertainty {
        demo: ranked.demo,
        methodology: ranked.methodology,
        period: ranked.period,
        runs: spec.runs,
        seed: spec.seed,
        weight_noise: spec.weight_noise,
        rows,
    })
}

// ---- diagnostics --------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnosticsArgs {
    /// Year (the latest when absent).
    pub period: Option<i32>,
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorDiagnostics {
    pub code: String,
    pub name: String,
    /// The dimension (parent aggregate) it belongs to.
    pub dimension: String,
    pub dimension_name: String,
    pub direction: f64,
    pub denominator: Option<String>,
    /// Statistics of the year's values after imputation and screening, before treatment;
    /// availability from the raw values.
    pub stats: IndicatorStats,
    /// Winsorised points (low, high) and whether the values were log-transformed that year.
    pub winsorised_low: usize,
    pub winsorised_high: usize,
    pub log: bool,
    /// Correlation of its normalised values with its dimension's score.
    pub corr_parent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AggregateDiagnostics {
    pub code: String,
    pub name: String,
    pub level: u32,
    pub children: usize,
    /// Cronbach's alpha of its children.
    pub cronbach_alpha: Option<f64>,
    /// Correlation with its parent's score (none for the index itself).
    pub corr_parent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Correlations {
    pub codes: Vec<String>,
    pub names: Vec<String>,
    /// "indicator" or "aggregate", per code.
    pub kinds: Vec<&'static str>,
    /// Pearson correlations (null where not computable).
    pub matrix: Vec<Vec<Option<f64>>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexDiagnostics {
    pub demo: bool,
    pub methodology: VersionRef,
    pub period: i32,
    pub periods: Vec<i32>,
    /// Towns with data that year, and how many were ranked (kept by screening).
    pub towns: usize,
    pub ranked: usize,
    /// The skewness and kurtosis thresholds of the outlier test.
    pub skew_threshold: f64,
    pub kurt_threshold: f64,
    pub indicators: Vec<IndicatorDiagnostics>,
    pub aggregates: Vec<AggregateDiagnostics>,
    pub correlations: Correlations,
}

/// Availability, skewness, kurtosis, outlier flags, correlations and Cronbach's alpha of the
/// framework's indicators and dimensions in one year.
pub async fn diagnostics(store: &Store, args: DiagnosticsArgs) -> Result<IndexDiagnostics> {
    let m = methodology(store, args.version).await?;
    let (structure, method) = m.parse()?;
    let towns = load_all(store).await?;
    let frame = load_frame(store, &structure, &towns).await?;
    let (frame, structure, method, outcome) = crate::offload::cpu(move || {
        let outcome = compute(&frame, &structure, &method)?;
        Ok((frame, structure, method, outcome))
    })
    .await?;
    let labels = &frame.rows.periods;
    let periods: Vec<i32> = labels.iter().filter_map(|p| p.parse().ok()).collect();
    let year = pick_year(&periods, args.period, "活力指数数据")?;
    let label = year.to_string();
    let k = labels
        .iter()
        .position(|p| *p == label)
        .expect("year is one of the periods");
    let d = diagnose_period(&frame, &structure, &outcome, &method.treat, k);
    let nodes = &structure.nodes;
    let diag_of = |code: &str| d.nodes.iter().find(|n| n.code == code);
    let indicators = structure
        .indicators
        .iter()
        .zip(d.indicators)
        .map(|(&i, stats)| {
            let n = &nodes[i];
            let parent = n.parent.map(|p| &nodes[p]);
            let treated = outcome
                .treatment
                .iter()
                .filter(|t| t.code == n.code && t.period.as_deref().is_none_or(|p| p == label));
            let (mut low, mut high, mut log) = (0, 0, false);
            for t in treated {
                low += t.result.winsorised_low;
                high += t.result.winsorised_high;
                log |= t.result.log;
            }
            IndicatorDiagnostics {
                code: n.code.clone(),
                name: n.name.clone(),
                dimension: parent.map(|p| p.code.clone()).unwrap_or_default(),
                dimension_name: parent.map(|p| p.name.clone()).unwrap_or_default(),
                direction: n.direction,
                denominator: n.denominator.clone(),
                stats,
                winsorised_low: low,
                winsorised_high: high,
                log,
                corr_parent: diag_of(&n.code)
                    .and_then(|x| x.corr_parent)
                    .and_then(finite),
            }
        })
        .collect();
    let aggregates = structure
        .aggregates_top_down()
        .into_iter()
        .map(|a| {
            let n = &nodes[a];
            let x = diag_of(&n.code);
            AggregateDiagnostics {
                code: n.code.clone(),
                name: n.name.clone(),
                level: n.level,
                children: n.children.len(),
                cronbach_alpha: x.and_then(|x| x.cronbach_alpha).and_then(finite),
                corr_parent: x.and_then(|x| x.corr_parent).and_then(finite),
            }
        })
        .collect();
    let correlations = Correlations {
        codes: nodes.iter().map(|n| n.code.clone()).collect(),
        names: nodes.iter().map(|n| n.name.clone()).collect(),
        kinds: nodes
            .iter()
            .map(|n| {
                if n.kind == NodeKind::Indicator {
                    "indicator"
                } else {
                    "aggregate"
                }
            })
            .collect(),
        matrix: d
            .correlations
            .iter()
            .map(|row| row.iter().map(|&v| finite(v)).collect())
            .collect(),
    };
    let in_year = |rows: &crate::index::Rows| rows.period.iter().filter(|&&p| p == k).count();
    Ok(IndexDiagnostics {
        demo: store.is_demo().await?,
        methodology: VersionRef {
            version: m.version,
            name: m.name.clone(),
        },
        period: year,
        periods,
        towns: in_year(&frame.rows),
        ranked: in_year(&outcome.normalised.rows),
        skew_threshold: method.treat.skew,
        kurt_threshold: method.treat.kurt,
        indicators,
        aggregates,
        correlations,
    })
}
