"""Would the MLP's first layer gain from the covariance change of variables?

The linear model's covariance map whitens the features inside the solver. An
MLP gets only centred, standardized coordinates. This script measures the
gain with a proxy: the same MLP ``(64,)`` (``alpha=1``, no early stopping,
``tol=0``) fitted on the standardized features and on the whitened ones
(``(X - mu) Q Lambda^-1/2``), and prints the training objective after 10,
25, 50, 100 and 300 L-BFGS iterations, averaged over two seeds. The proxy is
not the change of variables itself: the penalty then acts on the weights of
the whitened inputs, so the two objectives differ; what it shows is how much
of L-BFGS's early progress the features' correlation costs.

Run ``python benchmarks/mlp_whitening.py [--sets scene,yeast]``; one BLAS
thread. Sets whose files are absent are skipped with a note.
"""

import argparse
import warnings

import numpy as np
import run as bench
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from skbce import BCEMultiLabelClassifier
from skbce.datasets import _default_data_home

CHECKPOINTS = (10, 25, 50, 100, 300)


def whiten(X_train):
    """``(X - mu) Q Lambda^-1/2`` of the training rows' covariance (eigenvalues floored)."""
    mean = X_train.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(X_train - mean, rowvar=False))
    values = np.maximum(values, 1e-6 * values[-1])
    return (X_train - mean) @ (vectors / np.sqrt(values))


def objective_curve(X, Y, seeds=(0, 1)):
    curves = []
    for seed in seeds:
        model = BCEMultiLabelClassifier((64,), alpha=1.0, early_stopping=False,
                                        max_iter=CHECKPOINTS[-1], tol=0.0, random_state=seed)
        curve = np.array(model.fit(X, Y).loss_curve_)
        curves.append(np.pad(curve, (0, CHECKPOINTS[-1] - len(curve)), mode="edge"))
    return np.mean(curves, axis=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="scene,yeast,emotions,CAL500")
    args = parser.parse_args()
    folder = _default_data_home()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"{'set':9s} {'features':13s} objective after "
          + ", ".join(str(c) for c in CHECKPOINTS) + " iterations")
    with threadpool_limits(1):
        for name in args.sets.split(","):
            data = bench.scaled_split(folder, name)
            if data is None:
                continue
            X, Y, _, _ = data
            for label, features in (("standardized", X), ("whitened", whiten(X))):
                curve = objective_curve(features, Y)
                print(f"{name:9s} {label:13s} "
                      + "  ".join(f"{curve[c - 1]:.4f}" for c in CHECKPOINTS), flush=True)


if __name__ == "__main__":
    main()
