//! Outlier treatment exactly as COINr's `Treat()` does it. An indicator passes when
//! |skewness| < `skew` or excess kurtosis < `kurt` (type-2 estimators). Otherwise it is
//! winsorised: all points at the top (skewness ≥ 0) or bottom (skewness < 0) take the next value
//! in, re-testing each time, while fewer than `winmax` points are winsorised (COINr counts the
//! points currently at the winsorised top plus those at the bottom, so ties count together). If it
//! still fails, the untreated values are log-transformed, log(x − min + 0.01·(max − min)).

use serde::Serialize;

use super::frame::{Frame, Structure};
use super::method::{Scope, Treat, TreatMethod};
use super::stats::{kurt, min_max, skew};

/// What happened to one indicator (in one period, for per-period treatment of panels).
#[derive(Debug, Clone, Serialize)]
pub struct Treatment {
    pub code: String,
    pub period: Option<String>,
    pub skew: f64,
    pub kurt: f64,
    /// Points replaced at the top and at the bottom.
    pub winsorised_high: usize,
    pub winsorised_low: usize,
    pub log: bool,
    /// Passes the test after treatment.
    pub passes: bool,
}

/// `None` when the statistics cannot be computed (fewer than 4 points or a constant column):
/// COINr then leaves the indicator untreated.
fn passes(x: &[f64], spec: &Treat) -> Option<bool> {
    let (s, k) = (skew(x), kurt(x));
    if s.is_nan() || k.is_nan() {
        return None;
    }
    Some(s.abs() < spec.skew || k < spec.kurt)
}

/// Treats one column in place (NaN = missing) and reports what was done.
pub fn treat_column(x: &mut [f64], spec: &Treat) -> (usize, usize, bool, bool) {
    let Some(pass) = passes(x, spec) else {
        return (0, 0, false, true);
    };
    if pass || spec.method == TreatMethod::None {
        return (0, 0, false, pass);
    }
    let original = x.to_vec();
    let (mut high, mut low) = (Vec::new(), Vec::new());
    let mut pass = false;
    if spec.method == TreatMethod::Winsorise {
        let mut nwin = 0;
        while !pass && nwin < spec.winmax {
            let (lo, hi) = min_max(x);
            if skew(x) >= 0.0 {
                high = (0..x.len()).filter(|&i| x[i] == hi).collect();
                let next = (0..x.len())
                    .filter(|&i| !x[i].is_nan() && x[i] != hi)
                    .map(|i| x[i])
                    .fold(f64::NEG_INFINITY, f64::max);
                if next.is_finite() {
                    high.iter().for_each(|&i| x[i] = next);
                }
            } else {
                low = (0..x.len()).filter(|&i| x[i] == lo).collect();
                let next = (0..x.len())
                    .filter(|&i| !x[i].is_nan() && x[i] != lo)
                    .map(|i| x[i])
                    .fold(f64::INFINITY, f64::min);
                if next.is_finite() {
                    low.iter().for_each(|&i| x[i] = next);
                }
            }
            nwin = high.len() + low.len();
            pass = passes(x, spec).unwrap_or(true);
        }
    }
    if pass {
        return (high.len(), low.len(), false, true);
    }
    let (lo, hi) = min_max(&original);
    for (v, o) in x.iter_mut().zip(&original) {
        *v = (o - lo + 0.01 * (hi - lo)).ln();
    }
    (0, 0, true, passes(x, spec).unwrap_or(true))
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
            let (s, k) = (skew(&buf), kurt(&buf));
            let (high, low, log, passes) = treat_column(&mut buf, spec);
            for (&r, &v) in rows.iter().zip(&buf) {
                col[r] = v;
            }
            report.push(Treatment {
                code: structure.nodes[structure.indicators[j]].code.clone(),
                period: period.clone(),
                skew: s,
                kurt: k,
                winsorised_high: high,
                winsorised_low: low,
                log,
                passes,
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
        let (high, low, log, passes) = treat_column(&mut x, &Treat::default());
        assert!(passes && !log && low == 0);
        assert!(high >= 1);
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
        let (_, _, log, _) = treat_column(&mut x, &spec);
        assert!(log);
        let (lo, hi) = min_max(&original);
        assert_eq!(x[21], (1000.0 - lo + 0.01 * (hi - lo)).ln());
    }
}
