"""The loss kernel on extreme logits: exact and silent."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skbce._loss import bce_coefficients, loss_gradient

from ._helpers import reference_loss_gradient


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



@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("A_shape", ["scalar", "column", "full"])
def test_curvature_sums_are_the_column_sums_of_the_hessian_weights(dtype, A_shape):
    # Block by block (here several blocks of 8 rows) the same sums as the
    # whole matrix of weights, for every form of A, silently at logits of +-1000.
    from skbce._loss import curvature_sums, hessian_weights

    rng = np.random.default_rng(4)
    raw = rng.normal(scale=5, size=(37, 3)).astype(dtype)
    raw[0] = [1000.0, -1000.0, 0.0]
    A = {"scalar": dtype(0.7), "column": rng.uniform(0.1, 2, (37, 1)).astype(dtype),
         "full": rng.uniform(0, 2, (37, 3)).astype(dtype)}[A_shape]
    expected = hessian_weights(raw.astype(np.float64), np.asarray(A, dtype=np.float64)).sum(axis=0)
    with np.errstate(all="raise"):
        sums = curvature_sums(raw, A, block_bytes=8 * 3 * raw.itemsize)
    assert sums.dtype == np.float64
    np.testing.assert_allclose(sums, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)
