"""The linear model's changes of variables on many dense features: iterations and time.

Where the full covariance map is too dear (here: more than 1024 features),
the solver combines the centred diagonal (Jacobi) map with the whitening of
the leading directions of the feature correlation (``LowRankJacobiMap``).
This script fits the same problems with the map the solver chooses and with
the centred diagonal map alone, from the same start to the same ``tol``, and
prints setup time, fit time, iterations and the objective reached:

- ``factors-20``: 20 latent factors of decreasing scale drive 1,500 dense
  features (plus noise) and 40 labels (sampled: not separable);
- ``factors-200``: the same with 200 factors, a slowly decaying spectrum;
- ``separable``: 5 factors, 1,100 features, 3 labels that are a sign of the
  factors (separable): the curvature collapses during the fit, and a map
  built from the start's can lose there (benchmarks/README.md has a case).

Run ``python benchmarks/maps.py [--quick]``; one BLAS thread.
"""

import argparse
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from skbce._preconditioner import centred_diagonal_map
from skbce._problem import build_problem
from skbce._rows import InMemoryRows
from skbce._solver import change_of_variables, minimize_in, standardized


def factor_problem(n, d, k, n_factors, separable, seed=0):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, n_factors)) * np.geomspace(5, 0.5, n_factors)
    X = latent @ rng.normal(size=(n_factors, d)) / np.sqrt(n_factors)
    X += 0.3 * rng.normal(size=(n, d))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    logits = latent @ rng.normal(size=(n_factors, k))
    if separable:
        Y = (logits > 0).astype(float)
    else:
        Y = (rng.random((n, k)) < 1 / (1 + np.exp(-(0.5 * logits - 1.5)))).astype(float)
    return X, Y


def fit(X, Y, which, tol=1e-5):
    start = time.perf_counter()
    rows = InMemoryRows(X, Y, np.ones(X.shape[0]))
    problem = build_problem(rows, hidden=(), activation="relu", alpha=1.0, pos_weight=None,
                            label_smoothing=0.0)
    objective = problem.objective
    theta0 = np.zeros(objective.layout.n_params)
    theta0[-Y.shape[1]:] = problem.prior
    coordinates = standardized(objective)
    if which == "chosen":
        change = change_of_variables(objective, theta0, "lbfgs", coordinates)
    else:
        change = centred_diagonal_map(objective.layout, objective.feature_moments(),
                                      objective.curvature_per_output(theta0),
                                      objective.penalty.output_strength)
    setup = time.perf_counter() - start
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = minimize_in(objective, theta0, change, coordinates, solver="lbfgs",
                             max_iter=5000, max_fun=20000, tol=tol, verbose=0)
    total = time.perf_counter() - start
    return type(change).__name__, setup, total, result.n_iter, result.value, len(caught)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small problems, seconds")
    args = parser.parse_args()
    # --quick: the smallest shapes that still get the low-rank map (n >= d > 1024).
    n, d = (1100, 1050) if args.quick else (4000, 1500)
    problems = {
        "factors-20": (n, d, 40, 20, False),
        "factors-200": (n, d, 40, 200, False),
        "separable": (n if args.quick else 4400, 1100 if not args.quick else d, 3, 5, True),
    }
    print(f"{'problem':12s} {'n x d x K':16s} {'map':18s} {'setup s':>8s} {'fit s':>8s} "
          f"{'iter':>5s} {'objective':>13s} {'time / diagonal':>16s}")
    with threadpool_limits(1):
        for name, (n, d, k, n_factors, separable) in problems.items():
            X, Y = factor_problem(n, d, k, n_factors, separable)
            rows = {which: fit(X, Y, which) for which in ("chosen", "diagonal")}
            for kind, setup, total, n_iter, value, warned in rows.values():
                ratio = total / rows["diagonal"][2]
                print(f"{name:12s} {f'{n}x{d}x{k}':16s} {kind:18s} {setup:8.2f} {total:8.2f} "
                      f"{n_iter:5d} {value:13.9f} {ratio:15.2f}x"
                      + ("  (ConvergenceWarning)" if warned else ""), flush=True)


if __name__ == "__main__":
    main()
