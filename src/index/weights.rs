//! Weights of every node within its parent: manual (the structure's `Weight`), equal, 熵权法 in
//! the Chinese form and in the raw-share form, AHP from pairwise comparison matrices (refusing a
//! consistency ratio above 0.1), and the first principal component. Also the effective weight of
//! every indicator in the index (the product of its normalised weights up the tree).

use nalgebra::{DMatrix, SymmetricEigen};
use serde::Serialize;

use super::frame::{Frame, NodeKind, Structure};
use super::method::{AhpMatrix, WeightMethod, Weights as Spec};
use super::stats;
use crate::error::{Error, Result};

/// Saaty's random consistency index for n = 1..=15.
const RANDOM_INDEX: [f64; 15] = [
    0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
];

#[derive(Debug, Clone, Serialize)]
pub struct Ahp {
    /// Priorities (sum 1), in the matrix's row order.
    pub weights: Vec<f64>,
    pub lambda_max: f64,
    pub ci: f64,
    pub cr: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AhpReport {
    pub parent: String,
    pub codes: Vec<String>,
    #[serde(flatten)]
    pub ahp: Ahp,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeWeights {
    /// Weight of each node among its siblings (not normalised; aggregation divides by the sum).
    pub within: Vec<f64>,
    /// Share of each node in the index (product of normalised weights up to the root).
    pub effective: Vec<f64>,
    pub ahp: Vec<AhpReport>,
}

/// Computes the weights. `treated` feeds the entropy methods, `normalised` the PCA.
pub fn compute(
    structure: &Structure,
    treated: &Frame,
    normalised: &Frame,
    spec: &Spec,
) -> Result<NodeWeights> {
    let nodes = &structure.nodes;
    let mut within: Vec<f64> = nodes.iter().map(|n| n.weight).collect();
    let mut reports = Vec::new();
    match spec.method {
        WeightMethod::Manual => {}
        WeightMethod::Equal => within.iter_mut().for_each(|w| *w = 1.0),
        WeightMethod::Entropy | WeightMethod::EntropyShare => {
            let share = spec.method == WeightMethod::EntropyShare;
            let mut d = vec![0.0; nodes.len()];
            for (j, &i) in structure.indicators.iter().enumerate() {
                d[i] = divergence(&treated.values[j], nodes[i].direction, share).map_err(|r| {
                    Error::invalid(format!(
                        "熵权法（比重形式）要求指标非负：指标「{}」在单位「{}」的值为 {}",
                        nodes[i].code, treated.rows.unit[r], treated.values[j][r]
                    ))
                })?;
            }
            // An aggregate weighs the divergence of all its indicators, so the effective weights
            // are the classic global entropy weights.
            for &a in &structure.aggregates {
                d[a] = nodes[a].children.iter().map(|&c| d[c]).sum();
            }
            within = d;
        }
        WeightMethod::Ahp => {
            for (parent, m) in &spec.ahp {
                let report = ahp_for(structure, parent, m)?;
                for (code, w) in report.codes.iter().zip(&report.ahp.weights) {
                    within[structure.node(code).unwrap_or_default()] = *w;
                }
                reports.push(report);
            }
        }
        WeightMethod::Pca => {
            for &a in &structure.aggregates {
                let kids = &nodes[a].children;
                if kids.len() < 2 || kids.iter().any(|&c| nodes[c].kind != NodeKind::Indicator) {
                    continue;
                }
                let cols: Vec<&[f64]> = kids
                    .iter()
                    .map(|&c| normalised.values[structure.column[c].unwrap_or_default()].as_slice())
                    .collect();
                for (&c, w) in kids.iter().zip(pca_first(&cols)) {
                    within[c] = w;
                }
            }
        }
    }
    let effective = effective(structure, &within);
    Ok(NodeWeights {
        within,
        effective,
        ahp: reports,
    })
}

/// Share of each node in the root, from weights within parents.
pub fn effective(structure: &Structure, within: &[f64]) -> Vec<f64> {
    let nodes = &structure.nodes;
    let mut out = vec![0.0; nodes.len()];
    out[structure.root] = 1.0;
    for &a in structure.aggregates.iter().rev() {
        let total: f64 = nodes[a].children.iter().map(|&c| within[c]).sum();
        for &c in &nodes[a].children {
            out[c] = if total > 0.0 {
                out[a] * within[c] / total
            } else {
                0.0
            };
        }
    }
    out
}

/// 1 − entropy of one indicator (its "divergence"). Chinese form: shares of the min-max values
/// (direction applied); raw-share form: shares of the raw values, which must be non-negative
/// (`Err(row)` names the first negative one). 0·ln 0 = 0; a constant indicator gets 0.
pub fn divergence(x: &[f64], direction: f64, raw_share: bool) -> std::result::Result<f64, usize> {
    let present: Vec<f64> = if raw_share {
        if let Some(r) = x.iter().position(|&v| v < 0.0) {
            return Err(r);
        }
        let (lo, hi) = stats::min_max(x);
        if hi <= lo {
            return Ok(0.0);
        }
        stats::present(x)
    } else {
        let (lo, hi) = stats::min_max(x);
        if hi <= lo {
            return Ok(0.0);
        }
        x.iter()
            .filter(|v| !v.is_nan())
            .map(|&v| {
                if direction > 0.0 {
                    (v - lo) / (hi - lo)
                } else {
                    (hi - v) / (hi - lo)
                }
            })
            .collect()
    };
    let n = present.len();
    let total: f64 = present.iter().sum();
    if n < 2 || total <= 0.0 {
        return Ok(0.0);
    }
    let h: f64 = present
        .iter()
        .map(|&v| v / total)
        .filter(|&p| p > 0.0)
        .map(|p| p * p.ln())
        .sum();
    let e = -h / (n as f64).ln();
    // A constant column in raw-share form has e = 1 exactly in theory; clamp rounding.
    Ok((1.0 - e).max(0.0))
}

/// Entropy weights (divergences normalised to sum 1).
pub fn entropy_weights(
    cols: &[&[f64]],
    directions: &[f64],
    raw_share: bool,
) -> std::result::Result<Vec<f64>, (usize, usize)> {
    let d: Vec<f64> = cols
        .iter()
        .zip(directions)
        .enumerate()
        .map(|(j, (c, &dir))| divergence(c, dir, raw_share).map_err(|r| (j, r)))
        .collect::<std::result::Result<_, _>>()?;
    let total: f64 = d.iter().sum();
    Ok(d.iter()
        .map(|v| if total > 0.0 { v / total } else { 0.0 })
        .collect())
}

fn ahp_for(structure: &Structure, parent: &str, m: &AhpMatrix) -> Result<AhpReport> {
    let p = structure
        .node(parent)
        .filter(|&p| structure.nodes[p].kind == NodeKind::Aggregate)
        .ok_or_else(|| {
            Error::invalid(format!(
                "AHP 判断矩阵（节点「{parent}」）：结构中没有汇总项「{parent}」"
            ))
        })?;
    let name = &structure.nodes[p].name;
    let place = if name == parent {
        format!("AHP 判断矩阵（节点「{parent}」）")
    } else {
        format!("AHP 判断矩阵（节点「{parent} {name}」）")
    };
    let kids: Vec<String> = structure.nodes[p]
        .children
        .iter()
        .map(|&c| structure.nodes[c].code.clone())
        .collect();
    let codes = m.codes.clone().unwrap_or_else(|| kids.clone());
    let mut sorted_codes = codes.clone();
    sorted_codes.sort();
    let mut sorted_kids = kids.clone();
    sorted_kids.sort();
    if sorted_codes != sorted_kids {
        return Err(Error::invalid(format!(
            "{place}：codes 应恰好是「{parent}」的下级（{}），而不是 {}",
            kids.join("、"),
            codes.join("、")
        )));
    }
    check_size(&m.matrix, kids.len(), &place)?;
    let mut a = Vec::with_capacity(codes.len());
    for (i, row) in m.matrix.iter().enumerate() {
        let mut vals = Vec::with_capacity(row.len());
        for (j, cell) in row.iter().enumerate() {
            vals.push(cell.value().filter(|v| v.is_finite()).ok_or_else(|| {
                Error::invalid(format!("{place} 第 {} 行第 {} 列不是数值", i + 1, j + 1))
            })?);
        }
        a.push(vals);
    }
    let ahp = ahp(&a, &place)?;
    Ok(AhpReport {
        parent: parent.to_string(),
        codes,
        ahp,
    })
}

/// Refuses a matrix that is not n×n for a node with n children: a smaller one would weigh
/// only some children and leave the rest at their manual weights.
fn check_size<T>(matrix: &[Vec<T>], n: usize, place: &str) -> Result<()> {
    let rows = matrix.len();
    if let Some((i, row)) = matrix.iter().enumerate().find(|(_, r)| r.len() != rows) {
        return Err(Error::invalid(format!(
            "{place}不是方阵：共 {rows} 行，第 {} 行却有 {} 列；该节点有 {n} 个下级指标，应为 {n}×{n}",
            i + 1,
            row.len()
        )));
    }
    if rows != n {
        return Err(Error::invalid(format!(
            "{place}是 {rows}×{rows}，但该节点有 {n} 个下级指标，应为 {n}×{n}"
        )));
    }
    Ok(())
}

/// Priorities of a pairwise comparison matrix (principal eigenvector) and its consistency.
/// Refuses a matrix that is not square, positive and reciprocal, or whose CR exceeds 0.1.
pub fn ahp(a: &[Vec<f64>], place: &str) -> Result<Ahp> {
    let n = a.len();
    if n == 0 || a.iter().any(|r| r.len() != n) {
        return Err(Error::invalid(format!(
            "{place}：判断矩阵应为 {n}×{n} 的方阵"
        )));
    }
    for (i, row) in a.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if v.is_nan() || v <= 0.0 {
                return Err(Error::invalid(format!(
                    "{place}：第 {} 行第 {} 列应为正数，而不是 {v}",
                    i + 1,
                    j + 1
                )));
            }
            if (v * a[j][i] - 1.0).abs() > 0.01 {
                return Err(Error::invalid(format!(
                    "{place}：第 {} 行第 {} 列（{v}）与第 {} 行第 {} 列（{}）应互为倒数",
                    i + 1,
                    j + 1,
                    j + 1,
                    i + 1,
                    a[j][i]
                )));
            }
        }
    }
    // Power iteration: a positive matrix has a simple dominant (Perron) eigenvalue.
    let mut w = vec![1.0 / n as f64; n];
    let mut lambda = n as f64;
    for _ in 0..1000 {
        let aw: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| a[i][j] * w[j]).sum())
            .collect();
        let s: f64 = aw.iter().sum();
        let next: Vec<f64> = aw.iter().map(|v| v / s).collect();
        lambda = s;
        let delta: f64 = next.iter().zip(&w).map(|(x, y)| (x - y).abs()).sum();
        w = next;
        if delta < 1e-15 {
            break;
        }
    }
    let ci = if n > 2 {
        (lambda - n as f64) / (n as f64 - 1.0)
    } else {
        0.0
    };
    let ri = RANDOM_INDEX[(n - 1).min(RANDOM_INDEX.len() - 1)];
    let cr = if ri > 0.0 { ci / ri } else { 0.0 };
    if cr > 0.1 {
        return Err(Error::invalid(format!(
            "{place}：一致性比率 CR = {cr:.3}，超过 0.1，判断前后矛盾，请调整矩阵后再计算"
        )));
    }
    Ok(Ahp {
        weights: w,
        lambda_max: lambda,
        ci,
        cr,
    })
}

/// Squared loadings of the first principal component of the correlation matrix (sum 1), over
/// the rows where every column is present.
pub fn pca_first(cols: &[&[f64]]) -> Vec<f64> {
    let k = cols.len();
    let rows: Vec<usize> = (0..cols[0].len())
        .filter(|&r| cols.iter().all(|c| !c[r].is_nan()))
        .collect();
    let mut corr = DMatrix::<f64>::identity(k, k);
    for i in 0..k {
        for j in 0..i {
            let a: Vec<f64> = rows.iter().map(|&r| cols[i][r]).collect();
            let b: Vec<f64> = rows.iter().map(|&r| cols[j][r]).collect();
            let c = stats::pearson(&a, &b);
            let c = if c.is_nan() { 0.0 } else { c };
            corr[(i, j)] = c;
            corr[(j, i)] = c;
        }
    }
    let eig = SymmetricEigen::new(corr);
    let top = eig.eigenvalues.imax();
    let v = eig.eigenvectors.column(top);
    v.iter().map(|x| x * x).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ahp_textbook_matrix() {
        // The classic 3×3 example: priorities ≈ (0.637, 0.258, 0.105), λmax ≈ 3.0385, CR ≈ 0.033.
        let a = vec![
            vec![1.0, 3.0, 5.0],
            vec![1.0 / 3.0, 1.0, 3.0],
            vec![0.2, 1.0 / 3.0, 1.0],
        ];
        let r = ahp(&a, "测试").unwrap();
        assert!((r.weights[0] - 0.6370).abs() < 1e-4, "{:?}", r.weights);
        assert!((r.weights[1] - 0.2583).abs() < 1e-4);
        assert!((r.weights[2] - 0.1047).abs() < 1e-4);
        assert!((r.lambda_max - 3.0385).abs() < 1e-4, "{}", r.lambda_max);
        assert!((r.cr - 0.0332).abs() < 1e-3, "{}", r.cr);
    }

    #[test]
    fn entropy_constant_indicator_weighs_nothing() {
        let a = [1.0, 2.0, 3.0, 10.0];
        let c = [5.0; 4];
        let w = entropy_weights(&[&a, &c], &[1.0, 1.0], false).unwrap();
        assert_eq!(w, vec![1.0, 0.0]);
    }
}
