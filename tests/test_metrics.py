"""The BCE metric and the bce_score scorer."""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.multiclass import OneVsRestClassifier

from skbce import BCEMultiLabelClassifier, bce_score, binary_cross_entropy, make_bce_scorer


def test_equals_log_loss_on_binary_input():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 100)
    p = rng.random(100)
    w = rng.random(100)
    assert binary_cross_entropy(y, p) == pytest.approx(log_loss(y, p), rel=1e-12)
    assert binary_cross_entropy(y, p, sample_weight=w) == pytest.approx(
        log_loss(y, p, sample_weight=w), rel=1e-12
    )
    proba_2col = np.column_stack([1 - p, p])
    assert binary_cross_entropy(y, proba_2col) == pytest.approx(log_loss(y, p), rel=1e-12)


def test_keras_documented_example():
    y_true = [[0, 1], [0, 0]]
    y_prob = [[0.6, 0.4], [0.4, 0.6]]
    assert binary_cross_entropy(y_true, y_prob) == pytest.approx(0.8149, abs=5e-5)
    assert binary_cross_entropy(y_true, y_prob, sample_weight=[1, 0]) == pytest.approx(
        0.9163, abs=5e-5
    )


def test_formula_with_soft_targets_mask_and_pos_weight():
    rng = np.random.default_rng(1)
    y = rng.random((30, 4))
    y[rng.random(y.shape) < 0.25] = np.nan
    y[3] = np.nan  # no observed label: left out
    q = rng.uniform(0.01, 0.99, y.shape)
    w = rng.uniform(0.5, 2, 30)
    p = np.array([1.0, 2.0, 0.5, 4.0])
    per_sample = []
    for n in range(30):
        seen = ~np.isnan(y[n])
        if seen.any():
            terms = p * y[n] * np.log(q[n]) + (1 - y[n]) * np.log(1 - q[n])
            per_sample.append((n, -terms[seen].mean()))
    rows, values = zip(*per_sample)
    expected = np.average(values, weights=w[list(rows)])
    got = binary_cross_entropy(y, q, sample_weight=w, pos_weight=p)
    assert got == pytest.approx(expected, rel=1e-12)


def test_eps_clips_confident_mistakes():
    assert np.isfinite(binary_cross_entropy([1, 0], [0.0, 1.0]))
    assert binary_cross_entropy([1], [0.0], eps=1e-3) == pytest.approx(-np.log(1e-3))
    assert binary_cross_entropy([1.0], np.array([0.0], dtype=np.float32)) == pytest.approx(
        -np.log(np.finfo(np.float32).eps)
    )
    with pytest.raises(ValueError, match="eps"):
        binary_cross_entropy([1], [0.5], eps=0.7)


@pytest.mark.parametrize(
    "y_true, y_prob, match",
    [([0, 1], [0.5], "same"), ([0, 2], [0.5, 0.5], "y_true"), ([0, 1], [0.5, 1.5], "y_prob")],
)
def test_bad_input(y_true, y_prob, match):
    with pytest.raises(ValueError, match=match):
        binary_cross_entropy(y_true, y_prob)


def test_scorer_is_negative_bce_of_predict_proba():
    X, Y = make_multilabel_classification(n_samples=80, n_classes=3, random_state=0)
    clf = BCEMultiLabelClassifier().fit(X, Y)
    w = np.linspace(1, 2, 80)
    assert bce_score(clf, X, Y) == pytest.approx(-binary_cross_entropy(Y, clf.predict_proba(X)))
    assert bce_score(clf, X, Y, sample_weight=w) == pytest.approx(
        -binary_cross_entropy(Y, clf.predict_proba(X), sample_weight=w)
    )
    weighted = make_bce_scorer(pos_weight=[3.0, 1.0, 1.0])
    assert weighted(clf, X, Y) < bce_score(clf, X, Y)


def test_scorer_on_string_binary_and_multiclass_labels():
    X, y = make_classification(n_samples=120, n_classes=3, n_informative=4, random_state=0)
    names = np.array(["cat", "dog", "eel"])[y]
    clf = BCEMultiLabelClassifier().fit(X, names)
    onehot = (names[:, None] == clf.classes_).astype(float)
    assert bce_score(clf, X, names) == pytest.approx(
        -binary_cross_entropy(onehot, clf.predict_proba(X))
    )
    binary = np.where(y == 0, "no", "yes")
    clf = BCEMultiLabelClassifier().fit(X, binary)
    assert bce_score(clf, X, binary) == pytest.approx(
        -log_loss(binary, clf.predict_proba(X)), rel=1e-9
    )


def test_scorer_in_model_selection_with_sklearn_estimators():
    X, Y = make_multilabel_classification(n_samples=90, n_classes=3, random_state=1)
    scores = cross_val_score(OneVsRestClassifier(LogisticRegression()), X, Y, scoring=bce_score)
    assert scores.shape == (5,) and np.all(scores < 0)
    search = GridSearchCV(BCEMultiLabelClassifier(), {"alpha": [1e-3, 1.0, 1e3]},
                          scoring=bce_score, cv=3).fit(X, Y)
    means = search.cv_results_["mean_test_score"]
    assert search.best_params_["alpha"] == [1e-3, 1.0, 1e3][int(np.argmax(means))]
    # Near-zero alpha overfits these unscaled features badly; a moderate one wins.
    assert np.argmax(means) == 1 and means[0] < means[1] - 1
