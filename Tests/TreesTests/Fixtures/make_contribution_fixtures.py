"""Writes XGBoost's exact TreeSHAP contributions (pred_contribs) of the committed fixture models.

Reads the committed models and xgboost-data.csv (nothing is retrained), and writes one CSV per model with one
column per feature and a last column `bias`, one row per data row. Run with any XGBoost 3.x:

    python3 -m venv /tmp/hearth-contrib-venv
    /tmp/hearth-contrib-venv/bin/pip install xgboost-cpu==3.1.3 numpy==2.4.6
    /tmp/hearth-contrib-venv/bin/python Tests/TreesTests/Fixtures/make_contribution_fixtures.py
"""

import os
import sys

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = {
    "xgboost-3.1.3-model.json": "xgboost-3.1.3-contributions.csv",
    "xgboost-3.1.3-unnamed-model.json": "xgboost-3.1.3-unnamed-contributions.csv",
    "hearth-gbdt-model.json": "xgboost-3.1.3-hearth-model-contributions.csv",
}


def read_features():
    with open(os.path.join(HERE, "xgboost-data.csv")) as data:
        header = data.readline().strip().split(",")
        rows = [[float(v) if v else np.nan for v in line.strip().split(",")] for line in data]
    count = header.index("min_pressure_mbar")
    return header[:count], np.array(rows, dtype=np.float32)[:, :count]


def main():
    names, x = read_features()
    for model, output in MODELS.items():
        booster = xgb.Booster()
        booster.load_model(os.path.join(HERE, model))
        named = booster.feature_names is not None
        matrix = xgb.DMatrix(x, feature_names=names if named else None, missing=np.nan)
        contributions = booster.predict(matrix, pred_contribs=True)
        header = (names if named else [f"f{i}" for i in range(x.shape[1])]) + ["bias"]
        with open(os.path.join(HERE, output), "w") as out:
            out.write(",".join(header) + "\n")
            for row in contributions:
                out.write(",".join(repr(float(v)) for v in row) + "\n")
    print(f"wrote contribution fixtures with xgboost {xgb.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
