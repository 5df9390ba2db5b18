//! Outlier treatment exactly as COINr's `Treat()` does it. An indicator passes when
//! |skewness| < `skew` or excess kurtosis < `kurt` (type-2 estimators). Otherwise it is
//! winsorised: all points at the top (skewness ≥ 0) or bottom (skewness < 0) take the next value
//! in, re-testing each time, while fewer than `winmax` points are winsorised (COINr counts the
//! points currently at the winsorised top plus those at the bottom, so ties count together). If it
//! still fails, the untreated values are log-transformed, log(x − min + 0.01·(max − min)).

use rayon::prelude::*;
use serde::Serialize;

use super::frame::{Frame, Structure};
use super::method::{Scope, Treat, TreatMethod};
use super::stats::{central_moments, lane_sums_mut, min_max, type2};

/// What happened to one indicator (in one period, for per-period treatment of panels).
#[derive(Debug, Clone, Serialize)]
pub struct Treatment {
    pub code: String,
    pub period: Option<String>,
    #[serde(flatten)]
    pub result: ColumnTreatment,
}

/// What [`treat_column`] did to one column.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ColumnTreatment {
    /// Statistics before treatment.
    pub skew: f64,
    pub kurt: f64,
    pub winsorised_high: usize,
    pub winsorised_low: usize,
    pub log: bool,
    pub passes: bool,
}

/// The statistics of one check of a column without missing values, summed in the lanes and order
/// of `stats::skew_kurt` (so bit for bit the same), in two passes instead of its three.
struct Scan {
    skew: f64,
    kurt: f64,
}

impl Scan {
    /// Scans `v` after applying `step` to every value (the winsorising move, or nothing), so the
    /// move and the sum share one pass.
    fn new(v: &mut [f64], mut step: impl FnMut(&mut f64)) -> Scan {
        let [sum] = lane_sums_mut(v, |y| {
            step(y);
            [*y]
        });
        let (m2, m3, m4) = central_moments(v, sum);
        let (skew, kurt) = type2(m2, m3, m4, v.len() as f64);
        Scan { skew, kurt }
    }

    /// The test; `None` when the statistics cannot be computed (fewer than 4 points or a
    /// constant column): COINr then leaves the indicator untreated.
    fn passes(&self, spec: &Treat) -> Option<bool> {
        if self.skew.is_nan() || self.kurt.is_nan() {
            return None;
        }
        Some(self.skew.abs() < spec.skew || self.kurt < spec.kurt)
    }
}

/// Moves every point at the top (or bottom) to the next value in and rescans; returns how many
/// points were at the edge (with no next value the points stay, and still count).
fn pull_in(v: &mut [f64], top: bool) -> (usize, Scan) {
    let sign = if top { 1.0 } else { -1.0 };
    let (mut edge, mut next) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for &y in v.iter() {
        let y = y * sign;
        if y > edge {
            next = edge;
            edge = y;
        } else if y < edge && y > next {
            next = y;
        }
    }
    let (to, movable) = (next * sign, next.is_finite());
    let mut at_edge = 0;
    let scan = Scan::new(v, |y| {
        if *y * sign == edge {
            if movable {
                *y = to;
            }
            at_edge += 1;
        }
    });
    (at_edge, scan)
}

/// Treats one column in place (NaN = missing).
pub fn treat_column(x: &mut [f64], spec: &Treat) -> ColumnTreatment {
    let mut present = Vec::with_capacity(x.len());
    present.extend((0..x.len()).filter(|&i| !x[i].is_nan()));
    let mut v: Vec<f64> = present.iter().map(|&i| x[i]).collect();
    let mut scan = Scan::new(&mut v, |_| {});
    let first = scan.passes(spec);
    let mut done = ColumnTreatment {
        skew: scan.skew,
        kurt: scan.kurt,
        winsorised_high: 0,
        winsorised_low: 0,
        log: false,
        passes: first.unwrap_or(true),
    };
    if done.passes || spec.method == TreatMethod::None {
        return done;
    }
    let original = v.clone();
    let mut pass = false;
    if spec.method == TreatMethod::Winsorise {
        while !pass && done.winsorised_high + done.winsorised_low < spec.winmax {
            let top = scan.skew >= 0.0;
            let (moved, next) = pull_in(&mut v, top);
            if top {
                done.winsorised_high = moved;
            } else {
                done.winsorised_low = moved;
            }
            scan = next;
            pass = scan.passes(spec).unwrap_or(true);
        }
    }
    if !pass {
        let (lo, hi) = min_max(&original);
        for (y, o) in v.iter_mut().zip(&original) {
            *y = (o - lo + 0.01 * (hi - lo)).ln();
        }
        done.winsorised_high = 0;
        done.winsorised_low = 0;
        done.log = true;
        pass = Scan::new(&mut v, |_| {}).passes(spec).unwrap_or(true);
    }
    done.passes = pass;
    for (&i, &y) in present.iter().zip(&v) {
        x[i] = y;
    }
    done
}

/// Treats every indicator, over all rows (`Pooled`) or period by period (`PerPeriod`).
pub fn apply(
    frame: &Frame,
    structure: &Structure,
    spec: &Treat,
    scope: Scope,
) -> (Frame, Vec<Treatment>) {
    let mut out = frame.clone();
    let mut report = Vec::new();
    if spec.method == TreatMethod::None {
        return (out, report);
    }
    let cells: Vec<(Option<String>, Vec<usize>)> = match scope {
        Scope::PerPeriod if frame.rows.time.is_some() => frame
            .rows
            .by_period()
            .into_iter()
            .enumerate()
            .map(|(p, rows)| (Some(frame.rows.periods[p].clone()), rows))
            .collect(),
        _ => vec![(None, (0..frame.rows.len()).collect())],
    };
    // Columns are independent: treated in parallel, reported in column order.
    let per_column: Vec<Vec<Treatment>> = out
        .values
        .par_iter_mut()
        .enumerate()
        .map(|(j, col)| {
            let code = &structure.nodes[structure.indicators[j]].code;
            let mut buf = Vec::new();
            cells
                .iter()
                .map(|(period, rows)| {
                    buf.clear();
                    buf.extend(rows.iter().map(|&r| col[r]));
                    let result = treat_column(&mut buf, spec);
                    for (&r, &v) in rows.iter().zip(&buf) {
                        col[r] = v;
                    }
                    Treatment {
                        code: code.clone(),
                        period: period.clone(),
                        result,
                    }
                })
                .collect()
        })
        .collect();
    report.extend(per_column.into_iter().flatten());
    (out, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winsorises_ties_together_then_passes() {
        // COINr's example: 1..10 plus two outliers; the top two are pulled in one at a time.
        let mut x: Vec<f64> = (1..=10).map(f64::from).chain([30.0, 100.0]).collect();
        let t = treat_column(&mut x, &Treat::default());
        assert!(t.passes && !t.log && t.winsorised_low == 0);
        assert!(t.winsorised_high >= 1);
        assert!(x.iter().all(|&v| v <= 30.0));
    }

    #[test]
    fn falls_back_to_log_of_untreated_values() {
        let spec = Treat {
            winmax: 1,
            ..Treat::default()
        };
        let original: Vec<f64> = [1.0; 20].into_iter().chain([50.0, 1000.0]).collect();
        let mut x = original.clone();
        assert!(treat_column(&mut x, &spec).log);
        let (lo, hi) = min_max(&original);
        assert_eq!(x[21], (1000.0 - lo + 0.01 * (hi - lo)).ln());
    }
}
