"""What a scikit-learn user expects: pandas, metadata routing, progress output, typing."""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbce import BCEMultiLabelClassifier, bce_score, binary_cross_entropy

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def data():
    X, Y = make_multilabel_classification(n_samples=60, n_features=4, n_classes=3,
                                          random_state=0)
    return X, Y


def test_dataframes_keep_feature_and_label_names(data):
    pd = pytest.importorskip("pandas")
    X, Y = data
    X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    Y = pd.DataFrame(Y, columns=["rock", "jazz", "calm"])
    clf = BCEMultiLabelClassifier().fit(X, Y)
    np.testing.assert_array_equal(clf.feature_names_in_, ["a", "b", "c", "d"])
    np.testing.assert_array_equal(clf.classes_, ["rock", "jazz", "calm"])
    labelled = pd.DataFrame(clf.predict(X), columns=clf.classes_, index=X.index)
    assert list(labelled.columns) == ["rock", "jazz", "calm"]
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X.to_numpy())


def test_dataframe_with_missing_labels(data):
    pd = pytest.importorskip("pandas")
    X, Y = data
    Y = pd.DataFrame(Y.astype(float), columns=["x", "y", "z"])
    Y.iloc[0, 1] = np.nan
    clf = BCEMultiLabelClassifier(missing_labels="ignore").fit(X, Y.astype("Float64"))
    assert np.isfinite(clf.loss_)


def test_sample_weight_routed_through_pipeline_and_search(data):
    X, Y = data
    weight = np.linspace(0.1, 3.0, X.shape[0])
    with sklearn.config_context(enable_metadata_routing=True):
        clf = BCEMultiLabelClassifier().set_fit_request(sample_weight=True)
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=False), clf)
        pipe.fit(X, Y, sample_weight=weight)
        direct = BCEMultiLabelClassifier().fit(
            StandardScaler().fit_transform(X), Y, sample_weight=weight
        )
        np.testing.assert_allclose(pipe[-1].coefs_[0], direct.coefs_[0])

        search = GridSearchCV(pipe, {"bcemultilabelclassifier__alpha": [0.1, 10.0]},
                              scoring=bce_score, cv=2)
        search.fit(X, Y, sample_weight=weight)
        # The scorer got the weights too: recompute the first split's score by hand
        # (cv=2 on a label matrix is an unshuffled KFold).
        train, test = next(KFold(2).split(X))
        fold = make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                             BCEMultiLabelClassifier(alpha=0.1).set_fit_request(
                                 sample_weight=True))
        fold.fit(X[train], Y[train], sample_weight=weight[train])
        expected = -binary_cross_entropy(Y[test], fold.predict_proba(X[test]),
                                         sample_weight=weight[test])
        assert search.cv_results_["split0_test_score"][0] == pytest.approx(expected)


def test_scorer_requests_sample_weight():
    from sklearn.utils.metadata_routing import get_routing_for_object

    with sklearn.config_context(enable_metadata_routing=True):
        request = get_routing_for_object(bce_score)
        assert request.consumes("score", ["sample_weight"]) == {"sample_weight"}


_SUMMARY = re.compile(
    r"^(lbfgs|newton-cg) stopped after (\d+) iterations: objective = ([0-9.]+), "
    r"max \|gradient\| = ([0-9.e+-]+); (.+)$", re.M
)


def test_verbose_prints_objective_every_ten_iterations_and_a_summary(data, capsys):
    X, Y = data
    clf = BCEMultiLabelClassifier(
        hidden_layer_sizes=(4,), alpha=10.0, tol=1e-3, random_state=0, verbose=1
    ).fit(X, Y)
    out = capsys.readouterr().out
    assert clf.n_iter_ >= 20  # enough iterations to see the every-10 rhythm
    progress = [(int(i), float(v)) for i, v in
                re.findall(r"^Iteration (\d+), objective = ([0-9.]+)$", out, re.M)]
    expected_iterations = [1, *range(10, clf.n_iter_ + 1, 10)]
    assert [i for i, _ in progress] == expected_iterations
    for i, value in progress:
        assert value == pytest.approx(clf.loss_curve_[i - 1], abs=1e-8)
    (summary,) = _SUMMARY.findall(out)
    solver, n_iter, objective, gradient, reason = summary
    assert solver == "lbfgs" and int(n_iter) == clf.n_iter_
    assert float(objective) == pytest.approx(clf.loss_, abs=1e-8)
    assert 0 < float(gradient) < clf.tol  # the stopping test's gradient
    assert "below tol" in reason
    assert out.rstrip().endswith(reason)  # the summary comes last


def test_verbose_summary_names_the_budget_when_stopped_by_max_iter(data, capsys):
    X, Y = data
    with pytest.warns(ConvergenceWarning):
        clf = BCEMultiLabelClassifier(alpha=0.01, max_iter=3, verbose=1).fit(X, Y)
    (summary,) = _SUMMARY.findall(capsys.readouterr().out)
    assert int(summary[1]) == clf.n_iter_ == 3
    assert "LIMIT" in summary[4].upper()


def test_verbose_newton_cg_summary(data, capsys):
    X, Y = data
    clf = BCEMultiLabelClassifier(solver="newton-cg", verbose=1).fit(X, Y)
    (summary,) = _SUMMARY.findall(capsys.readouterr().out)
    assert summary[0] == "newton-cg" and int(summary[1]) == clf.n_iter_


def test_not_verbose_prints_nothing(data, capsys):
    X, Y = data
    BCEMultiLabelClassifier().fit(X, Y)
    assert capsys.readouterr().out == ""


def test_py_typed_marker_ships():
    assert (ROOT / "skbce" / "py.typed").exists()


@pytest.mark.skipif(shutil.which("mypy") is None, reason="mypy is not installed")
def test_mypy_clean():
    result = subprocess.run(["mypy", "--no-incremental", str(ROOT / "skbce")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
