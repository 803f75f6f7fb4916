"""Reliability: bad input gets a clear error, hard input gets a correct model.

Bad input must raise a ``ValueError`` (``TypeError`` for a wrong kind of
object) whose message names the problem. Hard input (extreme scales,
degenerate data, huge logits, unusual memory layouts) must give a finite,
correct model without warnings. Fits are deterministic, survive pickling and
threads, and ``warm_start`` continues where the last fit stopped.
"""

import hashlib
import os
import pickle
import re
import subprocess
import sys
import textwrap
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning

from skbce import BCEMultiLabelClassifier
from skbce._loss import bce_coefficients, loss_gradient

from ._helpers import reference_loss_gradient

ROOT = Path(__file__).resolve().parents[1]


def _data(n_samples=60, n_features=4, n_labels=3, seed=0):
    """Noisy (not separable) multi-label data with unit-scale features."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    coef = rng.normal(size=(n_features, n_labels))
    Y = (X @ coef + 2 * rng.normal(size=(n_samples, n_labels)) > 0).astype(np.float64)
    return X, Y


def _fit_quietly(estimator, X, y, allow_convergence=False, **fit_params):
    """Fit with every warning an error (except ConvergenceWarning if allowed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if allow_convergence:
            warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


def _assert_finite_model(clf):
    for array in [*clf.coefs_, *clf.intercepts_]:
        assert np.isfinite(array).all()
    assert np.isfinite(clf.loss_)


X_GOOD, Y_GOOD = _data(20, 3, 2)


def _with(array, index, value):
    array = np.array(array, dtype=np.float64)
    array[index] = value
    return array


# (X, y, fit keyword arguments, expected exception, message fragment)
BAD_FIT_INPUTS = {
    "X with NaN": (_with(X_GOOD, (0, 0), np.nan), Y_GOOD, {}, ValueError, "NaN"),
    "X with inf": (_with(X_GOOD, (3, 1), np.inf), Y_GOOD, {}, ValueError, "infinity"),
    "X with -inf": (_with(X_GOOD, (3, 1), -np.inf), Y_GOOD, {}, ValueError, "infinity"),
    "sparse X with NaN": (
        sparse.csr_matrix(_with(X_GOOD, (0, 0), np.nan)), Y_GOOD, {}, ValueError, "NaN",
    ),
    "y with inf": (X_GOOD, _with(Y_GOOD, (0, 1), np.inf), {}, ValueError, "infinity"),
    "1-D y with inf": (X_GOOD, _with(Y_GOOD[:, 0], 0, np.inf), {}, ValueError, "infinity"),
    "y above 1": (X_GOOD, _with(Y_GOOD, (0, 1), 2.0), {}, ValueError, r"\[0, 1\]"),
    "y below 0": (X_GOOD, _with(Y_GOOD, (0, 1), -0.5), {}, ValueError, r"\[0, 1\]"),
    "integer y above 1": (X_GOOD, (3 * Y_GOOD).astype(int), {}, ValueError, r"\[0, 1\]"),
    "sparse y above 1": (
        X_GOOD, sparse.csr_matrix(_with(Y_GOOD, (0, 1), 2.0)), {}, ValueError, r"\[0, 1\]",
    ),
    "y with NaN": (X_GOOD, _with(Y_GOOD, (0, 1), np.nan), {}, ValueError, "missing_labels"),
    "1-D y with NaN": (X_GOOD, _with(Y_GOOD[:, 0], 0, np.nan), {}, ValueError, "NaN"),
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
    "string X": ([["a", "b"], ["c", "d"]], [0, 1], {}, ValueError, "could not convert"),
    "mixed object X": (
        np.array([[1.0, "x"], [2.0, "y"]], dtype=object), [0, 1], {}, ValueError,
        "could not convert",
    ),
    "dict X": ({"a": 1}, [0, 1], {}, TypeError, "dict"),
    "complex X": (X_GOOD + 1j, Y_GOOD, {}, ValueError, "Complex"),
    "string labels in 2-D y": (
        X_GOOD[:2], np.array([["a", "b"], ["b", "a"]]), {}, ValueError, "non-numeric",
    ),
    "single class in 1-D y": (X_GOOD, np.zeros(20), {}, ValueError, "only one class"),
    "negative sample_weight": (
        X_GOOD, Y_GOOD, {"sample_weight": _with(np.ones(20), 4, -1.0)}, ValueError,
        "non-negative",
    ),
    "all-zero sample_weight": (
        X_GOOD, Y_GOOD, {"sample_weight": np.zeros(20)}, ValueError, "zero for every sample",
    ),
    "NaN sample_weight": (
        X_GOOD, Y_GOOD, {"sample_weight": _with(np.ones(20), 4, np.nan)}, ValueError,
        "sample_weight contains NaN",
    ),
    "inf sample_weight": (
        X_GOOD, Y_GOOD, {"sample_weight": _with(np.ones(20), 4, np.inf)}, ValueError,
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
        _fit_quietly(clf, X, y, **fit_params)
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
    ({"tol": 0.0}, "tol"),
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
        _fit_quietly(clf, X_GOOD, Y_GOOD)
    assert not hasattr(clf, "coefs_")


def test_class_weight_for_unknown_class_is_named():
    y = np.arange(20) % 3
    with pytest.raises(ValueError, match=r"'class_weight'.*not in y"):
        BCEMultiLabelClassifier(class_weight={7: 2.0}).fit(X_GOOD, y)


@pytest.fixture(scope="module")
def fitted():
    return _fit_quietly(BCEMultiLabelClassifier(), X_GOOD, Y_GOOD)


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
        predict(_with(X_GOOD, (1, 1), np.nan))
    with pytest.raises(ValueError, match="infinity"):
        predict(_with(X_GOOD, (1, 1), np.inf))


@pytest.mark.parametrize(
    "threshold, match",
    [(1.5, "must be a float in"), (-0.5, "must be a float in"), ([0.5] * 3, "3 values"),
     ([0.2], "1 values")],
)
def test_threshold_is_checked_at_predict(threshold, match):
    clf = _fit_quietly(BCEMultiLabelClassifier(), X_GOOD, Y_GOOD)
    clf.threshold = threshold
    with pytest.raises(ValueError, match=f"'threshold'.*{match}"):
        clf.predict(X_GOOD)


def test_per_label_threshold_is_used():
    clf = _fit_quietly(BCEMultiLabelClassifier(threshold=[0.0, 1.0]), X_GOOD, Y_GOOD)
    predicted = clf.predict(X_GOOD)
    assert predicted[:, 0].all() and not predicted[:, 1].any()


# ---------------------------------------------------------------------------
# Hard input: a correct, finite model without warnings.
# ---------------------------------------------------------------------------

SCALES = {
    "tiny": np.full(4, 1e-8),
    "huge": np.full(4, 1e8),
    "1e-8 to 1e8": np.logspace(-8, 8, 4),
    "1e-4 to 1e4": np.logspace(-4, 4, 4),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scales", list(SCALES.values()), ids=list(SCALES))
def test_feature_scale_does_not_change_the_unpenalized_model(scales, dtype):
    # Without a penalty the model is invariant to rescaling features: the fit
    # on X * scales must predict what the fit on X predicts.
    X, Y = _data(200)
    reference = _fit_quietly(BCEMultiLabelClassifier(alpha=0.0), X, Y)
    Xs = (X * scales).astype(dtype)
    clf = _fit_quietly(BCEMultiLabelClassifier(alpha=0.0), Xs, Y)
    _assert_finite_model(clf)
    atol = 1e-5 if dtype == np.float64 else 1e-3
    assert_allclose(clf.predict_proba(Xs), reference.predict_proba(X), atol=atol)
    assert clf.loss_ == pytest.approx(reference.loss_, rel=1e-6 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg"])
def test_huge_features_with_penalty_reach_the_optimum(solver):
    # At scale 1e8 the penalty on the (tiny) weights is negligible, so the
    # penalized fit must match the unpenalized fit on unit-scale data.
    X, Y = _data(200)
    reference = _fit_quietly(BCEMultiLabelClassifier(alpha=0.0, tol=1e-8), X, Y)
    clf = _fit_quietly(BCEMultiLabelClassifier(solver=solver, tol=1e-8), X * 1e8, Y)
    assert_allclose(clf.predict_proba(X * 1e8), reference.predict_proba(X), atol=1e-5)


def test_tiny_features_with_penalty_are_ignored():
    # At scale 1e-8 the penalty wins: the weights stay ~0 and each label's
    # probability is its frequency.
    X, Y = _data(200)
    clf = _fit_quietly(BCEMultiLabelClassifier(), X * 1e-8, Y)
    _assert_finite_model(clf)
    assert_allclose(clf.predict_proba(X * 1e-8), np.broadcast_to(Y.mean(axis=0), Y.shape),
                    atol=1e-4)


def test_mixed_scales_mlp_is_finite():
    X, Y = _data(100)
    Xs = X * SCALES["1e-8 to 1e8"]
    clf = _fit_quietly(
        BCEMultiLabelClassifier((5,), random_state=0, max_iter=100), Xs, Y,
        allow_convergence=True,
    )
    _assert_finite_model(clf)
    assert np.isfinite(clf.predict_proba(Xs)).all()
    # No worse than knowing only the label frequencies.
    intercept_only = -np.mean(Y * np.log(Y.mean(0)) + (1 - Y) * np.log(1 - Y.mean(0)))
    assert clf.loss_ < intercept_only


def test_duplicated_rows_are_a_halved_penalty():
    # J is a weighted mean plus alpha / (2 K sum w) ||W||^2: doubling every
    # row is the same problem with alpha / 2.
    X, Y = _data()
    doubled = _fit_quietly(BCEMultiLabelClassifier(alpha=1.0), np.r_[X, X], np.r_[Y, Y])
    single = _fit_quietly(BCEMultiLabelClassifier(alpha=0.5), X, Y)
    assert_allclose(doubled.predict_proba(X), single.predict_proba(X), atol=1e-6)


def test_constant_features_get_zero_weight():
    # A constant column does what the (unpenalized) intercept does for free,
    # so its penalized weight is 0 and the model is that without it.
    X, Y = _data()
    Xc = np.c_[X[:, :2], np.zeros(len(X)), np.full(len(X), 3.0), X[:, 2:]]
    # The constant column duplicates the intercept, whose direction has only
    # the penalty's curvature: a tight tol pins its weight to 0.
    clf = _fit_quietly(BCEMultiLabelClassifier(tol=1e-9), Xc, Y)
    reference = _fit_quietly(BCEMultiLabelClassifier(tol=1e-9), X, Y)
    _assert_finite_model(clf)
    assert_array_equal(clf.coefs_[0][2], 0.0)
    assert_allclose(clf.coefs_[0][3], 0.0, atol=1e-5)
    assert_allclose(clf.predict_proba(Xc), reference.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("alpha", [1.0, 0.0])
def test_collinear_features(alpha):
    X, Y = _data()
    Xl = np.c_[X, X[:, 0], 2 * X[:, 1] - X[:, 2]]
    # The direction that moves weight between two copies of a column has only
    # the penalty's (small) curvature: a tight tol pins the optimum's even split.
    clf = _fit_quietly(BCEMultiLabelClassifier(alpha=alpha, tol=1e-9), Xl, Y)
    reference = _fit_quietly(BCEMultiLabelClassifier(alpha=alpha, tol=1e-9), X, Y)
    _assert_finite_model(clf)
    if alpha > 0:
        # The penalty splits a duplicated column's weight evenly.
        assert_allclose(clf.coefs_[0][0], clf.coefs_[0][4], rtol=1e-4, atol=1e-6)
    else:
        # Without a penalty, the collinear model predicts as the reduced one.
        assert_allclose(clf.predict_proba(Xl), reference.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize(
    "params",
    [{}, {"solver": "newton-cg"}, {"hidden_layer_sizes": (5,), "random_state": 0}],
    ids=["lbfgs", "newton-cg", "mlp"],
)
def test_separable_data_without_penalty(params):
    X, _ = _data()
    Y = (X[:, :3] > 0).astype(np.float64)
    clf = _fit_quietly(
        BCEMultiLabelClassifier(alpha=0.0, **params), X, Y, allow_convergence=True
    )
    _assert_finite_model(clf)
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all() and (proba >= 0).all() and (proba <= 1).all()
    assert_array_equal(clf.predict(X), Y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("z", [1000.0, -1000.0, 1e30, -1e30])
def test_loss_on_huge_logits_is_exact_and_silent(z, dtype):
    y = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 0.7]])
    raw = np.full(y.shape, z, dtype=dtype)
    A, B, _ = bce_coefficients(y, dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        value, gradient = loss_gradient(raw, A, B)
        expected_value, expected_gradient = reference_loss_gradient(raw, y)
    assert np.isfinite(value) and np.isfinite(gradient).all()
    # softplus(z) - y z: the wrong-side targets pay |z| per unit of error.
    assert value == pytest.approx(expected_value, rel=1e-6)
    assert value == pytest.approx(abs(z) * np.mean(np.where(z > 0, 1 - y, y)), rel=1e-6)
    assert_allclose(gradient, expected_gradient, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("kind", ["multilabel", "binary", "multiclass"])
def test_predictions_on_huge_logits_are_finite_and_silent(kind):
    X, Y = _data()
    y = {"multilabel": Y, "binary": Y[:, 0], "multiclass": Y.sum(axis=1)}[kind]
    clf = _fit_quietly(BCEMultiLabelClassifier(), X, y)
    for factor in (1e6, 1e150, -1e150):
        X_far = X * factor
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise"):
            warnings.simplefilter("error")
            proba = clf.predict_proba(X_far)
            log_proba = clf.predict_log_proba(X_far)
            decision = clf.decision_function(X_far)
            clf.predict(X_far)
        assert np.isfinite(decision).all()
        assert np.isfinite(proba).all() and (proba >= 0).all() and (proba <= 1).all()
        assert not np.isnan(log_proba).any() and (log_proba <= 0).all()
        assert np.abs(decision).max() > 1e5


@pytest.mark.parametrize("alpha", [1.0, 0.0])
def test_constant_label_columns(alpha):
    X, Y = _data(n_labels=4)
    Y[:, 1] = 0.0
    Y[:, 2] = 1.0
    clf = _fit_quietly(
        BCEMultiLabelClassifier(alpha=alpha, tol=1e-9), X, Y, allow_convergence=alpha == 0
    )
    _assert_finite_model(clf)
    proba = clf.predict_proba(X)
    assert (proba[:, 1] < 0.01).all() and (proba[:, 2] > 0.99).all()
    # Labels are separate problems (the penalty is alpha / (2 K sum w) per
    # label, like each label's BCE): the other columns are fitted as on their own.
    others = _fit_quietly(BCEMultiLabelClassifier(alpha=alpha, tol=1e-9), X, Y[:, [0, 3]])
    assert_allclose(proba[:, [0, 3]], others.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize(
    "params", [{}, {"alpha": 0.0}, {"hidden_layer_sizes": (3,), "random_state": 0}],
    ids=["linear", "unpenalized", "mlp"],
)
def test_single_sample(params):
    X, Y = _data()
    Y[0] = [1.0, 0.0, 1.0]
    clf = _fit_quietly(BCEMultiLabelClassifier(**params), X[:1], Y[:1])
    _assert_finite_model(clf)
    assert_array_equal(clf.predict(X[:1]), Y[:1])


@pytest.mark.parametrize("make_sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("hidden", [(), (4,)], ids=["linear", "mlp"])
def test_dtype_follows_X(hidden, make_sparse):
    # tanh: a smooth network, so that both fits converge to the same optimum.
    X, Y = _data()
    fits = {}
    for dtype in (np.float32, np.float64):
        Xd = X.astype(dtype)
        if make_sparse:
            Xd = sparse.csr_matrix(Xd)
        clf = _fit_quietly(
            BCEMultiLabelClassifier(hidden, activation="tanh", random_state=0), Xd, Y
        )
        for array in [*clf.coefs_, *clf.intercepts_]:
            assert array.dtype == dtype
        proba = clf.predict_proba(Xd)
        assert proba.dtype == dtype
        assert clf.decision_function(Xd).dtype == dtype
        fits[dtype] = proba
    # float32 gradients are noisier: the two fits stop at nearby points.
    assert_allclose(fits[np.float32], fits[np.float64], atol=1e-3 if not hidden else 5e-3)


def test_int_X_is_fitted_in_float64():
    X, Y = _data()
    Xi = np.round(X * 10).astype(np.int64)
    clf = _fit_quietly(BCEMultiLabelClassifier(), Xi, Y)
    assert clf.coefs_[0].dtype == np.float64
    assert_allclose(clf.predict_proba(Xi), clf.predict_proba(Xi.astype(np.float64)))


@pytest.mark.parametrize("hidden", [(), (4,)], ids=["linear", "mlp"])
def test_C_and_Fortran_order_give_the_same_model(hidden):
    X, Y = _data()
    c_fit = _fit_quietly(BCEMultiLabelClassifier(hidden, activation="tanh", random_state=0),
                         np.ascontiguousarray(X), Y)
    f_fit = _fit_quietly(BCEMultiLabelClassifier(hidden, activation="tanh", random_state=0),
                         np.asfortranarray(X), Y)
    for c, f in zip(c_fit.coefs_ + c_fit.intercepts_, f_fit.coefs_ + f_fit.intercepts_):
        assert_allclose(c, f, rtol=1e-6, atol=1e-8)
    assert_allclose(f_fit.predict_proba(np.asfortranarray(X)), c_fit.predict_proba(X),
                    atol=1e-8)


@pytest.mark.parametrize(
    "params",
    # An MLP start that converges well within tol: from flatter starts, the
    # rounding of Fortran-order products leads to another point within tol.
    [{}, {"solver": "newton-cg"}, {"hidden_layer_sizes": (4,), "random_state": 2}],
    ids=["lbfgs", "newton-cg", "mlp"],
)
def test_read_only_memory_mapped_input(params, tmp_path):
    X, Y = _data()
    weight = np.linspace(0.5, 2.0, len(X))
    joblib.dump((X, Y, weight), tmp_path / "data.joblib")
    Xm, Ym, wm = joblib.load(tmp_path / "data.joblib", mmap_mode="r")
    assert isinstance(Xm, np.memmap) and not Xm.flags.writeable
    np.save(tmp_path / "X.npy", np.asfortranarray(X))
    Xf = np.load(tmp_path / "X.npy", mmap_mode="r")
    assert not Xf.flags.writeable and Xf.flags.f_contiguous

    in_memory = _fit_quietly(BCEMultiLabelClassifier(**params), X, Y, sample_weight=weight)
    mapped = _fit_quietly(BCEMultiLabelClassifier(**params), Xm, Ym, sample_weight=wm)
    fortran = _fit_quietly(BCEMultiLabelClassifier(**params), Xf, Y, sample_weight=weight)
    expected = in_memory.predict_proba(X)
    assert_allclose(mapped.predict_proba(Xm), expected, rtol=1e-10)
    assert_allclose(fortran.predict_proba(Xf), expected, rtol=1e-6, atol=1e-8)
    assert not Xm.flags.writeable and np.array_equal(Xm, X)


# ---------------------------------------------------------------------------
# Determinism and persistence.
# ---------------------------------------------------------------------------

_FIT_SCRIPT = textwrap.dedent(
    """
    import hashlib, sys, warnings
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from skbce import BCEMultiLabelClassifier

    # 50 iterations stop the fit early on purpose: the seed must matter.
    warnings.simplefilter("ignore", ConvergenceWarning)

    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 5))
    Y = (X @ rng.normal(size=(5, 3)) + rng.normal(size=(80, 3)) > 0).astype(float)
    clf = BCEMultiLabelClassifier((6,), activation="tanh", random_state=7, max_iter=50)
    clf.fit(X, Y)
    digest = hashlib.sha256()
    for array in clf.coefs_ + clf.intercepts_:
        digest.update(np.ascontiguousarray(array).tobytes())
    print(digest.hexdigest())
    """
)


def _parameter_digest(clf):
    digest = hashlib.sha256()
    for array in clf.coefs_ + clf.intercepts_:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _run_python(code, *args):
    result = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
        timeout=120, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_same_random_state_gives_bit_identical_parameters():
    namespace = {}
    exec(_FIT_SCRIPT.replace("print(digest.hexdigest())", ""), namespace)
    here = namespace["digest"].hexdigest()
    X, Y, clf = namespace["X"], namespace["Y"], namespace["clf"]
    again = BCEMultiLabelClassifier(**clf.get_params()).fit(X, Y)
    assert _parameter_digest(again) == here
    other_seed = BCEMultiLabelClassifier(**{**clf.get_params(), "random_state": 8}).fit(X, Y)
    assert _parameter_digest(other_seed) != here
    # And in a fresh interpreter.
    assert _run_python(_FIT_SCRIPT) == here


@pytest.fixture(scope="module")
def models():
    X, Y = _data(n_features=5)
    return X, {
        "linear": BCEMultiLabelClassifier(pos_weight="balanced").fit(X, Y),
        "mlp": BCEMultiLabelClassifier((6,), random_state=0, threshold=[0.3, 0.5, 0.7])
        .fit(X, Y),
        "multiclass": BCEMultiLabelClassifier().fit(X, Y.sum(axis=1).astype(int)),
    }


def _dump_load_pickle(clf, path):
    path.write_bytes(pickle.dumps(clf))
    return pickle.loads(path.read_bytes())


def _dump_load_joblib(clf, path):
    joblib.dump(clf, path)
    return joblib.load(path)


@pytest.mark.parametrize("name", ["linear", "mlp", "multiclass"])
@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_round_trip_gives_identical_predictions(models, name, how, tmp_path):
    X, fitted_models = models
    clf = fitted_models[name]
    path = tmp_path / f"model.{how}"
    loaded = {"pickle": _dump_load_pickle, "joblib": _dump_load_joblib}[how](clf, path)
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert_array_equal(loaded.predict(X), clf.predict(X))
    assert _parameter_digest(loaded) == _parameter_digest(clf)

    # A fresh interpreter loads the file and predicts the same bytes.
    np.save(tmp_path / "X.npy", X)
    loader = "pickle.loads(open(sys.argv[1], 'rb').read())" if how == "pickle" else (
        "joblib.load(sys.argv[1])"
    )
    code = (
        "import pickle, sys, joblib, numpy as np\n"
        f"clf = {loader}\n"
        "np.save(sys.argv[2], clf.predict_proba(np.load(sys.argv[3])))\n"
    )
    _run_python(code, path, tmp_path / "proba.npy", tmp_path / "X.npy")
    assert_array_equal(np.load(tmp_path / "proba.npy"), clf.predict_proba(X))


EXPECTED_SKOPS_UNTRUSTED_TYPES = ["skbce._classifier.BCEMultiLabelClassifier"]


def test_persistence_guide_lists_exactly_the_skops_untrusted_types():
    guide = (Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "practice.rst")
    text = guide.read_text()
    # Every quoted skbce type name in the guide is one skops reports, and all are there.
    listed = set(re.findall(r"""["'](skbce\.[\w.]+)["']""", text))
    assert listed == set(EXPECTED_SKOPS_UNTRUSTED_TYPES)
    assert "executes code" in text and "trusted source" in text


@pytest.mark.parametrize("name", ["linear", "mlp", "multiclass"])
def test_skops_round_trip(models, name, tmp_path):
    sio = pytest.importorskip("skops.io")
    X, fitted_models = models
    clf = fitted_models[name]
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted == EXPECTED_SKOPS_UNTRUSTED_TYPES
    loaded = sio.load(path, trusted=untrusted)
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert_array_equal(loaded.predict(X), clf.predict(X))

    np.save(tmp_path / "X.npy", X)
    code = (
        "import sys, numpy as np, skops.io as sio\n"
        "trusted = sio.get_untrusted_types(file=sys.argv[1])\n"
        f"assert trusted == {EXPECTED_SKOPS_UNTRUSTED_TYPES!r}, trusted\n"
        "clf = sio.load(sys.argv[1], trusted=trusted)\n"
        "np.save(sys.argv[2], clf.predict_proba(np.load(sys.argv[3])))\n"
    )
    _run_python(code, path, tmp_path / "proba.npy", tmp_path / "X.npy")
    assert_array_equal(np.load(tmp_path / "proba.npy"), clf.predict_proba(X))


@pytest.mark.parametrize("name", ["linear", "mlp", "multiclass"])
def test_predict_proba_from_threads_matches_serial(models, name):
    _, fitted_models = models
    clf = fitted_models[name]
    rng = np.random.RandomState(1)
    batches = [rng.normal(size=(300 + 7 * i, 5)) for i in range(32)]
    serial = [clf.predict_proba(batch) for batch in batches]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(clf.predict_proba, batches))
        same_input = list(pool.map(lambda _: clf.predict_proba(batches[0]), range(16)))
    for got, expected in zip(threaded, serial):
        assert_array_equal(got, expected)
    for got in same_input:
        assert_array_equal(got, serial[0])


@pytest.mark.parametrize(
    "params", [{}, {"hidden_layer_sizes": (5,), "random_state": 0}], ids=["linear", "mlp"]
)
def test_warm_start_continues_from_the_previous_solution(params):
    X, Y = _data(200)
    clf = BCEMultiLabelClassifier(warm_start=True, max_iter=3, **params)
    _fit_quietly(clf, X, Y, allow_convergence=True)
    first_loss = clf.loss_
    clf.set_params(max_iter=200)
    _fit_quietly(clf, X, Y, allow_convergence=True)
    # The refit starts where the first stopped: its first iteration is no worse.
    assert clf.loss_ <= first_loss + 1e-12
    assert clf.loss_curve_[0] <= first_loss + 1e-12

    # A cold start from scratch reaches (about) the same objective, in more steps.
    cold = BCEMultiLabelClassifier(max_iter=200, **params)
    _fit_quietly(cold, X, Y, allow_convergence=True)
    assert clf.loss_ <= cold.loss_ + 1e-4


def test_warm_start_refuses_a_change_of_shape():
    X, Y = _data()
    clf = _fit_quietly(BCEMultiLabelClassifier(warm_start=True), X, Y)
    with pytest.raises(ValueError, match="warm_start=True needs the same layer sizes"):
        clf.fit(X[:, :3], Y)
    clf = _fit_quietly(BCEMultiLabelClassifier(warm_start=True), X, Y)
    with pytest.raises(ValueError, match="warm_start=True needs the same layer sizes"):
        clf.fit(X, Y[:, :2])
    clf = _fit_quietly(BCEMultiLabelClassifier((3,), warm_start=True, random_state=0), X, Y)
    clf.set_params(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match="warm_start=True needs the same layer sizes"):
        clf.fit(X, Y)


# ---------------------------------------------------------------------------
# Memory (opt-in: SKBCE_SLOW_TESTS=1).
# ---------------------------------------------------------------------------


@pytest.mark.skipif(
    not os.environ.get("SKBCE_SLOW_TESTS"), reason="slow: set SKBCE_SLOW_TESTS=1 to run"
)
def test_fit_peak_memory_is_below_two_and_a_half_X():
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
        "from memory_fit import measure\n"
        "print(measure()[0])\n"
    )
    ratio = float(_run_python(code).splitlines()[-1])
    assert ratio < 2.5, f"fit peaked at {ratio:.2f} x X.nbytes"
