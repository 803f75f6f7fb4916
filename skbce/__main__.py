"""``python -m skbce``: fit on a multi-label task and compare with a baseline.

With no argument the task is built from scikit-learn's bundled digits
images (:func:`skbce.datasets.make_digits_multilabel`), so nothing is
downloaded. Unless ``--alpha`` is given, the linear model's ``alpha`` is
chosen by cross-validation (:class:`skbce.BCEMultiLabelClassifierCV`) and a
network's on its held-out rows (``early_stopping="auto"``): a fixed
``alpha`` is far from the best on real files. The baseline is fitted at the
same strength. Given an ARFF file (Mulan or MEKA, dense or sparse), it runs on
that instead, on a random split or on a given test file. A user error is one
line on stderr and exit status 2, as for argparse's own errors.
"""

import argparse
import sys
import time
import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler

from . import BCEMultiLabelClassifier, BCEMultiLabelClassifierCV, __version__
from .datasets import load_arff, make_digits_multilabel
from .metrics import binary_cross_entropy

PROG = "python -m skbce"
EXAMPLES = f"""examples:
  {PROG}
      the built-in digits task (six yes/no questions per image)
  {PROG} yeast.arff --labels 14
      a file whose last 14 attributes are the labels
  {PROG} CAL500.arff
      a MEKA file: its @relation 'CAL500: -C 174' says the first 174 are labels
  {PROG} medical-train.arff --labels medical.xml --test medical-test.arff
      a Mulan train/test split, the labels named in its XML file
      (medical.xml beside medical-train.arff is found without --labels too)
"""


class UsageError(Exception):
    """A bad command line or input file: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # One line, like our own errors, instead of the multi-line usage text.
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _labels_option(text):
    """``--labels``: a count, a Mulan XML file, or comma-separated names."""
    if text.strip().isdigit():
        return int(text)
    if text.lower().endswith(".xml"):
        return text
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"no label name in {text!r}")
    return names


def _build_parser():
    parser = _Parser(
        prog=PROG,
        description="Fit BCEMultiLabelClassifier on a multi-label task, its alpha chosen by "
        "cross-validation, and compare it with OneVsRestClassifier(LogisticRegression) at the "
        "same strength: per-label and overall test metrics.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", nargs="?",
                        help="ARFF file, Mulan or MEKA, dense or sparse (default: the built-in "
                        "digits task)")
    parser.add_argument("--labels", type=_labels_option, metavar="N|FILE.xml|NAME,...",
                        help="the label attributes: their number, a Mulan XML file naming them, "
                        "or their names separated by commas (default: as the file says: a "
                        "Mulan XML file beside it, e.g. medical.xml for medical-train.arff, "
                        "else a MEKA '-C N' header)")
    parser.add_argument("--n-labels", type=int, metavar="N", help="same as --labels N")
    parser.add_argument("--labels-first", action="store_true",
                        help="with a number of labels: they are the first attributes (default: "
                        "where the file's XML or MEKA header puts them, else last)")
    parser.add_argument("--test", metavar="FILE",
                        help="ARFF file to test on, such as a published -test.arff split: "
                        "train on all of PATH (default: a random split of PATH)")
    parser.add_argument("--test-size", type=float, metavar="FRACTION",
                        help="fraction of the samples held out for testing, between 0 and 1, "
                        "when there is no --test file (default 0.25)")
    parser.add_argument("--random-state", type=int, default=0, metavar="SEED",
                        help="seed of the train/test split and of the MLP's initial weights "
                        "(default 0)")
    parser.add_argument("--hidden", type=int, nargs="*", default=[], metavar="SIZE",
                        help="hidden layer sizes, e.g. --hidden 64 32 (default: none, the "
                        "linear model)")
    parser.add_argument("--alpha", type=float,
                        help="L2 penalty of both models, > 0; the baseline's C is 1/alpha "
                        "(default: chosen for skbce, by 5-fold cross-validation over 20 "
                        "strengths for the linear model, on held-out rows for an MLP)")
    parser.add_argument("--max-iter", type=int, default=500, metavar="N",
                        help="L-BFGS iterations of BCEMultiLabelClassifier (default 500)")
    parser.add_argument("--max-labels-shown", type=int, default=50, metavar="N",
                        help="rows of the per-label table (default 50)")
    parser.add_argument("--version", action="version", version=f"skbce {__version__}")
    return parser


def _check_args(args):
    if args.n_labels is not None:
        if args.labels is not None:
            raise UsageError("give --labels or --n-labels, not both")
        args.labels = args.n_labels
    if args.path is None:
        for option, value in (("--labels", args.labels), ("--labels-first", args.labels_first),
                              ("--test", args.test)):
            if value:
                raise UsageError(f"{option} needs an ARFF file: {PROG} FILE.arff {option} ...")
    if args.test is not None and args.test_size is not None:
        raise UsageError("--test-size splits PATH; with a --test file, give one or the other")
    if args.test_size is None:
        args.test_size = 0.25
    if not 0 < args.test_size < 1:
        raise UsageError(f"--test-size must be between 0 and 1 (exclusive), got {args.test_size}")
    if args.alpha is not None and not args.alpha > 0:
        raise UsageError(f"--alpha must be > 0, got {args.alpha}")
    if args.max_iter < 1:
        raise UsageError(f"--max-iter must be at least 1, got {args.max_iter}")
    if args.max_labels_shown < 0:
        raise UsageError(f"--max-labels-shown must be >= 0, got {args.max_labels_shown}")
    if any(size < 1 for size in args.hidden):
        raise UsageError(f"--hidden sizes must be at least 1, got {args.hidden}")
    for path in (args.path, args.test, args.labels if isinstance(args.labels, str) else None):
        if path is not None:
            _check_file(path)


def _check_file(path):
    try:
        with open(path, "rb"):
            pass
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory, not a file") from None
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None


def _load_file(path, labels, labels_first, notes):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            X, Y, features, names = load_arff(path, labels, labels_first=labels_first or None)
        except ValueError as error:
            if "does not say which attributes are labels" not in str(error):
                raise
            raise UsageError(f"{error} Use --labels N, --labels FILE.xml or --labels "
                             "NAME,NAME,...") from None
    notes.extend(str(w.message) for w in caught)
    return X, Y, features, names


def _load(args, notes):
    """``(X_train, X_test, Y_train, Y_test, label_names, description)``."""
    if args.path is None:
        X, Y, names = make_digits_multilabel()
        source = "digits (built-in: 6 yes/no questions per image)"
    else:
        X, Y, features, names = _load_file(args.path, args.labels, args.labels_first, notes)
        source = args.path
    if args.test is None:
        X_train, X_test, Y_train, Y_test = train_test_split(
            X, Y, test_size=args.test_size, random_state=args.random_state
        )
        return X_train, X_test, Y_train, Y_test, names, source
    # The test file must have the training file's labels and features, in order.
    X_test, Y_test, test_features, _ = _load_file(args.test, names, None, notes)
    if test_features != features:
        different = next((a, b) for a, b in zip([*features, None], [*test_features, None])
                         if a != b)
        raise UsageError(
            f"{args.test} and {args.path} have different features ({len(test_features)} and "
            f"{len(features)}; first difference: {different[1]!r} for {different[0]!r})"
        )
    if sparse.issparse(X) != sparse.issparse(X_test):
        X_test = sparse.csr_matrix(X_test) if sparse.issparse(X) else X_test.toarray()
    return X, X_test, Y, Y_test, names, f"{args.path}, tested on {args.test}"


def _pipeline(estimator, is_sparse, has_missing):
    """``estimator`` after a scaler, and a mean imputer first when a feature value is missing."""
    steps = [SimpleImputer(keep_empty_features=True)] if has_missing else []
    # Sparse columns (words) are scaled by their largest value, not their
    # standard deviation, which would blow rare ones up (user guide).
    scaler = MaxAbsScaler() if is_sparse else StandardScaler()
    return make_pipeline(*steps, scaler, estimator)


def _skbce_model(args, X, y, is_sparse, has_missing):
    """The skbce model to compare, the warnings of choosing its ``alpha``, and how it is set.

    The linear model gets the given ``alpha``, else the one chosen by
    :class:`BCEMultiLabelClassifierCV` (timed: its fit is the cost of the
    choice). A network chooses its own on held-out rows
    (``early_stopping="auto"`` raises ``alpha`` from the given one, 1 by
    default, while the held-out BCE improves).
    """
    params = dict(max_iter=args.max_iter, random_state=args.random_state)
    if args.hidden:
        alpha = {} if args.alpha is None else {"alpha": args.alpha}
        model = BCEMultiLabelClassifier(tuple(args.hidden), **alpha, **params)
        at_least = "" if args.alpha is None else f", at least --alpha {args.alpha:g}"
        return model, [], f"chosen on held-out rows{at_least}"
    if args.alpha is not None:
        return BCEMultiLabelClassifier(alpha=args.alpha, **params), [], "given"
    search = BCEMultiLabelClassifierCV(**params)
    seconds, caught = _timed_fit(_pipeline(search, is_sparse, has_missing), X, y)
    how = (f"chosen by 5-fold cross-validation over {len(search.alphas_)} strengths "
           f"in {seconds:.3f} s")
    return BCEMultiLabelClassifier(alpha=search.alpha_, **params), caught, how


def _timed_fit(model, X, Y):
    """Fit; return the best time of up to 5 fits (one fit if it takes 0.2 s or more).

    A fit of a few milliseconds varies by tens of percent from run to run; the
    best of several is a stable figure. The warnings of the first fit are returned.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        model.fit(X, Y)
        best = time.perf_counter() - start
    spent = best
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(4):
            if best >= 0.2 or spent >= 1.0:
                break
            start = time.perf_counter()
            model.fit(X, Y)
            seconds = time.perf_counter() - start
            best, spent = min(best, seconds), spent + seconds
    return best, caught


def _evaluate(model, X_train, y_train, X_test, Y_test):
    """Fit ``model`` (timed); return its test metrics and the warnings of its first fit."""
    seconds, caught = _timed_fit(model, X_train, y_train)
    proba = np.asarray(model.predict_proba(X_test))
    if y_train.ndim == 1:
        proba = proba[:, -1:]
    pred = np.asarray(model.predict(X_test)).reshape(Y_test.shape)
    results = {
        "fit s": seconds,
        "BCE": binary_cross_entropy(Y_test, proba),
        "Hamming": float(np.mean(Y_test != pred)),
        "label BCE": _per_label_bce(Y_test, proba),
        **_f1_scores(Y_test, pred),
    }
    return results, caught


def _fit_notes(caught_by_model, Y_train):
    """One line for non-convergence over both models, one per other distinct warning."""
    notes, stalled = [], []
    for name, caught in caught_by_model.items():
        n_stalled = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
        if n_stalled:
            stalled.append(name if n_stalled == 1 else f"{name} ({n_stalled} of its fits)")
        for message in dict.fromkeys(str(w.message) for w in caught
                                     if not issubclass(w.category, ConvergenceWarning)):
            if "is present in all training examples" not in message:  # said once, below
                notes.append(f"{name}: {message.splitlines()[0]}")
    if stalled:
        notes.insert(0, f"not converged: {', '.join(stalled)}; the metrics are of unfinished "
                     "fits (raise --max-iter or --alpha)")
    constant = int(((Y_train == 0).all(axis=0) | (Y_train == 1).all(axis=0)).sum())
    if constant:
        notes.append(f"{constant} of {Y_train.shape[1]} labels are constant in the training "
                     "data: both models predict them as constant")
    return notes


def _f1_scores(Y, pred):
    """Per-label, micro and macro F1 of 0/1 matrices (0 for a label never true nor predicted).

    Counted here rather than with ``f1_score``, which reads a one-column
    matrix as a binary problem and returns the F1 of each class.
    """
    true_pos = np.sum((Y == 1) & (pred == 1), axis=0)
    errors = np.sum(Y != pred, axis=0)
    per_label = np.divide(2 * true_pos, 2 * true_pos + errors,
                          out=np.zeros(Y.shape[1]), where=2 * true_pos + errors > 0)
    total = 2 * true_pos.sum() + errors.sum()
    micro = 2 * true_pos.sum() / total if total else 0.0
    return {"label F1": per_label, "micro F1": micro, "macro F1": per_label.mean()}


def _per_label_bce(Y, proba):
    return [binary_cross_entropy(Y[:, k], proba[:, k]) for k in range(Y.shape[1])]


def _labels(count):
    return f"{count} label{'' if count == 1 else 's'}"


def _cut(name, width):
    """``name`` in at most ``width`` characters, an ellipsis marking a cut."""
    return name if len(name) <= width else name[: width - 3] + "..."


def _report(source, X_train, X_test, Y_train, names, args, results):
    n_samples = X_train.shape[0] + X_test.shape[0]
    print(f"Data: {source}")
    print(f"  {n_samples} samples, {X_train.shape[1]} features, {_labels(Y_train.shape[1])}; "
          f"train {X_train.shape[0]}, test {X_test.shape[0]}")
    model_name = f"MLP {tuple(args.hidden)}" if args.hidden else "linear"
    print(f"  skbce model: {model_name}, {results['alpha note']}")
    print("  baseline: OvR(LogReg) at C = 1/alpha\n")
    ours, base = results["skbce"], results["OvR(LogReg)"]
    shown = min(len(names), args.max_labels_shown)
    width = max(12, min(32, max(len(n) for n in names)))
    print(f"Per-label test metrics ({shown} of {_labels(len(names))})")
    print(f"{'label':<{width}} {'pos':>5} {'BCE skbce':>10} {'BCE OvR':>10} "
          f"{'F1 skbce':>9} {'F1 OvR':>9}")
    for k in range(shown):
        print(f"{_cut(names[k], width):<{width}} {int(results['Y_test'][:, k].sum()):>5} "
              f"{ours['label BCE'][k]:>10.4f} {base['label BCE'][k]:>10.4f} "
              f"{ours['label F1'][k]:>9.3f} {base['label F1'][k]:>9.3f}")
    print(f"\nOverall test metrics ({_labels(len(names))})")
    print(f"{'model':<12} {'BCE':>8} {'micro F1':>9} {'macro F1':>9} {'Hamming':>8} {'fit s':>8}")
    for name in ("skbce", "OvR(LogReg)"):
        r = results[name]
        print(f"{name:<12} {r['BCE']:>8.4f} {r['micro F1']:>9.3f} {r['macro F1']:>9.3f} "
              f"{r['Hamming']:>8.4f} {r['fit s']:>8.3f}")
    print(f"\nskbce fit time / OvR fit time: {ours['fit s'] / base['fit s']:.2f} "
          "(best of up to 5 fits each)")
    if args.hidden:
        print("  the MLP's time includes choosing its alpha; OvR fits once at that alpha")


def _run(args):
    notes = []  # from reading the files: said before the fits start
    X_train, X_test, Y_train, Y_test, names, source = _load(args, notes)
    for note in notes:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    is_sparse = sparse.issparse(X_train)
    values = (X_train.data, X_test.data) if is_sparse else (X_train, X_test)
    has_missing = any(np.isnan(v).any() for v in values)
    notes = []
    if has_missing:
        notes.append("some feature values are missing ('?'): each is replaced by its "
                     "column's training mean")
    # One label is a binary problem to both models: fit on a 1-D y, keep P(label).
    y_train = Y_train[:, 0] if Y_train.shape[1] == 1 else Y_train
    ours, choice_caught, how = _skbce_model(args, X_train, y_train, is_sparse, has_missing)
    results, caught = {"Y_test": Y_test}, {}
    results["skbce"], caught["skbce"] = _evaluate(
        _pipeline(ours, is_sparse, has_missing), X_train, y_train, X_test, Y_test)
    caught["skbce"] = choice_caught + caught["skbce"]
    # The baseline at the strength the skbce model was fitted with.
    baseline = OneVsRestClassifier(LogisticRegression(C=1 / ours.alpha_, max_iter=1000))
    results["OvR(LogReg)"], caught["OvR(LogReg)"] = _evaluate(
        _pipeline(baseline, is_sparse, has_missing), X_train, y_train, X_test, Y_test)
    results["alpha note"] = f"alpha={ours.alpha_:.4g} ({how})"
    _report(source, X_train, X_test, Y_train, names, args, results)
    for note in notes + _fit_notes(caught, Y_train):
        print(f"{PROG}: note: {note}", file=sys.stderr)
    return 0


def main(argv=None):
    """Run the comparison and print the tables; return the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments (``sys.argv[1:]`` when ``None``).

    Returns
    -------
    int
        0 on success, 2 for a bad command line or input file (after one
        line on stderr), 130 when interrupted. A bad option that argparse
        finds exits with 2 too.
    """
    args = _build_parser().parse_args(argv)
    try:
        _check_args(args)
        return _run(args)
    except (UsageError, ValueError, OSError) as error:
        message = " ".join(str(error).split())  # one line, whatever the message holds
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
