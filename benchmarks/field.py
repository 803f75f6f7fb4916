"""skbce's models against the usual multi-label methods, on the measures of the field's comparisons.

Multi-label methods are compared on a standard set of measures (Madjarov et
al., "An extensive experimental comparison of methods for multi-label
learning", Pattern Recognition 45, 2012, on the Mulan train/test splits):
example-based (Hamming loss, accuracy, F1, subset accuracy), label-based
(micro- and macro-F1) and ranking-based (one-error, coverage, ranking loss,
average precision). This script prints them for skbce's models at their
defaults, with and without tuned thresholds, next to scikit-learn stand-ins
for the methods of that comparison:

skbce's rows: ``linear CV`` is ``BCEMultiLabelClassifierCV()``, ``MLP 64``
``BCEMultiLabelClassifier((64,))``, each ``+ thr`` inside
``PerLabelThresholdClassifier()``, all at their defaults (``random_state=0``).
The others:

- ``BR linear SVM``: ``OneVsRestClassifier(LinearSVC())``, binary relevance
  with a linear SVM (ranked by its decision function);
- ``BR RBF SVM``: ``OneVsRestClassifier(SVC(C=10))`` (dense sets of at most
  200 labels);
- ``random forest``: ``RandomForestClassifier(300)``, one forest for all
  labels, as random forests of predictive clustering trees grow them (at
  most 200 labels: its leaves hold a value per label);
- ``10-NN``: ``KNeighborsClassifier(10)``, the neighbourhood that ML-kNN
  reads its label counts from.

Data: the standard Mulan training and test files of scene, medical and
delicious as shipped, every label kept (a label absent from training is
predicted absent); yeast, emotions and CAL500 are whole files here, split
70/30 (``train_test_split(test_size=0.3, random_state=0)``), so their rows
are comparable with each other, not with published figures. Features are
scaled on the training part (``StandardScaler``; ``MaxAbsScaler`` for sparse
files, which stay sparse). delicious is not in the default ``--sets``: its
CV fits and the thresholds' five refits of them take about half an hour.
Fit times are one fit each, for orientation; ``benchmarks/run.py`` and
``cv.py`` time fits properly. Run ``python benchmarks/field.py [--sets
scene,medical] [--models ...]``.
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

# Sibling scripts: run as a script, this file has benchmarks/ on sys.path.
from run import files_missing, scale_features
from scipy import sparse
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (
    accuracy_score,
    coverage_error,
    f1_score,
    hamming_loss,
    jaccard_score,
    label_ranking_average_precision_score,
    label_ranking_loss,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC, LinearSVC
from thresholds import load

from skbce import (
    BCEMultiLabelClassifier,
    BCEMultiLabelClassifierCV,
    PerLabelThresholdClassifier,
    binary_cross_entropy,
)
from skbce.datasets import _default_data_home

SETS = ("scene", "medical", "yeast", "emotions", "CAL500")
EXTRA_SETS = ("delicious",)

MODELS = {
    "linear CV": lambda: BCEMultiLabelClassifierCV(random_state=0),
    "linear CV + thr": lambda: PerLabelThresholdClassifier(
        BCEMultiLabelClassifierCV(random_state=0), random_state=0),
    "MLP 64": lambda: BCEMultiLabelClassifier((64,), random_state=0),
    "MLP 64 + thr": lambda: PerLabelThresholdClassifier(
        BCEMultiLabelClassifier((64,), random_state=0), random_state=0),
    "BR linear SVM": lambda: OneVsRestClassifier(LinearSVC()),
    "BR RBF SVM": lambda: OneVsRestClassifier(SVC(C=10.0)),
    "random forest": lambda: RandomForestClassifier(300, n_jobs=-1, random_state=0),
    "10-NN": lambda: KNeighborsClassifier(10),
}
# Kernel SVMs on sparse text are a poor choice (the linear one is the usual)
# and on delicious's 983 labels take hours; a forest keeps every leaf's
# value for every label, which on 983 labels exceeded 24 GB.
DENSE_ONLY = ("BR RBF SVM",)
FEW_LABELS_ONLY = ("BR RBF SVM", "random forest")
MANY_LABELS = 200

MEASURES = ("HL", "acc", "F1", "subset", "micro", "macro", "1-err", "cover", "rank", "AP", "BCE")


def one_error(Y, scores):
    """Share of samples whose top-ranked label is not one of theirs (lower is better)."""
    top = np.argmax(scores, axis=1)
    return float(np.mean(Y[np.arange(Y.shape[0]), top] == 0))


def label_scores(model, X):
    """Per-label scores of ``model``, higher for more likely: probabilities where it has them.

    A multi-output scikit-learn estimator gives one probability array per
    label; a label that took one value in training has a single column.
    """
    if not hasattr(model, "predict_proba"):
        return np.asarray(model.decision_function(X), dtype=float), False
    proba = model.predict_proba(X)
    if isinstance(proba, list):
        columns = []
        for estimator_classes, p in zip(model.classes_, proba):
            positive = np.flatnonzero(estimator_classes == 1)
            columns.append(p[:, positive[0]] if positive.size else np.zeros(X.shape[0]))
        proba = np.column_stack(columns)
    return np.asarray(proba, dtype=float), True


def measures(Y, predicted, scores, probabilities):
    """The comparison's measures of 0/1 ``predicted`` and ranking ``scores`` against ``Y``."""
    # Ranking measures need a sample with a label and one without; coverage
    # counts steps down the ranking (0 when the top label covers all).
    # A sample with no label, predicted with none, counts as a match in the
    # per-sample measures (zero_division=1).
    ranked = (Y.sum(axis=1) > 0) & (Y.sum(axis=1) < Y.shape[1])
    Yr, Sr = Y[ranked], scores[ranked]
    return {
        "HL": hamming_loss(Y, predicted),
        "acc": jaccard_score(Y, predicted, average="samples", zero_division=1),
        "F1": f1_score(Y, predicted, average="samples", zero_division=1),
        "subset": accuracy_score(Y, predicted),
        "micro": f1_score(Y, predicted, average="micro", zero_division=0),
        "macro": f1_score(Y, predicted, average="macro", zero_division=0),
        "1-err": one_error(Yr, Sr),
        "cover": coverage_error(Yr, Sr) - 1.0,
        "rank": label_ranking_loss(Yr, Sr),
        "AP": label_ranking_average_precision_score(Yr, Sr),
        "BCE": binary_cross_entropy(Y, np.clip(scores, 1e-15, 1 - 1e-15))
        if probabilities else np.nan,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS),
                        help=f"comma-separated, of {', '.join(SETS + EXTRA_SETS)}")
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated model names (as printed)")
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args(argv)
    folder = _default_data_home() if args.data_home is None else args.data_home
    wanted = args.models.split(",")
    unknown = set(wanted) - set(MODELS)
    if unknown:
        parser.error(f"unknown models: {', '.join(sorted(unknown))}")
    warnings.simplefilter("ignore", ConvergenceWarning)
    warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
    warnings.filterwarnings("ignore", message="Label not .* present in all training examples")
    warnings.filterwarnings("ignore", message="The best alpha")
    header = f"{'set':10s} {'model':16s}" + "".join(f"{m:>8s}" for m in MEASURES) + "   fit s"
    print(header)
    print("-" * len(header))
    for name in args.sets.split(","):
        if files_missing(Path(folder), name):
            continue
        X_train, X_test, Y_train, Y_test = load(name, Path(folder))
        X_train, X_test = scale_features(X_train, X_test)
        Y_train, Y_test = np.asarray(Y_train, dtype=int), np.asarray(Y_test, dtype=int)
        for model_name in wanted:
            if ((model_name in DENSE_ONLY and sparse.issparse(X_train))
                    or (model_name in FEW_LABELS_ONLY and Y_train.shape[1] > MANY_LABELS)):
                print(f"note: {name}: {model_name} skipped (see DENSE_ONLY, FEW_LABELS_ONLY)")
                continue
            model = MODELS[model_name]()
            start = time.perf_counter()
            model.fit(X_train, Y_train)
            seconds = time.perf_counter() - start
            scores, probabilities = label_scores(model, X_test)
            predicted = np.asarray(model.predict(X_test))
            values = measures(Y_test, predicted, scores, probabilities)
            print(f"{name:10s} {model_name:16s}" + "".join(
                f"{values[m]:8.4f}" if m in ("HL", "rank", "BCE") else f"{values[m]:8.3f}"
                for m in MEASURES) + f"  {seconds:6.1f}", flush=True)
    print("note: lower is better for HL (Hamming loss), 1-err, cover (coverage), rank "
          "(ranking loss) and BCE; higher for acc (Jaccard), F1 (per sample), subset "
          "accuracy, micro-/macro-F1 and AP (average precision). Ranking measures skip "
          "test samples with no label or every label; BCE only for probabilities.")


if __name__ == "__main__":
    main()
