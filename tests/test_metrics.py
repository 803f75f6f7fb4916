"""The BCE metric and the bce_score scorer."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
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


@pytest.mark.parametrize("container", [sparse.csr_matrix, sparse.csr_array, sparse.csc_array])
def test_scorer_takes_a_sparse_label_matrix_as_fit_does(container):
    X, Y = make_multilabel_classification(n_samples=90, n_classes=3, random_state=1)
    search = GridSearchCV(BCEMultiLabelClassifier(), {"alpha": [0.1, 1.0]}, scoring=bce_score,
                          cv=3, error_score="raise").fit(X, container(Y))
    dense = GridSearchCV(BCEMultiLabelClassifier(), {"alpha": [0.1, 1.0]}, scoring=bce_score,
                         cv=3).fit(X, Y)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               dense.cv_results_["mean_test_score"], rtol=1e-12)


def test_scorer_takes_nullable_integer_y_with_missing_labels():
    X, Y = make_multilabel_classification(n_samples=90, n_classes=3, random_state=2)
    y = pd.DataFrame(Y, columns=["a", "b", "c"]).astype("Int64")
    y.iloc[[0, 5, 17], 1] = pd.NA
    dense = Y.astype(np.float64)
    dense[[0, 5, 17], 1] = np.nan
    clf = BCEMultiLabelClassifier(missing_labels="ignore")
    # A KFold, not cv=3: scikit-learn's check_cv casts a y with NaN to int.
    scores = cross_val_score(clf, X, y, scoring=bce_score, cv=KFold(3), error_score="raise")
    expected = cross_val_score(clf, X, dense, scoring=bce_score, cv=KFold(3))
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_scorer_refuses_a_class_the_model_never_saw():
    X, y = make_classification(n_samples=120, n_classes=3, n_informative=4, random_state=0)
    clf = BCEMultiLabelClassifier().fit(X, y)
    unseen = y.copy()
    unseen[0] = 7
    with pytest.raises(ValueError, match=r"y_true.*7"):
        bce_score(clf, X, unseen)
    with pytest.raises(ValueError, match=r"y_true.*7"):
        bce_score(BCEMultiLabelClassifier().fit(X, y == 0), X, unseen)


@pytest.mark.parametrize(
    "pos_weight", [[np.nan, 1.0], [np.inf, 1.0], [-1.0, 1.0], ["2", 1.0], [1.0]],
    ids=["nan", "inf", "negative", "string", "short"],
)
def test_unusable_pos_weight_is_named(pos_weight):
    with pytest.raises(ValueError, match="pos_weight"):
        binary_cross_entropy([[0, 1], [1, 0]], [[0.2, 0.7], [0.6, 0.4]], pos_weight=pos_weight)


def test_eps_zero_on_exact_predictions_is_zero_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert binary_cross_entropy([0, 1, 1], [0.0, 1.0, 1.0], eps=0) == 0.0
        assert binary_cross_entropy([[0, 1]], [[0.0, 1.0]], eps=0) == 0.0
    assert binary_cross_entropy([1], [0.0], eps=0) == np.inf


@pytest.mark.parametrize(
    "y_true",
    [sparse.csr_matrix([[0, 1], [1, 0], [1, 1]]), sparse.coo_array([[0, 1], [1, 0], [1, 1]]),
     pd.DataFrame({"a": [0, 1, 1], "b": [1, 0, 1]}, dtype="Int64"),
     pd.DataFrame({"a": [0, 1, 1], "b": [True, False, True]}),
     [[0, 1], [1, 0], [1, 1]]],
    ids=["csr_matrix", "coo_array", "Int64 frame", "mixed frame", "list"],
)
def test_metric_takes_the_label_matrices_fit_takes(y_true):
    y_prob = np.array([[0.2, 0.7], [0.6, 0.4], [0.9, 0.8]])
    expected = binary_cross_entropy(np.array([[0, 1], [1, 0], [1, 1]]), y_prob)
    assert binary_cross_entropy(y_true, y_prob) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    "y_true, y_prob, match",
    [([0, 2], [0.5, 0.5], "y_true"), (["a", "b"], [0.5, 0.5], "y_true"),
     ([[0, 1]], [["x", 0.5]], "y_prob"), ([0, 1], [0.5, np.nan], "y_prob")],
)
def test_metric_names_the_bad_argument(y_true, y_prob, match):
    with pytest.raises(ValueError, match=match):
        binary_cross_entropy(y_true, y_prob)


def test_a_one_label_indicator_matrix_is_scored_without_a_warning():
    # A (n, 1) label matrix is a valid y_true for the metric (fit warns, as
    # scikit-learn estimators do; a metric has no shape to expect).
    y_true = np.array([[0], [1], [1]])
    y_prob = np.array([[0.2], [0.7], [0.6]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = binary_cross_entropy(y_true, y_prob)
    assert value == pytest.approx(log_loss(y_true.ravel(), y_prob.ravel()))
