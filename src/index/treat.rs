//! Outlier treatment exactly as COINr's `Treat()` does it. An indicator passes when
//! |skewness| < `skew` or excess kurtosis < `kurt` (type-2 estimators). Otherwise it is
//! winsorised: all points at the top (skewness ≥ 0) or bottom (skewness < 0) take the next value
//! in, re-testing each time, while fewer than `winmax` points are winsorised (COINr counts the
//! points currently at the winsorised top plus those at the bottom, so ties count together). If it
//! still fails, the untreated values are log-transformed, log(x − min + 0.01·(max − min)).

use serde::Serialize;

use super::frame::{Frame, Structure};
use super::method::{Scope, Treat, TreatMethod};
use super::stats::{min_max, skew_kurt};

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

/// The test and the skewness; `None` when the statistics cannot be computed (fewer than 4
/// points or a constant column): COINr then leaves the indicator untreated.
fn check(v: &[f64], spec: &Treat) -> (Option<bool>, f64, f64) {
    let (s, k) = skew_kurt(v);
    if s.is_nan() || k.is_nan() {
        return (None, s, k);
    }
    (Some(s.abs() < spec.skew || k < spec.kurt), s, k)
}

/// Moves every point at the top (or bottom) to the next value in; returns how many moved.
fn pull_in(v: &mut [f64], top: bool) -> usize {
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
    // Counting and moving in one pass; with no next value the points stay (and still count).
    let (to, movable) = (next * sign, next.is_finite());
    let mut at_edge = 0;
    for y in v.iter_mut() {
        if *y * sign == edge {
            if movable {
                *y = to;
            }
            at_edge += 1;
        }
    }
    at_edge
}

/// Treats one column in place (NaN = missing).
pub fn treat_column(x: &mut [f64], spec: &Treat) -> ColumnTreatment {
    let present: Vec<usize> = (0..x.len()).filter(|&i| !x[i].is_nan()).collect();
    let mut v: Vec<f64> = present.iter().map(|&i| x[i]).collect();
    let (first, mut s, k) = check(&v, spec);
    let mut done = ColumnTreatment {
        skew: s,
        kurt: k,
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
            if s >= 0.0 {
                done.winsorised_high = pull_in(&mut v, true);
            } else {
                done.winsorised_low = pull_in(&mut v, false);
            }
            let (p, s2, _) = check(&v, spec);
            pass = p.unwrap_or(true);
            s = s2;
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
        pass = check(&v, spec).0.unwrap_or(true);
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
    let mut buf = Vec::new();
    for (j, col) in out.values.iter_mut().enumerate() {
        for (period, rows) in &cells {
            buf.clear();
            buf.extend(rows.iter().map(|&r| col[r]));
            let t = treat_column(&mut buf, spec);
            for (&r, &v) in rows.iter().zip(&buf) {
                col[r] = v;
            }
            report.push(Treatment {
                code: structure.nodes[structure.indicators[j]].code.clone(),
                period: period.clone(),
                result: t,
            });
        }
    }
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
