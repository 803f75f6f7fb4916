"""The folds of a small linear CV solved as one problem: each fold's own path, faster."""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.model_selection import KFold, ShuffleSplit

import skbce._path as path
from skbce import BCEMultiLabelClassifierCV

ALPHAS = 300 * np.logspace(1, -4, 9)


@pytest.fixture(scope="module")
def problem():
    """Four labels of 300 rows, sample weights, a few missing targets."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 7)) * [1, 2, 0.5, 1, 3, 1, 1] + 2.0
    logits = X[:, :4] @ rng.normal(size=(4, 4)) * 0.6
    Y = (rng.random(logits.shape) < 1 / (1 + np.exp(-logits))).astype(float)
    Y[rng.random(Y.shape) < 0.05] = np.nan
    weight = rng.uniform(0.2, 2.0, size=300)
    return X, Y, weight


def walk_options(**changes):
    options = dict(alphas=ALPHAS, activation="relu", pos_weight="balanced",
                   label_smoothing=0.1, max_iter=2000, max_fun=30000, tol=1e-10,
                   per_label=False, score=None, patience=None)
    options.update(changes)
    return options


@pytest.mark.parametrize("per_label", [False, True])
def test_each_fold_of_the_joint_problem_solves_its_own_fit(problem, per_label):
    # Weights, missing targets, balanced positive weights and smoothing all
    # enter the joint problem's loss: at a tight tolerance every fold's scores
    # are those of its own fit, at every strength.
    X, Y, weight = problem
    splits = list(KFold(4, shuffle=True, random_state=0).split(X))
    factor = path.stacking_factor(X, weight, splits, (), "lbfgs", Y.shape[1])
    assert factor == pytest.approx(4 / 3)
    options = walk_options(per_label=per_label)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fit may stop short
        joint = path.stacked_fold_paths(X, Y, weight, splits, factor, **options)
        apart = [path.fold_path(X, Y, weight, train, test, hidden=(), solver="lbfgs",
                                random_state=None, **options) for train, test in splits]
    for (joint_scores, joint_iter), (scores, n_iter) in zip(joint, apart):
        assert joint_scores.shape == scores.shape == ((9, 4) if per_label else (9,))
        np.testing.assert_allclose(joint_scores, scores, rtol=0, atol=1e-7)
        assert (joint_iter > 0).all() and (n_iter > 0).all()


def test_a_fold_whose_score_turned_stops_while_the_others_go_on(problem):
    # The joint walk stops each fold where its own walk stops.
    X, Y, weight = problem
    splits = list(KFold(5, shuffle=True, random_state=2).split(X))
    factor = path.stacking_factor(X, weight, splits, (), "lbfgs", Y.shape[1])
    options = walk_options(patience=2, tol=1e-9, alphas=300 * np.logspace(2, -5, 20))
    joint = path.stacked_fold_paths(X, Y, weight, splits, factor, **options)
    apart = [path.fold_path(X, Y, weight, train, test, hidden=(), solver="lbfgs",
                            random_state=None, **options) for train, test in splits]
    reached = [int((~np.isnan(scores)).sum()) for scores, _ in apart]
    assert len(set(reached)) > 1  # the folds stop at different strengths
    for (joint_scores, joint_iter), (scores, _) in zip(joint, apart):
        np.testing.assert_array_equal(np.isnan(joint_scores), np.isnan(scores))
        np.testing.assert_allclose(joint_scores, scores, rtol=0, atol=1e-6, equal_nan=True)
        assert (joint_iter[np.isnan(scores)] == 0).all()


def test_stacking_only_for_small_linear_k_fold_problems(problem):
    X, _, weight = problem
    folds = list(KFold(3).split(X))
    assert path.stacking_factor(X, weight, folds, (), "lbfgs", 4) == pytest.approx(1.5)
    assert path.stacking_factor(sparse.csr_matrix(X), weight, folds, (), "lbfgs", 4) == 1.5
    # Networks do not decouple; Newton-CG's test is on the whole gradient's norm.
    assert path.stacking_factor(X, weight, folds, (8,), "lbfgs", 4) is None
    assert path.stacking_factor(X, weight, folds, (), "newton-cg", 4) is None
    # A fold's iteration beyond the budget: solved apart.
    assert path.stacking_factor(X, weight, folds, (), "lbfgs", 10_000) is None
    # Rows in different numbers of training sets would weigh differently.
    shuffled = list(ShuffleSplit(3, test_size=0.3, random_state=0).split(X))
    assert path.stacking_factor(X, weight, shuffled, (), "lbfgs", 4) is None
    # Rows in no training set do not count, nor rows without weight.
    none = [(train[train >= 30], test) for train, test in folds]
    assert path.stacking_factor(X, weight, none, (), "lbfgs", 4) == pytest.approx(1.5)
    fewer = [(train[train >= 30] if i == 1 else train, test)
             for i, (train, test) in enumerate(folds)]
    assert path.stacking_factor(X, weight, fewer, (), "lbfgs", 4) is None
    zero = weight.copy()
    zero[:30] = 0.0
    assert path.stacking_factor(X, zero, fewer, (), "lbfgs", 4) == pytest.approx(1.5)


def test_cv_estimator_choice_is_the_same_with_folds_apart(problem, monkeypatch):
    X, Y, weight = problem
    Y = np.nan_to_num(Y)
    for per_label in (False, True):
        model = BCEMultiLabelClassifierCV(alphas=ALPHAS, per_label=per_label, random_state=0)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The best alpha")
            joint = model.fit(X, Y, sample_weight=weight)
            joint_alpha, joint_scores = joint.alpha_, joint.scores_
            monkeypatch.setattr(path, "_STACK_WORK", 0)
            apart = model.fit(X, Y, sample_weight=weight)
            monkeypatch.undo()
        np.testing.assert_array_equal(joint_alpha, apart.alpha_)
        np.testing.assert_allclose(joint_scores, apart.scores_, rtol=0, atol=2e-3,
                                   equal_nan=True)


def test_joint_problem_gets_the_change_of_variables_of_one_fold():
    # Five folds of 10 labels look like 50 labels to the covariance map's
    # cost rule, which would build a d x d map that every evaluation then
    # applies to all 50; the joint problem gets the map of one fold.
    from skbce._preconditioner import FeatureBasis
    from skbce._problem import build_problem
    from skbce._rows import InMemoryRows
    from skbce._solver import DIAGONAL_MAP, covariance_basis

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 500))
    Y = (rng.random((300, 50)) < 0.3).astype(float)
    objective = build_problem(InMemoryRows(X, Y, np.ones(300)), hidden=(), activation="relu",
                              alpha=1.0, pos_weight=None, label_smoothing=0.0).objective
    assert isinstance(covariance_basis(objective), FeatureBasis)
    assert covariance_basis(objective, judged_as=(240, 10, None)) == DIAGONAL_MAP
