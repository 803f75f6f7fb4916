"""The benchmark script runs end to end (on tiny problems; nothing is timed)."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def test_benchmark_script_quick_run_prints_every_table():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--threads", "1"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "BLAS threads set to 1" in out
    for title in ("Synthetic data, linear model", "Kernel: one objective+gradient",
                  "Memory: peak of fit", "Scaling in n"):
        assert title in out
    for column in ("fit s", "time / skbce", "train objective", "test BCE", "n_iter_",
                   "ratio", "peak / X.nbytes", "ns / (sample x evaluation)"):
        assert column in out
    for model in ("skbce linear", "MLPClassifier(())", "OvR(LogReg)"):
        assert model in out
    # The real sets print a table when present and a note when skipped.
    assert "Real data, linear model" in out or "skipped" in out


def test_benchmark_script_rejects_unknown_section():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--sections", "nonsense"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "unknown sections" in result.stderr


def test_maps_script_quick_run_compares_the_chosen_map_with_the_diagonal_one():
    result = subprocess.run(
        [sys.executable, str(SCRIPT.parent / "maps.py"), "--quick"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for name in ("factors-20", "factors-200", "separable", "LowRankJacobiMap",
                 "CentredScaling", "time / diagonal"):
        assert name in result.stdout


def test_cv_benchmark_synthetic_sets_have_the_documented_shapes():
    # The CV benchmark's stand-ins for sparse text (enron's shape, binary
    # words, label k on for about 0.5 / k of the rows, split 70/30) and for
    # many rows and few features (mediamill's shape, label k on for 0.3 / k^0.9).
    code = (
        "import numpy as np; from scipy import sparse; import cv\n"
        "X, Y = cv.synthetic_text()\n"
        "assert sparse.issparse(X) and X.shape == (1702, 1001) and Y.shape == (1702, 53)\n"
        "assert set(np.unique(X.data)) == {1.0} and set(np.unique(Y)) <= {0.0, 1.0}\n"
        "share = Y.mean(axis=0)\n"
        "assert np.allclose(share, 0.5 / np.arange(1, 54), atol=2e-3), share\n"
        "assert np.array_equal(cv.synthetic_text()[1], Y)\n"
        "Xtr, Xte, Ytr, Yte = cv.load_set('text')\n"
        "assert Xtr.shape[0] == 1191 and Xte.shape[0] == 511 and abs(Xtr).max() == 1.0\n"
        "assert (Ytr.min(axis=0) != Ytr.max(axis=0)).all()\n"
        "X, Y = cv.synthetic_dense()\n"
        "assert isinstance(X, np.ndarray) and X.shape == (43907, 120) and Y.shape == (43907, 101)\n"
        "share = Y.mean(axis=0)\n"
        "assert np.allclose(share, 0.3 / np.arange(1, 102) ** 0.9, atol=1e-4), share\n"
        "assert np.linalg.matrix_rank(X[:500] - X[:500].mean(axis=0)) == 120\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=SCRIPT.parent, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
