"""The fit problem: label statistics, positive weights, prior logits, penalty scale."""

import numpy as np
import pytest

from skbce._problem import build_problem
from skbce._rows import InMemoryRows


def _problem(Y, weight, **options):
    X = np.random.default_rng(0).normal(size=(Y.shape[0], 3))
    settings = {"hidden": (), "activation": "relu", "alpha": 1.0, "pos_weight": None,
                "label_smoothing": 0.0, **options}
    return build_problem(InMemoryRows(X, Y, weight), **settings)


def test_statistics_from_a_straightforward_count():
    rng = np.random.default_rng(1)
    Y = (rng.random((40, 3)) < 0.3).astype(float)
    Y[rng.random(Y.shape) < 0.2] = np.nan
    Y[0] = np.nan  # a sample with no observed label does not count in the mean
    weight = rng.uniform(0.5, 2.0, 40)
    problem = _problem(Y, weight, pos_weight="balanced", label_smoothing=0.2, alpha=3.0)
    observed = ~np.isnan(Y)
    positive = np.array([weight[observed[:, k]] @ Y[observed[:, k], k] for k in range(3)])
    negative = np.array([weight[observed[:, k]].sum() for k in range(3)]) - positive
    np.testing.assert_allclose(problem.pos_weight, negative / positive, rtol=1e-12)
    smoothed = (0.8 * positive + 0.1 * (positive + negative)) / (positive + negative)
    np.testing.assert_allclose(problem.prior, np.log(smoothed / (1 - smoothed)), rtol=1e-10)
    loss_weight = weight[observed.any(axis=1)].sum()
    np.testing.assert_allclose(problem.objective.penalty.output_strength,
                               3.0 / (3 * loss_weight), rtol=1e-12)


def test_constant_labels_get_a_finite_prior_and_unit_pos_weight():
    Y = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    problem = _problem(Y, np.ones(3), pos_weight="balanced")
    assert np.isfinite(problem.prior).all() and problem.prior[0] > 10
    assert problem.pos_weight[0] == 1.0 and problem.pos_weight[1] == 2.0


@pytest.mark.parametrize(
    "Y, weight, match",
    [(np.ones((3, 2)), np.zeros(3), "zero for every sample"),
     (np.full((3, 2), np.nan), np.ones(3), "no observed label")],
)
def test_a_problem_without_weight_is_refused(Y, weight, match):
    with pytest.raises(ValueError, match=match):
        _problem(Y, weight)
