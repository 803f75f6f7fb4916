"""python -m skbce: the main job a new user runs."""

import subprocess
import sys

import numpy as np

from skbce.__main__ import main

from .conftest import DATASETS


def test_main_job_on_builtin_task(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "digits (built-in" in out
    for name in ("even", "prime", "closed_loop"):
        assert name in out
    for column in ("BCE", "micro F1", "macro F1", "Hamming", "fit s"):
        assert column in out
    assert "OvR(LogReg)" in out


def test_main_job_on_arff_file_with_mlp(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    Y = (X[:, :2] > 0).astype(int)
    rows = [",".join(map(str, list(x) + list(y))) for x, y in zip(X, Y)]
    header = "@relation t\n" + "".join(f"@attribute f{i} numeric\n" for i in range(3))
    header += "@attribute a {0,1}\n@attribute b {0,1}\n@data\n"
    path = tmp_path / "t.arff"
    path.write_text(header + "\n".join(rows) + "\n")
    assert main([str(path), "--n-labels", "2", "--hidden", "4"]) == 0
    out = capsys.readouterr().out
    assert "MLP (4,)" in out and "80 samples, 3 features, 2 labels" in out


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "skbce", "--help"], capture_output=True,
                            text=True, check=True)
    assert "--n-labels" in result.stdout
    assert DATASETS.name == "datasets"
