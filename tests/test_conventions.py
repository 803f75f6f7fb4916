"""What a scikit-learn user expects: pandas, metadata routing, typing."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_multilabel_classification
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


def test_py_typed_marker_ships():
    assert (ROOT / "skbce" / "py.typed").exists()


@pytest.mark.skipif(shutil.which("mypy") is None, reason="mypy is not installed")
def test_mypy_clean():
    result = subprocess.run(["mypy", "--no-incremental", str(ROOT / "skbce")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
