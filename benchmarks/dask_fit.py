"""Fit time on a two-worker Dask LocalCluster against the in-memory fit.

Generates a dense float64 ``X`` of shape (200_000, 100) and 20 labels (data
that fits in memory, so both fits can run), fits the linear
``BCEMultiLabelClassifier`` in memory, then on a ``LocalCluster`` of two
single-threaded worker processes from ``X`` held in the workers' memory in
row chunks of several sizes (the in-memory fit runs first, with no cluster
running). Prints the wall-clock times, their ratio, the number of solver
iterations and the largest difference of the parameters; the cluster's time
includes all the scheduling and communication of every objective
evaluation. Run with
``python benchmarks/dask_fit.py`` (needs the ``dask`` extra).
"""

import argparse
import time

import numpy as np

from skbce import BCEMultiLabelClassifier


def _parameters(clf):
    return np.concatenate([clf.coefs_[0].ravel(), clf.intercepts_[0]])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=200_000)
    parser.add_argument("--n-features", type=int, default=100)
    parser.add_argument("--n-labels", type=int, default=20)
    parser.add_argument("--chunks", type=int, nargs="+", default=[25_000, 50_000, 100_000])
    parser.add_argument("--repeats", type=int, default=2, help="best of this many fits")
    args = parser.parse_args()

    import dask.array as da
    from distributed import Client, LocalCluster

    n_samples, n_features, n_labels = args.n_samples, args.n_features, args.n_labels

    def best_fit(X_fit, Y_fit):
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            clf = BCEMultiLabelClassifier().fit(X_fit, Y_fit)
            times.append(time.perf_counter() - start)
        return min(times), clf

    # Correlated features of different scales, as on real data (the covariance
    # change of variables makes this a fit of a few iterations).
    rng = np.random.default_rng(0)
    mixing = rng.standard_normal((n_features, n_features)) / np.sqrt(n_features)
    mixing *= np.geomspace(0.1, 10.0, n_features)
    X = rng.standard_normal((n_samples, n_features)) @ mixing
    coef = rng.standard_normal((n_features, n_labels)) / n_features
    Y = (X @ coef + rng.standard_normal((n_samples, n_labels)) > 0).astype(np.float64)
    print(
        f"X: {X.shape} float64 ({X.nbytes / 1e6:.0f} MB), {n_labels} labels; "
        f"best of {args.repeats} fits\n"
    )
    # The in-memory fit runs before the cluster starts, so that nothing else
    # competes for the cores.
    memory_seconds, reference = best_fit(X, Y)
    rows = [("in memory", "-", memory_seconds, 1.0, reference.n_iter_, 0.0)]
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster, Client(cluster) as client:
        for chunk in args.chunks:
            # The chunks are sent to the workers once and kept there, as data
            # loaded by the workers would be.
            starts = range(0, n_samples, chunk)
            X_dask = da.concatenate([
                da.from_delayed(client.scatter(X[i : i + chunk]), X[i : i + chunk].shape,
                                dtype=X.dtype)
                for i in starts
            ])
            Y_dask = da.concatenate([
                da.from_delayed(client.scatter(Y[i : i + chunk]), Y[i : i + chunk].shape,
                                dtype=Y.dtype)
                for i in starts
            ])
            seconds, clf = best_fit(X_dask, Y_dask)
            difference = float(np.max(np.abs(_parameters(clf) - _parameters(reference))))
            rows.append((
                "LocalCluster, 2 workers", f"{chunk:,}", seconds, seconds / memory_seconds,
                clf.n_iter_, difference,
            ))
            del X_dask, Y_dask

    header = ("fit", "rows per chunk", "seconds", "ratio", "n_iter", "max |param diff|")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for name, chunk, seconds, ratio, n_iter, difference in rows:
        print(f"| {name} | {chunk} | {seconds:.2f} | {ratio:.2f} | {n_iter} | {difference:.1e} |")


if __name__ == "__main__":
    main()
