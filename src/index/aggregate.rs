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
    Ok(combine(structure, normalised, within, methods, p))
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

/// Aggregates bottom-up without checks.
pub fn combine(
    structure: &Structure,
    normalised: &Frame,
    within: &[f64],
    methods: &[AggregateMethod],
    p: f64,
) -> Scores {
    let plan = Plan::new(structure, normalised, None, methods, false);
    combine_by_plan(&plan, structure, normalised, None, within, p)
}

fn combine_by_plan(
    plan: &Plan,
    structure: &Structure,
    normalised: &Frame,
    ln: Option<&Frame>,
    within: &[f64],
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
        work.combine_block(plan, normalised, ln, within, p, rows);
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

/// Where an aggregate reads one child's values.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// A normalised indicator column.
    Column(usize),
    /// The logarithms of a normalised indicator column.
    LnColumn(usize),
    /// A lower aggregate's scores over the block (their logarithms when that aggregate keeps
    /// logs).
    Block(usize),
}

#[derive(Debug, Clone)]
struct Input {
    child: usize,
    source: Source,
    /// How the values enter the sums: `Arithmetic` for logarithms under a geometric mean.
    method: AggregateMethod,
}

#[derive(Debug, Clone)]
struct Step {
    node: usize,
    /// How the sums become the score: the node's method, or `Arithmetic` where a geometric
    /// aggregate keeps its log mean (its parent is geometric as well and would take the
    /// logarithm of the score straight back).
    finish: AggregateMethod,
    inputs: Vec<Input>,
    /// No input has a missing value, so every row's weight sum is the same and the per-row
    /// bookkeeping of present children is skipped.
    complete: bool,
    /// A ranking-only arithmetic finish of a complete step: multiplies by the reciprocal of the
    /// weight sum instead of dividing row by row.
    by_reciprocal: bool,
}

/// How one aggregation (a method per node over one normalised frame) is carried out, worked out
/// once so that repeated runs (uncertainty) only do arithmetic.
#[derive(Debug, Clone)]
pub struct Plan {
    steps: Vec<Step>,
}

impl Plan {
    /// `ln`, when given, holds the logarithms of the normalised values, read by geometric means
    /// instead of taking them again. `ranking_only` is for scores that only feed a ranking
    /// (uncertainty runs) and may differ from the exact ones in the last bits: a geometric
    /// aggregate under a geometric parent hands up its log mean instead of exp then ln, and a
    /// mean of children with no missing value multiplies by the reciprocal of the weight sum
    /// instead of dividing row by row. Nominal results, which must match `index compute`, are
    /// computed without it.
    pub fn new(
        structure: &Structure,
        normalised: &Frame,
        ln: Option<&Frame>,
        methods: &[AggregateMethod],
        ranking_only: bool,
    ) -> Plan {
        let geometric = |node: usize| methods[node] == AggregateMethod::Geometric;
        let keep_log = |node: usize| {
            ranking_only && geometric(node) && structure.nodes[node].parent.is_some_and(geometric)
        };
        let mut complete = vec![false; structure.nodes.len()];
        for (node, &j) in structure.column.iter().enumerate() {
            if let Some(j) = j {
                // A fold rather than `any`: no early exit, so it vectorises.
                complete[node] = !normalised.values[j]
                    .iter()
                    .fold(false, |m, v| m | v.is_nan());
            }
        }
        let mut steps = Vec::with_capacity(structure.aggregates.len());
        for &a in &structure.aggregates {
            let method = methods[a];
            let inputs = structure.nodes[a]
                .children
                .iter()
                .map(|&c| {
                    let (source, method) = match structure.column[c] {
                        Some(j) if ln.is_some() && method == AggregateMethod::Geometric => {
                            (Source::LnColumn(j), AggregateMethod::Arithmetic)
                        }
                        Some(j) => (Source::Column(j), method),
                        None if keep_log(c) => (Source::Block(c), AggregateMethod::Arithmetic),
                        None => (Source::Block(c), method),
                    };
                    Input {
                        child: c,
                        source,
                        method,
                    }
                })
                .collect();
            complete[a] = structure.nodes[a].children.iter().all(|&c| complete[c]);
            let finish = match keep_log(a) {
                true => AggregateMethod::Arithmetic,
                false => method,
            };
            steps.push(Step {
                node: a,
                finish,
                inputs,
                complete: complete[a],
                by_reciprocal: ranking_only && complete[a] && finish == AggregateMethod::Arithmetic,
            });
        }
        Plan { steps }
    }
}

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

    /// Scores of aggregate `a` over the last block (its log mean if the plan keeps logs there;
    /// the root's are always scores).
    pub fn score(&self, a: usize) -> &[f64] {
        &self.block[a][..self.len]
    }

    /// Aggregates the rows `rows` (at most [`BLOCK`] of them) bottom-up as `plan` says.
    pub fn combine_block(
        &mut self,
        plan: &Plan,
        normalised: &Frame,
        ln: Option<&Frame>,
        within: &[f64],
        p: f64,
        rows: std::ops::Range<usize>,
    ) {
        let len = rows.len();
        self.len = len;
        let (num, den) = (&mut self.num[..len], &mut self.den[..len]);
        for step in &plan.steps {
            num.fill(0.0);
            // The weight sum of a complete step is the same for every row, added up in the same
            // order as the per-row sums would be.
            let mut den_all = 0.0;
            if !step.complete {
                den.fill(0.0);
            }
            for input in &step.inputs {
                let w = within[input.child];
                let x = match input.source {
                    Source::Column(j) => &normalised.values[j][rows.clone()],
                    Source::LnColumn(j) => {
                        &ln.expect("a plan with log columns needs them").values[j][rows.clone()]
                    }
                    Source::Block(c) => &self.block[c][..len],
                };
                if step.complete {
                    accumulate_complete(num, x, w, input.method, p);
                    den_all += w;
                } else {
                    accumulate(num, den, x, w, input.method, p);
                }
            }
            let out = &mut self.block[step.node][..len];
            if step.by_reciprocal {
                let r = if den_all == 0.0 {
                    f64::NAN
                } else {
                    1.0 / den_all
                };
                out.iter_mut()
                    .zip(num.iter())
                    .for_each(|(o, &s)| *o = s * r);
                continue;
            }
            if step.complete {
                den.fill(den_all);
            }
            finish(out, num, den, step.finish, p);
        }
    }
}

/// One value's term in the weighted sum of a mean.
#[inline]
fn term(v: f64, w: f64, method: AggregateMethod, p: f64) -> f64 {
    match method {
        AggregateMethod::Arithmetic => w * v,
        AggregateMethod::Geometric => w * v.ln(),
        AggregateMethod::Harmonic => w / v,
        AggregateMethod::Genmean if p == 0.0 => w * v.ln(),
        AggregateMethod::Genmean => w * v.powf(p),
    }
}

/// Adds one child's weighted terms to the running sums (missing values skipped).
///
/// Written as selects rather than `if !v.is_nan() { … }` so that the loops vectorise: adding
/// +0.0 leaves a sum unchanged (a sum that starts at +0.0 never becomes −0.0), so the results are
/// bit for bit those of the branching form.
#[inline]
fn accumulate(
    num: &mut [f64],
    den: &mut [f64],
    x: &[f64],
    w: f64,
    method: AggregateMethod,
    p: f64,
) {
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
                    *s += term(v, w, method, p);
                    *d += w;
                }
            }
        }
    }
}

/// [`accumulate`] for a child with no missing value: the same sums, without the weight sums.
/// The uncertainty runs spend most of their time here.
#[inline]
fn accumulate_complete(num: &mut [f64], x: &[f64], w: f64, method: AggregateMethod, p: f64) {
    match method {
        AggregateMethod::Arithmetic => {
            for (s, &v) in num.iter_mut().zip(x) {
                *s += w * v;
            }
        }
        _ => {
            for (s, &v) in num.iter_mut().zip(x) {
                *s += term(v, w, method, p);
            }
        }
    }
}

/// The means from the sums (a row without any child present gets NaN), one loop per method so
/// that the arithmetic one vectorises.
fn finish(out: &mut [f64], num: &[f64], den: &[f64], method: AggregateMethod, p: f64) {
    match method {
        AggregateMethod::Arithmetic => finish_with(out, num, den, |s, d| s / d),
        AggregateMethod::Geometric => finish_with(out, num, den, |s, d| (s / d).exp()),
        AggregateMethod::Harmonic => finish_with(out, num, den, |s, d| d / s),
        AggregateMethod::Genmean if p == 0.0 => finish_with(out, num, den, |s, d| (s / d).exp()),
        AggregateMethod::Genmean => finish_with(out, num, den, |s, d| (s / d).powf(1.0 / p)),
    }
}

#[inline]
fn finish_with(out: &mut [f64], num: &[f64], den: &[f64], mean: impl Fn(f64, f64) -> f64) {
    for ((o, &s), &d) in out.iter_mut().zip(num).zip(den) {
        // Computed before the test, so that the loop is a select and vectorises.
        let m = mean(s, d);
        *o = if d == 0.0 { f64::NAN } else { m };
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
    // (key, row) pairs sorted by key: the keys order like the scores, best first, as plain
    // integers, so a radix sort orders them in a few linear passes (only over the bytes in which
    // the keys differ) instead of n log n comparisons. The uncertainty runs spend much of their
    // time here.
    for rows in by_period {
        sorted.clear();
        sorted.extend(
            rows.iter()
                .filter(|&&r| !score[r].is_nan())
                .map(|&r| (desc_key(score[r]), r)),
        );
        radsort::sort_by_key(sorted, |&(key, _)| key);
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
    use std::fmt::Write as _;
    use std::sync::Arc;

    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::index::frame::{parse_data, parse_structure};

    /// A random framework: 12 indicators under 4 pillars under 2 sub-indices under one index,
    /// 300 units with values in [1, 100], a share of them missing; and random weights.
    fn random_case(seed: u64, missing: f64) -> (Structure, Frame, Vec<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut meta = String::from("Level,iCode,iName,Direction,Weight,Denominator,Parent,Type\n");
        for j in 0..12 {
            writeln!(meta, "1,i{j},i{j},1,1,,P{},Indicator", j / 3).unwrap();
        }
        for k in 0..4 {
            writeln!(meta, "2,P{k},P{k},1,1,,S{},Aggregate", k / 2).unwrap();
        }
        meta.push_str("3,S0,S0,1,1,,Index,Aggregate\n3,S1,S1,1,1,,Index,Aggregate\n");
        meta.push_str("4,Index,Index,1,1,,,Aggregate\n");
        let structure = parse_structure(&meta, "meta.csv").unwrap();
        let mut data = String::from("uCode");
        (0..12).for_each(|j| write!(data, ",i{j}").unwrap());
        for u in 0..300 {
            write!(data, "\nU{u}").unwrap();
            for _ in 0..12 {
                match rng.gen_bool(missing) {
                    true => data.push(','),
                    false => write!(data, ",{}", rng.gen_range(1.0..100.0)).unwrap(),
                }
            }
        }
        let frame = parse_data(&data, "data.csv", &structure).unwrap();
        let within = (0..structure.nodes.len())
            .map(|_| rng.gen_range(0.5..1.5))
            .collect();
        (structure, frame, within)
    }

    #[test]
    fn ranking_only_plans_rank_as_the_exact_ones() {
        use AggregateMethod::{Arithmetic as A, Geometric as G, Harmonic as H};
        for seed in 0..20 {
            for missing in [0.0, 0.1] {
                let (structure, frame, within) = random_case(seed, missing);
                let mut ln = frame.clone();
                for c in &mut ln.values {
                    Arc::make_mut(c).iter_mut().for_each(|v| *v = v.ln());
                }
                // Per level (pillars, sub-indices, index).
                for levels in [[A, A, A], [G, G, G], [G, A, G], [A, G, G], [H, G, A]] {
                    let methods: Vec<AggregateMethod> = structure
                        .nodes
                        .iter()
                        .map(|n| levels[(n.level as usize).saturating_sub(2).min(2)])
                        .collect();
                    let exact = combine(&structure, &frame, &within, &methods, 1.0);
                    let plan = Plan::new(&structure, &frame, Some(&ln), &methods, true);
                    let fast = combine_by_plan(&plan, &structure, &frame, Some(&ln), &within, 1.0);
                    let root = structure.root;
                    for (&e, &f) in exact.scores[root].iter().zip(&fast.scores[root]) {
                        assert!((e - f).abs() <= 1e-12 * e.abs(), "{levels:?}: {e} vs {f}");
                    }
                    let by_period = frame.rows.by_period();
                    assert_eq!(
                        rank_desc(&exact.scores[root], &by_period),
                        rank_desc(&fast.scores[root], &by_period),
                        "seed {seed}, {levels:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn ranks_best_first_with_shared_ties() {
        let score = [1.0, 3.0, f64::NAN, 3.0, -0.0, 0.0, -2.0];
        let r = rank_desc(&score, &[(0..7).collect()]);
        let want = [3, 1, 0, 1, 4, 4, 6].map(|k| (k > 0).then_some(k));
        assert_eq!(r, want);
    }
}
