"""The L2 penalty: one strength or one per output, value, gradient, Hessian product."""

import numpy as np
import pytest

from skbce._network import ParameterLayout
from skbce._penalty import L2Penalty

from ._helpers import five_point_gradient, make_objective, relative_error


@pytest.mark.parametrize("sizes", [(4, 3), (4, 5, 3)], ids=["linear", "mlp"])
@pytest.mark.parametrize("strength", [0.7, [0.1, 2.0, 0.0]], ids=["scalar", "per-output"])
def test_value_gradient_and_hessian_product(sizes, strength):
    layout = ParameterLayout(sizes)
    penalty = L2Penalty(layout, strength)
    rng = np.random.default_rng(0)
    theta = rng.normal(size=layout.n_params)

    def value(t):
        return penalty.loss_gradient(t, 0.0, np.zeros(layout.n_params))

    gradient = np.zeros(layout.n_params)
    penalty.loss_gradient(theta, 0.0, gradient)
    assert relative_error(gradient, five_point_gradient(value, theta)) < 1e-8
    # Written out: the last layer's column k gets lambda_k, hidden layers the mean.
    coefs, _ = layout.unpack(theta)
    per_output = np.broadcast_to(np.asarray(strength, dtype=float), (3,))
    expected = 0.5 * float(np.sum(coefs[-1] ** 2 * per_output))
    expected += sum(0.5 * per_output.mean() * float(np.sum(c**2)) for c in coefs[:-1])
    assert value(theta) == pytest.approx(expected, rel=1e-12)
    vector = rng.normal(size=layout.n_params)
    product = penalty.hessp(vector, np.zeros(layout.n_params))
    np.testing.assert_allclose(product, penalty.diagonal() * vector, rtol=1e-12)
    _, intercepts = layout.unpack(penalty.diagonal())
    assert all(not b.any() for b in intercepts)  # intercepts are not penalized


def test_a_strength_per_output_must_match_the_outputs():
    with pytest.raises(ValueError, match="one per output"):
        L2Penalty(ParameterLayout((4, 3)), [1.0, 2.0])


@pytest.mark.parametrize("hidden", [(), (4,)], ids=["linear", "mlp"])
def test_objective_with_a_strength_per_label(hidden):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 4))
    Y = (rng.random((30, 3)) < 0.4).astype(float)
    alpha = np.array([0.1, 3.0, 30.0])
    objective = make_objective(X, Y, hidden, "tanh", alpha)
    theta = rng.normal(scale=0.5, size=objective.layout.n_params)
    _, gradient = objective.loss_gradient(theta)
    numeric = five_point_gradient(lambda t: objective.loss_gradient(t)[0], theta)
    assert relative_error(gradient, numeric) < 1e-7
    # Scaled as the scalar penalty: alpha / (K sum w) per label.
    np.testing.assert_allclose(objective.penalty.output_strength, alpha / (3 * 30))
    if not hidden:
        vector = rng.normal(size=theta.shape)
        numeric = five_point_gradient(lambda t: objective.loss_gradient(t)[1] @ vector, theta)
        assert relative_error(objective.hessp(theta, vector), numeric) < 1e-6


def test_output_values_are_each_columns_share_of_the_penalty():
    layout = ParameterLayout((4, 3))
    penalty = L2Penalty(layout, np.array([0.5, 2.0, 0.0]))
    coef = np.random.default_rng(0).normal(size=(4, 3))
    values = penalty.output_values(coef)
    np.testing.assert_allclose(values, 0.5 * penalty.output_strength * (coef**2).sum(axis=0))
    assert values.sum() == pytest.approx(penalty.value([coef]))
