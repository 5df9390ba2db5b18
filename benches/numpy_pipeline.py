"""The 一指数 benchmark pipeline in numpy/pandas, for comparison with the Rust engine.

Same input files (written by `cargo bench --bench index_pipeline` to target/index-bench/),
same method: denominate → impute (group mean per period) → screen (90% per period) →
COINr winsorisation per period → min-max [0, 100] pooled → weighted arithmetic mean with
renormalisation over present values, level by level → rank per period.

Usage: python benches/numpy_pipeline.py DIR [--repeat N] [--out RESULTS.csv]
Prints the median wall time of the pipeline (input already in memory) in seconds.
Not part of CI: needs numpy and pandas installed locally.
"""

import argparse
import math
import statistics
import sys
import time

import numpy as np
import pandas as pd

WINMAX, SKEW, KURT = 5, 2.0, 3.5


def skew(v):
    n = v.size
    if n < 3:
        return math.nan
    d = v - v.mean()
    m2 = np.mean(d * d)
    m3 = np.mean(d * d * d)
    return m3 / m2**1.5 * math.sqrt(n * (n - 1)) / (n - 2)


def kurt(v):
    n = v.size
    if n < 4:
        return math.nan
    d = v - v.mean()
    d2 = d * d
    m2 = np.mean(d2)
    g2 = np.mean(d2 * d2) / (m2 * m2) - 3.0
    return ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3))


def passes(v):
    s, k = skew(v), kurt(v)
    if math.isnan(s) or math.isnan(k):
        return None
    return abs(s) < SKEW or k < KURT


def pull_in(v, top):
    """Moves every point at the top (or bottom) to the next value in; returns how many moved."""
    edge = v.max() if top else v.min()
    at = v == edge
    rest = v[~at]
    if rest.size:
        v[at] = rest.max() if top else rest.min()
    return int(at.sum())


def treat(x):
    """COINr's Treat(): winsorise (ties together, up to WINMAX points), else log of the original."""
    ok = ~np.isnan(x)
    v = x[ok].copy()
    p = passes(v)
    if p is None or p:
        return x
    orig = v.copy()
    nhigh = nlow = 0
    passing = False
    while not passing and nhigh + nlow < WINMAX:
        if skew(v) >= 0:
            nhigh = pull_in(v, True)
        else:
            nlow = pull_in(v, False)
        p = passes(v)
        passing = True if p is None else p
    if not passing:
        lo, hi = orig.min(), orig.max()
        v = np.log(orig - lo + 0.01 * (hi - lo))
    out = x.copy()
    out[ok] = v
    return out


def load(directory):
    meta = pd.read_csv(f"{directory}/meta.csv")
    data = pd.read_csv(f"{directory}/data.csv")
    return meta, data


def pipeline(meta, data):
    ind = meta[meta.Type == "Indicator"]
    codes = list(ind.iCode)
    X = data[codes].to_numpy(dtype=float, copy=True)
    # 1. denominate
    for j, den in enumerate(ind.Denominator):
        if isinstance(den, str):
            X[:, j] /= data[den].to_numpy()
    # 2. impute: group mean within each period
    df = pd.DataFrame(X, columns=codes)
    means = df.groupby([data.Time, data.region]).transform("mean").to_numpy()
    X = np.where(np.isnan(X), means, X)
    # 3. screen: at least 90% present per unit-period
    keep = (~np.isnan(X)).mean(axis=1) >= 0.9
    X = X[keep]
    time_ = data.Time.to_numpy()[keep]
    units = data.uCode.to_numpy()[keep]
    # 4. treat per period
    for t in np.unique(time_):
        rows = time_ == t
        for j in range(X.shape[1]):
            X[rows, j] = treat(X[rows, j])
    # 5. normalise: direction, then min-max [0, 100] pooled over periods
    X = X * ind.Direction.to_numpy()
    lo, hi = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
    X = (X - lo) / (hi - lo) * 100.0
    # 6. aggregate level by level (weighted mean over present children)
    scores = dict(zip(codes, X.T))
    weight = dict(zip(meta.iCode, meta.Weight))
    aggs = meta[meta.Type == "Aggregate"].sort_values("Level")
    for code in aggs.iCode:
        kids = list(meta.iCode[meta.Parent == code])
        M = np.column_stack([scores[k] for k in kids])
        w = np.array([weight[k] for k in kids])
        present = ~np.isnan(M)
        num = np.where(present, M, 0.0) @ w
        den = present @ w
        with np.errstate(invalid="ignore", divide="ignore"):
            scores[code] = num / den
    # 7. rank within each period (1 = best, ties share the best rank)
    rank = pd.Series(scores["Index"]).groupby(time_).rank(method="min", ascending=False)
    return units, time_, rank.to_numpy(), scores


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--out")
    a = ap.parse_args()
    meta, data = load(a.dir)
    pipeline(meta, data)  # warm-up
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        result = pipeline(meta, data)
        times.append(time.perf_counter() - t0)
    if a.out:
        units, time_, rank, scores = result
        pd.DataFrame({"uCode": units, "Time": time_, "Rank": rank, "Index": scores["Index"]}).to_csv(
            a.out, index=False, float_format="%.17g"
        )
    print(f"{statistics.median(times):.6f}")


if __name__ == "__main__":
    sys.exit(main())
