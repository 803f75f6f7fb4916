"""``python -m skbce``: fit on a multi-label task and compare with a baseline.

With no argument the task is built from scikit-learn's bundled digits
images (:func:`skbce.datasets.make_digits_multilabel`), so nothing is
downloaded. Given an ARFF file (Mulan or MEKA, dense or sparse), it runs on
that instead.
"""

import argparse
import sys
import time
import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, hamming_loss
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import BCEMultiLabelClassifier
from .datasets import load_arff, make_digits_multilabel
from .metrics import binary_cross_entropy


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m skbce",
        description="Fit BCEMultiLabelClassifier on a multi-label task and compare it "
        "with OneVsRestClassifier(LogisticRegression).",
    )
    parser.add_argument("path", nargs="?", help="ARFF file (default: the built-in digits task)")
    parser.add_argument("--n-labels", type=int, help="number of label attributes in the file")
    parser.add_argument("--labels-first", action="store_true",
                        help="the labels are the first attributes (default: as the MEKA "
                        "header says, else last)")
    parser.add_argument("--hidden", type=int, nargs="*", default=[],
                        help="hidden layer sizes (default: none, the linear model)")
    parser.add_argument("--alpha", type=float, default=1.0, help="L2 penalty (default 1.0)")
    parser.add_argument("--test-size", type=float, default=0.25)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--max-labels-shown", type=int, default=40,
                        help="rows of the per-label table (default 40)")
    return parser.parse_args(argv)


def _load(args):
    if args.path is None:
        X, Y, names = make_digits_multilabel()
        return X, Y, names, "digits (built-in: 6 yes/no questions per image)"
    X, Y, _, names = load_arff(
        args.path, args.n_labels, labels_first=True if args.labels_first else None
    )
    return X, Y, names, args.path


def _timed_fit(model, X, Y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, Y)
    return time.perf_counter() - start


def _per_label_bce(Y, proba):
    return [binary_cross_entropy(Y[:, k], proba[:, k]) for k in range(Y.shape[1])]


def main(argv=None):
    """Run the comparison and print the tables; return the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments (``sys.argv[1:]`` when ``None``).

    Returns
    -------
    int
        0 on success.
    """
    args = _parse_args(argv)
    X, Y, names, source = _load(args)
    X_train, X_test, Y_train, Y_test = train_test_split(
        X, Y, test_size=args.test_size, random_state=args.random_state
    )
    with_mean = not sparse.issparse(X)
    models = {
        "skbce": make_pipeline(
            StandardScaler(with_mean=with_mean),
            BCEMultiLabelClassifier(tuple(args.hidden), alpha=args.alpha,
                                    random_state=args.random_state),
        ),
        "OvR(LogReg)": make_pipeline(
            StandardScaler(with_mean=with_mean),
            OneVsRestClassifier(LogisticRegression(C=1 / args.alpha, max_iter=1000)),
        ),
    }
    print(f"Data: {source}")
    print(f"  {X.shape[0]} samples, {X.shape[1]} features, {Y.shape[1]} labels; "
          f"train {X_train.shape[0]}, test {X_test.shape[0]}")
    model_name = f"MLP {tuple(args.hidden)}" if args.hidden else "linear"
    print(f"  skbce model: {model_name}, alpha={args.alpha}\n")

    results = {}
    for name, model in models.items():
        seconds = _timed_fit(model, X_train, Y_train)
        proba = np.asarray(model.predict_proba(X_test))
        pred = model.predict(X_test)
        results[name] = {
            "fit s": seconds,
            "BCE": binary_cross_entropy(Y_test, proba),
            "micro F1": f1_score(Y_test, pred, average="micro", zero_division=0),
            "macro F1": f1_score(Y_test, pred, average="macro", zero_division=0),
            "Hamming": hamming_loss(Y_test, pred),
            "label BCE": _per_label_bce(Y_test, proba),
            "label F1": f1_score(Y_test, pred, average=None, zero_division=0),
        }

    ours, base = results["skbce"], results["OvR(LogReg)"]
    shown = min(len(names), args.max_labels_shown)
    width = max(12, min(32, max(len(n) for n in names)))
    print(f"Per-label test metrics ({shown} of {len(names)} labels)")
    print(f"{'label':<{width}} {'pos':>5} {'BCE skbce':>10} {'BCE OvR':>10} "
          f"{'F1 skbce':>9} {'F1 OvR':>9}")
    for k in range(shown):
        print(f"{names[k][:width]:<{width}} {int(Y_test[:, k].sum()):>5} "
              f"{ours['label BCE'][k]:>10.4f} {base['label BCE'][k]:>10.4f} "
              f"{ours['label F1'][k]:>9.3f} {base['label F1'][k]:>9.3f}")
    print("\nOverall test metrics")
    print(f"{'model':<12} {'BCE':>8} {'micro F1':>9} {'macro F1':>9} {'Hamming':>8} {'fit s':>8}")
    for name, r in results.items():
        print(f"{name:<12} {r['BCE']:>8.4f} {r['micro F1']:>9.3f} {r['macro F1']:>9.3f} "
              f"{r['Hamming']:>8.4f} {r['fit s']:>8.3f}")
    print(f"\nskbce fit time / OvR fit time: {ours['fit s'] / base['fit s']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
