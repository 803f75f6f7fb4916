"""Held-out micro-F1, macro-F1 and Hamming loss: the threshold 0.5 against tuned thresholds.

One model per set, ``BCEMultiLabelClassifier(alpha=10)`` after a
``StandardScaler`` (dense features) or a ``MaxAbsScaler`` (sparse text), is

* fit on the training part and thresholded at 0.5 (``predict``), and
* wrapped in ``PerLabelThresholdClassifier`` at its defaults (5 shuffled
  folds, ``scoring="f1_micro_macro"``, ``smooth=10``; ``random_state=0`` so
  that a rerun gives the same table), which chooses the thresholds on
  out-of-fold probabilities of the training part and refits on all of it.

Both are scored on the test part. scene, medical and delicious use their
standard Mulan train/test files as shipped (unshuffled: scene's training file
is sorted by label); yeast, emotions and CAL500 are split once into 70%
training and 30% test (``train_test_split(test_size=0.3, random_state=0)``).
"always" and "never" count the labels given to every test sample, or to none.
The files are read from ``$SKBCE_DATA_HOME`` or ``shared/datasets`` beside the
checkout; a set whose files are absent is skipped with a note.

Run with ``python benchmarks/thresholds.py`` (a few minutes on two cores, most
of it delicious); ``--sets`` picks sets, ``--scorings f1 f1_micro`` adds
the other scorings, ``--mlp`` adds an MLP ``(64,)`` on scene.
"""

import argparse
import time
import warnings

import numpy as np

# A sibling script: run as a script, this file has benchmarks/ on sys.path.
from run import load_split, set_layout
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score, hamming_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler

from skbce import BCEMultiLabelClassifier, PerLabelThresholdClassifier
from skbce.datasets import _default_data_home

SETS = ("scene", "medical", "yeast", "emotions", "CAL500", "delicious")


def load(name, folder):
    """``X_train, X_test, Y_train, Y_test`` of one set, read as ``run.load_split`` reads it.

    ``name`` is any Mulan or MEKA set in ``folder``: its train/test files as
    shipped, or a whole file split 70/30 (``test_size=0.3, random_state=0``).
    Raises ``FileNotFoundError`` when neither is in ``folder`` (no download).
    """
    if set_layout(folder, name) is None:
        raise FileNotFoundError(f"neither {name}-train.arff and -test.arff nor {name}.arff "
                                f"in {folder}")
    (X_train, Y_train), (X_test, Y_test) = load_split(folder, name)
    return X_train, X_test, Y_train, Y_test


def scores(Y_true, Y_pred):
    """micro-F1, macro-F1, Hamming loss, labels given to every sample, to none."""
    return (
        f1_score(Y_true, Y_pred, average="micro", zero_division=0),
        f1_score(Y_true, Y_pred, average="macro", zero_division=0),
        hamming_loss(Y_true, Y_pred),
        int(np.sum(Y_pred.all(axis=0))),
        int(np.sum(~Y_pred.any(axis=0))),
    )


def run(name, folder, scorings=("f1_micro_macro",), hidden_layer_sizes=()):
    """Return ``{rule: scores}`` for the threshold 0.5 and each scoring, and the seconds."""
    X_train, X_test, Y_train, Y_test = load(name, folder)
    scaler = MaxAbsScaler() if sparse.issparse(X_train) else StandardScaler()
    model = make_pipeline(scaler, BCEMultiLabelClassifier(
        hidden_layer_sizes, alpha=10.0, random_state=0
    ))
    results, seconds = {"0.5": scores(Y_test, model.fit(X_train, Y_train).predict(X_test))}, {}
    for scoring in scorings:
        start = time.perf_counter()
        tuned = PerLabelThresholdClassifier(model, scoring=scoring, random_state=0)
        tuned.fit(X_train, Y_train)
        seconds[scoring] = time.perf_counter() - start
        results[scoring] = scores(Y_test, tuned.predict(X_test))
    return results, seconds, (X_train.shape[0], X_test.shape[0], X_train.shape[1], Y_train)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS),
                        help=f"of {', '.join(SETS)}, or any Mulan or MEKA set in the data "
                             "folder (name-train.arff and name-test.arff, or name.arff)")
    parser.add_argument("--scorings", nargs="*", default=[],
                        help="scorings besides the default f1_micro_macro")
    parser.add_argument("--mlp", action="store_true", help="also an MLP (64,) on scene")
    args = parser.parse_args()
    folder = _default_data_home()
    scorings = ["f1_micro_macro", *args.scorings]
    runs = [(name, ()) for name in args.sets] + ([("scene", (64,))] if args.mlp else [])
    print(f"{'set':14s} {'rule':15s} {'micro-F1':>8s} {'macro-F1':>8s} {'Hamming':>8s} "
          f"{'always':>6s} {'never':>6s}")
    for name, hidden in runs:
        label = name if not hidden else f"{name} MLP"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                results, seconds, (n_train, n_test, n_features, Y_train) = run(
                    name, folder, scorings, hidden
                )
        except (FileNotFoundError, OSError) as error:
            print(f"{label:14s} skipped: {error}")
            continue
        for rule, (micro, macro, hamming, always, never) in results.items():
            print(f"{label:14s} {rule:15s} {micro:8.3f} {macro:8.3f} {hamming:8.4f} "
                  f"{always:6d} {never:6d}")
        positives = Y_train.sum(axis=0)
        timing = ", ".join(f"{rule} {value:.1f} s" for rule, value in seconds.items())
        print(f"{'':14s} ({n_train} train / {n_test} test rows, {n_features} features, "
              f"{Y_train.shape[1]} labels, median {np.median(positives):g} training "
              f"positives per label; tuning and refit: {timing})")


if __name__ == "__main__":
    main()
