"""Peak memory of fitting the linear model, relative to the size of ``X``.

Allocates a dense float64 ``X`` of shape (200_000, 200) and 50 labels, then
fits ``BCEMultiLabelClassifier`` under ``tracemalloc`` (started after ``X``
and ``Y`` exist) and prints the peak of the memory allocated during the fit
divided by ``X.nbytes``. Run with ``python benchmarks/memory_fit.py``; the
options make the problem smaller or longer.
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skbce import BCEMultiLabelClassifier


def make_dense(n, d, k, dtype=np.float64, seed=0, threshold=0.5, label_dtype=np.int8):
    """Dense Gaussian ``X`` and labels from a noisy linear model.

    A label is 1 where the logit ``X @ coef`` plus standard normal noise is
    above ``threshold``; ``label_dtype`` is the dtype of ``Y``.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d), dtype=np.float32 if dtype == np.float32 else np.float64)
    coef = rng.standard_normal((d, k)) / np.sqrt(d)
    Y = ((X @ coef.astype(X.dtype)) + rng.standard_normal((n, k)) > threshold).astype(
        label_dtype
    )
    return X, Y


def peak_fit_memory(X, Y, max_iter):
    """Fit the linear model on ``X``, ``Y``; return the peak bytes allocated and seconds.

    ``tracemalloc`` starts after ``X`` and ``Y`` exist, so the peak is what
    the fit itself allocates.
    """
    clf = BCEMultiLabelClassifier(max_iter=max_iter)
    tracemalloc.start()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, Y)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, seconds


def measure(n_samples=200_000, n_features=200, n_labels=50, max_iter=10, seed=0):
    """Fit once and return ``(peak_bytes / X.nbytes, X.nbytes, seconds)``.

    Parameters
    ----------
    n_samples, n_features, n_labels : int
        Shape of the problem.
    max_iter : int
        Solver iterations; the peak is reached in the first objective call,
        so a few iterations measure it.
    seed : int
        Seed of the synthetic data.

    Returns
    -------
    ratio : float
    x_bytes : int
    seconds : float
    """
    X, Y = make_dense(
        n_samples, n_features, n_labels, seed=seed, threshold=0.0, label_dtype=np.float64
    )
    peak, seconds = peak_fit_memory(X, Y, max_iter)
    return peak / X.nbytes, X.nbytes, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=200_000)
    parser.add_argument("--n-features", type=int, default=200)
    parser.add_argument("--n-labels", type=int, default=50)
    parser.add_argument("--max-iter", type=int, default=10)
    args = parser.parse_args()
    ratio, x_bytes, seconds = measure(args.n_samples, args.n_features, args.n_labels, args.max_iter)
    print(
        f"X: {args.n_samples} x {args.n_features} float64 ({x_bytes / 2**20:.0f} MiB), "
        f"{args.n_labels} labels, fit in {seconds:.1f} s"
    )
    print(f"peak memory during fit / X.nbytes = {ratio:.3f}")


if __name__ == "__main__":
    main()
