"""Input validation: bad input to fit and predict is refused, naming the problem.

Bad input must raise a ``ValueError`` (``TypeError`` for a wrong kind of
object) whose message names the offending argument or parameter, and must
leave no fitted model behind.
"""

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone

from skbce import BCEMultiLabelClassifier, PerLabelThresholdClassifier

from ._helpers import fit_quietly, noisy_multilabel, with_value

X_GOOD, Y_GOOD = noisy_multilabel(20, 3, 2)


# (X, y, fit keyword arguments, expected exception, message fragment)
BAD_FIT_INPUTS = {
    "X with NaN": (with_value(X_GOOD, (0, 0), np.nan), Y_GOOD, {}, ValueError, "NaN"),
    "X with inf": (with_value(X_GOOD, (3, 1), np.inf), Y_GOOD, {}, ValueError, "infinity"),
    "X with -inf": (with_value(X_GOOD, (3, 1), -np.inf), Y_GOOD, {}, ValueError, "infinity"),
    "sparse X with NaN": (
        sparse.csr_matrix(with_value(X_GOOD, (0, 0), np.nan)), Y_GOOD, {}, ValueError, "NaN",
    ),
    "y with inf": (X_GOOD, with_value(Y_GOOD, (0, 1), np.inf), {}, ValueError, "infinity"),
    "1-D y with inf": (X_GOOD, with_value(Y_GOOD[:, 0], 0, np.inf), {}, ValueError, "infinity"),
    "y above 1": (X_GOOD, with_value(Y_GOOD, (0, 1), 2.0), {}, ValueError, r"\[0, 1\]"),
    "y below 0": (X_GOOD, with_value(Y_GOOD, (0, 1), -0.5), {}, ValueError, r"\[0, 1\]"),
    "integer y above 1": (X_GOOD, (3 * Y_GOOD).astype(int), {}, ValueError, r"\[0, 1\]"),
    "sparse y above 1": (
        X_GOOD, sparse.csr_matrix(with_value(Y_GOOD, (0, 1), 2.0)), {}, ValueError, r"\[0, 1\]",
    ),
    "y with NaN": (X_GOOD, with_value(Y_GOOD, (0, 1), np.nan), {}, ValueError, "missing_labels"),
    "1-D y with NaN": (X_GOOD, with_value(Y_GOOD[:, 0], 0, np.nan), {}, ValueError, "NaN"),
    "fewer labels than samples": (X_GOOD, Y_GOOD[:-1], {}, ValueError, "inconsistent"),
    "more labels than samples": (X_GOOD[:-1], Y_GOOD, {}, ValueError, "inconsistent"),
    "0 samples": (X_GOOD[:0], Y_GOOD[:0], {}, ValueError, "0 sample"),
    "0 features": (X_GOOD[:, :0], Y_GOOD, {}, ValueError, "0 feature"),
    "0 labels": (X_GOOD, Y_GOOD[:, :0], {}, ValueError, "0 columns"),
    "3-D y": (X_GOOD, Y_GOOD[:, :, None], {}, ValueError, "1-D or 2-D"),
    "3-D X": (X_GOOD[:, :, None], Y_GOOD, {}, ValueError, "dim 3"),
    "1-D X": (X_GOOD[:, 0], Y_GOOD, {}, ValueError, "2D array"),
    "y is None": (X_GOOD, None, {}, ValueError, "requires y"),
    "ragged X": ([[1.0, 2.0], [3.0]], [0, 1], {}, ValueError, "sequence"),
    "ragged y": (X_GOOD[:2], [[1, 0], [1]], {}, ValueError, "rectangular"),
    "label names per sample": (
        X_GOOD[:3], [["rock"], ["jazz", "calm"], ["calm"]], {}, ValueError, "MultiLabelBinarizer",
    ),
    "label sets per sample": (
        X_GOOD[:2], [{"rock"}, {"calm"}], {}, ValueError, "MultiLabelBinarizer",
    ),
    "string X": ([["a", "b"], ["c", "d"]], [0, 1], {}, ValueError, "could not convert"),
    "mixed object X": (
        np.array([[1.0, "x"], [2.0, "y"]], dtype=object), [0, 1], {}, ValueError,
        "could not convert",
    ),
    "dict X": ({"a": 1}, [0, 1], {}, TypeError, "dict"),
    "complex X": (X_GOOD + 1j, Y_GOOD, {}, ValueError, "Complex"),
    "string labels in 2-D y": (
        X_GOOD[:2], np.array([["a", "b"], ["b", "a"]]), {}, ValueError,
        "non-numeric.*MultiLabelBinarizer",
    ),
    "single class in 1-D y": (X_GOOD, np.zeros(20), {}, ValueError, "only one class"),
    "negative sample_weight": (
        X_GOOD, Y_GOOD, {"sample_weight": with_value(np.ones(20), 4, -1.0)}, ValueError,
        "non-negative",
    ),
    "all-zero sample_weight": (
        X_GOOD, Y_GOOD, {"sample_weight": np.zeros(20)}, ValueError, "zero for every sample",
    ),
    "NaN sample_weight": (
        X_GOOD, Y_GOOD, {"sample_weight": with_value(np.ones(20), 4, np.nan)}, ValueError,
        "sample_weight contains NaN",
    ),
    "inf sample_weight": (
        X_GOOD, Y_GOOD, {"sample_weight": with_value(np.ones(20), 4, np.inf)}, ValueError,
        "sample_weight contains NaN or infinity",
    ),
    "short sample_weight": (
        X_GOOD, Y_GOOD, {"sample_weight": np.ones(19)}, ValueError, "sample_weight.shape",
    ),
    "2-D sample_weight": (
        X_GOOD, Y_GOOD, {"sample_weight": np.ones((20, 1))}, ValueError, "sample_weight.shape",
    ),
    "string sample_weight": (
        X_GOOD, Y_GOOD, {"sample_weight": "heavy"}, ValueError, "sample_weight must be numeric",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FIT_INPUTS))
def test_bad_fit_input_is_refused_clearly(case):
    X, y, fit_params, error, match = BAD_FIT_INPUTS[case]
    clf = BCEMultiLabelClassifier(max_iter=5)
    with pytest.raises(error, match=match):
        fit_quietly(clf, X, y, **fit_params)
    assert not hasattr(clf, "coefs_"), "a refused fit must not leave a fitted model"


BAD_PARAMS = [
    ({"alpha": -1.0}, "alpha"),
    ({"alpha": np.inf}, "alpha"),
    ({"alpha": np.nan}, "alpha"),
    ({"alpha": "strong"}, "alpha"),
    ({"alpha": None}, "alpha"),
    ({"max_iter": 0}, "max_iter"),
    ({"max_iter": -5}, "max_iter"),
    ({"max_iter": 2.5}, "max_iter"),
    ({"max_fun": 0}, "max_fun"),
    ({"tol": -1e-3}, "tol"),
    ({"tol": np.nan}, "tol"),
    ({"activation": "softmax"}, "activation"),
    ({"solver": "adam"}, "solver"),
    ({"solver": "newton-cg", "hidden_layer_sizes": (4,)}, "solver"),
    ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": (-3,)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": (2.5,)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": "wide"}, "hidden_layer_sizes"),
    ({"label_smoothing": 1.0}, "label_smoothing"),
    ({"label_smoothing": -0.1}, "label_smoothing"),
    ({"missing_labels": "drop"}, "missing_labels"),
    ({"warm_start": "yes"}, "warm_start"),
    ({"verbose": "loud"}, "verbose"),
    ({"class_weight": "unbalanced"}, "class_weight"),
    ({"class_weight": "balanced"}, "class_weight"),  # multilabel y: use pos_weight
    ({"random_state": "seed"}, "random_state"),
    ({"random_state": -1}, "random_state"),
    ({"pos_weight": [1.0, 2.0, 3.0]}, "pos_weight"),  # y has 2 labels
    ({"pos_weight": [1.0, -2.0]}, "pos_weight"),
    ({"pos_weight": [1.0, np.nan]}, "pos_weight"),
    ({"pos_weight": [1.0, np.inf]}, "pos_weight"),
    ({"pos_weight": [[1.0, 2.0]]}, "pos_weight"),
    ({"pos_weight": "auto"}, "pos_weight"),
    ({"threshold": 1.5}, "threshold"),
    ({"threshold": -0.1}, "threshold"),
    ({"threshold": np.nan}, "threshold"),
    ({"threshold": "half"}, "threshold"),
    ({"threshold": "0.5"}, "threshold"),
    ({"threshold": ["0.5", "0.5"]}, "threshold"),
    ({"threshold": True}, "threshold"),
    ({"tol": "0.01"}, "tol"),
    ({"alpha": True}, "alpha"),
    ({"threshold": [0.5, 0.5, 0.5]}, "threshold"),  # y has 2 labels
    ({"threshold": [0.5, 1.2]}, "threshold"),
    ({"threshold": [[0.5, 0.5]]}, "threshold"),
]


@pytest.mark.parametrize(
    "params, name", BAD_PARAMS, ids=[", ".join(f"{k}={v!r}" for k, v in p.items())
                                     for p, _ in BAD_PARAMS]
)
def test_bad_hyperparameter_is_named_at_fit(params, name):
    clf = BCEMultiLabelClassifier(**{"max_iter": 5, **params})
    with pytest.raises(ValueError, match=f"'{name}'"):
        fit_quietly(clf, X_GOOD, Y_GOOD)
    assert not hasattr(clf, "coefs_")


def test_class_weight_for_unknown_class_is_named():
    y = np.arange(20) % 3
    with pytest.raises(ValueError, match=r"'class_weight'.*not in y"):
        BCEMultiLabelClassifier(class_weight={7: 2.0}).fit(X_GOOD, y)


@pytest.fixture(scope="module")
def fitted():
    return fit_quietly(BCEMultiLabelClassifier(), X_GOOD, Y_GOOD)


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "decision_function"]
)
def test_predict_refuses_bad_X(fitted, method):
    predict = getattr(fitted, method)
    with pytest.raises(ValueError, match=r"X has 2 features, but .* expecting 3 features"):
        predict(X_GOOD[:, :2])
    with pytest.raises(ValueError, match="X has 4 features"):
        predict(np.c_[X_GOOD, X_GOOD[:, :1]])
    with pytest.raises(ValueError, match="NaN"):
        predict(with_value(X_GOOD, (1, 1), np.nan))
    with pytest.raises(ValueError, match="infinity"):
        predict(with_value(X_GOOD, (1, 1), np.inf))


@pytest.mark.parametrize(
    "threshold, match",
    [(1.5, "must be a float in"), (-0.5, "must be a float in"), ([0.5] * 3, "3 values"),
     ([0.2], "1 values")],
)
def test_threshold_is_checked_at_predict(threshold, match):
    clf = fit_quietly(BCEMultiLabelClassifier(), X_GOOD, Y_GOOD)
    clf.threshold = threshold
    with pytest.raises(ValueError, match=f"'threshold'.*{match}"):
        clf.predict(X_GOOD)


@pytest.mark.parametrize(
    "class_weight",
    [{0: -0.1, 1: 1.0}, {0: -1, 1: 1}, {0: np.nan, 1: 1.0}, {0: np.inf, 1: 1.0},
     {0: 0.0, 1: 0.0}, {0: "heavy", 1: 1.0}],
    ids=["negative", "minus one", "nan", "inf", "all zero", "string"],
)
def test_unusable_class_weight_is_named(class_weight):
    y = (X_GOOD[:, 0] > 0).astype(int)
    clf = BCEMultiLabelClassifier(class_weight=class_weight)
    with pytest.raises(ValueError, match="'class_weight'"):
        fit_quietly(clf, X_GOOD, y)
    assert not hasattr(clf, "coefs_")


def test_sample_weight_whose_sum_overflows_is_named():
    clf = BCEMultiLabelClassifier()
    with pytest.raises(ValueError, match=r"sample_weight.*(large|overflow)"):
        fit_quietly(clf, X_GOOD, Y_GOOD, sample_weight=np.full(len(X_GOOD), 1e308))
    assert not hasattr(clf, "coefs_")


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg"])
def test_feature_too_large_to_square_is_named(solver):
    X = X_GOOD.copy()
    X[:, 0] *= 1e200
    clf = BCEMultiLabelClassifier(solver=solver)
    with pytest.raises(ValueError, match=r"X .*e\+200.*scale the features"):
        fit_quietly(clf, X, Y_GOOD)
    assert not hasattr(clf, "coefs_")


def test_tol_zero_runs_to_max_iter():
    # As in scikit-learn's estimators: tol=0 never stops on the gradient.
    clf = BCEMultiLabelClassifier(tol=0.0, max_iter=4)
    fit_quietly(clf, X_GOOD, Y_GOOD, allow_convergence=True)
    assert clf.n_iter_ == 4
    assert np.isfinite(clf.loss_)


def _wrong_kind_of_value():
    return object()


@pytest.mark.parametrize(
    "estimator",
    [BCEMultiLabelClassifier(max_iter=5), PerLabelThresholdClassifier(cv=2)],
    ids=lambda e: type(e).__name__,
)
def test_every_parameter_is_checked_at_fit_naming_it(estimator):
    y = (X_GOOD[:, 0] > 0).astype(int)
    for name in estimator.get_params(deep=False):
        clf = clone(estimator).set_params(**{name: _wrong_kind_of_value()})  # not checked yet
        with pytest.raises((ValueError, TypeError), match=f"'{name}'"):
            fit_quietly(clf, X_GOOD, y)
