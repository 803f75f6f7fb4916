"""Speed and quality of skbce against the scikit-learn alternatives.

Prints plain-text tables; every ratio compares figures measured in this run:

- ``datasets``: every standard Mulan split in ``shared/datasets`` (scene,
  medical, delicious) and the whole files yeast, emotions, CAL500 (seeded,
  shuffled 70/30 split), or the ``--sets`` given (any Mulan or MEKA set in
  the data folder: ``name-train.arff`` and ``name-test.arff``, or
  ``name.arff``, its labels named by ``name.xml`` or a MEKA header), at
  ``BCEMultiLabelClassifier()``'s defaults against
  ``OneVsRestClassifier(LogisticRegression(tol=1e-5))``, one job and
  ``n_jobs=-1``: fit time, iterations, speed-up, relative objective gap and
  test BCE. ``--datasets`` runs only this table.
- ``real``: yeast, emotions, CAL500 (standardized, fixed 70/30 split). The
  linear model against ``MLPClassifier(hidden_layer_sizes=(), solver="lbfgs")``
  and ``OneVsRestClassifier(LogisticRegression(C=1/alpha))``; the MLP
  ``(64,)`` against ``MLPClassifier((64,), solver="lbfgs")`` with the same
  iteration budget and starting weights.
- ``synthetic``: dense 50,000 x 500 with 100 labels and sparse CSR
  100,000 x 20,000 (0.5% density) with 50 labels, every solver capped at the
  same number of iterations.
- ``kernel``: one objective+gradient evaluation against ``X @ W`` plus
  ``X.T @ G`` with NumPy, float64 and float32.
- ``memory``: peak memory (tracemalloc) of a float32 fit against float64.
- ``scaling``: fit time for n = 10k, 50k, 100k at a fixed iteration count.

Objectives are on skbce's scale: the mean BCE over samples and labels plus
``alpha / (2 K n) ||W||^2`` (``MLPClassifier``'s objective divided by the
number of labels ``K``). Tolerances are matched: skbce's linear model tests
the gradient of ``K`` times its objective, each label's own, which is
``LogisticRegression``'s and ``MLPClassifier(())``'s test at the same ``tol``;
skbce's MLP tests the gradient of its objective, ``tol * K`` for
``MLPClassifier``'s ``K`` times larger one. The default ``tol = 1e-6`` makes every
solver's test BCE on the real sets that of the optimum to about 1e-4, so
that equal quality is a property of the problem, not of where each solver
happened to stop (at 1e-5 skbce and OvR stopped on either side of CAL500's
optimum, 1.5e-3 apart in test BCE).

Run ``python benchmarks/run.py`` (about 2 minutes on 2 cores);
``--quick`` runs every section on tiny problems in seconds.
"""

import argparse
import contextlib
import datetime
import os
import platform
import sys
import time
import warnings

import numpy as np
import scipy
import sklearn
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import MaxAbsScaler, StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from skbce import BCEMultiLabelClassifier, binary_cross_entropy

# A sibling script: run as a script, this file has benchmarks/ on sys.path.
from memory_fit import make_dense, peak_fit_memory

SECTIONS = ("datasets", "real", "synthetic", "kernel", "memory", "scaling")
REAL_SETS = ("yeast", "emotions", "CAL500")
# best_fit_time: up to MAX_FITS fits of a model while their total stays within FIT_BUDGET s.
MAX_FITS = 5
FIT_BUDGET = 2.0


# --------------------------------------------------------------------------- output
def print_table(title, header, rows, notes=()):
    """Print ``rows`` (lists of str) under ``header`` as an aligned table."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    print(f"\n## {title}\n")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths)))
    print(line)
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
    for note in notes:
        print(f"note: {note}")
    sys.stdout.flush()


def machine_info(threads):
    """Print the CPU, core count, library versions and BLAS."""
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    print("# skbce benchmarks\n")
    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}")
    print(f"machine: {cpu}, {os.cpu_count()} logical cores, {platform.system()} "
          f"{platform.release()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}")
    for lib in threadpool_info():
        if lib["user_api"] == "blas":
            print(f"BLAS: {lib['internal_api']} {lib['version']} "
                  f"({os.path.basename(os.path.dirname(lib['filepath']))}, "
                  f"{lib.get('architecture')}, {lib['num_threads']} threads)")
    print(f"BLAS threads set to {threads} for every library (threadpoolctl), for all "
          "solvers alike; skbce additionally runs SciPy's own BLAS copy on one thread "
          "inside L-BFGS-B.")


# --------------------------------------------------------------------------- models
def objective(Y, proba, weights, alpha):
    """skbce's objective: mean BCE over samples and labels + alpha/(2 K n) ||W||^2."""
    n, k = Y.shape
    penalty = sum(float(np.vdot(w, w)) for w in weights)
    return binary_cross_entropy(Y, proba) + alpha * penalty / (2 * k * n)


def ovr_weights(model):
    """Weight vectors of a fitted OneVsRestClassifier (constant labels have none)."""
    return [e.coef_ for e in model.estimators_ if hasattr(e, "coef_")]


def ovr_n_iter(model):
    """Largest iteration count among the per-label fits."""
    return max((int(np.max(e.n_iter_)) for e in model.estimators_ if hasattr(e, "n_iter_")),
               default=0)


def timed_fit(model, X, Y):
    """Fit ``model``, silencing convergence warnings; return seconds."""
    return timed_fit_and_warning(model, X, Y)[0]


def timed_fit_and_warning(model, X, Y):
    """Fit ``model`` with warnings silenced; return seconds and whether it warned of convergence.

    Only warnings raised in this process are seen (not those of joblib workers).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", UserWarning)  # OvR: a label constant in training
        warnings.simplefilter("always", ConvergenceWarning)  # a UserWarning: filtered first
        start = time.perf_counter()
        model.fit(X, Y)
        seconds = time.perf_counter() - start
    return seconds, any(issubclass(w.category, ConvergenceWarning) for w in caught)


def best_fit_time(model, X, Y, budget=FIT_BUDGET, max_fits=MAX_FITS):
    """Best of up to ``max_fits`` fits, while their total stays within ``budget`` seconds.

    Fits of a few milliseconds vary by tens of percent on a shared machine;
    every model gets the same rule, so slow fits run once.
    """
    times = [timed_fit(model, X, Y)]
    while len(times) < max_fits and sum(times) + times[-1] <= budget:
        times.append(timed_fit(model, X, Y))
    return min(times)


def run_models(models, Xtr, Ytr, Xte, Yte, alpha):
    """Fit each ``(name, model, weights_fn, n_iter_fn, labels)``; return result dicts.

    A model with ``labels = m`` is fitted on the first ``m`` labels only and
    its time scaled by ``K / m``. Then every model's objective and test BCE
    are taken over those ``m`` labels (the linear model decouples per label),
    so the rows stay comparable: a model fitted on all ``K`` labels counts
    the penalty of its output layer's first ``m`` columns only.
    """
    n_labels = Ytr.shape[1]
    subset = min((m[-1] for m in models if m[-1] is not None), default=n_labels)
    results = []
    for name, model, weights_fn, n_iter_fn, labels in models:
        Y_fit = Ytr if labels is None else Ytr[:, :labels]
        seconds = best_fit_time(model, Xtr, Y_fit)
        scale = 1.0 if labels is None else n_labels / labels
        weights = list(weights_fn(model))
        if labels is None and subset < n_labels:
            weights[-1] = weights[-1][:, :subset]  # the output layer: one column per label
        results.append({
            "name": name,
            "seconds": seconds * scale,
            "extrapolated": labels is not None,
            "objective": objective(Ytr[:, :subset], model.predict_proba(Xtr)[:, :subset],
                                   weights, alpha),
            "test_bce": binary_cross_entropy(Yte[:, :subset],
                                             model.predict_proba(Xte)[:, :subset]),
            "n_iter": n_iter_fn(model),
        })
    return results


def result_rows(case, results):
    """Table rows: time, ratio to ``results[0]``, objective, test BCE, n_iter."""
    base = results[0]
    rows = []
    for r in results:
        per_iter = r["seconds"] / max(r["n_iter"], 1)
        rows.append([
            case, r["name"] + (" *" if r["extrapolated"] else ""),
            f"{r['seconds']:.3f}", f"{r['seconds'] / base['seconds']:.1f}x",
            f"{1e3 * per_iter:.2f}",
            f"{r['objective']:.6f}", f"{r['test_bce']:.5f}",
            f"{r['test_bce'] - base['test_bce']:+.1e}", str(r["n_iter"]),
        ])
    return rows


RESULT_HEADER = ["case", "model", "fit s", "time / skbce", "ms / iter", "train objective",
                 "test BCE", "dBCE vs skbce", "n_iter_"]


def linear_models(alpha, tol, K, max_iter, lr_labels=None):
    """skbce linear, MLPClassifier(()), OvR(LogisticRegression) with matched settings."""
    return [
        ("skbce linear", BCEMultiLabelClassifier(alpha=alpha, tol=tol, max_iter=max_iter),
         lambda m: m.coefs_, lambda m: m.n_iter_, None),
        ("MLPClassifier(())",
         MLPClassifier(hidden_layer_sizes=(), solver="lbfgs", alpha=alpha, tol=tol,
                       max_iter=max_iter, max_fun=15000, random_state=0),
         lambda m: m.coefs_, lambda m: m.n_iter_, None),
        ("OvR(LogReg)",
         OneVsRestClassifier(LogisticRegression(C=1.0 / alpha, tol=tol,
                                                max_iter=max_iter)),
         ovr_weights, ovr_n_iter, lr_labels),
    ]


# --------------------------------------------------------------------------- sections
def section_real(args):
    from skbce.datasets import _default_data_home, load_benchmark

    alpha, tol = args.alpha, args.tol
    linear_rows, mlp_rows = [], []
    for name in REAL_SETS:
        path = _default_data_home() / f"{name}.arff"
        if args.quick and not path.is_file():
            print(f"note: {name}: {path} not found; skipped (no download with --quick)")
            continue
        try:
            X, Y, _, _ = load_benchmark(name)
        # No local file and no network (or no pandas for OpenML): skip the set.
        except (FileNotFoundError, OSError, ImportError) as exc:
            print(f"note: {name} could not be loaded ({type(exc).__name__}: {exc}); skipped")
            continue
        if args.quick:
            X, Y = X[:300], Y[:300, :6]
        Xtr, Xte, Ytr, Yte = train_test_split(X, Y, test_size=0.3, random_state=0)
        scaler = StandardScaler().fit(Xtr)
        Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
        K = Y.shape[1]
        case = f"{name} {Xtr.shape[0]}x{Xtr.shape[1]}x{K}"
        results = run_models(linear_models(alpha, tol, K, args.max_iter),
                             Xtr, Ytr, Xte, Yte, alpha)
        linear_rows += result_rows(case, results)

        budget = args.mlp_iter
        mlp = [
            ("skbce MLP (64,)",
             BCEMultiLabelClassifier((64,), alpha=alpha, tol=tol, max_iter=budget,
                                     random_state=0, early_stopping=False),
             lambda m: m.coefs_, lambda m: m.n_iter_, None),
            ("MLPClassifier((64,))",
             MLPClassifier((64,), solver="lbfgs", alpha=alpha, tol=tol * K, max_iter=budget,
                           random_state=0),
             lambda m: m.coefs_, lambda m: m.n_iter_, None),
        ]
        mlp_rows += result_rows(case, run_models(mlp, Xtr, Ytr, Xte, Yte, alpha))
    notes = [
        f"alpha={alpha} for all (LogisticRegression C=1/alpha); skbce tol={tol}, "
        f"baselines tol={tol}*K (same gradient test on skbce's scale).",
        "train objective on skbce's scale (mean BCE + alpha/(2Kn)||W||^2); "
        "dBCE vs skbce = test BCE minus skbce's.",
        "OvR n_iter_ is the largest per-label count.",
        f"fit s: best of up to {MAX_FITS} fits within {FIT_BUDGET:g} s, for every model "
        f"(a fit over {FIT_BUDGET / 2:g} s runs once).",
    ]
    if linear_rows:
        print_table("Real data, linear model", RESULT_HEADER, linear_rows, notes)
        print_table(
            f"Real data, MLP (64,), same budget max_iter={args.mlp_iter}, same initial "
            "weights (random_state=0)", RESULT_HEADER, mlp_rows,
            ["compare 'ms / iter' (fit time / n_iter_) and the train objective."])


# The standard Mulan splits (``<name>-train.arff``, ``<name>-test.arff``, labels
# named in ``<name>.xml`` and last in each file) and the whole files split here.
STANDARD_SPLITS = ("scene", "medical", "delicious")
QUICK_SETS = ("medical",)
# Per model, up to this many interleaved fits while its own total stays within DATASET_BUDGET s.
DATASET_FITS = 3
DATASET_BUDGET = 3.0
DATASET_HEADER = ["set", "n x d x K", "skbce s", "skbce iter", "OvR s", "OvR iter",
                  "OvR -1 s", "OvR / skbce", "OvR -1 / skbce", "objective gap",
                  "test BCE skbce", "test BCE OvR", "warned"]


def load_standard_split(folder, name):
    """``(Xtr, Ytr), (Xte, Yte)`` of a train/test split: ``name-train.arff``, ``name-test.arff``.

    The labels are read as ``load_arff`` reads them: named by a Mulan
    ``name.xml`` beside the files (which wins over a contradicting header,
    such as medical's ``-C 45``), else counted in a MEKA header.
    """
    from skbce.datasets import load_arff

    parts, part_labels = [], []
    for part in ("train", "test"):
        X, Y, _, names = load_arff(folder / f"{name}-{part}.arff")
        parts.append((X, Y))
        part_labels.append(names)
    if part_labels[0] != part_labels[1]:
        raise ValueError(f"{name}: the training and test files have other labels")
    return parts


def load_whole_file_split(folder, name):
    """``(Xtr, Ytr), (Xte, Yte)``: a whole file shuffled and split 70/30 with a fixed seed.

    yeast, emotions and CAL500 are read as ``load_benchmark`` reads them;
    any other ``name.arff`` with a Mulan ``name.xml`` beside it or a MEKA
    header as ``load_arff`` reads it.
    """
    from skbce.datasets import _BENCHMARKS, load_arff, load_benchmark

    if name in _BENCHMARKS:
        X, Y, _, _ = load_benchmark(name, data_home=folder)
    else:
        X, Y, _, _ = load_arff(folder / f"{name}.arff")
    Xtr, Xte, Ytr, Yte = train_test_split(X, Y, test_size=0.3, shuffle=True, random_state=0)
    return (Xtr, Ytr), (Xte, Yte)


def set_layout(folder, name):
    """How ``name``'s files lie in ``folder``: ``"split"``, ``"whole"`` or None (absent).

    ``"split"``: ``name-train.arff`` and ``name-test.arff``; ``"whole"``:
    ``name.arff``.

    A split wins: the standard Mulan splits are what published results use.
    """
    if all((folder / f"{name}-{part}.arff").is_file() for part in ("train", "test")):
        return "split"
    return "whole" if (folder / f"{name}.arff").is_file() else None


def files_missing(folder, name):
    """Whether a set's files are absent from ``folder`` (then a note says so)."""
    if set_layout(folder, name) is not None:
        return False
    print(f"note: {name}: neither {folder / name}-train.arff and -test.arff nor "
          f"{folder / name}.arff found; skipped")
    return True


def load_split(folder, name):
    """``(Xtr, Ytr), (Xte, Yte)`` of any set in ``folder`` (see :func:`set_layout`)."""
    if set_layout(folder, name) == "split":
        return load_standard_split(folder, name)
    return load_whole_file_split(folder, name)


def scaled_split(folder, name):
    """Scaled ``Xtr, Ytr, Xte, Yte`` of a set, labels constant in training dropped.

    ``name`` is any Mulan or MEKA set in ``folder``: a train/test split (the
    standard Mulan files) or a whole file (shuffled 70/30 with a fixed
    seed). Returns ``None``, with a note, when its files are absent.
    """
    if files_missing(folder, name):
        return None
    (Xtr, Ytr), (Xte, Yte) = load_split(folder, name)
    Xtr, Xte = scale_features(Xtr, Xte)
    Ytr, Yte = drop_constant_labels(Ytr, Yte)
    return Xtr, Ytr, Xte, Yte


def scale_features(Xtr, Xte):
    """StandardScaler for dense features, MaxAbsScaler (which keeps them sparse) for sparse."""
    scaler = (MaxAbsScaler() if sparse.issparse(Xtr) else StandardScaler()).fit(Xtr)
    return scaler.transform(Xtr), scaler.transform(Xte)


def drop_constant_labels(Ytr, Yte):
    """Keep the labels that take both values in training (OvR cannot fit the others)."""
    varying = Ytr.min(axis=0) != Ytr.max(axis=0)
    return Ytr[:, varying], Yte[:, varying]


def interleaved_best_times(models, X, Y, max_fits=DATASET_FITS, budget=DATASET_BUDGET):
    """Best fit time of each model and whether its first fit warned of convergence.

    The models are fitted in turn, round after round, so that all of them
    meet the same drift in machine load; a model is refitted while its own
    total stays within ``budget`` seconds, so slow fits run once.
    """
    first = [timed_fit_and_warning(model, X, Y) for model in models]
    times = [[seconds] for seconds, _ in first]
    for _ in range(max_fits - 1):
        for model, record in zip(models, times):
            if sum(record) + record[-1] <= budget:
                record.append(timed_fit(model, X, Y))
    return [min(record) for record in times], [warned for _, warned in first]


def dataset_models(alpha, tol):
    """skbce at its defaults but alpha; OvR(LogisticRegression(C=1/alpha, tol)), 1 and all jobs."""
    return [
        BCEMultiLabelClassifier(alpha=alpha),
        OneVsRestClassifier(LogisticRegression(C=1.0 / alpha, tol=tol)),
        OneVsRestClassifier(LogisticRegression(C=1.0 / alpha, tol=tol), n_jobs=-1),
    ]


def dataset_row(name, train, test, alpha, tol):
    """Fit and score the three models on one set; return the table row and its figures."""
    (Xtr, Ytr), (Xte, Yte) = train, test
    Xtr, Xte = scale_features(Xtr, Xte)
    Ytr, Yte = drop_constant_labels(Ytr, Yte)
    models = dataset_models(alpha, tol)
    (t_skbce, t_ovr, t_jobs), warned = interleaved_best_times(models, Xtr, Ytr)
    skbce, ovr = models[0], models[1]
    j_skbce = objective(Ytr, skbce.predict_proba(Xtr), skbce.coefs_, alpha)
    j_ovr = objective(Ytr, ovr.predict_proba(Xtr), ovr_weights(ovr), alpha)
    figures = {"speedup": t_ovr / t_skbce, "speedup_jobs": t_jobs / t_skbce,
               "gap": (j_skbce - j_ovr) / j_ovr, "n_iter": skbce.n_iter_}
    n, d = Xtr.shape
    kind = f" ({100 * Xtr.nnz / (n * d):.1f}% CSR)" if sparse.issparse(Xtr) else ""
    row = [name, f"{n}x{d}x{Ytr.shape[1]}{kind}", f"{t_skbce:.3f}", str(skbce.n_iter_),
           f"{t_ovr:.3f}", str(ovr_n_iter(ovr)), f"{t_jobs:.3f}",
           f"{figures['speedup']:.2f}x", f"{figures['speedup_jobs']:.2f}x",
           f"{figures['gap']:+.1e}",
           f"{binary_cross_entropy(Yte, skbce.predict_proba(Xte)):.5f}",
           f"{binary_cross_entropy(Yte, ovr.predict_proba(Xte)):.5f}",
           ",".join(m for m, w in zip(("skbce", "OvR"), warned) if w) or "-"]
    return row, figures


def dataset_splits(folder, quick, names=(*STANDARD_SPLITS, *REAL_SETS)):
    """Yield ``(name, train, test)`` for every set of ``names`` found in ``folder``."""
    for name in names:
        if quick and name not in QUICK_SETS:
            continue
        if files_missing(folder, name):
            continue
        train, test = load_split(folder, name)
        if quick:  # a few rows and labels: checks the table, times nothing
            train, test = [(X[:200], Y[:200, :8]) for X, Y in (train, test)]
        yield name, train, test


def target_notes(figures):
    """The issue's targets, read off the table."""
    speedups = [f["speedup"] for f in figures]
    return [
        f"at least as fast as OvR: {sum(s >= 1 for s in speedups)} of {len(figures)} sets; "
        f"median OvR / skbce {np.median(speedups):.2f}x (target >= 3x); median "
        f"OvR -1 / skbce {np.median([f['speedup_jobs'] for f in figures]):.2f}x",
        f"objective gap <= 1e-4: {sum(f['gap'] <= 1e-4 for f in figures)} of {len(figures)}; "
        f"<= 100 iterations: {sum(f['n_iter'] <= 100 for f in figures)} of {len(figures)}",
    ]


@contextlib.contextmanager
def joblib_workers(quick):
    """joblib's worker processes, started before any fit is timed.

    Starting them takes seconds; with ``--quick`` the ``n_jobs=-1`` fits use
    joblib's threads instead, so that the quick run stays short.
    """
    import joblib

    if quick:
        with joblib.parallel_config(backend="threading"):
            yield
        return
    # The workers inherit the environment, not this process's warning filters.
    previous = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = "ignore"
    try:
        joblib.Parallel(n_jobs=-1)(joblib.delayed(abs)(i) for i in range(os.cpu_count() or 1))
    finally:
        if previous is None:
            del os.environ["PYTHONWARNINGS"]
        else:
            os.environ["PYTHONWARNINGS"] = previous
    yield


def section_datasets(args):
    from skbce.datasets import _default_data_home

    folder = _default_data_home()
    if not folder.is_dir():
        print(f"note: {folder} not found; the data-set table is skipped")
        return
    tol = 1e-5  # LogisticRegression's, as a user would set it; skbce keeps its default
    rows, figures = [], []
    with joblib_workers(args.quick):
        for name, train, test in dataset_splits(folder, args.quick, args.sets.split(",")):
            row, figure = dataset_row(name, train, test, args.alpha, tol)
            rows.append(row)
            figures.append(figure)
    if not rows:
        return
    print_table(
        "Data sets: BCEMultiLabelClassifier() against OneVsRestClassifier(LogisticRegression)",
        DATASET_HEADER, rows,
        [f"alpha={args.alpha} for skbce, C=1/alpha and tol={tol} for LogisticRegression; "
         "skbce at its defaults otherwise. OvR -1: n_jobs=-1 (joblib's worker processes, "
         "started before the first fit; threads with --quick).",
         f"scene, medical, delicious: the Mulan train/test files; {', '.join(REAL_SETS)}: "
         "the whole file, shuffled, 70/30 (random_state=0). StandardScaler (dense) or "
         "MaxAbsScaler (sparse, kept CSR) fitted on training; labels constant in training "
         "dropped.",
         "objective gap: (skbce's training objective - OvR's) / OvR's, both on skbce's scale "
         "(mean BCE + alpha/(2Kn)||W||^2). OvR iter: the largest per-label n_iter_.",
         f"fit s: best of up to {DATASET_FITS} fits per model, interleaved, while its total "
         f"stays within {DATASET_BUDGET:g} s. warned: ConvergenceWarning in the first fit.",
         *target_notes(figures)])


def make_sparse(n, d, k, density, seed=0):
    """CSR ``X`` built from indptr/indices/data directly, labels from a sparse linear model."""
    rng = np.random.default_rng(seed)
    per_row = max(1, round(density * d))
    indptr = np.arange(0, (n + 1) * per_row, per_row, dtype=np.int64)
    # Column indices may repeat within a row; CSR tolerates it (the values add up).
    indices = rng.integers(0, d, size=n * per_row, dtype=np.int32)
    indices.reshape(n, per_row).sort(axis=1)
    data = rng.standard_normal(n * per_row)
    X = sparse.csr_matrix((data, indices, indptr), shape=(n, d))
    coef = rng.standard_normal((d, k)) / np.sqrt(per_row)  # logits of unit scale
    logits = X @ coef
    Y = (logits + rng.standard_normal((n, k)) > 0.5).astype(np.int8)
    return X, Y


def section_synthetic(args):
    alpha, tol = args.alpha, args.tol
    rows = []
    if args.quick:
        cases = [("dense", (2000, 50, 10)), ("sparse", (5000, 1000, 5))]
    else:
        cases = [("dense", (50_000, 500, 100)), ("sparse", (100_000, 20_000, 50))]
    for kind, (n, d, k) in cases:
        if kind == "dense":
            X, Y = make_dense(n, d, k)
            case = f"dense {n}x{d}x{k}"
        else:
            X, Y = make_sparse(n, d, k, args.density)
            case = f"CSR {n}x{d}x{k} ({100 * X.nnz / (n * d):.2f}%)"
        Xtr, Xte, Ytr, Yte = train_test_split(X, Y, test_size=0.2, random_state=0)
        lr_labels = args.lr_labels if 0 < args.lr_labels < k else None
        models = linear_models(alpha, tol, k, args.synthetic_iter, lr_labels=lr_labels)
        rows += result_rows(case, run_models(models, Xtr, Ytr, Xte, Yte, alpha))
        del X, Xtr, Xte
    print_table(
        f"Synthetic data, linear model, every solver capped at max_iter={args.synthetic_iter}",
        RESULT_HEADER, rows,
        [f"the cap keeps the baselines' run time bounded; equal budgets, so compare "
         f"time and the objective reached (alpha={alpha}).",
         f"* OvR(LogReg) fitted on the first {args.lr_labels} labels only, its time "
         "scaled by K / that count; every row's objective and BCE are over those labels."])


def median_times(functions, repeats):
    """Median wall time of each function, calls interleaved (after one warm-up each).

    Interleaving exposes every function to the same drift in machine load,
    so their ratio is fair even on a shared machine.
    """
    for function in functions:
        function()
    times = [[] for _ in functions]
    for _ in range(repeats):
        for function, record in zip(functions, times):
            start = time.perf_counter()
            function()
            record.append(time.perf_counter() - start)
    return [float(np.median(t)) for t in times]


def _linear_objective(X, Y, alpha):
    """The objective ``fit`` builds for the linear model on ``X``, ``Y``."""
    from skbce._problem import build_problem
    from skbce._rows import InMemoryRows

    rows = InMemoryRows(X, Y.astype(X.dtype), np.ones(X.shape[0]))
    return build_problem(rows, hidden=(), activation="relu", alpha=alpha, pos_weight=None,
                         label_smoothing=0.0).objective


def kernel_times(n, d, k, dtype, alpha, repeats):
    """Median seconds of one objective+gradient evaluation and of ``X @ W + X.T @ G``.

    The objective is the one ``fit`` builds for the linear model. Everything
    allocated here is freed on return, before the next dtype's problem.
    """
    X, Y = make_dense(n, d, k, dtype=dtype)
    fun = _linear_objective(X, Y, alpha)
    rng = np.random.default_rng(1)
    theta = rng.standard_normal(fun.layout.n_params) * 0.01
    W = rng.standard_normal((d, k)).astype(dtype)
    G = rng.standard_normal((n, k)).astype(dtype)

    def products(X=X, W=W, G=G):
        X @ W
        X.T @ G

    return median_times([lambda fun=fun, theta=theta: fun(theta), products], repeats)


def whole_fit_per_evaluation(n, d, k, dtype, alpha, repeats):
    """A default fit's seconds per objective evaluation (setup included) over the two products'.

    Each fit is bracketed by timings of ``X @ W + X.T @ G`` (median of three
    before and three after it), and its ratio is taken against their mean,
    so that a drift in the machine's load between the two does not enter
    the ratio. Returns the median over ``repeats`` of the fit time, its
    evaluations and iterations, the products' time and the ratio.
    """
    X, Y = make_dense(n, d, k, dtype=dtype)
    rng = np.random.default_rng(1)
    W = rng.standard_normal((d, k)).astype(dtype)
    G = rng.standard_normal((n, k)).astype(dtype)

    def products(X=X, W=W, G=G):
        X @ W
        X.T @ G

    fits, ratios = [], []
    for _ in range(repeats):
        (before,) = median_times([products], 3)
        clf = BCEMultiLabelClassifier(alpha=alpha)
        with _CountEvaluations() as counter:
            seconds = timed_fit(clf, X, Y)
        (after,) = median_times([products], 3)
        t_mm = 0.5 * (before + after)
        fits.append((seconds, counter.count, clf.n_iter_, t_mm))
        ratios.append(seconds / counter.count / t_mm)
    seconds, evaluations, n_iter, t_mm = fits[int(np.argsort(ratios)[len(ratios) // 2])]
    return seconds, evaluations, n_iter, t_mm, float(np.median(ratios))


def section_kernel(args):
    n, d, k = (2000, 50, 10) if args.quick else (50_000, 500, 100)
    fits = 1 if args.quick else 5
    rows, fit_rows = [], []
    for dtype in (np.float64, np.float32):
        t_obj, t_mm = kernel_times(n, d, k, dtype, args.alpha, args.repeats)
        rows.append([np.dtype(dtype).name, f"{n}x{d}x{k}", f"{1e3 * t_obj:.1f}",
                     f"{1e3 * t_mm:.1f}", f"{t_obj / t_mm:.2f}"])
        seconds, evaluations, n_iter, t_mm, ratio = whole_fit_per_evaluation(
            n, d, k, dtype, args.alpha, fits
        )
        per_evaluation = seconds / evaluations
        fit_rows.append([np.dtype(dtype).name, f"{n}x{d}x{k}", f"{seconds:.2f}", str(n_iter),
                         str(evaluations), f"{1e3 * per_evaluation:.1f}", f"{1e3 * t_mm:.1f}",
                         f"{ratio:.2f}"])
    print_table("Kernel: one objective+gradient evaluation / (X @ W + X.T @ G)",
                ["dtype", "n x d x K", "objective+gradient ms", "X@W + X.T@G ms", "ratio"],
                rows,
                [f"median of {args.repeats} interleaved repeats after a warm-up; "
                 "target <= 1.3."])
    print_table("Whole fit at the defaults, setup included: seconds per evaluation / "
                "(X @ W + X.T @ G)",
                ["dtype", "n x d x K", "fit s", "n_iter_", "evaluations", "ms / evaluation",
                 "X@W + X.T@G ms", "ratio"],
                fit_rows,
                [f"median of {fits} fits, each against the products timed just before and "
                 "after it; the setup (feature moments, covariance, eigendecomposition) is spread "
                 "over the evaluations; target <= 1.5."])


def section_memory(args):
    n, d, k = (2000, 50, 10) if args.quick else (50_000, 500, 100)
    rows, peaks = [], {}
    for dtype in (np.float64, np.float32):
        X, Y = make_dense(n, d, k, dtype=dtype)
        peaks[dtype], _ = peak_fit_memory(X, Y, max_iter=5)
        rows.append([np.dtype(dtype).name, f"{X.nbytes / 2**20:.1f}",
                     f"{peaks[dtype] / 2**20:.1f}", f"{peaks[dtype] / X.nbytes:.2f}"])
        del X
    ratio = peaks[np.float32] / peaks[np.float64]
    print_table(f"Memory: peak of fit on dense {n}x{d}x{k} (tracemalloc, X allocated before)",
                ["dtype", "X MiB", "peak MiB", "peak / X.nbytes"], rows,
                [f"float32 peak / float64 peak = {ratio:.2f} (target <= 0.6)."])


class _CountEvaluations:
    """Count the objective evaluations of the fits run inside the ``with`` block."""

    def __enter__(self):
        from skbce._objective import BCEObjective

        self.count, self._cls = 0, BCEObjective
        self._original = original = BCEObjective.loss_gradient

        def counted(objective, theta):
            self.count += 1
            return original(objective, theta)

        BCEObjective.loss_gradient = counted
        return self

    def __exit__(self, *exc):
        self._cls.loss_gradient = self._original


def section_scaling(args):
    sizes = (1000, 2000, 4000) if args.quick else (10_000, 50_000, 100_000)
    d, k = (50, 10) if args.quick else (500, 100)
    iters = args.scaling_iter
    rows, first = [], None
    for n in sizes:
        X, Y = make_dense(n, d, k)
        # A tol no fit reaches: every fit runs the same number of iterations.
        clf = BCEMultiLabelClassifier(max_iter=iters, tol=1e-12)
        best = None
        for _ in range(args.fit_repeats):
            with _CountEvaluations() as counter:
                seconds = timed_fit(clf, X, Y)
            if best is None or seconds < best[0]:
                best = (seconds, counter.count)
        seconds, evaluations = best
        per_eval_sample = seconds / (evaluations * n)
        first = per_eval_sample if first is None else first
        rows.append([str(n), f"{seconds:.2f}", str(clf.n_iter_), str(evaluations),
                     f"{1e3 * seconds / n * 1000:.1f}",
                     f"{1e9 * per_eval_sample:.0f}", f"{per_eval_sample / first:.2f}"])
        del X
    print_table(f"Scaling in n: dense d={d}, K={k}, linear model, max_iter={iters}, tol=1e-12",
                ["n", "fit s", "n_iter_", "evaluations", "fit ms / 1000 samples",
                 "ns / (sample x evaluation)", "relative to smallest n"], rows,
                [f"best of {args.fit_repeats} fits; the line search makes the number of "
                 "objective evaluations vary, so linear growth = a constant "
                 "'ns / (sample x evaluation)'."])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny problems, a few seconds: checks the script runs")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="BLAS threads for every library (default: all cores)")
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--tol", type=float, default=1e-6,
                        help="skbce's tol (the linear baselines' too; MLPClassifier((64,)) "
                             "gets tol * n_labels)")
    parser.add_argument("--max-iter", type=int, default=500,
                        help="iteration budget of the linear fits on real data")
    parser.add_argument("--mlp-iter", type=int, default=200,
                        help="iteration budget of both MLPs")
    parser.add_argument("--synthetic-iter", type=int, default=30,
                        help="iteration cap of every solver on the synthetic problems")
    parser.add_argument("--lr-labels", type=int, default=10,
                        help="OvR(LogReg) fits this many labels of a synthetic problem "
                             "and its time is extrapolated (0: all labels)")
    parser.add_argument("--density", type=float, default=0.005)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--scaling-iter", type=int, default=10)
    parser.add_argument("--fit-repeats", type=int, default=3,
                        help="fits per size in the scaling section (the fastest counts)")
    parser.add_argument("--sets", default=",".join((*STANDARD_SPLITS, *REAL_SETS)),
                        help="comma-separated sets of the data-set table: any Mulan or MEKA "
                             "set in the data folder, as name-train.arff and name-test.arff "
                             "or as name.arff (split 70/30)")
    parser.add_argument("--datasets", action="store_true",
                        help="run only the data-set table (same as --sections datasets)")
    args = parser.parse_args(argv)
    if args.datasets:
        args.sections = "datasets"
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    if args.quick:
        args.mlp_iter = min(args.mlp_iter, 20)
        args.max_iter = min(args.max_iter, 50)
        args.synthetic_iter = min(args.synthetic_iter, 5)
        args.repeats = min(args.repeats, 2)
        args.scaling_iter = min(args.scaling_iter, 3)
        args.fit_repeats = 1
    with threadpool_limits(limits=args.threads, user_api="blas"):
        machine_info(args.threads)
        for name in sections:
            start = time.perf_counter()
            globals()[f"section_{name}"](args)
            print(f"({name}: {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
