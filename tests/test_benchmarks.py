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
