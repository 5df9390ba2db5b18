//! Outlier treatment exactly as COINr's `Treat()` does it. An indicator passes when
//! |skewness| < `skew` or excess kurtosis < `kurt` (type-2 estimators). Otherwise it is
//! winsorised: all points at the top (skewness ≥ 0) or bottom (skewness < 0) take the next value
//! in, re-testing each time, while fewer than `winmax` points are winsorised (COINr counts the
//! points currently at the winsorised top plus those at the bottom, so ties count together). If it
//! still fails, the untreated values are log-transformed, log(x − min + 0.01·(max − min)).

use std::sync::Arc;

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
    mean: f64,
    /// Central moments m2, m3, m4 (divided by n).
    moments: [f64; 3],
}

impl Scan {
    /// Scans `v` after applying `step` to every value (the log transform, or nothing), so the
    /// change and the sum share one pass.
    fn new(v: &mut [f64], mut step: impl FnMut(&mut f64)) -> Scan {
        let [sum] = lane_sums_mut(v, |y| {
            step(y);
            [*y]
        });
        let (m2, m3, m4) = central_moments(v, sum);
        let (skew, kurt) = type2(m2, m3, m4, v.len() as f64);
        Scan {
            skew,
            kurt,
            mean: sum / v.len() as f64,
            moments: [m2, m3, m4],
        }
    }
}

/// COINr's test; `None` when the statistics cannot be computed (fewer than 4 points or a
/// constant column): COINr then leaves the indicator untreated.
fn passes((skew, kurt): (f64, f64), spec: &Treat) -> Option<bool> {
    if skew.is_nan() || kurt.is_nan() {
        return None;
    }
    Some(skew.abs() < spec.skew || kurt < spec.kurt)
}

/// A column as winsorising sees it: the few distinct values at either end with their point
/// counts, and the power sums of everything in between. Each winsorising step moves all points at
/// one end to the next value in, so it only ever moves points among end values: a step and its
/// re-check cost O(winmax) instead of passes over the column.
struct Ends {
    /// Distinct end values in ascending order with their point counts (0 once moved away).
    hist: Vec<(f64, usize)>,
    /// Σ(x − centre)^k, k = 1..4, over the points between the ends (none when `hist` holds every
    /// distinct value).
    middle: Option<[f64; 4]>,
    centre: f64,
    n: f64,
}

impl Ends {
    /// `k` distinct values from each end: enough for `k − 1` steps at either end.
    fn new(v: &[f64], k: usize, scan: &Scan) -> Ends {
        let low = end_values(v, k, -1.0);
        let high = end_values(v, k, 1.0);
        let n = v.len() as f64;
        let centre = scan.mean;
        let disjoint = low.len() == k && high.len() == k && low[k - 1].0 < high[k - 1].0;
        let mut ends = Ends {
            hist: low.into_iter().chain(high.into_iter().rev()).collect(),
            middle: None,
            centre,
            n,
        };
        if disjoint {
            let [m2, m3, m4] = scan.moments;
            let all = [0.0, m2 * n, m3 * n, m4 * n];
            let at_ends = ends.end_sums();
            ends.middle = Some(std::array::from_fn(|p| all[p] - at_ends[p]));
        } else {
            // Fewer than 2k distinct values: the two lists overlap and together hold them all.
            ends.hist.sort_by(|a, b| a.0.total_cmp(&b.0));
            ends.hist.dedup_by(|a, b| a.0 == b.0);
        }
        ends
    }

    fn end_sums(&self) -> [f64; 4] {
        let mut s = [0.0; 4];
        for &(u, c) in &self.hist {
            let (d, c) = (u - self.centre, c as f64);
            let d2 = d * d;
            for (s, t) in s.iter_mut().zip([d, d2, d2 * d, d2 * d2]) {
                *s += c * t;
            }
        }
        s
    }

    /// Skewness and kurtosis of the column as it now stands, from the power sums about the
    /// centre shifted to the current mean.
    fn skew_kurt(&self) -> (f64, f64) {
        let ends = self.end_sums();
        let constant = self.middle.is_none() && self.hist.iter().filter(|h| h.1 > 0).count() < 2;
        if constant {
            return (f64::NAN, f64::NAN);
        }
        let mid = self.middle.unwrap_or_default();
        let [d, p2, p3, p4] = std::array::from_fn(|k| (mid[k] + ends[k]) / self.n);
        let m2 = p2 - d * d;
        let m3 = p3 - 3.0 * d * p2 + 2.0 * d * d * d;
        let m4 = p4 - 4.0 * d * p3 + 6.0 * d * d * p2 - 3.0 * d * d * d * d;
        type2(m2, m3, m4, self.n)
    }

    /// Moves every point at the top (or bottom) to the next value in; returns how many points
    /// were at the edge (with no next value the points stay, and still count).
    fn pull_in(&mut self, top: bool) -> usize {
        let held: Vec<usize> = (0..self.hist.len())
            .filter(|&i| self.hist[i].1 > 0)
            .collect();
        let (edge, next) = if top {
            (
                held[held.len() - 1],
                held.len().checked_sub(2).map(|i| held[i]),
            )
        } else {
            (held[0], held.get(1).copied())
        };
        let at_edge = self.hist[edge].1;
        if let Some(next) = next {
            self.hist[next].1 += at_edge;
            self.hist[edge].1 = 0;
        }
        at_edge
    }

    /// The lowest and highest values that still have points: the winsorising limits.
    fn limits(&self) -> (f64, f64) {
        let mut held = self.hist.iter().filter(|h| h.1 > 0).map(|h| h.0);
        let lo = held.next().unwrap_or(f64::NEG_INFINITY);
        (lo, held.next_back().unwrap_or(lo))
    }
}

/// The `k` distinct values of `v` furthest toward one end (`sign` 1: the largest first, −1: the
/// smallest first) with how many points take each. Linear in `v` for small `k`: most points
/// fail the first comparison.
fn end_values(v: &[f64], k: usize, sign: f64) -> Vec<(f64, usize)> {
    let mut out: Vec<(f64, usize)> = Vec::with_capacity(k + 1);
    for &y in v {
        let s = y * sign;
        if out.len() == k && s < out[k - 1].0 * sign {
            continue;
        }
        match out.iter().position(|&(u, _)| s >= u * sign) {
            Some(i) if out[i].0 == y => out[i].1 += 1,
            Some(i) => {
                out.insert(i, (y, 1));
                out.truncate(k);
            }
            None => out.push((y, 1)),
        }
    }
    out
}

/// Treats one column in place (NaN = missing).
pub fn treat_column(x: &mut [f64], spec: &Treat) -> ColumnTreatment {
    let mut present = Vec::with_capacity(x.len());
    present.extend((0..x.len()).filter(|&i| !x[i].is_nan()));
    let mut v: Vec<f64> = present.iter().map(|&i| x[i]).collect();
    let scan = Scan::new(&mut v, |_| {});
    let first = passes((scan.skew, scan.kurt), spec);
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
    let mut pass = false;
    if spec.method == TreatMethod::Winsorise {
        let mut ends = Ends::new(&v, spec.winmax + 1, &scan);
        let mut skew = scan.skew;
        while !pass && done.winsorised_high + done.winsorised_low < spec.winmax {
            let top = skew >= 0.0;
            let moved = ends.pull_in(top);
            if top {
                done.winsorised_high = moved;
            } else {
                done.winsorised_low = moved;
            }
            let now = ends.skew_kurt();
            skew = now.0;
            pass = passes(now, spec).unwrap_or(true);
        }
        if pass {
            let (lo, hi) = ends.limits();
            v.iter_mut().for_each(|y| *y = y.clamp(lo, hi));
        }
    }
    if !pass {
        // `v` still holds the untreated values: winsorising only moved counts.
        let (lo, hi) = min_max(&v);
        let pad = 0.01 * (hi - lo);
        let scan = Scan::new(&mut v, |y| *y = (*y - lo + pad).ln());
        done.winsorised_high = 0;
        done.winsorised_low = 0;
        done.log = true;
        pass = passes((scan.skew, scan.kurt), spec).unwrap_or(true);
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
                    // A column no cell changes stays shared with the screened stage.
                    if result.log || result.winsorised_high + result.winsorised_low > 0 {
                        let col = Arc::make_mut(col);
                        for (&r, &v) in rows.iter().zip(&buf) {
                            col[r] = v;
                        }
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

    /// COINr's loop done the plain way: move the points, then recompute the statistics over the
    /// whole column, every step.
    fn treat_by_passes(x: &mut [f64], spec: &Treat) -> ColumnTreatment {
        let check = |v: &[f64]| passes(crate::index::stats::skew_kurt(v), spec);
        let (skew, kurt) = crate::index::stats::skew_kurt(x);
        let mut done = ColumnTreatment {
            skew,
            kurt,
            winsorised_high: 0,
            winsorised_low: 0,
            log: false,
            passes: check(x).unwrap_or(true),
        };
        if done.passes {
            return done;
        }
        let original = x.to_vec();
        let mut pass = false;
        let mut skew = skew;
        while !pass && done.winsorised_high + done.winsorised_low < spec.winmax {
            let top = skew >= 0.0;
            let sign = if top { 1.0 } else { -1.0 };
            let edge = x.iter().map(|y| y * sign).fold(f64::NEG_INFINITY, f64::max);
            let next = x
                .iter()
                .map(|y| y * sign)
                .filter(|&y| y < edge)
                .fold(f64::NEG_INFINITY, f64::max);
            let mut moved = 0;
            for y in x.iter_mut().filter(|y| **y * sign == edge) {
                moved += 1;
                if next.is_finite() {
                    *y = next * sign;
                }
            }
            if top {
                done.winsorised_high = moved;
            } else {
                done.winsorised_low = moved;
            }
            skew = crate::index::stats::skew(x);
            pass = check(x).unwrap_or(true);
        }
        if !pass {
            let (lo, hi) = min_max(&original);
            for (y, o) in x.iter_mut().zip(&original) {
                *y = (o - lo + 0.01 * (hi - lo)).ln();
            }
            done = ColumnTreatment {
                winsorised_high: 0,
                winsorised_low: 0,
                log: true,
                passes: check(x).unwrap_or(true),
                ..done
            };
        } else {
            done.passes = true;
        }
        done
    }

    #[test]
    fn counting_at_the_ends_treats_as_moving_the_points() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for case in 0..3000 {
            let n = rng.gen_range(4..300);
            // Heavy tails, ties and few distinct values, in both directions.
            let levels = [2, 3, 5, 12, 1000][case % 5];
            let x: Vec<f64> = (0..n)
                .map(|_| {
                    let z: f64 = rng.gen_range(0..levels) as f64 + rng.gen_range(-1.0..1.0);
                    let v = if case % 3 == 0 { z.round() } else { z };
                    if case % 2 == 0 {
                        v.exp()
                    } else {
                        -(v * 1.3).exp()
                    }
                })
                .collect();
            let spec = Treat {
                winmax: [1, 2, 5, 10][case % 4],
                ..Treat::default()
            };
            let (mut fast, mut plain) = (x.clone(), x.clone());
            let a = treat_column(&mut fast, &spec);
            let b = treat_by_passes(&mut plain, &spec);
            assert_eq!(
                (a.winsorised_high, a.winsorised_low, a.log, a.passes),
                (b.winsorised_high, b.winsorised_low, b.log, b.passes),
                "case {case}: {x:?}"
            );
            assert_eq!(fast, plain, "case {case}");
        }
    }
}
