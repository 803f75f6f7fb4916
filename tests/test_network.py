"""The parametrization: the flat vector's layout, and the activation tables."""

import numpy as np
import pytest

from skbce._network import (
    ACTIVATIONS,
    ParameterLayout,
    allocate_activations,
    backward,
    forward,
    initial_parameters,
)


def test_pack_and_unpack_are_inverse_views():
    layout = ParameterLayout((4, 3, 2))
    theta = np.arange(layout.n_params, dtype=float)
    coefs, intercepts = layout.unpack(theta)
    assert [c.shape for c in coefs] == [(4, 3), (3, 2)]
    assert [b.shape for b in intercepts] == [(3,), (2,)]
    coefs[1][0, 0] = -1.0  # a view: writes reach theta
    assert theta[4 * 3 + 3] == -1.0
    np.testing.assert_array_equal(layout.pack(coefs, intercepts), theta)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_each_activation_has_its_derivative(activation):
    # One hidden unit, one output with weight 1: d logit / d x is f'(x).
    layout = ParameterLayout((1, 1, 1))
    theta = layout.pack([np.ones((1, 1)), np.ones((1, 1))], [np.zeros(1), np.zeros(1)])
    coefs, intercepts = layout.unpack(theta)
    x = np.linspace(-2, 2, 8)[:, None]  # not 0, where relu has no derivative
    step = 1e-6
    buffers = allocate_activations(layout, x.shape[0], np.float64)
    up = forward(x + step, coefs, intercepts, activation, buffers).copy()
    down = forward(x - step, coefs, intercepts, activation, buffers).copy()
    forward(x, coefs, intercepts, activation, buffers)
    grad_coefs, grad_intercepts = layout.unpack(np.empty(layout.n_params))
    backward(x, coefs, activation, buffers, np.ones((8, 1)), grad_coefs, grad_intercepts)
    # The first layer's intercept gradient sums f'(x) over the rows.
    assert grad_intercepts[0][0] == pytest.approx(((up - down) / (2 * step)).sum(), rel=1e-6)


@pytest.mark.parametrize("name", ["softmax", "ReLU", None])
def test_an_unknown_activation_is_an_error_in_both_passes(name):
    layout = ParameterLayout((2, 3, 1))
    theta = initial_parameters(layout, "relu", np.random.RandomState(0))
    coefs, intercepts = layout.unpack(theta)
    X = np.ones((4, 2))
    buffers = allocate_activations(layout, 4, np.float64)
    with pytest.raises(ValueError, match="Unknown activation"):
        forward(X, coefs, intercepts, name, buffers)
    grad_coefs, grad_intercepts = layout.unpack(np.empty(layout.n_params))
    with pytest.raises(ValueError, match="Unknown activation"):
        backward(X, coefs, name, buffers, np.ones((4, 1)), grad_coefs, grad_intercepts)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sparse_input", [False, True])
def test_zero_weights_skip_the_product_and_give_the_intercepts(dtype, sparse_input):
    # The linear model's usual start: the buffer may hold an earlier point's
    # logits.
    from scipy import sparse

    layout = ParameterLayout((5, 3))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 5)).astype(dtype)
    X = sparse.csr_matrix(X) if sparse_input else X
    buffers = allocate_activations(layout, 7, dtype)
    buffers[-1].fill(np.nan)
    theta = np.zeros(layout.n_params, dtype=dtype)
    coefs, intercepts = layout.unpack(theta)
    intercepts[0][:] = [1.0, -2.0, 0.5]
    logits = forward(X, coefs, intercepts, "relu", buffers)
    np.testing.assert_array_equal(logits, np.tile(intercepts[0], (7, 1)))
    assert logits.dtype == dtype
    coefs[0][2, 1] = 1e-30  # one weight not zero: the product again
    logits = forward(X, coefs, intercepts, "relu", buffers)
    np.testing.assert_allclose(logits, X @ coefs[0] + intercepts[0], rtol=1e-6)
