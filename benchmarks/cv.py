"""Cross-validated alpha: ``BCEMultiLabelClassifierCV`` against the grid searches a user writes.

For each real set (a set whose files are absent is skipped with a note):

- **one alpha**: ``GridSearchCV(BCEMultiLabelClassifier(), {"alpha": alphas},
  cv=folds, scoring=bce_score)`` against ``BCEMultiLabelClassifierCV(alphas=alphas,
  cv=folds)``, the same strengths and the same shuffled folds;
- **one alpha per label**: ``OneVsRestClassifier(LogisticRegressionCV(Cs=1 /
  alphas, cv=folds, scoring="neg_log_loss"))`` against
  ``BCEMultiLabelClassifierCV(per_label=True)``, and the test BCE of
  ``per_label=True`` against one shared alpha;
- **a network** (``--tables mlp``, not run by default: the grid of 100
  network fits takes minutes per set): ``GridSearchCV(BCEMultiLabelClassifier((64,),
  early_stopping=False, random_state=0), {"alpha": alphas}, cv=folds,
  scoring=bce_score)`` against ``BCEMultiLabelClassifierCV((64,),
  random_state=0)``, whose path fits run without early stopping too, and the
  test BCE of ``BCEMultiLabelClassifier((64,), random_state=0)`` at its defaults.

Data: yeast, emotions and CAL500 are whole files, split 70/30 with
``train_test_split(random_state=0)``; scene, medical and delicious are the
standard Mulan training and test files (labels: the last attributes, named in
the ``.xml`` file). Any other Mulan or MEKA set in the data folder runs the
same way (``--sets enron,bibtex --data-home DIR``): ``name-train.arff`` and
``name-test.arff`` as its split, else ``name.arff`` split 70/30, its labels
named by ``name.xml`` or counted in a MEKA header. Features are scaled on the training part
(``StandardScaler``; ``MaxAbsScaler`` for sparse files, which stay sparse);
labels constant on the training part are dropped. The strengths are the CV
estimator's default range (20 values of ``alpha / n`` from 1e2 to 1e-5), the
folds ``KFold(5, shuffle=True, random_state=0)``. Times are the best of
``--repeats`` runs, the two contenders interleaved.

``text`` is synthetic, not a file: sparse binary word features shaped like
Mulan's enron (1702 x 1001 x 53; Zipf word frequencies, about 12 words per
row, label frequencies from 50% down to 1%, each label a sparse linear
function of the words plus logistic noise), seeded, split and scaled as the
whole files are. It stands for the sparse text with about as many features
as rows that ``../shared`` has only one of (medical). ``dense`` is synthetic
too, shaped like mediamill (43907 x 120 x 101): 120 features driven by 15
latent factors plus noise, label frequencies from 30% down to 0.5%, each
label a linear function of the factors plus logistic noise; it stands for
many rows and few features, where a fit from scratch takes only 10-15
iterations. Both are generated, split and scaled on every run; ``dense`` is
not in the default ``--sets`` (about 11 minutes, most of it the per-label
baseline): ``--sets dense`` runs it. ``rare`` (``--sets rare``, not in the
default either) is shaped like Corel5k (5000 x 499 x 374): sparse binary
features (about 8 per row), labels each a sparse linear function of them
plus logistic noise, label frequencies from 20% down to 0.06% (a median of
about 3 positives per label in the training part): many labels are missing
from some folds' training rows or held-out rows. ``bibtex`` (``--sets
bibtex``, not in the default either: its per-label baseline takes minutes)
is the text generator at bibtex's shape (7395 x 1836 x 159, 68 word draws
per row, about 59 distinct words): sparse text with many rows and labels.

delicious (12920 x 500 x 983) is bounded: 3 folds and the 6 strengths of
``alpha / n`` from 1e0 to 1e-3, one run each, and
the per-label baseline on its 50 most frequent labels only (both contenders
on the same labels); ``--unbounded`` gives it the other sets' 20 strengths and
5 folds (the one-alpha table in one run: the grid alone takes about 8
minutes; the per-label table ``--repeats`` times, as the other sets'). Run
``python benchmarks/cv.py [--sets yeast,CAL500] [--unbounded]``.
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

# A sibling script: run as a script, this file has benchmarks/ on sys.path.
from run import drop_constant_labels, scale_features, scaled_split, set_layout
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.multiclass import OneVsRestClassifier

from skbce import (
    BCEMultiLabelClassifier,
    BCEMultiLabelClassifierCV,
    bce_score,
    binary_cross_entropy,
)
from skbce.datasets import _default_data_home

SETS = ("yeast", "emotions", "CAL500", "scene", "medical", "delicious", "text")
# Not run by default: their per-label baselines take minutes.
EXTRA_SETS = ("dense", "rare", "bibtex")


def synthetic_text(n_samples=1702, n_features=1001, n_labels=53, words_per_row=12, seed=0):
    """Sparse binary word features and labels shaped like enron (see the module docstring)."""
    rng = np.random.default_rng(seed)
    frequency = 1.0 / np.arange(1, n_features + 1) ** 0.8
    rows = np.repeat(np.arange(n_samples), words_per_row)
    words = rng.choice(n_features, size=rows.size, p=frequency / frequency.sum())
    X = sparse.csr_matrix((np.ones(rows.size), (rows, words)), shape=(n_samples, n_features))
    X.data[:] = 1.0  # a word repeated in a row is still one
    weights = sparse.random(n_features, n_labels, density=0.05, random_state=seed).toarray()
    scores = np.asarray(X @ (3.0 * weights)) + rng.logistic(size=(n_samples, n_labels))
    return X, _top_share(scores, 0.5 / np.arange(1, n_labels + 1))


def synthetic_dense(n_samples=43907, n_features=120, n_labels=101, n_factors=15, seed=0):
    """Dense correlated features and labels shaped like mediamill (see the module docstring)."""
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n_samples, n_factors))
    X = factors @ rng.standard_normal((n_factors, n_features))
    X += 0.5 * rng.standard_normal((n_samples, n_features))
    scores = 0.7 * factors @ rng.standard_normal((n_factors, n_labels))
    scores += rng.logistic(size=(n_samples, n_labels))
    return X, _top_share(scores, 0.3 / np.arange(1, n_labels + 1) ** 0.9)


def synthetic_rare(n_samples=5000, n_features=499, n_labels=374, seed=1):
    """Sparse binary features and many rare labels, like Corel5k (see the module docstring)."""
    rng = np.random.default_rng(seed)
    X = sparse.random(n_samples, n_features, density=0.017, random_state=seed, format="csr")
    X.data[:] = 1.0
    weights = rng.standard_normal((n_features, n_labels))
    weights *= 3.0 * (rng.random((n_features, n_labels)) < 0.03)
    scores = np.asarray(X @ weights) + rng.logistic(size=(n_samples, n_labels))
    share = np.clip(0.2 / np.arange(1, n_labels + 1) ** 1.2, 0.0006, None)
    return X, _top_share(scores, share)


def synthetic_bibtex(seed=3):
    """Sparse binary word features and labels shaped like bibtex (see the module docstring)."""
    return synthetic_text(n_samples=7395, n_features=1836, n_labels=159, words_per_row=68,
                          seed=seed)


def _top_share(scores, share):
    """0/1 labels: label ``k`` is on for the rows of its top ``share[k]`` scores."""
    threshold = [np.quantile(column, 1.0 - q) for column, q in zip(scores.T, share)]
    return (scores > np.asarray(threshold)).astype(np.float64)


# The generated sets, by name: no files to read.
SYNTHETIC = {"text": synthetic_text, "dense": synthetic_dense, "rare": synthetic_rare,
             "bibtex": synthetic_bibtex}


def load_set(name, folder=None):
    """Scaled training and test parts of ``name``, labels constant in training dropped.

    ``name`` is any Mulan or MEKA set in ``folder`` (see
    ``run.scaled_split``); a generated set's name (``SYNTHETIC``) gives that
    set unless ``folder`` holds real files of that name. Returns ``None``
    when the files are absent.
    """
    folder = Path(folder) if folder is not None else _default_data_home()
    if name in SYNTHETIC and set_layout(folder, name) is None:
        X, Y = SYNTHETIC[name]()
        X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.3,
                                                            random_state=0)
        X_train, X_test = scale_features(X_train, X_test)
        Y_train, Y_test = drop_constant_labels(Y_train, Y_test)
        return X_train, X_test, Y_train, Y_test
    data = scaled_split(folder, name)
    if data is None:
        return None
    X_train, Y_train, X_test, Y_test = data
    return X_train, X_test, Y_train, Y_test


def timed(function, repeats):
    """Best time of ``repeats`` calls of ``function`` and its last result."""
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def interleaved(functions, repeats):
    """Best times of several functions, run in turn ``repeats`` times."""
    best = [np.inf] * len(functions)
    results = [None] * len(functions)
    for _ in range(repeats):
        for i, function in enumerate(functions):
            seconds, results[i] = timed(function, 1)
            best[i] = min(best[i], seconds)
    return best, results


def test_bce(model, X, Y):
    return binary_cross_entropy(Y, model.predict_proba(X))


def grid_against_path(name, data, grid_search, path, repeats, alpha_unit=1.0, digits=2):
    """A table row: ``grid_search`` and the CV estimator ``path`` fitted (interleaved) and scored.

    The chosen alphas are printed divided by ``alpha_unit``, the times with ``digits``.
    """
    X_train, X_test, Y_train, Y_test = data
    fits = [lambda: clone(grid_search).fit(X_train, Y_train),
            lambda: clone(path).fit(X_train, Y_train)]
    (t_grid, t_path), (g, p) = interleaved(fits, repeats)
    bce_grid, bce_path = test_bce(g, X_test, Y_test), test_bce(p, X_test, Y_test)
    return [
        name, "x".join(map(str, (*X_train.shape, Y_train.shape[1]))),
        f"{t_grid:.{digits}f}", f"{bce_grid:.5f}", f"{g.best_params_['alpha'] / alpha_unit:.3g}",
        f"{t_path:.{digits}f}", f"{bce_path:.5f}", f"{p.alpha_ / alpha_unit:.3g}",
        f"{t_grid / t_path:.1f}x", f"{bce_path - bce_grid:+.1e}",
    ]


def shared_alpha_rows(name, data, alphas, folds, repeats):
    grid_search = GridSearchCV(
        BCEMultiLabelClassifier(), {"alpha": list(alphas)}, cv=folds, scoring=bce_score
    )
    path = BCEMultiLabelClassifierCV(alphas=alphas, cv=folds)
    return grid_against_path(name, data, grid_search, path, repeats)


def per_label_rows(name, data, alphas, folds, repeats, max_labels=None):
    X_train, X_test, Y_train, Y_test = data
    labels = slice(None)
    note = ""
    if max_labels is not None and Y_train.shape[1] > max_labels:
        labels = np.argsort(-Y_train.sum(axis=0))[:max_labels]
        note = f" ({max_labels} most frequent labels)"
    Ytr, Yte = Y_train[:, labels], Y_test[:, labels]

    def ovr():
        return OneVsRestClassifier(LogisticRegressionCV(
            Cs=list(1.0 / np.asarray(alphas)), cv=folds, scoring="neg_log_loss",
            max_iter=1000,
        )).fit(X_train, Ytr)

    def per_label():
        return BCEMultiLabelClassifierCV(alphas=alphas, cv=folds, per_label=True).fit(
            X_train, Ytr
        )

    def shared():
        return BCEMultiLabelClassifierCV(alphas=alphas, cv=folds).fit(X_train, Ytr)

    (t_ovr, t_per), (o, p) = interleaved([ovr, per_label], repeats)
    s = shared()
    bce_ovr, bce_per = test_bce(o, X_test, Yte), test_bce(p, X_test, Yte)
    bce_shared = test_bce(s, X_test, Yte)
    moved = float(np.mean(p.alpha_ != s.alpha_))
    return [
        name + note, "x".join(map(str, (*X_train.shape, Ytr.shape[1]))),
        f"{t_ovr:.2f}", f"{bce_ovr:.5f}", f"{t_per:.2f}", f"{bce_per:.5f}",
        f"{t_ovr / t_per:.1f}x", f"{bce_per - bce_ovr:+.1e}",
        f"{bce_shared:.5f}", f"{bce_per - bce_shared:+.1e}", f"{moved:.0%}",
    ]


def network_rows(name, data, alphas, folds, repeats):
    X_train, X_test, Y_train, Y_test = data
    hidden = (64,)
    grid_search = GridSearchCV(
        BCEMultiLabelClassifier(hidden, early_stopping=False, random_state=0),
        {"alpha": list(alphas)}, cv=folds, scoring=bce_score,
    )
    path = BCEMultiLabelClassifierCV(hidden, alphas=alphas, cv=folds, random_state=0)
    row = grid_against_path(name, data, grid_search, path, repeats,
                            alpha_unit=X_train.shape[0], digits=1)
    default = BCEMultiLabelClassifier(hidden, random_state=0).fit(X_train, Y_train)
    return [*row, f"{test_bce(default, X_test, Y_test):.5f}"]


def print_table(title, header, rows, notes=()):
    print(f"\n## {title}\n")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    print(line.rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    for note in notes:
        print(f"note: {note}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS),
                        help=f"comma-separated, of {', '.join(SETS + EXTRA_SETS)}, or any "
                             "Mulan or MEKA set in the data folder (name-train.arff and "
                             "name-test.arff, or name.arff split 70/30); real files of a "
                             "generated set's name are read instead of generating it")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--tables", default="shared,per_label",
                        help="comma-separated subset of shared,per_label,mlp")
    parser.add_argument("--unbounded", action="store_true",
                        help="delicious at the other sets' strengths and folds (20 and 5, "
                             "one run: about 25 minutes for the one-alpha table)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    warnings.simplefilter("ignore", FutureWarning)  # LogisticRegressionCV's transition notices
    warnings.filterwarnings("ignore", message="The best alpha")
    shared_rows, label_rows, network = [], [], []
    for name in args.sets.split(","):
        data = load_set(name, args.data_home)
        if data is None:
            continue
        n = data[0].shape[0]
        label = name
        if name == "delicious" and not args.unbounded:
            # Not the estimator's defaults: say so in every row.
            label = "delicious (6 strengths, 3 folds)"
            alphas, folds, repeats, max_labels = (
                n * np.logspace(0, -3, 6), KFold(3, shuffle=True, random_state=0), 1, 50
            )
        else:
            alphas, folds, repeats, max_labels = (
                n * np.logspace(2, -5, 20), KFold(5, shuffle=True, random_state=0),
                1 if name == "delicious" else args.repeats, 50 if name == "delicious" else None,
            )
        start = time.perf_counter()
        if "shared" in args.tables:
            shared_rows.append(shared_alpha_rows(label, data, alphas, folds, repeats))
            print("  ".join(shared_rows[-1]), flush=True)
        if "per_label" in args.tables:
            # delicious's full grid runs once (minutes); its 50 labels' per-label
            # fits are repeated as the other sets' are, at the defaults.
            if name == "delicious" and args.unbounded:
                repeats = args.repeats
            label_rows.append(per_label_rows(label, data, alphas, folds, repeats, max_labels))
            print("  ".join(label_rows[-1]), flush=True)
        if "mlp" in args.tables:
            network.append(network_rows(label, data, alphas, folds, 1))
            print("  ".join(network[-1]), flush=True)
        print(f"({name}: {time.perf_counter() - start:.0f} s)", flush=True)
    tables = [
        ("One alpha: GridSearchCV(BCEMultiLabelClassifier) vs BCEMultiLabelClassifierCV",
         ["set", "n x d x K", "grid s", "grid BCE", "grid alpha", "CV s", "CV BCE",
          "CV alpha", "speed-up", "dBCE"],
         shared_rows,
         "same strengths and folds; dBCE = CV estimator's test BCE minus the grid's "
         "(target: <= 2e-4, speed-up >= 5x)."),
        ("One alpha per label: OvR(LogisticRegressionCV) vs BCEMultiLabelClassifierCV"
         "(per_label=True)",
         ["set", "n x d x K", "OvR s", "OvR BCE", "CV s", "CV BCE", "speed-up",
          "dBCE vs OvR", "shared BCE", "dBCE vs shared", "labels moved"],
         label_rows,
         "same strengths (Cs = 1 / alphas) and folds (target: |dBCE vs OvR| <= 5e-4, "
         "speed-up >= 20x); shared = BCEMultiLabelClassifierCV(per_label=False); "
         "labels moved = share of labels whose alpha differs from the shared one."),
        ("A network (64,): GridSearchCV(early_stopping=False) vs BCEMultiLabelClassifierCV",
         ["set", "n x d x K", "grid s", "grid BCE", "grid alpha/n", "CV s", "CV BCE",
          "CV alpha/n", "speed-up", "dBCE", "default BCE"],
         network,
         "same strengths, folds and initial weights, one run; the path's fits stop "
         "at 10 * tol, the grid's at tol; default = BCEMultiLabelClassifier((64,)) "
         "at its defaults (early stopping and the held-out penalty path)."),
    ]
    for title, header, rows, note in tables:
        if rows:
            print_table(title, header, rows, [note])


if __name__ == "__main__":
    main()
