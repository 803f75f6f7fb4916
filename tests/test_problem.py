"""The fit problem: label statistics, positive weights, prior logits, penalty scale."""

import numpy as np
import pytest

from skbce import BCEMultiLabelClassifier
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


@pytest.mark.parametrize("pos_weight", [None, "balanced", np.array([3.0, 0.5, 2.0])])
def test_a_label_constant_on_the_training_rows_is_fitted_at_its_clipped_prior(pos_weight):
    # Its optimum is an infinite intercept: without the clipped target every
    # solve pushed its weights and intercept a little further.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4))
    Y = np.column_stack([np.zeros(80), np.ones(80), (X[:, 0] > 0).astype(float)])
    Y[rng.random(80) < 0.2, 0] = np.nan  # missing entries stay missing
    model = BCEMultiLabelClassifier(alpha=1e-4, tol=1e-8, missing_labels="ignore",
                                    pos_weight=pos_weight).fit(X, Y)
    clip = 1e-6
    target = np.array([clip, 1 - clip])
    # The 0 or 1 the rows hold weighs its term by pos_weight: B/A moves the optimum.
    weight = np.ones(2) if pos_weight is None or isinstance(pos_weight, str) else pos_weight[:2]
    optimum = target * weight / (1 + target * (weight - 1))
    np.testing.assert_allclose(model.coefs_[0][:, :2], 0.0, atol=1e-6)
    np.testing.assert_allclose(model.intercepts_[0][:2], np.log(optimum / (1 - optimum)),
                               rtol=1e-6)
    # The varying label is fitted as before: a clear weight on its feature.
    assert model.coefs_[0][0, 2] > 1.0


def test_held_out_rows_keep_their_constant_targets():
    from skbce._problem import held_out_loss

    Y = np.column_stack([np.zeros(6), [0, 1, 0, 1, 0, 1]]).astype(float)
    train = _problem(Y, np.ones(6))
    X = np.random.default_rng(0).normal(size=(6, 3))
    loss = held_out_loss(InMemoryRows(X, Y, np.ones(6)), train, "relu")
    theta = np.zeros(train.objective.layout.n_params)
    theta[-2:] = [-30.0, 0.0]  # the constant label predicted ~1e-13: almost no loss
    expected = (np.log1p(np.exp(-30.0)) + np.log(2.0)) / 2
    assert loss(theta) == pytest.approx(expected, rel=1e-9)
