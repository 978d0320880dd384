#!/bin/sh
# Missing values: Hearth's gbdt against XGBoost hist with the same parameters, on the same sets complete, with 5% of
# the values missing at random and with 5% missing informatively, weighted and unweighted.
#
# Usage: Benchmarks/trees/missing.sh [--seeds N] [--max-depth D] [--eta E]
#
# Creates Benchmarks/.venv from requirements.txt when missing (as run.sh does); missing_reference.py writes N seeds'
# datasets (default 5; 100 trees, depth 6 and eta 0.3 unless given) to Benchmarks/out/trees/missing and XGBoost's test RMSEs; the Swift benchmark (release)
# trains Hearth on the same files. Prints, per case, the ratio Hearth RMSE ÷ XGBoost RMSE for every seed and their
# mean: single splits move by a percent or two with the seed, so only the mean over seeds compares the two.
set -eu
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
bench=$(dirname "$here")
venv="$bench/.venv"
out="$bench/out/trees/missing"
seeds=5
depth=6
eta=0.3
while [ $# -gt 0 ]; do
    case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --max-depth) depth=$2; shift 2 ;;
    --eta) eta=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

. "$here/tools.sh"
mkdir -p "$out"


echo "XGBoost: writing the datasets and training" >&2
"$python" "$here/missing_reference.py" --out "$out" --seeds "$seeds" --max-depth "$depth" --eta "$eta"
echo "Hearth: training" >&2
"$binary" --only missing --data "$out" --out "$out" >/dev/null

"$python" - "$out" <<'PY'
import json, sys
out = sys.argv[1]
hearth = json.load(open(f"{out}/missing-hearth.json"))["rmse"]
xgboost = json.load(open(f"{out}/missing-xgboost.json"))
settings = json.load(open(f"{out}/missing-settings.json"))
print(f"gbdt test RMSE, Hearth ÷ XGBoost {xgboost['xgboost_version']} hist ({settings['trees']} trees, depth "
      f"{settings['max_depth']}, eta {settings['eta']}, lambda {settings['lambda']}, {settings['max_bin']} bins), "
      f"{settings['seeds']} seeds:")
for case in [f"{data}-{weights}" for data in ("complete", "missing", "informative")
             for weights in ("unweighted", "weighted")]:
    ratios = [hearth[f"{case}-{s}"] / xgboost["rmse"][f"{case}-{s}"] for s in range(settings["seeds"])]
    mean_h = sum(hearth[f"{case}-{s}"] for s in range(settings["seeds"])) / settings["seeds"]
    mean_x = sum(xgboost["rmse"][f"{case}-{s}"] for s in range(settings["seeds"])) / settings["seeds"]
    print(f"  {case:24s} mean ratio {sum(ratios) / len(ratios):.4f}  (mean RMSE {mean_h:.4f} vs {mean_x:.4f}; "
          f"per seed {', '.join(f'{r:.4f}' for r in ratios)})")
PY
