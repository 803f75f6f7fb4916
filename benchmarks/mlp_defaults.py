"""The MLP ``(64,)`` at its defaults against MLPClassifier and the linear model: test BCE, time.

For each set (a set whose files are absent is skipped with a note), fitted on
the training part and scored on the test part:

- ``linear``: ``BCEMultiLabelClassifier()``, the linear default;
- ``ES at alpha``: ``BCEMultiLabelClassifier((64,), early_stopping=True)``,
  early stopping at ``alpha = 1`` alone (the default before the penalty was
  chosen on the held-out rows);
- ``default``: ``BCEMultiLabelClassifier((64,))``, ``early_stopping="auto"``,
  which also chooses the penalty on its held-out rows (``alpha_``);
- ``MLPClassifier ES``: ``MLPClassifier((64,), early_stopping=True)``, Adam
  and scikit-learn's other defaults.

The networks are fitted once per seed of ``--seeds`` (``random_state``: the
start, the held-out rows, Adam's batches); the table gives the mean test BCE
(:func:`skbce.binary_cross_entropy`), its range over the seeds and the mean
fit time, with time ratios against ``ES at alpha`` and ``MLPClassifier ES``
measured in the same run. The targets read off the table: ``default`` no
worse than ``MLPClassifier ES`` and at most 0.01 above ``linear``.

Data: yeast, emotions and CAL500 are whole files, split 70/30 with a fixed
seed; scene, medical and delicious are the standard Mulan training and test
files (``benchmarks/run.py``'s loaders). Features are scaled on the training
part (``StandardScaler``; ``MaxAbsScaler`` keeps sparse files sparse); labels
constant on the training part are dropped. Run ``python
benchmarks/mlp_defaults.py [--sets yeast scene] [--seeds 0 1 2]``; delicious
(12920 x 500 x 983) takes most of the time, several minutes a seed.
``--sets text`` adds ``benchmarks/cv.py``'s synthetic sparse-text set (shaped
like enron; generated, not read, so it runs without the shared files).
"""

import argparse
import time
import warnings

import numpy as np

# A sibling script: run as a script, this file has benchmarks/ on sys.path.
from cv import load_set
from run import print_table, scaled_split
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skbce import BCEMultiLabelClassifier, binary_cross_entropy
from skbce.datasets import _default_data_home

SETS = ("yeast", "emotions", "CAL500", "scene", "medical", "delicious")
EXTRA_SETS = ("text",)
# The targets hold on these; medical and delicious must not get worse.
TARGET_SETS = ("yeast", "emotions", "CAL500", "scene")
LINEAR_MARGIN = 0.01


def models(seed):
    """``{name: estimator}`` of one seed; the linear model has no seed."""
    return {
        "linear": BCEMultiLabelClassifier(),
        "ES at alpha": BCEMultiLabelClassifier((64,), early_stopping=True, random_state=seed),
        "default": BCEMultiLabelClassifier((64,), random_state=seed),
        "MLPClassifier ES": MLPClassifier((64,), early_stopping=True, random_state=seed),
    }


def fit_and_score(model, Xtr, Ytr, Xte, Yte):
    """Fit ``model`` (convergence warnings silenced); return test BCE and seconds."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(Xtr, Ytr)
        seconds = time.perf_counter() - start
    return binary_cross_entropy(Yte, model.predict_proba(Xte)), seconds


def run_set(data, seeds):
    """``{model: (test BCEs, seconds, alphas)}`` over ``seeds``, the models in turn per seed."""
    Xtr, Ytr, Xte, Yte = data
    results = {}
    for i, seed in enumerate(seeds):
        for name, model in models(seed).items():
            if name == "linear" and i > 0:
                continue  # deterministic: one fit
            bce, seconds = fit_and_score(model, Xtr, Ytr, Xte, Yte)
            record = results.setdefault(name, ([], [], []))
            record[0].append(bce)
            record[1].append(seconds)
            record[2].append(float(np.mean(getattr(model, "alpha_", np.nan))))
    return results


def rows_of(name, data, results):
    """Table rows of one set and the figures the targets are read from."""
    Xtr, Ytr = data[0], data[1]
    shape = f"{name} {Xtr.shape[0]}x{Xtr.shape[1]}x{Ytr.shape[1]}"
    mean_time = {model: np.mean(seconds) for model, (_, seconds, _) in results.items()}
    rows = []
    for model, (bces, seconds, alphas) in results.items():
        spread = f"{min(bces):.4f}-{max(bces):.4f}" if len(bces) > 1 else "-"
        chosen = "-" if np.isnan(alphas).all() else " ".join(f"{a:.3g}" for a in alphas)
        rows.append([
            shape, model, f"{np.mean(bces):.4f}", spread, f"{np.mean(seconds):.3f}",
            f"{mean_time[model] / mean_time['ES at alpha']:.2f}x",
            f"{mean_time[model] / mean_time['MLPClassifier ES']:.2f}x", chosen,
        ])
    figures = {model: float(np.mean(bces)) for model, (bces, _, _) in results.items()}
    return rows, figures


def target_notes(figures):
    """The targets, read off the table: met or not, with the margins."""
    notes = []
    for name, bce in figures.items():
        default, mlp, linear = bce["default"], bce["MLPClassifier ES"], bce["linear"]
        if name in TARGET_SETS:
            beats = "met" if default <= mlp else "NOT met"
            close = "met" if default <= linear + LINEAR_MARGIN else "NOT met"
            notes.append(f"{name}: default <= MLPClassifier ES {beats} ({default - mlp:+.4f}); "
                         f"default <= linear + {LINEAR_MARGIN} {close} ({default - linear:+.4f})")
        else:
            old = bce["ES at alpha"]
            verdict = "not worse" if default <= old else "WORSE"
            notes.append(f"{name}: default against ES at alpha: {verdict} ({default - old:+.4f})")
    return notes


def synthetic_text_split():
    """``Xtr, Ytr, Xte, Yte`` of ``benchmarks/cv.py``'s synthetic text set."""
    X_train, X_test, Y_train, Y_test = load_set("text")
    return X_train, Y_train, X_test, Y_test


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS),
                        help=f"of {', '.join(SETS + EXTRA_SETS)}, or any Mulan or MEKA set "
                             "in the data folder")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2],
                        help="random_state of the networks (default: 0 1 2)")
    args = parser.parse_args()
    # A set whose files are absent is skipped with a note (scaled_split's).
    folder = _default_data_home()
    rows, figures = [], {}
    for name in args.sets:
        data = synthetic_text_split() if name == "text" else scaled_split(folder, name)
        if data is None:
            continue
        set_rows, figures[name] = rows_of(name, data, run_set(data, args.seeds))
        rows += set_rows
        print(f"done: {name}", flush=True)
    header = ["set n x d x K", "model", "test BCE", "range", "fit s", "time / ES at alpha",
              "time / MLPClassifier", "alpha_"]
    print_table(f"MLP (64,) defaults, mean over seeds {' '.join(map(str, args.seeds))}",
                header, rows, target_notes(figures))


if __name__ == "__main__":
    main()
