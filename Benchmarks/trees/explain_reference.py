"""XGBoost's side of the explanation benchmark: trains the model both sides explain, and times pred_contribs.

Writes into --out: the model (explain-model.json), the rows to
explain (explain-rows.csv), XGBoost's contributions of them (explain-xgboost-contributions.csv) and the timing
(explain-xgboost.json). The model is XGBoost hist with 100 trees of depth 6 (eta 0.3, lambda 1) on 20,000 synthetic
rows of 20 features with 5% missing values; every timing uses one thread and is the best of --repeats. With
--time-only the model and rows already written are reused and only the timing is redone.
"""

import argparse
import json
import os
import time

import numpy as np
import xgboost as xgb

FEATURES = 20
TRAIN_ROWS = 20_000
TREES = 100
DEPTH = 6


def make_rows(rng, rows):
    x = rng.normal(size=(rows, FEATURES)).astype(np.float32)
    y = (
        np.sin(2 * x[:, 0]) * x[:, 1]
        + np.where(x[:, 2] > 0, x[:, 3], -x[:, 4])
        + 0.5 * x[:, 5:10].sum(axis=1)
        + 0.1 * rng.normal(size=rows)
    ).astype(np.float32)
    x[rng.random(size=x.shape) < 0.05] = np.nan
    return x, y


def write_csv(path, header, rows):
    with open(path, "w") as out:
        out.write(",".join(header) + "\n")
        for row in rows:
            out.write(",".join("" if np.isnan(v) else repr(float(v)) for v in row) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--time-only", action="store_true",
                        help="reuse the model and rows already in --out: only time pred_contribs again")
    arguments = parser.parse_args()
    rng = np.random.default_rng(20261203)
    names = [f"x{i}" for i in range(FEATURES)]
    x, y = make_rows(rng, TRAIN_ROWS)
    rows, _ = make_rows(rng, arguments.rows)
    booster = xgb.Booster()
    if arguments.time_only:
        booster.load_model(os.path.join(arguments.out, "explain-model.json"))
    else:
        params = {"objective": "reg:squarederror", "tree_method": "hist", "max_depth": DEPTH, "eta": 0.3,
                  "lambda": 1.0, "nthread": 1, "seed": 0}
        booster = xgb.train(params, xgb.DMatrix(x, label=y, feature_names=names, nthread=1),
                            num_boost_round=TREES)
        booster.save_model(os.path.join(arguments.out, "explain-model.json"))
        write_csv(os.path.join(arguments.out, "explain-rows.csv"), names, rows)
    matrix = xgb.DMatrix(rows, feature_names=names, nthread=1)
    booster.set_param({"nthread": 1})
    times = []
    contributions = None
    for _ in range(arguments.repeats):
        start = time.perf_counter()
        contributions = booster.predict(matrix, pred_contribs=True)
        times.append(time.perf_counter() - start)
    single = xgb.DMatrix(rows[:1], feature_names=names, nthread=1)
    one_row = []
    for _ in range(arguments.repeats):
        start = time.perf_counter()
        for _ in range(200):
            booster.predict(single, pred_contribs=True)
        one_row.append((time.perf_counter() - start) / 200)
    if not arguments.time_only:
        write_csv(os.path.join(arguments.out, "explain-xgboost-contributions.csv"), names + ["bias"], contributions)
    result = {
        "xgboost_version": xgb.__version__,
        "rows": arguments.rows,
        "batch_microseconds_per_row": min(times) / arguments.rows * 1e6,
        "one_row_call_microseconds": min(one_row) * 1e6,
    }
    with open(os.path.join(arguments.out, "explain-xgboost.json"), "w") as out:
        json.dump(result, out, indent=1, sort_keys=True)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
