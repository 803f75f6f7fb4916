"""python -m skbce: the main job a new user runs, and its errors."""

import subprocess
import sys

import numpy as np
import pytest
from scipy import sparse
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import FunctionTransformer, StandardScaler

import skbce
from skbce import BCEMultiLabelClassifierCV
from skbce.__main__ import _build_parser, _f1_scores, _pipeline, main
from skbce.datasets import load_arff

from .conftest import DATASETS


def run(argv, capsys):
    """``(exit status, stdout, stderr)`` of the command line, argparse's exits included."""
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def write_task(path, n_samples=80, label_names=("a", "b"), seed=0, missing=False):
    """An ARFF file: 3 numeric features, then labels that depend on them."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    Y = (X[:, : len(label_names)] > 0).astype(int)
    cells = [[f"{v:.6f}" for v in x] + [str(v) for v in y] for x, y in zip(X, Y)]
    if missing:
        cells[0][1] = "?"
    header = "@relation t\n" + "".join(f"@attribute f{i} numeric\n" for i in range(3))
    header += "".join(f"@attribute '{name}' {{0,1}}\n" for name in label_names) + "@data\n"
    path.write_text(header + "\n".join(",".join(row) for row in cells) + "\n")
    return path


def test_main_job_on_builtin_task(capsys):
    status, out, _ = run([], capsys)
    assert status == 0
    assert "digits (built-in" in out
    for name in ("even", "prime", "closed_loop"):
        assert name in out
    for column in ("BCE", "micro F1", "macro F1", "Hamming", "fit s"):
        assert column in out
    assert "OvR(LogReg)" in out


def overall_bce(out, model="skbce"):
    """The BCE of ``model`` in the overall metrics table."""
    table = out.split("Overall test metrics", 1)[1]
    return float(next(line.split()[1] for line in table.splitlines()
                      if line.startswith(model + " ")))


def test_alpha_is_chosen_by_cross_validation_unless_given(tmp_path, capsys):
    path = write_task(tmp_path / "t.arff", 120)
    status, out, err = run([str(path), "--labels", "2"], capsys)
    assert status == 0, err
    line = next(line for line in out.splitlines() if "skbce model:" in line)
    assert "chosen by 5-fold cross-validation over 20 strengths" in line
    chosen = float(line.split("alpha=")[1].split()[0])
    # The CV estimator's choice on the same scaled training rows (75% of the file).
    X, Y, _, _ = load_arff(path, 2)
    X_train, _, Y_train, _ = train_test_split(X, Y, test_size=0.25, random_state=0)
    search = BCEMultiLabelClassifierCV(max_iter=500, random_state=0).fit(
        StandardScaler().fit_transform(X_train), Y_train)
    assert chosen == pytest.approx(search.alpha_, rel=1e-3)
    assert "baseline: OvR(LogReg) at C = 1/alpha" in out

    status, out, err = run([str(path), "--labels", "2", "--alpha", "3"], capsys)
    assert status == 0, err
    assert "skbce model: linear, alpha=3 (given)\n" in out


def test_sparse_features_keep_their_values():
    # Sparse (word) features are scaled by their largest value: 0/1 stay 0/1,
    # where a standard deviation would blow rare ones up.
    X = sparse.random(50, 20, density=0.1, random_state=0, format="csr")
    X.data[:] = 1.0
    scaled = _pipeline(FunctionTransformer(), is_sparse=True, has_missing=False)[:-1]
    result = scaled.fit_transform(X)
    assert sparse.issparse(result)
    np.testing.assert_array_equal(result.toarray(), X.toarray())


def test_main_job_on_arff_file_with_mlp(tmp_path, capsys):
    path = write_task(tmp_path / "t.arff")
    for option in ("--labels", "--n-labels"):
        status, out, err = run([str(path), option, "2", "--hidden", "4"], capsys)
        assert status == 0, err
        assert "MLP (4,)" in out and "80 samples, 3 features, 2 labels" in out


def test_train_and_test_files(tmp_path, capsys):
    train = write_task(tmp_path / "t-train.arff", 60, seed=1)
    test = write_task(tmp_path / "t-test.arff", 40, seed=2)
    status, out, err = run([str(train), "--labels", "2", "--test", str(test)], capsys)
    assert status == 0, err
    assert "100 samples, 3 features, 2 labels; train 60, test 40" in out
    assert f"tested on {test}" in out


def test_test_file_with_other_features_is_refused(tmp_path, capsys):
    train = write_task(tmp_path / "a.arff")
    test = tmp_path / "b.arff"
    test.write_text(train.read_text().replace("f2 numeric", "g2 numeric"))
    status, out, err = run([str(train), "--labels", "2", "--test", str(test)], capsys)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "different features" in err and "'g2' for 'f2'" in err


def bad_calls(folder):
    """The bad calls of a new user, each with a phrase its error must hold."""
    plain = folder / "plain.arff"
    write_task(plain)
    not_arff = folder / "notes.txt"
    not_arff.write_text("just some text\n")
    return [
        ([str(folder / "missing.arff")], "no such file"),
        ([str(folder)], "is a directory"),
        ([str(not_arff)], "not an ARFF file"),
        ([str(plain), "--n-labels", "20"], "between 1 and 4"),
        ([str(plain), "--n-labels", "3"], "'f2' (one of the last 3) is not binary"),
        ([str(plain), "--labels", "2", "--labels-first"], "'f0' (one of the first 2)"),
        ([str(plain)], "does not say which attributes are labels"),
        ([str(plain)], "Use --labels N, --labels FILE.xml"),
        ([str(plain), "--labels", "2", "--test-size", "2.0"], "--test-size must be between"),
        ([str(plain), "--labels", "nope.xml"], "nope.xml: no such file"),
        ([str(plain), "--labels", "a,zzz"], "'zzz' is not an attribute"),
        ([str(plain), "--labels", "2", "--test", str(folder / "none.arff")], "no such file"),
        (["--test", str(plain)], "--test needs an ARFF file"),
        ([str(plain), "--labels", "2", "--alpha", "0"], "--alpha must be > 0"),
        (["--n-labels", "two"], "invalid int value"),
        (["--no-such-option"], "unrecognized arguments"),
    ]


def test_each_bad_call_is_one_line_and_exit_status_2(tmp_path, capsys):
    for argv, phrase in bad_calls(tmp_path):
        status, out, err = run(argv, capsys)
        assert status == 2, argv
        assert err.count("\n") == 1 and err.startswith("python -m skbce: error: "), (argv, err)
        assert phrase in err, (argv, err)
        assert "Traceback" not in err and out == "", argv


def test_bad_calls_as_a_user_runs_them(tmp_path):
    # The real process: no traceback reaches the terminal.
    for argv, phrase in bad_calls(tmp_path)[:4]:
        result = subprocess.run([sys.executable, "-m", "skbce", *argv], capture_output=True,
                                text=True)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1 and phrase in result.stderr


@pytest.mark.parametrize("n_labels", [1, 5])
def test_f1_scores_are_scikit_learns_multilabel_f1(n_labels):
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(n_labels)
    Y = rng.integers(0, 2, size=(30, n_labels))
    pred = rng.integers(0, 2, size=(30, n_labels))
    pred[:, 0] = Y[:, 0] = 0  # a label never true nor predicted scores 0
    scores = _f1_scores(Y, pred)
    for k in range(n_labels):
        assert scores["label F1"][k] == pytest.approx(f1_score(Y[:, k], pred[:, k],
                                                               zero_division=0))
    if n_labels > 1:
        assert scores["micro F1"] == pytest.approx(f1_score(Y, pred, average="micro"))
        assert scores["macro F1"] == pytest.approx(
            f1_score(Y, pred, average="macro", zero_division=0))


def test_version():
    result = subprocess.run([sys.executable, "-m", "skbce", "--version"], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == f"skbce {skbce.__version__}"


def test_every_option_has_help_and_the_help_shows_examples():
    parser = _build_parser()
    for action in parser._actions:
        assert action.help, action.option_strings or action.dest
    text = parser.format_help()
    assert "--labels medical.xml --test medical-test.arff" in text  # a Mulan file
    assert "CAL500.arff" in text and "-C 174" in text  # a MEKA file


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "skbce", "--help"], capture_output=True,
                            text=True, check=True)
    assert "--labels" in result.stdout and "--test" in result.stdout


def test_long_label_names_are_cut_with_an_ellipsis(tmp_path, capsys):
    long_name = "a label name far longer than the column of the table"
    path = write_task(tmp_path / "t.arff", label_names=(long_name, "b"))
    status, out, _ = run([str(path), "--labels", "2"], capsys)
    assert status == 0
    assert long_name not in out
    assert f"{long_name[:29]}... " in out


def test_non_convergence_is_reported_once_in_one_line(tmp_path, capsys):
    path = write_task(tmp_path / "t.arff")
    status, out, err = run([str(path), "--labels", "2", "--max-iter", "1"], capsys)
    assert status == 0
    lines = [line for line in err.splitlines() if "converge" in line]
    assert len(lines) == 1 and "not converged: skbce" in lines[0], err
    assert "ConvergenceWarning" not in err + out


def test_notes_on_reading_the_file(tmp_path, capsys):
    path = write_task(tmp_path / "t.arff", missing=True)
    status, _, err = run([str(path), "--labels", "1"], capsys)
    assert status == 0
    assert "the last 2 attributes are binary but 1 is read as labels" in err
    assert "missing ('?')" in err


@pytest.mark.skipif(not (DATASETS / "medical-train.arff").is_file(),
                    reason="the shared medical files are absent")
def test_mulan_train_and_test_split_of_medical(capsys):
    xml = DATASETS / "medical.xml"
    status, out, err = run([str(DATASETS / "medical-train.arff"), "--labels", str(xml),
                            "--test", str(DATASETS / "medical-test.arff")], capsys)
    assert status == 0, err
    assert "978 samples, 1449 features, 45 labels; train 333, test 645" in out
    assert "Per-label test metrics (45 of 45 labels)" in out
    names = [line.split("\"")[1] for line in xml.read_text().splitlines() if "name=" in line]
    table = out.split("Per-label test metrics", 1)[1].split("Overall", 1)[0]
    assert [line.split()[0] for line in table.splitlines()[2:] if line] == names
    assert "Overall test metrics (45 labels)" in out
    # The CV-chosen alpha on unscaled 0/1 words: 0.043 (alpha=1 after a
    # StandardScaler: 0.058; the labels' frequencies: 0.08).
    assert overall_bce(out) < 0.047
