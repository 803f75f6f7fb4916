"""Analytic gradients against finite differences, for every model shape and loss option."""

import numpy as np
import pytest
from scipy import sparse

from skbce._loss import bce_coefficients, loss_gradient, uniform_coefficient
from skbce._network import ACTIVATIONS, initial_parameters
from skbce._problem import build_problem
from skbce._rows import InMemoryRows

from ._helpers import (
    five_point_gradient,
    logits,
    make_objective,
    peak_traced_bytes,
    reference_loss_gradient,
    relative_error,
)


def _problem(rng, n_samples=25, n_features=4, n_outputs=3, sparse_x=False, soft=False):
    X = rng.normal(size=(n_samples, n_features))
    if sparse_x:
        X[rng.random(X.shape) < 0.5] = 0.0
        X = sparse.csr_matrix(X)
    Y = rng.random((n_samples, n_outputs)) if soft else (rng.random((n_samples, n_outputs)) < 0.4)
    return X, Y.astype(np.float64)


def _objective(X, Y, hidden=(), activation="tanh", alpha=0.0, sample_weight=None,
               pos_weight=None, smoothing=0.0, seed=0):
    objective = make_objective(X, Y, hidden, activation, alpha, sample_weight, pos_weight,
                               smoothing)
    layout = objective.layout
    theta = initial_parameters(layout, activation, np.random.RandomState(seed))
    # Move away from the (zero) linear start so every term is exercised.
    theta = theta + np.random.RandomState(seed + 1).normal(scale=0.5, size=theta.shape)
    return objective, theta


def _assert_gradient_matches(objective, theta):
    value, grad = objective.loss_gradient(theta)
    numeric = five_point_gradient(lambda t: objective.loss_gradient(t)[0], theta)
    assert np.isfinite(value)
    assert relative_error(grad, numeric) < 1e-6


@pytest.mark.parametrize("sparse_x", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("alpha", [0.0, 0.7])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    "hidden, activation",
    [((), "identity")] + [((5,), a) for a in ACTIVATIONS] + [((4, 3), "tanh")],
)
def test_gradient_every_model(hidden, activation, weighted, alpha, sparse_x):
    rng = np.random.default_rng(0)
    X, Y = _problem(rng, sparse_x=sparse_x)
    weight = rng.uniform(0.1, 3.0, size=X.shape[0]) if weighted else None
    objective, theta = _objective(X, Y, hidden, activation, alpha, sample_weight=weight)
    _assert_gradient_matches(objective, theta)


@pytest.mark.parametrize("sparse_x", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("hidden", [(), (5,)], ids=["linear", "mlp"])
@pytest.mark.parametrize(
    "option",
    ["pos_weight", "missing", "smoothing", "soft", "all"],
)
def test_gradient_loss_options(option, hidden, sparse_x):
    rng = np.random.default_rng(1)
    X, Y = _problem(rng, sparse_x=sparse_x, soft=option in ("soft", "all"))
    kwargs = {"alpha": 0.3, "sample_weight": rng.uniform(0.5, 2.0, X.shape[0])}
    if option in ("pos_weight", "all"):
        kwargs["pos_weight"] = np.array([0.5, 3.0, 10.0])
    if option in ("missing", "all"):
        Y[rng.random(Y.shape) < 0.3] = np.nan
        Y[0] = np.nan  # a sample with no observed label
    if option in ("smoothing", "all"):
        kwargs["smoothing"] = 0.2
    objective, theta = _objective(X, Y, hidden, "relu", **kwargs)
    _assert_gradient_matches(objective, theta)


@pytest.mark.parametrize("hidden", [(), (6,)], ids=["linear", "mlp"])
def test_objective_value_is_textbook_bce_plus_penalty(hidden):
    """The A/B folding of the fast kernel gives the formula's value and gradient."""
    rng = np.random.default_rng(2)
    X, Y = _problem(rng, n_samples=40, soft=True)
    Y[rng.random(Y.shape) < 0.2] = np.nan
    weight = rng.uniform(0.2, 2.0, X.shape[0])
    pos_weight = np.array([2.0, 0.3, 1.0])
    alpha = 0.5
    objective, theta = _objective(X, Y, hidden, "logistic", alpha, weight, pos_weight)
    value, _ = objective.loss_gradient(theta)
    raw = logits(X, objective, theta)
    expected, expected_grad_logits = reference_loss_gradient(raw, Y, weight, pos_weight)
    coefs, _ = objective.layout.unpack(theta)
    observed_weight = weight[~np.isnan(Y).all(axis=1)].sum()
    penalty = alpha / (2 * Y.shape[1] * observed_weight) * sum(np.sum(c**2) for c in coefs)
    assert value == pytest.approx(expected + penalty, rel=1e-12)
    A, B, _ = bce_coefficients(Y, weight, pos_weight)
    _, grad_logits = loss_gradient(raw, A, B)
    np.testing.assert_allclose(grad_logits, expected_grad_logits, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("block_bytes", [256, 65536, 2**20])
def test_loss_kernel_blocks_agree_with_reference_on_many_rows(block_bytes):
    """More rows than one cache block: every block is visited once."""
    rng = np.random.default_rng(3)
    raw = rng.normal(scale=5, size=(9000, 7))
    Y = (rng.random(raw.shape) < 0.3).astype(float)
    A, B, _ = bce_coefficients(Y)
    value, grad = loss_gradient(raw, A, B, block_bytes=block_bytes)
    expected, expected_grad = reference_loss_gradient(raw, Y)
    assert value == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-18)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("block_bytes", [256, 2**20])
def test_kernel_adds_the_offset_and_sums_its_gradient(dtype, block_bytes):
    # The output intercept enters the kernel as an offset added block by block,
    # and its gradient (the column sums) comes out of the same blocks; a
    # uniform A may be passed as a scalar. All agree with the plain formula.
    rng = np.random.default_rng(5)
    logits = rng.normal(scale=4, size=(3000, 5))
    offset = rng.normal(size=5)
    Y = (rng.random(logits.shape) < 0.3).astype(float)
    A, B, _ = bce_coefficients(Y, dtype=dtype)
    expected, expected_grad = reference_loss_gradient(logits + offset, Y)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for A_kernel in (A, uniform_coefficient(A)):
        raw = logits.astype(dtype)
        offset_gradient = np.empty(5, dtype=dtype)
        value, grad = loss_gradient(raw, A_kernel, B, offset=offset.astype(dtype),
                                    offset_gradient=offset_gradient, block_bytes=block_bytes)
        assert value == pytest.approx(expected, rel=rtol)
        np.testing.assert_array_equal(raw, logits.astype(dtype) + offset.astype(dtype))
        np.testing.assert_allclose(grad, expected_grad, rtol=10 * rtol, atol=1e-9)
        np.testing.assert_allclose(offset_gradient, expected_grad.sum(axis=0),
                                   rtol=10 * rtol, atol=1e-7)
    assert np.ndim(uniform_coefficient(A)) == 0
    weighted, _, _ = bce_coefficients(Y, rng.uniform(0.5, 2.0, len(Y)), dtype=dtype)
    assert uniform_coefficient(weighted) is weighted


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("hidden", [(), (16,)], ids=["linear", "mlp"])
def test_evaluations_reuse_their_buffers(hidden, dtype):
    # After the first call an evaluation allocates only its cache-sized kernel
    # blocks (four of at most 256 KB) and the returned gradient: no temporary
    # of the logits' size (8 MB in float32 here).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100000, 20)).astype(dtype)
    Y = (rng.random((100000, 20)) < 0.4).astype(np.float64)
    objective = make_objective(X, Y, hidden, "relu", alpha=0.1)
    theta = initial_parameters(objective.layout, "relu", np.random.RandomState(0))
    objective.loss_gradient(theta)
    peak = peak_traced_bytes(lambda: [objective.loss_gradient(theta) for _ in range(3)])
    logits_bytes = Y.size * np.dtype(dtype).itemsize
    assert peak < 0.25 * logits_bytes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_are_finite_without_warnings(dtype):
    raw = np.array([[-1000.0, 1000.0, 0.0], [1000.0, -1000.0, 1e-30]], dtype=dtype)
    Y = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    A, B, _ = bce_coefficients(Y, dtype=dtype)
    with np.errstate(all="raise"):
        value, grad = loss_gradient(raw, A, B)
    assert grad.dtype == dtype
    # A confident mistake costs |z| (here 1000) per element: (1000 + 1000 + log 2 * 2) / 6.
    assert value == pytest.approx((2000 + 2 * np.log(2)) / 6, rel=1e-6)
    np.testing.assert_allclose(grad * 6, [[-1, 1, -0.5], [0, 0, 0.5]], atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_loss_kernel_agrees_with_reference_where_exp_saturates(dtype):
    # The kernel takes exp(-|z|) as min(w, 1 / w) with w = exp(-z): check every
    # regime of w (ordinary, subnormal, 0, inf) against the textbook formula.
    float32_limits = [80.0, 87.0, 89.0, 100.0, 104.0]
    float64_limits = [700.0, 709.0, 710.0, 745.0, 750.0]
    magnitudes = np.array([0.0, 1e-30, 1.0, 30.0, *float32_limits, *float64_limits, 1e4])
    raw = np.concatenate([magnitudes, -magnitudes])[:, None].repeat(2, axis=1)
    Y = np.zeros_like(raw)
    Y[:, 1] = 1.0
    raw = raw.astype(dtype)
    A, B, _ = bce_coefficients(Y, dtype=dtype)
    with np.errstate(all="raise"):
        value, grad = loss_gradient(raw, A, B)
    expected, expected_grad = reference_loss_gradient(raw.astype(np.float64), Y)
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    assert value == pytest.approx(expected, rel=rtol)
    # A sigmoid(z) - B cancels where the label is right: errors of eps * A there.
    atol = 10 * np.finfo(dtype).eps * float(A.max())
    np.testing.assert_allclose(grad, expected_grad, rtol=rtol, atol=atol)


@pytest.mark.parametrize("shape", [(20000, 10), (500, 4)])
def test_float32_loss_resolves_small_changes(shape):
    # Near the optimum L-BFGS's line search compares losses that differ by
    # far less than float32's resolution of each term: the float32 loss must
    # still tell those differences as the float64 loss of the same logits does
    # (summed with float32 dot products, its error exceeded the difference).
    rng = np.random.default_rng(0)
    for _ in range(5):
        Y = (rng.random(shape) < 0.3).astype(np.float64)
        raw = (rng.normal(scale=4, size=shape) + 3 * (2 * Y - 1)).astype(np.float32)
        moved = (raw + 1e-3 * rng.normal(size=shape)).astype(np.float32)
        A, B, _ = bce_coefficients(Y)
        A32, B32, _ = bce_coefficients(Y, dtype=np.float32)
        exact = loss_gradient(moved.astype(np.float64), A, B)[0] - loss_gradient(
            raw.astype(np.float64), A, B)[0]
        single = loss_gradient(moved, A32, B32)[0] - loss_gradient(raw, A32, B32)[0]
        assert single == pytest.approx(exact, rel=0.1)


def test_float32_objective_tracks_float64():
    rng = np.random.default_rng(4)
    X, Y = _problem(rng, n_samples=200, n_features=6)
    obj64, theta = _objective(X, Y, (8,), "relu", alpha=0.1)
    obj32, _ = _objective(X.astype(np.float32), Y, (8,), "relu", alpha=0.1)
    v64, g64 = obj64.loss_gradient(theta)
    v32, g32 = obj32.loss_gradient(theta)
    assert obj32.dtype == np.float32 and g32.dtype == np.float64
    assert v32 == pytest.approx(v64, rel=1e-5)
    assert relative_error(g32, g64) < 1e-4


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_single_precision_products_track_the_double_ones(fmt):
    # A regularization path's fits on large sparse rows form the two products
    # from a float32 copy of X; the loss and gradient stay float64 and within
    # the products' rounding of the exact ones, for the whole problem and a
    # subset of its outputs alike.
    rng = np.random.default_rng(7)
    X, Y = _problem(rng, n_samples=300, n_features=40, n_outputs=5, sparse_x=True)
    X = X.asformat(fmt)
    _, theta = _objective(X, Y, alpha=0.3)
    weight = rng.uniform(0.5, 2, 300)
    rows = InMemoryRows(X, Y, weight)
    assert rows.use_single_precision_products()
    single = build_problem(rows, hidden=(), activation="tanh", alpha=0.3, pos_weight=None,
                           label_smoothing=0.0).objective
    exact = build_problem(InMemoryRows(X, Y, weight), hidden=(), activation="tanh", alpha=0.3,
                          pos_weight=None, label_smoothing=0.0).objective
    for objective_pair in [(exact, single), (exact.for_outputs(np.array([1, 3])),
                                              single.for_outputs(np.array([1, 3])))]:
        whole, low = objective_pair
        point = theta if whole is exact else theta.reshape(-1, 5)[:, [1, 3]].ravel()
        (v64, g64), (v32, g32) = whole.loss_gradient(point), low.loss_gradient(point)
        assert g32.dtype == np.float64
        assert v32 == pytest.approx(v64, rel=1e-6)
        assert 1e-12 < relative_error(g32, g64) < 1e-5  # rounded, but only just
    # Dense, float32 or Dask rows keep their products as they are.
    assert not InMemoryRows(X.toarray(), Y, weight).use_single_precision_products()
    assert not InMemoryRows(X.astype(np.float32), Y, weight).use_single_precision_products()


@pytest.mark.parametrize("sparse_x", [False, True], ids=["dense", "sparse"])
def test_hessian_vector_product(sparse_x):
    rng = np.random.default_rng(5)
    X, Y = _problem(rng, sparse_x=sparse_x)
    Y[rng.random(Y.shape) < 0.2] = np.nan
    objective, theta = _objective(X, Y, alpha=0.4, sample_weight=rng.uniform(0.5, 2, 25),
                                  pos_weight=np.array([1.0, 2.0, 0.5]))
    vector = rng.normal(size=theta.shape)
    numeric = five_point_gradient(lambda t: objective.loss_gradient(t)[1] @ vector, theta)
    assert relative_error(objective.hessp(theta, vector), numeric) < 1e-6


@pytest.mark.parametrize("weighted", [False, True])
def test_curvature_per_output_at_the_intercept_only_start(weighted):
    # With zero weights every row's logits are the intercepts: the shortcut
    # sigma'(b) sum_n A_n must equal the sum over rows, with sample weights
    # and missing labels (a full A) as without (a single column).
    rng = np.random.default_rng(7)
    X, Y = _problem(rng, n_samples=60)
    weight = rng.uniform(0.2, 2.0, 60) if weighted else None
    if weighted:
        Y[rng.random(Y.shape) < 0.2] = np.nan
    objective = make_objective(X, Y, sample_weight=weight)
    theta = np.zeros(objective.layout.n_params)
    (coef,), (intercept,) = objective.layout.unpack(theta)
    intercept[:] = [-2.0, 0.5, 3.0]
    A, _, _ = bce_coefficients(Y, weight)
    probability = 1 / (1 + np.exp(-intercept))
    expected = (A * probability * (1 - probability)).sum(axis=0)
    expected = np.broadcast_to(expected, intercept.shape)
    np.testing.assert_allclose(objective.curvature_per_output(theta), expected, rtol=1e-12)
    # Away from the start, the same formula row by row.
    coef[:] = rng.normal(size=coef.shape)
    Z = X @ coef + intercept
    sigma = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(objective.curvature_per_output(theta),
                               (A * sigma * (1 - sigma)).sum(axis=0), rtol=1e-12)
