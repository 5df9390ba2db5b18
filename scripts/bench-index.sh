#!/usr/bin/env bash
# 一指数 benchmark: the Rust engine (criterion) and the same pipeline in numpy/pandas, on the same
# generated data (2,000 units × 40 indicators × 8 periods), in one run; prints the medians side by
# side with the ratio (rounds alternate, see below), checks that both give the same index, and
# times the 1,000-run uncertainty analysis. Needs numpy and pandas (PYTHON=/path/to/python to
# choose the interpreter; ROUNDS=N for the number of rounds); not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
DIR=target/index-bench

ROUNDS="${ROUNDS:-3}"
median() { "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['median']['point_estimate']/1e9)" "$1"; }

# This machine's speed drifts by tens of percent from minute to minute, and one Rust run followed
# by one numpy run can land in different phases. So the two alternate, round by round, and the
# ratio reported is the median of the rounds' ratios.
cargo bench --bench index_pipeline -- --noplot uncertainty 2>&1 | grep -E "^index/|time:" || true
UNC=$(median target/criterion/index/uncertainty_1000_runs/new/estimates.json)
PAIRS=""
for round in $(seq "$ROUNDS"); do
  cargo bench --bench index_pipeline -- --noplot pipeline 2>&1 | grep -E "time:" || true
  RUST=$(median target/criterion/index/pipeline_2000x40x8/new/estimates.json)
  NUMPY=$("$PY" benches/numpy_pipeline.py "$DIR" --out "$DIR/numpy_results.csv")
  PAIRS="$PAIRS $RUST,$NUMPY"
done

# Same input, same method: both must give the same index.
cargo run --release --quiet -- index compute --data "$DIR/data.csv" --meta "$DIR/meta.csv" \
  --method "$DIR/method.toml" --out "$DIR/rust_results.csv" 2>/dev/null
"$PY" - "$DIR" <<'PYEOF'
import sys, pandas as pd
d = sys.argv[1]
r = pd.read_csv(f"{d}/rust_results.csv"); n = pd.read_csv(f"{d}/numpy_results.csv")
m = r.merge(n, on=["uCode", "Time"], suffixes=("_rust", "_numpy"))
assert len(m) == len(r) == len(n), (len(m), len(r), len(n))
dev = (m.Index_rust - m.Index_numpy).abs().max()
same_rank = (m.Rank_rust == m.Rank_numpy).mean()
print(f"一致性：{len(m)} 行，指数最大差 {dev:.3g}，排名相同比例 {same_rank:.4f}")
PYEOF

"$PY" - "$UNC" $PAIRS <<'PYEOF'
import statistics, sys
unc = float(sys.argv[1])
pairs = [tuple(map(float, p.split(","))) for p in sys.argv[2:]]
print(f"{'轮次':6}{'Rust 全流程':>14}{'numpy/pandas':>16}{'倍数':>10}")
for i, (rust, numpy) in enumerate(pairs, 1):
    print(f"{i:<6}{rust*1000:>12.2f} ms{numpy*1000:>13.2f} ms{numpy/rust:>9.1f} ×")
ratio = statistics.median(numpy / rust for rust, numpy in pairs)
print(f"倍数中位数 (numpy / Rust)：{ratio:.1f} ×")
print(f"不确定性 1000 次（中位数）：{unc*1000:.1f} ms")
PYEOF
