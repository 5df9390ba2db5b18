//! Uncertainty analysis by Monte Carlo: every run perturbs the weights (uniform noise around the
//! nominal ones) and draws the outlier treatment (as specified or none), the normalisation (as
//! specified, min-max to [1, 100] or percentile rank) and the aggregation (as specified,
//! arithmetic or geometric everywhere), then ranks. Per unit (and period): the nominal rank and the
//! mean, median, 5% and 95% ranks. Runs are spread over all cores; each run draws from its own
//! ChaCha stream of the seed, so the result does not depend on the number of threads.
//! The runs' scores only feed ranks, so they are aggregated by a ranking-only plan
//! ([`Plan::new`]) that may differ from `index compute` in the last bits; the nominal rank
//! reported is that of the exact pipeline.

use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::aggregate::{self, methods_by_node, Plan, Workspace};
use super::frame::{Frame, Structure};
use super::method::{AggregateMethod, Method, Normalise, NormaliseMethod, TreatMethod};
use super::normalise;
use super::pipeline::{self, Outcome};
use super::stats::quantile_sorted;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UncertaintySpec {
    pub runs: usize,
    pub seed: u64,
    /// Each weight is multiplied by a uniform draw from [1 − noise, 1 + noise].
    pub weight_noise: f64,
    pub vary_treat: bool,
    pub vary_normalise: bool,
    pub vary_aggregate: bool,
}

impl Default for UncertaintySpec {
    fn default() -> Self {
        UncertaintySpec {
            runs: 1000,
            seed: 1,
            weight_noise: 0.25,
            vary_treat: true,
            vary_normalise: true,
            vary_aggregate: true,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RankStats {
    pub unit: String,
    pub time: Option<String>,
    pub nominal: Option<u32>,
    pub mean: f64,
    pub median: f64,
    pub q05: f64,
    pub q95: f64,
}

/// Runs worked together over each block of rows (their columns then stay in cache).
const RUNS_TOGETHER: usize = 8;

/// What one run draws.
struct Draw {
    variant: usize,
    aggregation: usize,
    /// The perturbed weights of every node within its parent.
    weights: Vec<f64>,
}

struct Variant {
    normalised: Frame,
    /// Logarithms of the values (for geometric runs), when all are positive.
    ln: Option<Frame>,
}

pub fn run(
    frame: &Frame,
    structure: &Structure,
    method: &Method,
    spec: &UncertaintySpec,
) -> Result<(Outcome, Vec<RankStats>)> {
    if spec.runs == 0 {
        return Err(Error::invalid("不确定性分析的运行次数应至少为 1"));
    }
    if !(0.0..1.0).contains(&spec.weight_noise) {
        return Err(Error::invalid(format!(
            "权重扰动幅度应在 0 到 1 之间，而不是 {}",
            spec.weight_noise
        )));
    }
    let nominal = pipeline::compute(frame, structure, method)?;

    // Every combination of treatment and normalisation is computed once, before the runs.
    let mut treated = vec![nominal.treated.clone()];
    if spec.vary_treat && method.treat.method != TreatMethod::None {
        treated.push(nominal.screened.clone());
    }
    let mut norms = vec![method.normalise.clone()];
    if spec.vary_normalise {
        norms.push(Normalise {
            method: NormaliseMethod::Minmax,
            range: [1.0, 100.0],
            ..Normalise::default()
        });
        norms.push(Normalise {
            method: NormaliseMethod::Prank,
            ..Normalise::default()
        });
    }
    let mut variants = Vec::new();
    for t in &treated {
        for n in &norms {
            let normalised = normalise::apply(t, structure, n, method.panel.normalise)?;
            let positive = normalised
                .values
                .iter()
                .all(|c| c.iter().all(|&v| v.is_nan() || v > 0.0));
            let ln = positive.then(|| {
                let mut ln = normalised.clone();
                ln.values
                    .iter_mut()
                    .for_each(|c| Arc::make_mut(c).iter_mut().for_each(|v| *v = v.ln()));
                ln
            });
            variants.push(Variant { normalised, ln });
        }
    }
    let nominal_methods = methods_by_node(structure, &method.aggregate);
    let mut aggregations = vec![nominal_methods.clone()];
    if spec.vary_aggregate {
        for m in [AggregateMethod::Arithmetic, AggregateMethod::Geometric] {
            let all = vec![m; structure.nodes.len()];
            if !aggregations.contains(&all) {
                aggregations.push(all);
            }
        }
    }
    let needs_positive: Vec<bool> = aggregations
        .iter()
        .map(|m| m.iter().any(|&a| a != AggregateMethod::Arithmetic))
        .collect();
    // The plan of every (variant, aggregation) pair a run may draw.
    let plans: Vec<Vec<Plan>> = variants
        .iter()
        .map(|v| {
            aggregations
                .iter()
                .map(|m| Plan::new(structure, &v.normalised, v.ln.as_ref(), m, true))
                .collect()
        })
        .collect();
    let by_period = nominal.normalised.rows.by_period();
    let n_rows = nominal.normalised.rows.len();
    let base = &nominal.weights.within;
    let root = structure.root;
    let p = method.aggregate.p;

    // What every run draws, from its own stream: the aggregation, the variant, the weights.
    let draws: Vec<Draw> = (0..spec.runs)
        .map(|run| {
            let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
            rng.set_stream(run as u64);
            let mut aggregation = rng.gen_range(0..aggregations.len());
            let mut eligible: Vec<usize> = (0..variants.len())
                .filter(|&v| !needs_positive[aggregation] || variants[v].ln.is_some())
                .collect();
            if eligible.is_empty() {
                aggregation = 0;
                eligible = (0..variants.len()).collect();
            }
            let variant = eligible[rng.gen_range(0..eligible.len())];
            let weights = base
                .iter()
                .map(|&w| w * rng.gen_range(1.0 - spec.weight_noise..=1.0 + spec.weight_noise))
                .collect();
            Draw {
                variant,
                aggregation,
                weights,
            }
        })
        .collect();

    // Runs on the same variant with the same aggregation are worked a few at a time, all of them
    // through one block of rows before the next, so that they read the block's columns from cache
    // (a run on its own streams every column from memory). The statistics below do not depend
    // on the order of the runs.
    let mut order: Vec<usize> = (0..spec.runs).collect();
    order.sort_by_key(|&r| (draws[r].variant, draws[r].aggregation));
    let batches: Vec<&[usize]> = order
        .chunk_by(|&r, &s| {
            (draws[r].variant, draws[r].aggregation) == (draws[s].variant, draws[s].aggregation)
        })
        .flat_map(|same| same.chunks(RUNS_TOGETHER))
        .collect();
    // Per worker: the aggregation scratch and the sort buffer.
    let scratch = || (Workspace::new(structure), Vec::with_capacity(n_rows));
    let ranks: Vec<Vec<u32>> = batches
        .into_par_iter()
        .map_init(scratch, |(work, sorted), batch| {
            let first = &draws[batch[0]];
            let (v, plan) = (
                &variants[first.variant],
                &plans[first.variant][first.aggregation],
            );
            let mut root_scores = vec![vec![0.0; n_rows]; batch.len()];
            for start in (0..n_rows).step_by(aggregate::BLOCK) {
                let rows = start..(start + aggregate::BLOCK).min(n_rows);
                for (&run, out) in batch.iter().zip(&mut root_scores) {
                    // No checks needed: a run with a non-arithmetic mean only draws positive
                    // variants.
                    let w = &draws[run].weights;
                    work.combine_block(plan, &v.normalised, v.ln.as_ref(), w, p, rows.clone());
                    out[rows.clone()].copy_from_slice(work.score(root));
                }
            }
            root_scores
                .iter()
                .map(|score| {
                    let mut rank = vec![0; n_rows];
                    aggregate::rank_desc_into(score, &by_period, sorted, &mut rank);
                    rank
                })
                .collect::<Vec<_>>()
        })
        .flatten_iter()
        .collect();

    // Per row, the ranks of all runs. Rows are taken in blocks so that each run's rank vector is
    // read in contiguous slices (gathering one row at a time across 1,000 vectors misses the
    // cache on every read); ranks are sorted as integers and only then turned into f64 for the
    // quantiles (the mean of integers is exact in any order, so the statistics are unchanged).
    const BLOCK: usize = 256;
    let rows = &nominal.normalised.rows;
    let starts: Vec<usize> = (0..n_rows).step_by(BLOCK).collect();
    let stats: Vec<RankStats> = starts
        .into_par_iter()
        .flat_map_iter(|start| {
            let end = (start + BLOCK).min(n_rows);
            let mut per_row: Vec<Vec<u32>> = vec![Vec::with_capacity(ranks.len()); end - start];
            for run in &ranks {
                for (v, &k) in per_row.iter_mut().zip(&run[start..end]) {
                    if k > 0 {
                        v.push(k);
                    }
                }
            }
            per_row.into_iter().zip(start..end).map(|(mut v, r)| {
                v.sort_unstable();
                let v: Vec<f64> = v.into_iter().map(f64::from).collect();
                let (mean, median, q05, q95) = if v.is_empty() {
                    (f64::NAN, f64::NAN, f64::NAN, f64::NAN)
                } else {
                    (
                        v.iter().sum::<f64>() / v.len() as f64,
                        quantile_sorted(&v, 0.5),
                        quantile_sorted(&v, 0.05),
                        quantile_sorted(&v, 0.95),
                    )
                };
                RankStats {
                    unit: rows.unit[r].clone(),
                    time: rows.time.as_ref().map(|t| t[r].clone()),
                    nominal: nominal.rank[r],
                    mean,
                    median,
                    q05,
                    q95,
                }
            })
        })
        .collect();
    Ok((nominal, stats))
}
