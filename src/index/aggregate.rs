//! Aggregate level by level, children before parents: weighted arithmetic, geometric, harmonic
//! or generalised mean, the method possibly differing per level. Missing children are skipped
//! and the weights renormalised over the children present (COINr's `a_amean` with `na.rm`).

use super::frame::{Frame, Structure};
use super::method::{Aggregate, AggregateMethod};
use crate::error::{Error, Result};

/// Scores of every aggregate (`scores[node]`; empty for indicators, whose scores are the
/// normalised columns).
#[derive(Debug, Clone)]
pub struct Scores {
    pub scores: Vec<Vec<f64>>,
}

impl Scores {
    pub fn column<'a>(
        &'a self,
        structure: &Structure,
        normalised: &'a Frame,
        node: usize,
    ) -> &'a [f64] {
        match structure.column[node] {
            Some(j) => &normalised.values[j],
            None => &self.scores[node],
        }
    }
}

/// The method of every aggregate node, from the method file's per-level list.
pub fn methods_by_node(structure: &Structure, spec: &Aggregate) -> Vec<AggregateMethod> {
    let levels = structure.aggregate_levels();
    structure
        .nodes
        .iter()
        .map(|n| {
            let k = levels.iter().position(|&l| l == n.level).unwrap_or(0);
            spec.method.at(k)
        })
        .collect()
}

pub fn apply(
    structure: &Structure,
    normalised: &Frame,
    within: &[f64],
    methods: &[AggregateMethod],
    p: f64,
) -> Result<Scores> {
    validate(structure, normalised, within, methods, p)?;
    Ok(combine(structure, normalised, None, within, methods, p))
}

/// Refuses values a mean cannot take: ≤ 0 under a geometric or harmonic mean, < 0 (or 0 with
/// p ≤ 0) under a generalised mean. Only the indicators need checking: means of positive values
/// stay positive.
pub fn validate(
    structure: &Structure,
    normalised: &Frame,
    within: &[f64],
    methods: &[AggregateMethod],
    p: f64,
) -> Result<()> {
    for &a in &structure.aggregates {
        let node = &structure.nodes[a];
        let method = methods[a];
        if method == AggregateMethod::Arithmetic {
            continue;
        }
        let bad = |v: f64| match method {
            AggregateMethod::Arithmetic => false,
            AggregateMethod::Geometric | AggregateMethod::Harmonic => v <= 0.0,
            AggregateMethod::Genmean => v < 0.0 || (v == 0.0 && p <= 0.0),
        };
        for &c in &node.children {
            let Some(j) = structure.column[c] else {
                continue;
            };
            let x = &normalised.values[j];
            if within[c] <= 0.0 {
                continue;
            }
            if let Some(r) = x.iter().position(|&v| bad(v)) {
                let what = match method {
                    AggregateMethod::Geometric => "几何平均",
                    AggregateMethod::Harmonic => "调和平均",
                    _ => "广义平均",
                };
                return Err(Error::invalid(format!(
                    "汇总「{}」用{what}，但下级「{}」在单位「{}」{}的值为 {}（须为正数；可把标准化区间设为如 [1, 100]）",
                    node.code,
                    structure.nodes[c].code,
                    normalised.rows.unit[r],
                    normalised
                        .rows
                        .time
                        .as_ref()
                        .map(|t| format!("（时期 {}）", t[r]))
                        .unwrap_or_default(),
                    x[r]
                )));
            }
        }
    }
    Ok(())
}

/// Aggregates bottom-up without checks. `ln`, when given, holds the logarithms of the
/// normalised values, so that repeated geometric aggregations (uncertainty runs) skip them.
pub fn combine(
    structure: &Structure,
    normalised: &Frame,
    ln: Option<&Frame>,
    within: &[f64],
    methods: &[AggregateMethod],
    p: f64,
) -> Scores {
    let n = normalised.rows.len();
    let mut scores: Vec<Vec<f64>> = vec![Vec::new(); structure.nodes.len()];
    for &a in &structure.aggregates {
        scores[a].reserve_exact(n);
    }
    let mut work = Workspace::new(structure);
    for start in (0..n).step_by(BLOCK) {
        let rows = start..(start + BLOCK).min(n);
        work.combine_block(structure, normalised, ln, within, methods, p, rows);
        for &a in &structure.aggregates {
            scores[a].extend_from_slice(work.score(a));
        }
    }
    Scores { scores }
}

/// Rows aggregated together: every level of the tree is worked through for one block of rows
/// before the next, so the intermediate scores stay in cache instead of making a round trip to
/// memory per level (each row's arithmetic is the same as column by column).
pub const BLOCK: usize = 512;

/// Scratch space for [`Workspace::combine_block`], reusable across calls (one per uncertainty
/// worker, so the runs allocate nothing).
pub struct Workspace {
    num: Vec<f64>,
    den: Vec<f64>,
    /// Scores of each aggregate over the current block (empty for indicators).
    block: Vec<Vec<f64>>,
    len: usize,
}

impl Workspace {
    pub fn new(structure: &Structure) -> Workspace {
        let mut block = vec![Vec::new(); structure.nodes.len()];
        for &a in &structure.aggregates {
            block[a] = vec![0.0; BLOCK];
        }
        Workspace {
            num: vec![0.0; BLOCK],
            den: vec![0.0; BLOCK],
            block,
            len: 0,
        }
    }

    /// Scores of aggregate `a` over the last block.
    pub fn score(&self, a: usize) -> &[f64] {
        &self.block[a][..self.len]
    }

    /// Aggregates the rows `rows` (at most [`BLOCK`] of them) bottom-up.
    #[allow(clippy::too_many_arguments)]
    pub fn combine_block(
        &mut self,
        structure: &Structure,
        normalised: &Frame,
        ln: Option<&Frame>,
        within: &[f64],
        methods: &[AggregateMethod],
        p: f64,
        rows: std::ops::Range<usize>,
    ) {
        let len = rows.len();
        self.len = len;
        let (num, den) = (&mut self.num[..len], &mut self.den[..len]);
        for &a in &structure.aggregates {
            let method = methods[a];
            num.fill(0.0);
            den.fill(0.0);
            for &c in &structure.nodes[a].children {
                let w = within[c];
                match (structure.column[c], ln) {
                    (Some(j), Some(ln)) if method == AggregateMethod::Geometric => accumulate(
                        num,
                        den,
                        &ln.values[j][rows.clone()],
                        w,
                        AggregateMethod::Arithmetic,
                        p,
                    ),
                    (Some(j), _) => {
                        accumulate(num, den, &normalised.values[j][rows.clone()], w, method, p)
                    }
                    (None, _) => accumulate(num, den, &self.block[c][..len], w, method, p),
                }
            }
            for ((out, &s), &d) in self.block[a].iter_mut().zip(num.iter()).zip(den.iter()) {
                *out = finish(s, d, method, p);
            }
        }
    }
}

/// Adds one child's weighted terms to the running sums (missing values skipped).
///
/// Written as selects rather than `if !v.is_nan() { … }` so that the loops vectorise: adding
/// +0.0 leaves a sum unchanged (a sum that starts at +0.0 never becomes −0.0), so the results are
/// bit for bit those of the branching form. The uncertainty runs spend most of their time here.
#[inline]
pub fn accumulate(
    num: &mut [f64],
    den: &mut [f64],
    x: &[f64],
    w: f64,
    method: AggregateMethod,
    p: f64,
) {
    let term = |v: f64| match method {
        AggregateMethod::Arithmetic => w * v,
        AggregateMethod::Geometric => w * v.ln(),
        AggregateMethod::Harmonic => w / v,
        AggregateMethod::Genmean if p == 0.0 => w * v.ln(),
        AggregateMethod::Genmean => w * v.powf(p),
    };
    match method {
        // The hot case gets its own loop: no call inside, so it vectorises.
        AggregateMethod::Arithmetic => {
            for ((s, d), &v) in num.iter_mut().zip(den.iter_mut()).zip(x) {
                let present = !v.is_nan();
                *s += if present { w * v } else { 0.0 };
                *d += if present { w } else { 0.0 };
            }
        }
        _ => {
            for ((s, d), &v) in num.iter_mut().zip(den.iter_mut()).zip(x) {
                if !v.is_nan() {
                    *s += term(v);
                    *d += w;
                }
            }
        }
    }
}

#[inline]
pub fn finish(s: f64, d: f64, method: AggregateMethod, p: f64) -> f64 {
    if d == 0.0 {
        return f64::NAN;
    }
    match method {
        AggregateMethod::Arithmetic => s / d,
        AggregateMethod::Geometric => (s / d).exp(),
        AggregateMethod::Harmonic => d / s,
        AggregateMethod::Genmean if p == 0.0 => (s / d).exp(),
        AggregateMethod::Genmean => (s / d).powf(1.0 / p),
    }
}

/// Ranks (1 = highest score) within each period; ties share the best rank; missing stays None.
pub fn rank_desc(score: &[f64], by_period: &[Vec<usize>]) -> Vec<Option<u32>> {
    let mut out = vec![0; score.len()];
    rank_desc_into(score, by_period, &mut Vec::new(), &mut out);
    out.into_iter().map(|k| (k > 0).then_some(k)).collect()
}

/// [`rank_desc`] into `out` with 0 for missing, reusing `sorted` (the uncertainty runs rank
/// every row of every run).
pub fn rank_desc_into(
    score: &[f64],
    by_period: &[Vec<usize>],
    sorted: &mut Vec<(u64, usize)>,
    out: &mut [u32],
) {
    out.fill(0);
    // (key, row) pairs sorted in place: the keys order like the scores, best first, and compare
    // as plain integers (a float comparator re-derives that order on every comparison).
    for rows in by_period {
        sorted.clear();
        sorted.extend(
            rows.iter()
                .filter(|&&r| !score[r].is_nan())
                .map(|&r| (desc_key(score[r]), r)),
        );
        sorted.sort_unstable();
        let mut k = 0;
        while k < sorted.len() {
            let mut e = k;
            while e + 1 < sorted.len() && sorted[e + 1].0 == sorted[k].0 {
                e += 1;
            }
            for &(_, r) in &sorted[k..=e] {
                out[r] = (k + 1) as u32;
            }
            k = e + 1;
        }
    }
}

/// An integer key that sorts non-NaN scores from highest to lowest, equal keys for equal scores
/// (−0 is made +0 first, so the two zeros tie as they compare equal).
#[inline]
fn desc_key(v: f64) -> u64 {
    let bits = (v + 0.0).to_bits();
    // The IEEE total order as unsigned integers: negatives reversed, positives above them.
    let ascending = if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    };
    !ascending
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_best_first_with_shared_ties() {
        let score = [1.0, 3.0, f64::NAN, 3.0, -0.0, 0.0, -2.0];
        let r = rank_desc(&score, &[(0..7).collect()]);
        let want = [3, 1, 0, 1, 4, 4, 6].map(|k| (k > 0).then_some(k));
        assert_eq!(r, want);
    }
}
