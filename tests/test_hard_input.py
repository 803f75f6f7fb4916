"""Hard input: extreme scales, degenerate data, huge logits and unusual layouts.

Each must give a finite, correct model without warnings.
"""

import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse

from skbce import BCEMultiLabelClassifier

from ._helpers import assert_finite_model, fit_quietly, noisy_multilabel

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
    X, Y = noisy_multilabel(200)
    reference = fit_quietly(BCEMultiLabelClassifier(alpha=0.0), X, Y)
    Xs = (X * scales).astype(dtype)
    clf = fit_quietly(BCEMultiLabelClassifier(alpha=0.0), Xs, Y)
    assert_finite_model(clf)
    atol = 1e-5 if dtype == np.float64 else 1e-3
    assert_allclose(clf.predict_proba(Xs), reference.predict_proba(X), atol=atol)
    assert clf.loss_ == pytest.approx(reference.loss_, rel=1e-6 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("scale", [1e8, 1e140])  # 1e140: just below what fit refuses
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg"])
def test_huge_features_with_penalty_reach_the_optimum(solver, scale):
    # At a huge scale the penalty on the (tiny) weights is negligible, so the
    # penalized fit must match the unpenalized fit on unit-scale data.
    X, Y = noisy_multilabel(200)
    reference = fit_quietly(BCEMultiLabelClassifier(alpha=0.0, tol=1e-8), X, Y)
    clf = fit_quietly(BCEMultiLabelClassifier(solver=solver, tol=1e-8), X * scale, Y)
    assert_allclose(clf.predict_proba(X * scale), reference.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("scale", [1e8, 1e30])  # 1e30: squares overflow float32
def test_huge_float32_features_with_penalty_reach_the_optimum(scale):
    # float32 moments and covariance are formed in float32; where a square
    # overflows they are redone in float64, silently and with the same model.
    X, Y = noisy_multilabel(200)
    reference = fit_quietly(BCEMultiLabelClassifier(alpha=0.0, tol=1e-8), X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        clf = fit_quietly(BCEMultiLabelClassifier(), (X * scale).astype(np.float32), Y)
    assert_finite_model(clf)
    assert_allclose(clf.predict_proba((X * scale).astype(np.float32)),
                    reference.predict_proba(X), atol=1e-3)


def test_tiny_features_with_penalty_are_ignored():
    # At scale 1e-8 the penalty wins: the weights stay ~0 and each label's
    # probability is its frequency.
    X, Y = noisy_multilabel(200)
    clf = fit_quietly(BCEMultiLabelClassifier(), X * 1e-8, Y)
    assert_finite_model(clf)
    assert_allclose(clf.predict_proba(X * 1e-8), np.broadcast_to(Y.mean(axis=0), Y.shape),
                    atol=1e-4)


def test_mixed_scales_mlp_is_finite():
    X, Y = noisy_multilabel(100)
    Xs = X * SCALES["1e-8 to 1e8"]
    clf = fit_quietly(
        BCEMultiLabelClassifier((5,), random_state=0, max_iter=100), Xs, Y,
        allow_convergence=True,
    )
    assert_finite_model(clf)
    assert np.isfinite(clf.predict_proba(Xs)).all()
    # No worse than knowing only the label frequencies.
    intercept_only = -np.mean(Y * np.log(Y.mean(0)) + (1 - Y) * np.log(1 - Y.mean(0)))
    assert clf.loss_ < intercept_only


def test_duplicated_rows_are_a_halved_penalty():
    # J is a weighted mean plus alpha / (2 K sum w) ||W||^2: doubling every
    # row is the same problem with alpha / 2.
    X, Y = noisy_multilabel()
    doubled = fit_quietly(BCEMultiLabelClassifier(alpha=1.0), np.r_[X, X], np.r_[Y, Y])
    single = fit_quietly(BCEMultiLabelClassifier(alpha=0.5), X, Y)
    assert_allclose(doubled.predict_proba(X), single.predict_proba(X), atol=1e-6)


def test_constant_features_get_zero_weight():
    # A constant column does what the (unpenalized) intercept does for free,
    # so its penalized weight is 0 and the model is that without it.
    X, Y = noisy_multilabel()
    Xc = np.c_[X[:, :2], np.zeros(len(X)), np.full(len(X), 3.0), X[:, 2:]]
    # The constant column duplicates the intercept, whose direction has only
    # the penalty's curvature: a tight tol pins its weight to 0.
    clf = fit_quietly(BCEMultiLabelClassifier(tol=1e-9), Xc, Y)
    reference = fit_quietly(BCEMultiLabelClassifier(tol=1e-9), X, Y)
    assert_finite_model(clf)
    assert_array_equal(clf.coefs_[0][2], 0.0)
    assert_allclose(clf.coefs_[0][3], 0.0, atol=1e-5)
    assert_allclose(clf.predict_proba(Xc), reference.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("alpha", [1.0, 0.0])
def test_collinear_features(alpha):
    X, Y = noisy_multilabel()
    Xl = np.c_[X, X[:, 0], 2 * X[:, 1] - X[:, 2]]
    # The direction that moves weight between two copies of a column has only
    # the penalty's (small) curvature: a tight tol pins the optimum's even split.
    clf = fit_quietly(BCEMultiLabelClassifier(alpha=alpha, tol=1e-9), Xl, Y)
    reference = fit_quietly(BCEMultiLabelClassifier(alpha=alpha, tol=1e-9), X, Y)
    assert_finite_model(clf)
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
    X, _ = noisy_multilabel()
    Y = (X[:, :3] > 0).astype(np.float64)
    clf = fit_quietly(
        BCEMultiLabelClassifier(alpha=0.0, **params), X, Y, allow_convergence=True
    )
    assert_finite_model(clf)
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all() and (proba >= 0).all() and (proba <= 1).all()
    assert_array_equal(clf.predict(X), Y)



@pytest.mark.parametrize("kind", ["multilabel", "binary", "multiclass"])
def test_predictions_on_huge_logits_are_finite_and_silent(kind):
    X, Y = noisy_multilabel()
    y = {"multilabel": Y, "binary": Y[:, 0], "multiclass": Y.sum(axis=1)}[kind]
    clf = fit_quietly(BCEMultiLabelClassifier(), X, y)
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
    X, Y = noisy_multilabel(n_labels=4)
    Y[:, 1] = 0.0
    Y[:, 2] = 1.0
    # A constant label's intercept runs off towards infinity: tol=1e-9 may be
    # out of reach of floating point there, which is reported, not an error.
    clf = fit_quietly(
        BCEMultiLabelClassifier(alpha=alpha, tol=1e-9), X, Y, allow_convergence=True
    )
    assert_finite_model(clf)
    proba = clf.predict_proba(X)
    assert (proba[:, 1] < 0.01).all() and (proba[:, 2] > 0.99).all()
    # Labels are separate problems (the penalty is alpha / (2 K sum w) per
    # label, like each label's BCE): the other columns are fitted as on their own.
    others = fit_quietly(BCEMultiLabelClassifier(alpha=alpha, tol=1e-9), X, Y[:, [0, 3]])
    assert_allclose(proba[:, [0, 3]], others.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize(
    "params", [{}, {"alpha": 0.0}, {"hidden_layer_sizes": (3,), "random_state": 0}],
    ids=["linear", "unpenalized", "mlp"],
)
def test_single_sample(params):
    X, Y = noisy_multilabel()
    Y[0] = [1.0, 0.0, 1.0]
    clf = fit_quietly(BCEMultiLabelClassifier(**params), X[:1], Y[:1])
    assert_finite_model(clf)
    assert_array_equal(clf.predict(X[:1]), Y[:1])


@pytest.mark.parametrize("make_sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("hidden", [(), (4,)], ids=["linear", "mlp"])
def test_dtype_follows_X(hidden, make_sparse):
    # tanh: a smooth network, so that both fits converge to the same optimum.
    X, Y = noisy_multilabel()
    fits = {}
    for dtype in (np.float32, np.float64):
        Xd = X.astype(dtype)
        if make_sparse:
            Xd = sparse.csr_matrix(Xd)
        clf = fit_quietly(
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
    X, Y = noisy_multilabel()
    Xi = np.round(X * 10).astype(np.int64)
    clf = fit_quietly(BCEMultiLabelClassifier(), Xi, Y)
    assert clf.coefs_[0].dtype == np.float64
    assert_allclose(clf.predict_proba(Xi), clf.predict_proba(Xi.astype(np.float64)))


@pytest.mark.parametrize("hidden", [(), (4,)], ids=["linear", "mlp"])
def test_C_and_Fortran_order_give_the_same_model(hidden):
    X, Y = noisy_multilabel()
    c_fit = fit_quietly(BCEMultiLabelClassifier(hidden, activation="tanh", random_state=0),
                         np.ascontiguousarray(X), Y)
    f_fit = fit_quietly(BCEMultiLabelClassifier(hidden, activation="tanh", random_state=0),
                         np.asfortranarray(X), Y)
    for c, f in zip(c_fit.coefs_ + c_fit.intercepts_, f_fit.coefs_ + f_fit.intercepts_):
        assert_allclose(c, f, rtol=1e-6, atol=1e-8)
    assert_allclose(f_fit.predict_proba(np.asfortranarray(X)), c_fit.predict_proba(X),
                    atol=1e-8)


@pytest.mark.parametrize(
    "params",
    # An MLP start that converges well within tol: from flatter starts, the
    # rounding of Fortran-order products leads to another point within tol.
    [{}, {"solver": "newton-cg"}, {"hidden_layer_sizes": (4,), "random_state": 1}],
    ids=["lbfgs", "newton-cg", "mlp"],
)
def test_read_only_memory_mapped_input(params, tmp_path):
    X, Y = noisy_multilabel()
    weight = np.linspace(0.5, 2.0, len(X))
    joblib.dump((X, Y, weight), tmp_path / "data.joblib")
    Xm, Ym, wm = joblib.load(tmp_path / "data.joblib", mmap_mode="r")
    assert isinstance(Xm, np.memmap) and not Xm.flags.writeable
    np.save(tmp_path / "X.npy", np.asfortranarray(X))
    Xf = np.load(tmp_path / "X.npy", mmap_mode="r")
    assert not Xf.flags.writeable and Xf.flags.f_contiguous

    in_memory = fit_quietly(BCEMultiLabelClassifier(**params), X, Y, sample_weight=weight)
    mapped = fit_quietly(BCEMultiLabelClassifier(**params), Xm, Ym, sample_weight=wm)
    fortran = fit_quietly(BCEMultiLabelClassifier(**params), Xf, Y, sample_weight=weight)
    expected = in_memory.predict_proba(X)
    assert_allclose(mapped.predict_proba(Xm), expected, rtol=1e-10)
    assert_allclose(fortran.predict_proba(Xf), expected, rtol=1e-6, atol=1e-8)
    assert not Xm.flags.writeable and np.array_equal(Xm, X)


