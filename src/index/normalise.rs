//! Normalise indicators onto a common scale, direction applied first: min-max to any range,
//! z-score to any mean and sd, goalposts (truncated), distance to target, rank and percentile
//! rank. For panels the bounds (or moments, or ranks) are pooled over all periods — scores stay
//! comparable across years — or taken period by period.

use std::sync::Arc;

use rayon::prelude::*;

use super::frame::{Frame, Node, Structure};
use super::method::{Normalise, NormaliseMethod, Scope};
use super::stats;
use crate::error::{Error, Result};

pub fn apply(
    frame: &Frame,
    structure: &Structure,
    spec: &Normalise,
    scope: Scope,
) -> Result<Frame> {
    let cells: Vec<Vec<usize>> = match scope {
        Scope::PerPeriod => frame.rows.by_period(),
        Scope::Pooled => vec![(0..frame.rows.len()).collect()],
    };
    let mut out = frame.clone();
    // Columns are independent: normalised in parallel (the first failing column in order is
    // reported, as before).
    let results: Vec<Result<()>> = out
        .values
        .par_iter_mut()
        .enumerate()
        .map(|(j, col)| {
            let node = &structure.nodes[structure.indicators[j]];
            let col = Arc::<Vec<f64>>::make_mut(col);
            cells
                .iter()
                .try_for_each(|rows| normalise_cell(col, rows, node, spec))
        })
        .collect();
    results.into_iter().collect::<Result<()>>()?;
    Ok(out)
}

/// Normalises the values of `col` at `rows` in place.
pub fn normalise_cell(
    col: &mut [f64],
    rows: &[usize],
    node: &Node,
    spec: &Normalise,
) -> Result<()> {
    let dir = node.direction;
    let [lo, hi] = spec.range;
    match spec.method {
        NormaliseMethod::Minmax => {
            let (mn, mx) = bounds(col, rows, dir);
            let f = |v: f64| (v * dir - mn) / (mx - mn) * (hi - lo) + lo;
            // Cells list their rows in ascending order, so a cell as long as the column is the
            // whole column (pooled panels, cross-sections): a straight loop that vectorises.
            if rows.len() == col.len() {
                col.iter_mut().for_each(|v| *v = f(*v));
            } else {
                rows.iter().for_each(|&r| col[r] = f(col[r]));
            }
        }
        NormaliseMethod::Zscore => {
            let x: Vec<f64> = rows.iter().map(|&r| col[r] * dir).collect();
            let (m, s) = (stats::mean(&x), stats::sd(&x));
            for (&r, v) in rows.iter().zip(x) {
                col[r] = (v - m) / s * spec.sd + spec.mean;
            }
        }
        NormaliseMethod::Goalposts => {
            let (gl, gu, scale) = node.goalposts.ok_or_else(|| {
                Error::invalid(format!(
                    "指标「{}」缺少目标区间（结构文件的 goalpost_lower / goalpost_upper 列），无法用 goalposts 标准化",
                    node.code
                ))
            })?;
            let (from, to) = if dir > 0.0 { (gl, gu) } else { (gu, gl) };
            for &r in rows {
                col[r] = ((col[r] - from) / (to - from)).clamp(0.0, 1.0) * scale;
            }
        }
        NormaliseMethod::DistToTarget => {
            let t = node.target.ok_or_else(|| {
                Error::invalid(format!(
                    "指标「{}」缺少目标值（结构文件的 Target 列），无法用距目标距离标准化",
                    node.code
                ))
            })?;
            let (mn, mx) = bounds(col, rows, 1.0);
            for &r in rows {
                col[r] = if dir > 0.0 {
                    (col[r] - mn) / (t - mn)
                } else {
                    (mx - col[r]) / (mx - t)
                };
            }
        }
        NormaliseMethod::Rank | NormaliseMethod::Prank => {
            let x: Vec<f64> = col.iter().map(|v| v * dir).collect();
            let mut ranks = vec![f64::NAN; col.len()];
            stats::rank_min(&x, rows, &mut ranks);
            let n = rows.iter().filter(|&&r| !x[r].is_nan()).count() as f64;
            for &r in rows {
                col[r] = if spec.method == NormaliseMethod::Prank {
                    ranks[r] / n * 100.0
                } else {
                    ranks[r]
                };
            }
        }
    }
    Ok(())
}

/// Smallest and largest of `dir · col[r]` over `rows`, missing values skipped (`f64::min` and
/// `max` ignore NaN).
fn bounds(col: &[f64], rows: &[usize], dir: f64) -> (f64, f64) {
    let take = |(a, b): (f64, f64), v: f64| (a.min(v * dir), b.max(v * dir));
    let none = (f64::INFINITY, f64::NEG_INFINITY);
    if rows.len() == col.len() {
        // The whole column (see `normalise_cell`): read straight through, no index gather.
        col.iter().fold(none, |m, &v| take(m, v))
    } else {
        rows.iter().fold(none, |m, &r| take(m, col[r]))
    }
}
