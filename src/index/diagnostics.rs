//! Diagnostics that explain an index: per-indicator availability, skewness, kurtosis and outlier
//! flags (beyond 1.5 interquartile ranges, as COINr's `get_stats`), the correlation of every node
//! with its parent and among siblings, and Cronbach's alpha of every aggregate's children; for a
//! panel, of all periods pooled or of one period.

use serde::Serialize;

use super::frame::{Frame, Rows, Structure};
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
    /// Pearson correlation of every pair of nodes (structure order; indicators by their
    /// normalised values), over the rows where both are present.
    pub correlations: Vec<Vec<f64>>,
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
    diagnose_on(frame, &outcome.screened, structure, spec, |i| {
        outcome.score(structure, i).to_vec()
    })
}

/// Diagnostics of the rows of one period of a panel (`period` indexes `rows.periods`).
pub fn diagnose_period(
    frame: &Frame,
    structure: &Structure,
    outcome: &Outcome,
    spec: &Treat,
    period: usize,
) -> Diagnostics {
    let of = |rows: &Rows| -> Vec<usize> {
        (0..rows.len())
            .filter(|&r| rows.period[r] == period)
            .collect()
    };
    let keep = of(&outcome.screened.rows);
    diagnose_on(
        &frame.subset(&of(&frame.rows)),
        &outcome.screened.subset(&keep),
        structure,
        spec,
        |i| {
            let s = outcome.score(structure, i);
            keep.iter().map(|&r| s[r]).collect()
        },
    )
}

/// `score(node)` gives the node's score column over the rows of `screened`.
fn diagnose_on(
    raw: &Frame,
    screened: &Frame,
    structure: &Structure,
    spec: &Treat,
    score: impl Fn(usize) -> Vec<f64>,
) -> Diagnostics {
    let indicators = indicator_stats(raw, screened, structure, spec);
    let scores: Vec<Vec<f64>> = (0..structure.nodes.len()).map(score).collect();
    let nodes = structure
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let corr_parent = node.parent.map(|p| stats::pearson(&scores[i], &scores[p]));
            let cronbach_alpha = (!node.children.is_empty()).then(|| {
                let cols: Vec<&[f64]> = node.children.iter().map(|&c| &scores[c][..]).collect();
                cronbach_alpha(&cols)
            });
            NodeDiagnostics {
                code: node.code.clone(),
                corr_parent,
                cronbach_alpha,
            }
        })
        .collect();
    let n = scores.len();
    let mut correlations = vec![vec![1.0; n]; n];
    for a in 0..n {
        for b in a + 1..n {
            let r = stats::pearson(&scores[a], &scores[b]);
            correlations[a][b] = r;
            correlations[b][a] = r;
        }
    }
    Diagnostics {
        indicators,
        nodes,
        correlations,
    }
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
