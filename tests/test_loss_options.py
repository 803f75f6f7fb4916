"""Loss options for real label data: pos_weight, class_weight, missing labels, smoothing."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.preprocessing import StandardScaler

from skbce import BCEMultiLabelClassifier, binary_cross_entropy


@pytest.fixture
def data():
    X, Y = make_multilabel_classification(n_samples=120, n_features=5, n_classes=3,
                                          random_state=2)
    return StandardScaler().fit_transform(X), Y.astype(float)


def test_balanced_pos_weight_is_negatives_over_positives(data):
    X, Y = data
    w = np.linspace(0.5, 1.5, X.shape[0])
    clf = BCEMultiLabelClassifier(pos_weight="balanced").fit(X, Y, sample_weight=w)
    expected = (w @ (1 - Y)) / (w @ Y)
    np.testing.assert_allclose(clf.pos_weight_, expected)


def test_pos_weight_raises_positive_predictions(data):
    X, Y = data
    plain = BCEMultiLabelClassifier().fit(X, Y)
    heavy = BCEMultiLabelClassifier(pos_weight=[5.0, 5.0, 5.0]).fit(X, Y)
    assert heavy.predict(X).sum() > plain.predict(X).sum()
    assert np.all(heavy.predict_proba(X).mean(axis=0) > plain.predict_proba(X).mean(axis=0))


def test_objective_without_penalty_equals_metric(data):
    """The training objective and the metric share one formula, options included."""
    X, Y = data
    Y[np.random.default_rng(0).random(Y.shape) < 0.2] = np.nan
    w = np.linspace(0.2, 2.0, X.shape[0])
    p = np.array([2.0, 0.5, 1.0])
    clf = BCEMultiLabelClassifier(alpha=0.0, pos_weight=p, missing_labels="ignore")
    clf.fit(X, Y, sample_weight=w)
    metric = binary_cross_entropy(Y, clf.predict_proba(X), sample_weight=w, pos_weight=p)
    assert clf.loss_ == pytest.approx(metric, rel=1e-9)


@pytest.mark.parametrize("column", ["nan", "zeros", "ones"])
def test_constant_or_empty_label_column_still_fits(data, column):
    X, Y = data
    Y[:, 1] = {"nan": np.nan, "zeros": 0.0, "ones": 1.0}[column]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = BCEMultiLabelClassifier(missing_labels="ignore", pos_weight="balanced").fit(X, Y)
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all() and all(np.isfinite(c).all() for c in clf.coefs_)
    if column == "zeros":
        assert proba[:, 1].max() < 0.05
    if column == "ones":
        assert proba[:, 1].min() > 0.95


def test_missing_labels_equal_dropping_those_entries(data):
    """One label: masking NaN entries is the same fit as dropping those samples."""
    X, Y = data
    y = Y[:, :1].copy()
    missing = np.random.default_rng(1).random(y.shape[0]) < 0.3
    y[missing] = np.nan
    masked = BCEMultiLabelClassifier(missing_labels="ignore", tol=1e-9).fit(X, np.c_[y, y])
    dropped = BCEMultiLabelClassifier(tol=1e-9).fit(X[~missing], np.c_[y, y][~missing])
    np.testing.assert_allclose(masked.coefs_[0], dropped.coefs_[0], atol=1e-6)
    assert masked.loss_ == pytest.approx(dropped.loss_, rel=1e-8)


def test_missing_labels_need_opt_in(data):
    X, Y = data
    Y[0, 0] = np.nan
    with pytest.raises(ValueError, match="missing_labels"):
        BCEMultiLabelClassifier().fit(X, Y)


@pytest.mark.parametrize("smoothing", [0.1, 0.4])
def test_label_smoothing(data, smoothing):
    X, Y = data
    none = BCEMultiLabelClassifier().fit(X, Y)
    smooth = BCEMultiLabelClassifier(label_smoothing=smoothing).fit(X, Y)
    target = BCEMultiLabelClassifier().fit(X, Y * (1 - smoothing) + 0.5 * smoothing)
    np.testing.assert_allclose(smooth.coefs_[0], target.coefs_[0], atol=1e-6)
    # Smoothed targets stay away from 0 and 1: the model is less confident.
    assert np.abs(smooth.decision_function(X)).mean() < (1 - smoothing) * np.abs(
        none.decision_function(X)
    ).mean()


def test_class_weight_for_1d_targets():
    X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    plain = BCEMultiLabelClassifier().fit(X, y)
    balanced = BCEMultiLabelClassifier(class_weight="balanced").fit(X, y)
    assert (balanced.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()
    as_dict = BCEMultiLabelClassifier(class_weight={0: 1.0, 1: 9.0}).fit(X, y)
    weights = np.where(y == 1, 9.0, 1.0)
    by_weight = BCEMultiLabelClassifier().fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(as_dict.coefs_[0], by_weight.coefs_[0])
    with pytest.raises(ValueError, match="pos_weight"):
        BCEMultiLabelClassifier(class_weight="balanced").fit(X, np.c_[y, y])
