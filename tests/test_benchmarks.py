"""The benchmark script runs end to end (on tiny problems; nothing is timed)."""

import subprocess
import sys
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def _run_in_benchmarks(code):
    """Run ``code`` beside the benchmark scripts (importable by name); it prints ok."""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=SCRIPT.parent, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


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
    # words, label k on for about 0.5 / k of the rows, split 70/30), for
    # many rows and few features (mediamill's shape, label k on for 0.3 / k^0.9),
    # for many rare labels (Corel5k's shape, a median of a few positives), and
    # for sparse text with many rows and labels (bibtex's shape).
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
        "X, Y = cv.synthetic_rare()\n"
        "assert sparse.issparse(X) and X.shape == (5000, 499) and Y.shape == (5000, 374)\n"
        "assert set(np.unique(X.data)) == {1.0} and set(np.unique(Y)) <= {0.0, 1.0}\n"
        "assert np.median(Y.sum(axis=0)) <= 6 and Y[:, 0].mean() > 0.15\n"
        "X, Y = cv.synthetic_bibtex()\n"
        "assert sparse.issparse(X) and X.shape == (7395, 1836) and Y.shape == (7395, 159)\n"
        "assert 50 < X.nnz / X.shape[0] < 68\n"
        "print('ok')\n"
    )
    _run_in_benchmarks(code)


def _write_emotions_shaped_arff(path, n_rows=80, seed=0):
    # 72 numeric features then 6 labels, as the shared emotions file.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, 72))
    Y = (X[:, :6] + 0.5 * rng.standard_normal((n_rows, 6)) > 0.3).astype(int)
    Y[:, 5] = 0  # a label absent from the file: the comparison keeps it
    lines = ["@relation emotions"]
    lines += [f"@attribute f{j} numeric" for j in range(72)]
    lines += [f"@attribute label{k} {{0,1}}" for k in range(6)]
    lines.append("@data")
    lines += [",".join([*(f"{v:.6f}" for v in x), *map(str, y)]) for x, y in zip(X, Y)]
    path.write_text("\n".join(lines) + "\n")


def _write_toy_arff(path, relation, n_rows, n_labels, labels_first, seed=0):
    # Eight numeric features and n_labels binary labels.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, 8))
    Y = (X[:, :n_labels] + rng.standard_normal((n_rows, n_labels)) > 0).astype(int)
    features = [f"@attribute f{j} numeric" for j in range(8)]
    labels = [f"@attribute tag{k} {{0,1}}" for k in range(n_labels)]
    rows = [[*map(str, y), *(f"{v:.5f}" for v in x)] if labels_first
            else [*(f"{v:.5f}" for v in x), *map(str, y)] for x, y in zip(X, Y)]
    header = [f"@relation '{relation}'", *(labels + features if labels_first
                                            else features + labels), "@data"]
    path.write_text("\n".join(header + [",".join(r) for r in rows]) + "\n")


def test_benchmarks_read_any_mulan_or_meka_set_in_the_data_folder(tmp_path):
    # A MEKA whole file (labels first, counted in its header), a Mulan
    # train/test split (labels last, named in its .xml), and real files named
    # like a generated set, which are read instead of generating it.
    _write_toy_arff(tmp_path / "toymeka.arff", "toymeka: -C 3", 100, 3, True)
    for part, seed in (("train", 1), ("test", 2)):
        _write_toy_arff(tmp_path / f"toymulan-{part}.arff", "toymulan", 60, 4, False, seed)
        _write_toy_arff(tmp_path / f"text-{part}.arff", "text: -C -2", 50, 2, False, seed)
    (tmp_path / "toymulan.xml").write_text(
        '<labels xmlns="http://mulan.sourceforge.net/labels">'
        + "".join(f'<label name="tag{k}"></label>' for k in range(4)) + "</labels>")
    code = (
        "from pathlib import Path; import numpy as np; import run, cv, thresholds\n"
        f"folder = Path({str(tmp_path)!r})\n"
        "assert run.set_layout(folder, 'toymeka') == 'whole'\n"
        "assert run.set_layout(folder, 'toymulan') == 'split'\n"
        "assert run.set_layout(folder, 'absent') is None\n"
        "Xtr, Ytr, Xte, Yte = run.scaled_split(folder, 'toymeka')\n"
        "assert Xtr.shape == (70, 8) and Xte.shape == (30, 8) and Ytr.shape[1] == 3\n"
        "Xtr, Ytr, Xte, Yte = run.scaled_split(folder, 'toymulan')\n"
        "assert Xtr.shape == (60, 8) and Xte.shape == (60, 8) and Ytr.shape[1] == 4\n"
        "import contextlib, io; note = io.StringIO()\n"
        "with contextlib.redirect_stdout(note):\n"
        "    assert run.scaled_split(folder, 'absent') is None\n"
        "assert 'absent' in note.getvalue() and 'skipped' in note.getvalue()\n"
        "Xtr, Xte, Ytr, Yte = cv.load_set('text', folder)\n"
        "assert Xtr.shape == (50, 8) and Ytr.shape[1] == 2\n"
        "Xtr, Xte, Ytr, Yte = thresholds.load('toymulan', folder)\n"
        "assert Xtr.shape == (60, 8) and Yte.shape == (60, 4)\n"
        "print('ok')\n"
    )
    _run_in_benchmarks(code)


def test_field_measures_match_hand_computed_values():
    # One-error: the top-ranked label of sample 2 is not its own. The
    # multi-output forest's constant labels become scores of 0 (never seen)
    # and 1 (always seen).
    code = (
        "import numpy as np, field\n"
        "from sklearn.ensemble import RandomForestClassifier\n"
        "Y = np.array([[1, 0, 0], [0, 1, 0]]); S = np.array([[.9, .1, 0.], [.9, .2, .1]])\n"
        "assert field.one_error(Y, S) == 0.5\n"
        "m = field.measures(Y, np.array([[1, 0, 0], [1, 1, 0]]), S, True)\n"
        "assert np.isclose(m['HL'], 1 / 6) and m['subset'] == 0.5 and m['1-err'] == 0.5\n"
        "assert np.isclose(m['micro'], 0.8) and np.isclose(m['cover'], 0.5)\n"
        "X = np.arange(20.0).reshape(10, 2); T = np.zeros((10, 3), dtype=int)\n"
        "T[:, 0] = np.arange(10) % 2; T[:, 2] = 1\n"
        "forest = RandomForestClassifier(5, random_state=0).fit(X, T)\n"
        "scores, probabilities = field.label_scores(forest, X)\n"
        "assert probabilities and scores.shape == (10, 3)\n"
        "assert (scores[:, 1] == 0).all() and (scores[:, 2] == 1).all()\n"
        "print('ok')\n"
    )
    _run_in_benchmarks(code)


def test_field_script_prints_every_measure_of_each_model(tmp_path):
    _write_emotions_shaped_arff(tmp_path / "emotions.arff")
    models = "linear CV,linear CV + thr,BR linear SVM,10-NN"
    result = subprocess.run(
        [sys.executable, str(SCRIPT.parent / "field.py"), "--sets", "emotions,scene",
         "--models", models, "--data-home", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for measure in ("HL", "acc", "F1", "subset", "micro", "macro", "1-err", "cover", "rank",
                    "AP", "BCE"):
        assert measure in lines[0].split()
    assert any("scene" in line and "skipped" in line for line in lines)
    for model in models.split(","):
        (row,) = [line for line in lines if line.startswith("emotions") and
                  line[11:27].strip() == model]
        values = [float(v) for v in row[27:].split()]
        assert len(values) == 12  # eleven measures and the fit time
        assert 0 <= values[0] <= 1  # Hamming loss
        # BCE only for models with probabilities: not the SVM's decision function.
        assert np.isnan(values[10]) == (model == "BR linear SVM")


def test_cv_benchmark_network_row_compares_the_grid_with_the_path():
    _run_in_benchmarks(
        "import numpy as np, warnings; import cv\n"
        "from sklearn.model_selection import KFold\n"
        "warnings.simplefilter('ignore')\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(80, 4))\n"
        "Y = (X[:, :2] + rng.normal(size=(80, 2)) > 0).astype(float)\n"
        "data = (X[:60], X[60:], Y[:60], Y[60:])\n"
        "row = cv.network_rows('tiny', data, 60 * np.logspace(1, -2, 4),\n"
        "                      KFold(2, shuffle=True, random_state=0), 1)\n"
        "assert row[0] == 'tiny' and row[1] == '60x4x2' and len(row) == 11\n"
        "assert row[4] == row[7]  # the same strength as the grid's\n"
        "print('ok')\n"
    )
