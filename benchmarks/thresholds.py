"""Held-out micro-F1 and macro-F1: the threshold 0.5 against per-label tuned thresholds.

For each of the CAL500 and yeast sets (read with
``skbce.datasets.load_benchmark``; a set that is not available is skipped
with a note), the samples are split once into 70% training and 30% test
(``train_test_split(test_size=0.3, random_state=0)``). On the training part
only, ``alpha`` of a linear ``BCEMultiLabelClassifier`` after a
``StandardScaler`` is chosen from a small grid by 5-fold ``GridSearchCV``
with ``bce_score``. That model is then

* refit on the training part by the search (``best_estimator_``) and
  thresholded at 0.5 (``predict``), and
* wrapped in ``PerLabelThresholdClassifier(cv=5)``, which chooses the
  thresholds on 5-fold out-of-fold probabilities of the training part and
  refits on all of it, once with ``scoring="f1"`` (each label's own F1,
  i.e. the macro-F1) and once with ``scoring="f1_micro"`` (the pooled
  micro-F1).

All are scored on the test part. Run with ``python benchmarks/thresholds.py``.
"""

import argparse
import time

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbce import BCEMultiLabelClassifier, PerLabelThresholdClassifier, bce_score
from skbce.datasets import load_benchmark

ALPHAS = (1.0, 10.0, 100.0, 1000.0)


def run(name, alphas=ALPHAS, cv=5):
    """Return ``{"alpha", "rows": [(metric, at_half, tuned_f1, tuned_f1_micro)], ...}``.

    Parameters
    ----------
    name : str
        Benchmark name for ``load_benchmark``.
    alphas : tuple of float
        Grid of ``alpha`` searched on the training part.
    cv : int
        Folds of the alpha search and of the threshold tuning.

    Returns
    -------
    dict
    """
    X, Y, _, labels = load_benchmark(name)
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.3, random_state=0)
    model = make_pipeline(StandardScaler(), BCEMultiLabelClassifier())
    search = GridSearchCV(
        model, {"bcemultilabelclassifier__alpha": list(alphas)}, scoring=bce_score, cv=cv
    ).fit(X_train, Y_train)
    alpha = search.best_params_["bcemultilabelclassifier__alpha"]
    best = search.best_estimator_  # refit on the training part; thresholded at 0.5
    predictions = [best.predict(X_test)]
    seconds, medians = [], []
    for scoring in ("f1", "f1_micro"):
        start = time.perf_counter()
        tuned = PerLabelThresholdClassifier(best, scoring=scoring, cv=cv).fit(X_train, Y_train)
        seconds.append(time.perf_counter() - start)
        medians.append(float(np.median(tuned.thresholds_)))
        predictions.append(tuned.predict(X_test))
    rows = [
        (f"{average}-F1", *(f1_score(Y_test, p, average=average, zero_division=0)
                            for p in predictions))
        for average in ("micro", "macro")
    ]
    return {
        "shape": (X.shape[0], X.shape[1], len(labels)),
        "alpha": alpha,
        "rows": rows,
        "seconds": seconds,
        "median_thresholds": medians,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["CAL500", "yeast"])
    args = parser.parse_args()
    print(f"{'dataset':8s} {'metric':9s} {'0.5':>7s} {'f1':>7s} {'f1_micro':>9s}")
    for name in args.sets:
        try:
            result = run(name)
        except (FileNotFoundError, OSError, ImportError) as error:
            print(f"{name:8s} skipped: {error}")
            continue
        for metric, at_half, tuned, tuned_micro in result["rows"]:
            print(f"{name:8s} {metric:9s} {at_half:7.3f} {tuned:7.3f} {tuned_micro:9.3f}")
        n, d, k = result["shape"]
        f1_median, micro_median = result["median_thresholds"]
        print(f"{'':8s} ({n} samples, {d} features, {k} labels; alpha={result['alpha']:g} "
              f"chosen on the training part; median threshold {f1_median:.2f} (f1), "
              f"{micro_median:.2f} (f1_micro); tuning and refit "
              f"{result['seconds'][0]:.1f} s, {result['seconds'][1]:.1f} s)")

if __name__ == "__main__":
    main()
