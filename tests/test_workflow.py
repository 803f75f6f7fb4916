"""The workflow a user runs on real data: Pipeline, GridSearchCV, joblib, baseline parity."""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import RFE, SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skbce import (
    BCEMultiLabelClassifier,
    BCEMultiLabelClassifierCV,
    bce_score,
    binary_cross_entropy,
)

from .conftest import load_benchmark


@pytest.fixture(scope="module")
def yeast():
    X, Y, _, _ = load_benchmark("yeast", 14)
    return train_test_split(X, Y, test_size=0.3, random_state=0)


def test_yeast_pipeline_search_and_persistence(yeast, tmp_path):
    X_train, X_test, Y_train, Y_test = yeast
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", BCEMultiLabelClassifier())])
    grid = {"clf__alpha": [1.0, 100.0], "clf__hidden_layer_sizes": [(), (16,)],
            "clf__random_state": [0], "clf__max_iter": [100]}
    search = GridSearchCV(pipeline, grid, scoring=bce_score, cv=3, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, Y_train)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and np.all(scores < 0)
    assert search.best_score_ == scores.max()
    # The held-out BCE of the refitted best model is what bce_score says.
    proba = search.predict_proba(X_test)
    assert search.score(X_test, Y_test) == pytest.approx(-binary_cross_entropy(Y_test, proba))
    assert binary_cross_entropy(Y_test, proba) < 0.5  # a constant predictor scores ~0.6

    path = tmp_path / "model.joblib"
    joblib.dump(search.best_estimator_, path)
    reloaded = joblib.load(path)
    np.testing.assert_array_equal(reloaded.predict_proba(X_test), proba)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        refit = clone(reloaded).fit(X_train, Y_train)
    np.testing.assert_allclose(refit.predict_proba(X_test), proba, rtol=1e-10)


def test_yeast_linear_matches_one_vs_rest_logistic_regression(yeast):
    X_train, X_test, Y_train, Y_test = yeast
    alpha = 1.0
    ours = Pipeline([("scale", StandardScaler()), ("clf", BCEMultiLabelClassifier(alpha=alpha))])
    baseline = Pipeline([
        ("scale", StandardScaler()),
        ("clf", OneVsRestClassifier(LogisticRegression(C=1 / alpha, max_iter=1000))),
    ])
    ours_bce = binary_cross_entropy(Y_test, ours.fit(X_train, Y_train).predict_proba(X_test))
    base_bce = binary_cross_entropy(Y_test, baseline.fit(X_train, Y_train).predict_proba(X_test))
    assert abs(ours_bce - base_bce) < 1e-3


@pytest.mark.parametrize("make_selector", [
    lambda: SelectFromModel(BCEMultiLabelClassifier(), max_features=3, threshold=-np.inf),
    lambda: RFE(BCEMultiLabelClassifier(), n_features_to_select=3),
    lambda: RFE(BCEMultiLabelClassifierCV(alphas=5, cv=3, random_state=0),
                n_features_to_select=3),
])
def test_feature_selectors_keep_the_features_the_labels_depend_on(make_selector):
    """SelectFromModel and RFE rank features by the linear model's ``coef_``."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 10))
    weights = np.zeros((10, 3))
    weights[[2, 5, 7]] = rng.choice([-3.0, 3.0], size=(3, 3))
    Y = (X @ weights + rng.logistic(size=(400, 3)) > 0).astype(int)
    pipeline = Pipeline([("select", make_selector()), ("clf", BCEMultiLabelClassifier())])
    pipeline.fit(X, Y)
    np.testing.assert_array_equal(np.flatnonzero(pipeline[0].get_support()), [2, 5, 7])
    assert pipeline.predict_proba(X).shape == Y.shape
