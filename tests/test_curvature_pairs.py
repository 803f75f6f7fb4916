"""L-BFGS pairs carried along a regularization path: the new penalty's, in the new map."""

import numpy as np
import pytest

from skbce._curvature_pairs import carried_history, kept_pairs
from skbce._lbfgs import _History
from skbce._penalty import L2Penalty
from skbce._preconditioner import CentredScaling, CovariancePreconditioner
from skbce._solver import DIAGONAL_MAP, change_of_variables, covariance_basis, standardized

from ._helpers import make_objective

M = 3  # pairs kept
# A strong penalty per output, and a weaker one the path goes on to.
STRONG, WEAK = np.array([3.0, 1.0, 0.5]), np.array([0.3, 0.2, 0.05])


@pytest.fixture
def problem():
    """Correlated features of one scale (the covariance map's basis is then orthogonal)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)) @ rng.normal(size=(5, 5)) + 1.0
    Y = (X[:, :3] + rng.normal(size=(200, 3)) > 1.0).astype(float)
    return make_objective(X, Y, (), "identity", alpha=1.0), rng


def _map(objective, theta, basis, strength):
    objective.penalty = L2Penalty(objective.layout, strength)
    return change_of_variables(objective, theta, "lbfgs", standardized(objective), basis)


def _history(objective, change, strength, points, columns):
    """The pairs of the steps between ``points`` under ``strength``, in ``change``'s variables."""
    objective.penalty = L2Penalty(objective.layout, strength)
    history = _History(points[0].size, M, columns)
    gradients = [change.gradient_to_u(objective.loss_gradient(point)[1]) for point in points]
    for i in range(1, len(points)):
        history.add(change.to_u(points[i]), change.to_u(points[i - 1]), gradients[i],
                    gradients[i - 1])
    return history


def _walk(rng, n_params):
    """A start and the M steps a solve took from it."""
    points = [rng.normal(scale=0.3, size=n_params)]
    for _ in range(M):
        points.append(points[-1] + rng.normal(scale=0.1, size=n_params))
    return points


@pytest.mark.parametrize("kind", ["covariance", "diagonal"])
def test_carried_pairs_are_the_next_solves_own(problem, kind):
    # The steps a solve took at a STRONG penalty, carried to a weaker one
    # whose map is scaled anew (another start, another strength): exactly
    # the pairs those steps give under the new objective, in the new map.
    objective, rng = problem
    basis = covariance_basis(objective) if kind == "covariance" else DIAGONAL_MAP
    points = _walk(rng, objective.layout.n_params)
    before = _map(objective, points[0], basis, STRONG)
    after = _map(objective, points[-1], basis, WEAK)
    expected_kind = CovariancePreconditioner if kind == "covariance" else CentredScaling
    assert isinstance(before, expected_kind)
    assert not np.allclose(before.intercept_scale, after.intercept_scale)
    every = np.arange(3)
    pairs = kept_pairs(_history(objective, before, STRONG, points, 3), before, STRONG, every,
                       None)
    carried = carried_history(pairs, after, WEAK, every, M)
    expected = _history(objective, after, WEAK, points, 3)
    np.testing.assert_allclose(carried.s, expected.s, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(carried.y, expected.y, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(carried.rho, expected.rho, rtol=1e-8)
    np.testing.assert_allclose(carried.gamma, expected.gamma, rtol=1e-8)


def test_outputs_left_at_their_solution_keep_their_pairs(problem):
    # A solve of outputs 0 and 2 only (output 1 settled at its previous
    # solution): 1 keeps the pairs it had, measured under its old strength.
    objective, rng = problem
    basis = covariance_basis(objective)
    points = _walk(rng, objective.layout.n_params)
    first = _map(objective, points[0], basis, STRONG)
    pairs = kept_pairs(_history(objective, first, STRONG, points, 3), first, STRONG,
                       np.arange(3), None)
    kept_s = pairs.s[:, :, 1].copy()
    solved = np.array([0, 2])
    second = _map(objective, points[-1], basis, WEAK)
    history = carried_history(pairs, second, WEAK, solved, M)
    expected = _history(objective, second, WEAK, points, 3)
    np.testing.assert_allclose(history.y, expected.y[:, :, solved], rtol=1e-8, atol=1e-10)
    merged = kept_pairs(history, second, WEAK, solved, pairs)
    np.testing.assert_allclose(merged.s[:, :, 1], kept_s)
    np.testing.assert_array_equal(merged.strength, [WEAK[0], STRONG[1], WEAK[2]])


def test_no_pairs_cross_to_another_kind_of_map_or_other_rows(problem):
    objective, rng = problem
    theta = rng.normal(scale=0.3, size=objective.layout.n_params)
    strength = np.ones(3)
    covariance = _map(objective, theta, covariance_basis(objective), strength)
    diagonal = _map(objective, theta, DIAGONAL_MAP, strength)
    pairs = kept_pairs(_history(objective, covariance, strength, [theta, 1.1 * theta], 3),
                       covariance, strength, np.arange(3), None)
    assert carried_history(pairs, diagonal, strength, np.arange(3), M) is None
    # Another decomposition (of other rows, say).
    another = _map(objective, theta, covariance_basis(objective), strength)
    assert carried_history(pairs, another, strength, np.arange(3), M) is None
