#!/bin/sh
# Side-by-side benchmark of Hearth's Trees against XGBoost and scikit-learn on this machine.
#
# Usage: Benchmarks/trees/run.sh [--runs N] [--pairs P] [--history FILE.csv [--history-target COL]
#                               [--history-ignore A,B]]
#
# Creates Benchmarks/.venv from requirements.txt when missing, writes the datasets to Benchmarks/out/trees/data,
# builds the Swift benchmark in release mode, then runs the Swift side and the Python reference N times (default
# 3), each timing in-process, then P times (default 5) only the boosting-training timing of each side, one right
# after the other, so that each pair of timings sees the same load on a shared machine. Prints the table of median
# ratios (also written to Benchmarks/out/trees/table.md).
set -eu
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
bench=$(dirname "$here")
venv="$bench/.venv"
out="$bench/out/trees"
runs=3
pairs=5
history=""
history_target="min_pressure"
history_ignore=""
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --history) history=$2; shift 2 ;;
    --history-target) history_target=$2; shift 2 ;;
    --history-ignore) history_ignore=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

. "$here/tools.sh"

mkdir -p "$out/data"
rm -f "$out/data/history.csv"
if [ -n "$history" ]; then
    "$python" "$here/make_datasets.py" --out "$out/data" --history "$history" \
        --history-target "$history_target" --history-ignore "$history_ignore"
else
    "$python" "$here/make_datasets.py" --out "$out/data"
fi
(cd "$here" && "$python" settings.py) >"$out/settings.json"

rm -rf "$out"/run-* "$out"/pair-*
run=1
while [ "$run" -le "$runs" ]; do
    dir="$out/run-$run"
    mkdir -p "$dir"
    cat /proc/loadavg >"$dir/load-before.txt"
    echo "run $run/$runs: Hearth" >&2
    "$binary" --data "$out/data" --out "$dir" --settings "$out/settings.json" >/dev/null
    echo "run $run/$runs: XGBoost and scikit-learn" >&2
    (cd "$here" && "$python" reference.py --data "$out/data" --out "$dir")
    cat /proc/loadavg >"$dir/load-after.txt"
    run=$((run + 1))
done

pair=1
while [ "$pair" -le "$pairs" ]; do
    dir="$out/pair-$pair"
    mkdir -p "$dir"
    echo "pair $pair/$pairs: boosting training, Hearth then XGBoost" >&2
    "$binary" --only gbdt-training --data "$out/data" --out "$dir" --settings "$out/settings.json" >/dev/null
    (cd "$here" && "$python" reference.py --only gbdt-training --data "$out/data" --out "$dir")
    pair=$((pair + 1))
done

"$python" "$here/compare.py" "$out"/run-* "$out"/pair-* | tee "$out/table.md"
