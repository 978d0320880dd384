#!/bin/sh
# Side-by-side timing of exact TreeSHAP: Hearth's contributions against XGBoost's pred_contribs, one thread each,
# on the same XGBoost model (100 trees of depth 6) and the same rows.
#
# Usage: Benchmarks/trees/explain.sh [--rows N] [--repeats R] [--pairs P]
#
# Creates Benchmarks/.venv from requirements.txt when missing (as run.sh does), has explain_reference.py train the
# model with XGBoost and time pred_contribs, builds the Swift benchmark in release mode, times Hearth on the same
# model file and rows (one row per call, and the dataset form, both on one thread), and prints both timings, the
# ratio Hearth/XGBoost and the largest difference between the two sides' contributions; then P more times (default
# 3) times Hearth and XGBoost one right after the other, so that each pair sees nearly the same load, and prints each
# pair's ratio. Everything is written to Benchmarks/out/trees/explain.
set -eu
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
bench=$(dirname "$here")
venv="$bench/.venv"
out="$bench/out/trees/explain"
rows=2000
repeats=5
pairs=3
while [ $# -gt 0 ]; do
    case "$1" in
    --rows) rows=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

. "$here/tools.sh"
mkdir -p "$out"


cat /proc/loadavg >"$out/load-before.txt"
echo "XGBoost: training the model and timing pred_contribs" >&2
"$python" "$here/explain_reference.py" --out "$out" --rows "$rows" --repeats "$repeats" >/dev/null
echo "Hearth: timing contributions" >&2
"$binary" --only explain --data "$out" --out "$out" --repeats "$repeats" >/dev/null
cat /proc/loadavg >"$out/load-after.txt"

"$python" - "$out" <<'PY'
import json, sys
out = sys.argv[1]
hearth = json.load(open(f"{out}/explain-hearth.json"))
xgboost = json.load(open(f"{out}/explain-xgboost.json"))
print(f"TreeSHAP, 100 trees depth 6, {hearth['rows']} rows, one thread (best of the repeats), µs per row:")
print(f"  Hearth, one row per call      {hearth['one_row_microseconds']:9.1f}")
print(f"  Hearth, dataset form          {hearth['batch_microseconds_per_row']:9.1f}")
print(f"  XGBoost {xgboost['xgboost_version']} pred_contribs, batch {xgboost['batch_microseconds_per_row']:9.1f}")
print(f"  XGBoost pred_contribs, one row {xgboost['one_row_call_microseconds']:8.1f}")
print(f"  ratio Hearth one-row / XGBoost batch: "
      f"{hearth['one_row_microseconds'] / xgboost['batch_microseconds_per_row']:.3f}")
print(f"  largest relative difference from XGBoost's contributions: "
      f"{hearth['max_relative_difference_from_xgboost']:.2e}")
print(f"  largest relative |bias + Σ contributions − prediction|: {hearth['max_relative_sum_minus_prediction']:.2e}")
PY
echo "load average before → after: $(cut -d' ' -f1 "$out/load-before.txt") → $(cut -d' ' -f1 "$out/load-after.txt")"

pair=1
while [ "$pair" -le "$pairs" ]; do
    dir="$out/pair-$pair"
    mkdir -p "$dir"
    cp "$out/explain-model.json" "$out/explain-rows.csv" "$out/explain-xgboost-contributions.csv" "$dir/"
    "$binary" --only explain --data "$dir" --out "$dir" --repeats "$repeats" >/dev/null
    "$python" "$here/explain_reference.py" --out "$dir" --rows "$rows" --repeats "$repeats" --time-only >/dev/null
    "$python" - "$dir" "$pair" <<'PY'
import json, sys
out, pair = sys.argv[1], sys.argv[2]
hearth = json.load(open(f"{out}/explain-hearth.json"))
xgboost = json.load(open(f"{out}/explain-xgboost.json"))
print(f"pair {pair}: Hearth one row {hearth['one_row_microseconds']:.1f} µs, XGBoost batch "
      f"{xgboost['batch_microseconds_per_row']:.1f} µs, ratio "
      f"{hearth['one_row_microseconds'] / xgboost['batch_microseconds_per_row']:.3f}")
PY
    pair=$((pair + 1))
done
