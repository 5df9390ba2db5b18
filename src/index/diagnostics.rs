//! Diagnostics that explain an index: per-indicator availability, skewness, kurtosis and outlier
//! flags (beyond 1.5 interquartile ranges, as COINr's `get_stats`), the correlation of every node
//! with its parent and among siblings, and Cronbach's alpha of every aggregate's children.

use serde::Serialize;

use super::frame::{Frame, Structure};
use super::method::Treat;
use super::pipeline::Outcome;
use super::stats;

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorStats {
    pub code: String,
    /// Share of rows with a value (before imputation).
    pub availability: f64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub median: f64,
    pub sd: f64,
    pub skew: f64,
    pub kurt: f64,
    /// Fails COINr's skew/kurtosis test (would be treated).
    pub skew_kurt_flag: bool,
    pub outliers_low: usize,
    pub outliers_high: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeDiagnostics {
    pub code: String,
    /// Correlation with the parent's score.
    pub corr_parent: Option<f64>,
    /// Cronbach's alpha of the children (aggregates only).
    pub cronbach_alpha: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diagnostics {
    pub indicators: Vec<IndicatorStats>,
    pub nodes: Vec<NodeDiagnostics>,
}

/// Statistics of each indicator of `frame` (raw or any stage); availability from `raw`.
pub fn indicator_stats(
    raw: &Frame,
    frame: &Frame,
    structure: &Structure,
    spec: &Treat,
) -> Vec<IndicatorStats> {
    structure
        .indicators
        .iter()
        .enumerate()
        .map(|(j, &i)| {
            let x = &frame.values[j];
            let mut v = stats::present(x);
            v.sort_unstable_by(f64::total_cmp);
            let (q1, q3) = if v.is_empty() {
                (f64::NAN, f64::NAN)
            } else {
                (
                    stats::quantile_sorted(&v, 0.25),
                    stats::quantile_sorted(&v, 0.75),
                )
            };
            let iqr = q3 - q1;
            let (skew, kurt) = (stats::skew(x), stats::kurt(x));
            let avail = raw.values[j].iter().filter(|v| !v.is_nan()).count() as f64
                / raw.values[j].len().max(1) as f64;
            IndicatorStats {
                code: structure.nodes[i].code.clone(),
                availability: avail,
                min: v.first().copied().unwrap_or(f64::NAN),
                max: v.last().copied().unwrap_or(f64::NAN),
                mean: stats::mean(x),
                median: if v.is_empty() {
                    f64::NAN
                } else {
                    stats::quantile_sorted(&v, 0.5)
                },
                sd: stats::sd(x),
                skew,
                kurt,
                skew_kurt_flag: !(skew.abs() < spec.skew || kurt < spec.kurt),
                outliers_low: v.iter().filter(|&&y| y < q1 - 1.5 * iqr).count(),
                outliers_high: v.iter().filter(|&&y| y > q3 + 1.5 * iqr).count(),
            }
        })
        .collect()
}

/// Cronbach's alpha over the rows where every column is present.
pub fn cronbach_alpha(cols: &[&[f64]]) -> f64 {
    let k = cols.len();
    if k < 2 {
        return f64::NAN;
    }
    let rows: Vec<usize> = (0..cols[0].len())
        .filter(|&r| cols.iter().all(|c| !c[r].is_nan()))
        .collect();
    let pick = |c: &[f64]| rows.iter().map(|&r| c[r]).collect::<Vec<f64>>();
    let item_var: f64 = cols.iter().map(|c| stats::sd(&pick(c)).powi(2)).sum();
    let total: Vec<f64> = rows
        .iter()
        .map(|&r| cols.iter().map(|c| c[r]).sum())
        .collect();
    let total_var = stats::sd(&total).powi(2);
    k as f64 / (k as f64 - 1.0) * (1.0 - item_var / total_var)
}

pub fn diagnose(
    frame: &Frame,
    structure: &Structure,
    outcome: &Outcome,
    spec: &Treat,
) -> Diagnostics {
    let indicators = indicator_stats(frame, &outcome.screened, structure, spec);
    let nodes = (0..structure.nodes.len())
        .map(|i| {
            let node = &structure.nodes[i];
            let corr_parent = node
                .parent
                .map(|p| stats::pearson(outcome.score(structure, i), outcome.score(structure, p)));
            let cronbach_alpha = (!node.children.is_empty()).then(|| {
                let cols: Vec<&[f64]> = node
                    .children
                    .iter()
                    .map(|&c| outcome.score(structure, c))
                    .collect();
                cronbach_alpha(&cols)
            });
            NodeDiagnostics {
                code: node.code.clone(),
                corr_parent,
                cronbach_alpha,
            }
        })
        .collect();
    Diagnostics { indicators, nodes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_of_identical_items_is_one() {
        let a = [1.0, 2.0, 3.0, 5.0];
        assert!((cronbach_alpha(&[&a, &a, &a]) - 1.0).abs() < 1e-12);
    }
}
