//! Small statistics over columns with NaN for missing values, shared by the steps.

/// The present (non-NaN) values.
pub fn present(x: &[f64]) -> Vec<f64> {
    x.iter().copied().filter(|v| !v.is_nan()).collect()
}

pub fn mean(x: &[f64]) -> f64 {
    let (s, n) = x
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        s / n as f64
    }
}

/// Sample standard deviation (n − 1).
pub fn sd(x: &[f64]) -> f64 {
    let m = mean(x);
    let (ss, n) = x
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0, 0usize), |(s, n), v| (s + (v - m) * (v - m), n + 1));
    if n < 2 {
        f64::NAN
    } else {
        (ss / (n - 1) as f64).sqrt()
    }
}

pub fn min_max(x: &[f64]) -> (f64, f64) {
    x.iter()
        .filter(|v| !v.is_nan())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// Central moments m2, m3, m4 (divided by n) and n.
fn moments(x: &[f64]) -> (f64, f64, f64, f64) {
    let n = x.iter().filter(|v| !v.is_nan()).count() as f64;
    let [s] = lane_sums(x, |v| [if v.is_nan() { 0.0 } else { v }]);
    let m = s / n;
    let [m2, m3, m4] = lane_sums(x, |v| {
        let d = if v.is_nan() { 0.0 } else { v - m };
        let d2 = d * d;
        [d2, d2 * d, d2 * d2]
    });
    (m2 / n, m3 / n, m4 / n, n)
}

/// Sums `f` over `x` in four interleaved lanes: one running sum is bound by the latency of each
/// addition, and outlier treatment recomputes the moments after every winsorising step.
#[inline]
fn lane_sums<const K: usize>(x: &[f64], f: impl Fn(f64) -> [f64; K]) -> [f64; K] {
    let mut acc = [[0.0; 4]; K];
    let chunks = x.chunks_exact(4);
    let tail = chunks.remainder();
    for c in chunks {
        for (l, &v) in c.iter().enumerate() {
            for (a, t) in acc.iter_mut().zip(f(v)) {
                a[l] += t;
            }
        }
    }
    for &v in tail {
        for (a, t) in acc.iter_mut().zip(f(v)) {
            a[0] += t;
        }
    }
    acc.map(|a| (a[0] + a[1]) + (a[2] + a[3]))
}

/// [`lane_sums`] letting `f` change each value first; the lanes and the order of the additions
/// are the same, so sums over the changed values are bit for bit those of [`lane_sums`].
#[inline]
pub(crate) fn lane_sums_mut<const K: usize>(
    x: &mut [f64],
    mut f: impl FnMut(&mut f64) -> [f64; K],
) -> [f64; K] {
    let mut acc = [[0.0; 4]; K];
    let mut chunks = x.chunks_exact_mut(4);
    for c in &mut chunks {
        for (l, v) in c.iter_mut().enumerate() {
            for (a, t) in acc.iter_mut().zip(f(v)) {
                a[l] += t;
            }
        }
    }
    for v in chunks.into_remainder() {
        for (a, t) in acc.iter_mut().zip(f(v)) {
            a[0] += t;
        }
    }
    acc.map(|a| (a[0] + a[1]) + (a[2] + a[3]))
}

/// Central moments m2, m3, m4 (divided by n) of a column without missing values whose sum is
/// known: the second pass of [`skew_kurt`], for callers that fuse the first into other work.
pub(crate) fn central_moments(x: &[f64], sum: f64) -> (f64, f64, f64) {
    let n = x.len() as f64;
    let m = sum / n;
    let [m2, m3, m4] = lane_sums(x, |v| {
        let d = v - m;
        let d2 = d * d;
        [d2, d2 * d, d2 * d2]
    });
    (m2 / n, m3 / n, m4 / n)
}

/// Sample skewness, "type 2" (G1 = g1·√(n(n−1))/(n−2)), as COINr's `skew()`.
pub fn skew(x: &[f64]) -> f64 {
    skew_kurt(x).0
}

/// Sample excess kurtosis, "type 2" (G2 = ((n+1)g2 + 6)(n−1)/((n−2)(n−3))), as COINr's `kurt()`.
pub fn kurt(x: &[f64]) -> f64 {
    skew_kurt(x).1
}

/// Both type-2 estimators from one pass over the central moments (NaN below 3 and 4 points).
pub fn skew_kurt(x: &[f64]) -> (f64, f64) {
    let (m2, m3, m4, n) = moments(x);
    type2(m2, m3, m4, n)
}

/// The type-2 skewness and excess kurtosis from the central moments of `n` points.
pub(crate) fn type2(m2: f64, m3: f64, m4: f64, n: f64) -> (f64, f64) {
    let skew = if n < 3.0 {
        f64::NAN
    } else {
        m3 / m2.powf(1.5) * (n * (n - 1.0)).sqrt() / (n - 2.0)
    };
    let kurt = if n < 4.0 {
        f64::NAN
    } else {
        let g2 = m4 / (m2 * m2) - 3.0;
        ((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    };
    (skew, kurt)
}

/// Median of the present values.
pub fn median(x: &[f64]) -> f64 {
    quantile(x, 0.5)
}

/// Quantile of the present values, R's default "type 7" (linear between order statistics).
pub fn quantile(x: &[f64], q: f64) -> f64 {
    let mut v = present(x);
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable_by(f64::total_cmp);
    quantile_sorted(&v, q)
}

pub fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    let h = (v.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Ranks of `x` among `rows` (1 = smallest), ties get the lowest rank ("min"), NaN stays NaN.
pub fn rank_min(x: &[f64], rows: &[usize], out: &mut [f64]) {
    let mut idx: Vec<usize> = rows.iter().copied().filter(|&r| !x[r].is_nan()).collect();
    idx.sort_unstable_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut k = 0;
    while k < idx.len() {
        let mut e = k;
        while e + 1 < idx.len() && x[idx[e + 1]] == x[idx[k]] {
            e += 1;
        }
        for &r in &idx[k..=e] {
            out[r] = (k + 1) as f64;
        }
        k = e + 1;
    }
    for &r in rows {
        if x[r].is_nan() {
            out[r] = f64::NAN;
        }
    }
}

/// Pearson correlation over the rows where both are present.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(x, y)| (*x, *y))
        .collect();
    let n = pairs.len() as f64;
    if n < 2.0 {
        return f64::NAN;
    }
    let (ma, mb) = (
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type2_skew_and_kurtosis_match_r() {
        // G1 and G2 of x = (1, 2, 3, 4, 10) worked out by hand from the central moments.
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert!(
            (skew(&x) - 1.697_056_274_847_714).abs() < 1e-12,
            "{}",
            skew(&x)
        );
        assert!((kurt(&x) - 3.152).abs() < 1e-12, "{}", kurt(&x));
    }

    #[test]
    fn quantile_type7_and_min_ranks() {
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
        let x = [3.0, 1.0, 3.0, f64::NAN];
        let mut r = [0.0; 4];
        rank_min(&x, &[0, 1, 2, 3], &mut r);
        assert_eq!(&r[..3], &[2.0, 1.0, 2.0]);
        assert!(r[3].is_nan());
    }
}
