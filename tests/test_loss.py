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

