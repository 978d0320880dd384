"""XGBoost's side of the missing-value benchmark: writes the datasets both sides train on and XGBoost hist's RMSEs.

For every seed, a Friedman #1 style set of 20 features (10 informative) and 30,000 rows (20,000 to train, 10,000
to test, weights in [0.5, 2]) is written three times: complete; with 5% of every feature's values missing at random;
and with 5% missing informatively (10% of the values above the median).
XGBoost hist trains on each with and without the weights (settings in missing-settings.json) and its test RMSE
(unweighted) goes to missing-xgboost.json.
"""

import argparse
import json
import os

import numpy as np
import xgboost as xgb

SETTINGS = {"trees": 100, "max_depth": 6, "eta": 0.3, "lambda": 1.0, "max_bin": 256}
FEATURES = 20
TRAIN = 20_000
TEST = 10_000


def make(seed):
    rng = np.random.default_rng(seed)
    n = TRAIN + TEST
    x = rng.uniform(size=(n, FEATURES)).astype(np.float32)
    y = (10 * np.sin(np.pi * x[:, 0] * x[:, 1]) + 20 * (x[:, 2] - 0.5) ** 2 + 10 * x[:, 3] + 5 * x[:, 4]
         + 3 * x[:, 5] * x[:, 6] - 2 * x[:, 7] + np.where(x[:, 8] > 0.5, 1.5, 0) + x[:, 9]
         + rng.normal(size=n)).astype(np.float32)
    weights = rng.uniform(0.5, 2.0, size=n).astype(np.float32)
    holes = x.copy()
    holes[rng.random(size=x.shape) < 0.05] = np.nan
    # Informative holes, as from a gauge that drops out at high readings: 10% of the values above the median.
    informative = x.copy()
    informative[(rng.random(size=x.shape) < 0.10) & (x > 0.5)] = np.nan
    return {"complete": x, "missing": holes, "informative": informative}, y, weights


def write_csv(path, names, x, y, weights):
    # float32 values written with 9 significant digits read back exactly; a missing value is an empty cell.
    table = np.column_stack([x, y, weights]).astype(np.float64)
    with open(path, "w") as out:
        out.write(",".join(names + ["y", "weight"]) + "\n")
        for row in table:
            out.write(",".join("" if np.isnan(v) else f"{v:.9g}" for v in row) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--max-depth", type=int, default=SETTINGS["max_depth"])
    parser.add_argument("--eta", type=float, default=SETTINGS["eta"])
    arguments = parser.parse_args()
    SETTINGS.update(max_depth=arguments.max_depth, eta=arguments.eta)
    names = [f"x{i}" for i in range(FEATURES)]
    params = {"objective": "reg:squarederror", "tree_method": "hist", "max_depth": SETTINGS["max_depth"],
              "eta": SETTINGS["eta"], "lambda": SETTINGS["lambda"], "max_bin": SETTINGS["max_bin"], "nthread": 2,
              "seed": 0}
    results = {}
    for seed in range(arguments.seeds):
        sets, y, weights = make(seed)
        for case, x in sets.items():
            for part, rows in (("train", slice(0, TRAIN)), ("test", slice(TRAIN, None))):
                write_csv(os.path.join(arguments.out, f"missing-{case}-{seed}-{part}.csv"), names, x[rows], y[rows],
                          weights[rows])
            for weighted in (False, True):
                train = xgb.DMatrix(x[:TRAIN], label=y[:TRAIN], weight=weights[:TRAIN] if weighted else None,
                                    feature_names=names, missing=np.nan)
                booster = xgb.train(params, train, num_boost_round=SETTINGS["trees"])
                predictions = booster.predict(xgb.DMatrix(x[TRAIN:], feature_names=names, missing=np.nan))
                rmse = float(np.sqrt(np.mean((predictions - y[TRAIN:]) ** 2)))
                results[f"{case}-{'weighted' if weighted else 'unweighted'}-{seed}"] = rmse
    with open(os.path.join(arguments.out, "missing-settings.json"), "w") as out:
        json.dump(dict(SETTINGS, seeds=arguments.seeds), out, sort_keys=True)
    with open(os.path.join(arguments.out, "missing-xgboost.json"), "w") as out:
        json.dump({"xgboost_version": xgb.__version__, "rmse": results}, out, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
