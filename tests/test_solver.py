"""The solver's policy: a stopping test that means the same for any K, scale or offset."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from skbce import BCEMultiLabelClassifier
from skbce._preconditioner import standardized_coordinates

from ._helpers import five_point_gradient, relative_error


def _data(n_samples=300, n_features=6, n_labels=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    logits = X @ rng.normal(size=(n_features, n_labels)) + rng.normal(size=(n_samples, n_labels))
    return X, (logits > 0.3).astype(int)


def _fit(X, Y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return BCEMultiLabelClassifier(**params).fit(X, Y)


def test_five_thousand_labels_each_match_logistic_regression_at_the_default_tol():
    # The objective is a mean over K labels; the stopping test is on K times
    # its gradient, each label's own, so it does not loosen with K.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 10))
    Y = (X @ rng.normal(size=(10, 5000)) + rng.normal(size=(200, 5000)) > 0).astype(int)
    clf = _fit(X, Y)
    for k in range(0, 5000, 500):
        expected = LogisticRegression(C=1.0, tol=1e-10).fit(X, Y[:, k])
        assert_allclose(clf.coefs_[0][:, k], expected.coef_[0], atol=1e-3)
        assert_allclose(clf.intercepts_[0][k], expected.intercept_[0], atol=1e-3)


@pytest.mark.parametrize(
    "params, offset",
    [({}, 1e5), ({"solver": "newton-cg"}, 1e5), ({"alpha": 1e-3}, 1e5),
     ({"hidden_layer_sizes": (6,), "random_state": 0, "max_iter": 60, "tol": 1e-12}, 1e3)],
    ids=["lbfgs", "newton-cg", "lbfgs-weak-penalty", "mlp"],
)
def test_a_constant_offset_gives_the_same_model(params, offset):
    # The intercept absorbs any offset: the solver works on centred features.
    X, Y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the MLP's budget, both alike
        plain = BCEMultiLabelClassifier(**params).fit(X, Y)
        shifted = BCEMultiLabelClassifier(**params).fit(X + offset, Y)
    assert_allclose(shifted.predict_proba(X + offset), plain.predict_proba(X), atol=1e-6)
    assert_allclose(shifted.coefs_[0], plain.coefs_[0], atol=1e-5)


def test_a_sparse_diagonal_map_fit_ignores_feature_scale():
    # Many features: the diagonal (Jacobi) map instead of the covariance one.
    # Features times c with alpha times c^2 is the same model (weights / c).
    rng = np.random.default_rng(1)
    X = sparse.random(120, 1500, density=0.02, random_state=1, format="csr")
    Y = (rng.random((120, 3)) < 0.4).astype(int)
    plain = _fit(X, Y, tol=1e-7, alpha=0.1)
    scaled = _fit(X * 1e4, Y, tol=1e-7, alpha=0.1 * 1e8)
    assert_allclose(scaled.predict_proba(X * 1e4), plain.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("hidden", [(), (3,)], ids=["linear", "mlp"])
def test_standardized_coordinates_are_a_linear_change_of_variables(hidden):
    from ._helpers import make_objective

    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 4)) * [1.0, 1e3, 1e-2, 5.0] + [3.0, -1e4, 0.0, 7.0]
    Y = (rng.random((40, 2)) < 0.5).astype(float)
    objective = make_objective(X, Y, hidden, "tanh", alpha=0.5)
    coordinates = standardized_coordinates(
        objective.layout, objective.feature_moments(), objective.penalty.output_strength.mean()
    )
    u = rng.normal(scale=0.3, size=objective.layout.n_params)
    assert_allclose(coordinates.to_u(coordinates.to_theta(u)), u, atol=1e-10)
    numeric = five_point_gradient(lambda v: objective(coordinates.to_theta(v))[0], u)
    analytic = coordinates.gradient_to_u(objective(coordinates.to_theta(u))[1])
    assert relative_error(analytic, numeric) < 1e-6


class _WrongGradient:
    """An objective whose gradient points the wrong way: no line search can succeed."""

    def __init__(self, objective):
        self._objective = objective

    def __getattr__(self, name):
        return getattr(self._objective, name)

    def loss_gradient(self, theta):
        value, gradient = self._objective.loss_gradient(theta)
        return value, -gradient


def test_a_stop_short_of_the_gradient_test_warns():
    # L-BFGS-B ends on a failed line search, far from the gradient test: that
    # is reported, not passed for convergence.
    from skbce._solver import solve

    from ._helpers import make_objective

    X, Y = _data()
    objective = _WrongGradient(make_objective(X, Y.astype(float), alpha=1.0))
    theta0 = np.random.default_rng(0).normal(size=objective.layout.n_params)
    with pytest.warns(ConvergenceWarning, match="stopped decreasing"):
        solve(objective, theta0)


def test_narrowing_to_the_unsolved_labels_keeps_the_whole_value_gradient_and_parameters():
    from skbce._solver import _PreconditionedObjective, change_of_variables, standardized

    from ._helpers import make_objective

    X, Y = _data(n_labels=5)
    objective = make_objective(X, Y, (), "identity", 1.0)
    rng = np.random.default_rng(1)
    theta = rng.normal(scale=0.3, size=objective.layout.n_params)
    coordinates = standardized(objective)
    change = change_of_variables(objective, theta, "lbfgs", coordinates)
    scaled = _PreconditionedObjective(objective, change, coordinates, 5)
    u = change.to_u(theta)
    value, gradient = scaled(u)  # the point the solver stands at
    test = np.abs(scaled._last_test_gradient()).max()
    keep = np.array([1, 3, 4])
    # The narrowed point's value and gradient come from the last evaluation,
    # restricted: narrowing evaluates nothing, nor does the next call there.
    calls = []
    map_reduce = objective.rows.map_reduce
    objective.rows.map_reduce = lambda *args: calls.append(args[0]) or map_reduce(*args)
    narrowed = scaled.narrow(keep)
    narrowed_value, narrowed_gradient = scaled(narrowed)
    objective.rows.map_reduce = map_reduce
    assert calls == []
    assert narrowed_value == value
    assert_allclose(narrowed_gradient, gradient.reshape(-1, 5)[:, keep].ravel(), rtol=1e-12)
    assert scaled._largest_last_test_gradient() == pytest.approx(test, rel=1e-12)
    columns = np.ascontiguousarray(u.reshape(-1, 5)[:, keep]).ravel()
    assert_allclose(narrowed, columns)
    assert_allclose(scaled.theta(narrowed), theta, rtol=1e-10)
    # Later points: the value is the whole objective's, the gradient its kept columns'.
    step = np.zeros_like(u).reshape(-1, 5)
    step[:, keep] = rng.normal(scale=0.1, size=(step.shape[0], 3))
    moved = u + step.ravel()
    whole_value, whole_gradient = _PreconditionedObjective(
        objective, change, coordinates, 5)(moved)
    moved_columns = np.ascontiguousarray(moved.reshape(-1, 5)[:, keep]).ravel()
    part_value, part_gradient = scaled(moved_columns)
    assert part_value == pytest.approx(whole_value, rel=1e-12)
    assert_allclose(part_gradient, whole_gradient.reshape(-1, 5)[:, keep].ravel(), rtol=1e-10)
    assert_allclose(scaled.theta(moved_columns), change.to_theta(moved), rtol=1e-10)


def test_labels_solved_early_leave_the_solve_and_every_label_passes_the_test():
    # Labels of very different difficulty: the easy ones are solved long
    # before the hard ones; at the end each label's gradient, in the test's
    # coordinates, is still below tol.
    from skbce._solver import standardized

    from ._helpers import make_objective

    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 8)) * np.geomspace(0.3, 3, 8)
    scale = np.geomspace(0.1, 10, 12)
    Y = (X @ (rng.normal(size=(8, 12)) * scale) + rng.normal(size=(400, 12)) > 0).astype(int)
    clf = _fit(X, Y, alpha=1e-3)
    objective = make_objective(X, Y, (), "identity", 1e-3)
    theta = objective.layout.pack(clf.coefs_, clf.intercepts_)
    _, gradient = objective.loss_gradient(theta)
    per_label = 12 * standardized(objective).gradient_to_u(gradient)
    assert np.abs(per_label).max() < clf.tol
    assert np.abs(per_label).max() > 0


def test_a_warm_start_that_saturates_a_label_costs_about_a_cold_fit():
    # A rare label's warm start can sit far out on the sigmoid's tail (here an
    # intercept of -23: curvature 1e-10 against 1.2e-2 at the prior of all
    # rows); the map keeps a floor of its intercept-only curvature, so the
    # refit converges in about a cold fit's iterations (eight times as many
    # without the floor).
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 20))
    Y = (X @ rng.standard_normal((20, 5)) + rng.standard_normal((400, 5)) > 2.5).astype(int)
    Y[:, 0] = 0
    Y[:5, 0] = 1
    warm = _fit(X[100:], Y[100:], alpha=1e-3)
    # Never on in those rows: fitted at the clipped prior, not pushed further.
    assert warm.intercepts_[0][0] == pytest.approx(np.log(1e-6 / (1 - 1e-6)), rel=1e-6)
    warm.intercepts_[0][0] = -23.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warm.set_params(warm_start=True).fit(X, Y)
    cold = _fit(X, Y, alpha=1e-3)
    assert warm.n_iter_ <= 2 * cold.n_iter_, (warm.n_iter_, cold.n_iter_)
    assert warm.loss_ == pytest.approx(cold.loss_, rel=1e-6)


def test_prior_curvature_is_the_curvature_at_the_intercept_only_optimum():
    from skbce._problem import logit_of_mean

    from ._helpers import make_objective

    rng = np.random.default_rng(2)
    X, Y = _data(n_labels=3)
    weight = rng.uniform(0.5, 2.0, X.shape[0])
    objective = make_objective(X, Y, (), "identity", 1.0, sample_weight=weight)
    theta = np.zeros(objective.layout.n_params)
    (_,), (intercept,) = objective.layout.unpack(theta)
    intercept[:] = logit_of_mean(weight @ Y, np.full(3, weight.sum()))
    assert_allclose(objective.prior_curvature(), objective.curvature_per_output(theta),
                    rtol=1e-10)


def test_early_stopping_that_keeps_an_earlier_iterate_is_no_convergence_failure():
    # Weak penalty, noise features, 200 rows: the held-out BCE is best within
    # the first iterations, and the solve goes on to the optimum.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 60))
    Y = (rng.random((200, 4)) < 1 / (1 + np.exp(-X[:, :4]))).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = BCEMultiLabelClassifier(alpha=1e-3, early_stopping=True, random_state=0).fit(X, Y)
    best = int(np.argmax(model.validation_scores_))
    assert best < len(model.validation_scores_) - 1
    assert model.best_validation_score_ == model.validation_scores_[best]
    # Its budget still counts: stopped by max_iter, it warns.
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        BCEMultiLabelClassifier(alpha=1e-3, early_stopping=True, max_iter=1,
                                random_state=0).fit(X, Y)


@pytest.mark.parametrize("to_matrix", [np.asarray, sparse.csr_matrix])
def test_one_pass_gives_the_value_gradient_and_curvature_of_separate_ones(to_matrix):
    from ._helpers import make_objective

    X, Y = _data(n_labels=3)
    rng = np.random.default_rng(3)
    weight = rng.uniform(0.5, 2.0, X.shape[0])
    objective = make_objective(to_matrix(X), Y, (), "identity", 0.7, sample_weight=weight,
                               pos_weight=np.array([1.0, 2.0, 0.5]))
    theta = rng.normal(scale=0.5, size=objective.layout.n_params)
    value, gradient, curvature = objective.loss_gradient_curvature(theta)
    losses = objective.last_output_losses.copy()
    expected_value, expected_gradient = objective.loss_gradient(theta)
    assert value == pytest.approx(expected_value, rel=1e-13)
    assert_allclose(gradient, expected_gradient, rtol=1e-13)
    assert_allclose(losses, objective.last_output_losses, rtol=1e-13)
    assert_allclose(curvature, objective.curvature_per_output(theta), rtol=1e-12)


def test_a_warm_start_scales_its_map_from_the_first_evaluation(monkeypatch):
    # A warm start's curvature needs its logits, which the solver's first
    # evaluation computes: no product of its own, and the same iterates as a
    # map scaled from a separate curvature pass.
    from skbce._solver import change_of_variables, minimize_in, solve, standardized

    from ._helpers import make_objective

    X, Y = _data(n_labels=4)
    objective = make_objective(X, Y, (), "identity", 1.0)
    start = solve(objective, np.zeros(objective.layout.n_params), tol=1e-10).theta * 0.5
    coordinates = standardized(objective)
    separate = minimize_in(
        objective, start, change_of_variables(objective, start, "lbfgs", coordinates),
        coordinates, solver="lbfgs", max_iter=500, max_fun=15000, tol=1e-10, verbose=0)

    def no_curvature_pass(theta):
        raise AssertionError("a warm start's curvature took a pass of its own")

    monkeypatch.setattr(objective, "curvature_per_output", no_curvature_pass)
    warm = solve(objective, start, tol=1e-10)
    assert warm.n_iter == separate.n_iter
    assert_allclose(warm.theta, separate.theta, rtol=0, atol=1e-10)


def _path_objective(monkeypatch):
    """A linear objective whose labels differ in signal, solved as a large problem would be."""
    from ._helpers import make_objective

    # Settling is for large problems only: this small one is treated as one.
    monkeypatch.setattr("skbce._solver._NARROW_PRODUCT", 0)
    rng = np.random.default_rng(7)
    X = rng.normal(size=(300, 6))
    signal = np.r_[np.zeros(4), np.full(4, 3.0)]  # four noise labels, four informative
    Y = (X @ rng.normal(size=(6, 8)) * signal + rng.logistic(size=(300, 8)) > 0).astype(int)
    return make_objective(X, Y, (), "identity", 1.0)


def _loss_widths(objective):
    """The output counts of the loss evaluations over ``objective``'s rows (a list, filled)."""
    widths = []
    map_reduce = objective.rows.map_reduce

    def recording(kernel, *args):
        if "loss" in kernel.__name__:
            widths.append(args[0].layer_sizes[-1])
        return map_reduce(kernel, *args)

    objective.rows.map_reduce = recording
    return widths


def test_a_path_solve_leaves_the_labels_the_last_solution_still_solves_unevaluated(monkeypatch):
    from skbce._penalty import L2Penalty
    from skbce._solver import solve, standardized

    objective = _path_objective(monkeypatch)
    layout = objective.layout
    # A path's loose tolerance, which the noise labels' small weights pass
    # at the next strength; the informative labels' do not.
    tol = 1e-2
    objective.penalty = L2Penalty(layout, 0.1)
    strong = solve(objective, np.zeros(layout.n_params), tol=tol)
    objective.penalty = L2Penalty(layout, 0.1 / 1.5)
    widths = _loss_widths(objective)
    weaker = solve(objective, strong.theta, tol=tol, previous=strong)
    # The noise labels keep the stronger penalty's solution; no evaluation
    # is of every label.
    kept = (weaker.theta == strong.theta).reshape(-1, 8).all(axis=0)
    assert kept[:4].all() and not kept[4:].any()
    assert widths and max(widths) == 4
    # Every label passes the test at the new penalty, and the result's value,
    # loss gradient and losses are those of its solution.
    value, gradient = objective.loss_gradient(weaker.theta)
    test = 8 * standardized(objective).gradient_to_u(gradient)
    assert np.abs(test).max() < tol
    assert weaker.value == pytest.approx(value, rel=1e-12)
    penalty_gradient = np.zeros_like(gradient)
    objective.penalty.loss_gradient(weaker.theta, 0.0, penalty_gradient)
    assert_allclose(weaker.loss_gradient, gradient - penalty_gradient, rtol=1e-10, atol=1e-14)
    assert_allclose(weaker.output_losses, objective.last_output_losses, rtol=1e-12)


def test_a_path_solve_whose_last_solution_solves_every_label_evaluates_nothing(monkeypatch):
    from skbce._penalty import L2Penalty
    from skbce._solver import solve

    objective = _path_objective(monkeypatch)
    objective.penalty = L2Penalty(objective.layout, 0.1)
    first = solve(objective, np.zeros(objective.layout.n_params), tol=1e-4)
    widths = _loss_widths(objective)
    again = solve(objective, first.theta * 1.01, tol=1e-4, previous=first)
    assert widths == [] and again.n_iter == 0
    assert_allclose(again.theta, first.theta, rtol=0, atol=0)
    assert again.value == pytest.approx(first.value, rel=1e-12)


def test_after_a_one_iteration_solve_a_strong_penalty_starts_at_its_solution(monkeypatch):
    # Strong penalties along a path: the solution barely moves, so the next
    # solve starts at the last one's and reuses its evaluation (the loss and
    # gradient it ended with, under the new penalty) instead of evaluating
    # a continued start: one evaluation fewer, the same optimum.
    from dataclasses import replace

    from skbce._penalty import L2Penalty
    from skbce._solver import _penalty_dominates, solve, standardized

    objective = _path_objective(monkeypatch)
    monkeypatch.setattr("skbce._solver._NARROW_PRODUCT", 2**62)  # no settling here
    layout = objective.layout
    strong = 4.0 * float(np.max(objective.prior_curvature()))
    objective.penalty = L2Penalty(layout, strong)
    last = solve(objective, np.zeros(layout.n_params), tol=1e-3)
    objective.penalty = L2Penalty(layout, strong / 2)
    assert _penalty_dominates(objective).all()
    evaluated = []
    for name in ("loss_gradient", "loss_gradient_curvature"):
        method = getattr(objective, name)
        monkeypatch.setattr(objective, name,
                            lambda theta, method=method: evaluated.append(theta.copy())
                            or method(theta))
    continued = last.theta * 1.3
    reused = solve(objective, continued, tol=1e-8, previous=replace(last, n_iter=1))
    n_reused, first_reused = len(evaluated), evaluated[0]
    evaluated.clear()
    # After a solve of two iterations, the solve starts where asked.
    asked = solve(objective, continued, tol=1e-8, previous=replace(last, n_iter=2))
    assert_allclose(evaluated[0], continued)
    assert not np.allclose(first_reused, continued)
    assert n_reused == reused.n_iter and len(evaluated) == asked.n_iter + 1
    for result in (reused, asked):
        _, gradient = objective.loss_gradient(result.theta)
        assert np.abs(8 * standardized(objective).gradient_to_u(gradient)).max() < 1e-8
    assert_allclose(reused.theta, asked.theta, atol=1e-6)


def test_a_weak_penalty_settles_no_label_on_a_small_gradient_alone(monkeypatch):
    # Below the labels' curvature from the data, a small gradient can sit far
    # from the optimum: every label is evaluated, from the given start.
    from skbce._penalty import L2Penalty
    from skbce._solver import _settled_outputs, solve, standardized

    objective = _path_objective(monkeypatch)
    layout = objective.layout
    weak = 1e-3 * objective.prior_curvature().min()
    objective.penalty = L2Penalty(layout, weak)
    first = solve(objective, np.zeros(layout.n_params), tol=1e-2)
    objective.penalty = L2Penalty(layout, weak / 1.5)
    gradient = first.loss_gradient.copy()
    objective.penalty.loss_gradient(first.theta, 0.0, gradient)
    test = 8 * standardized(objective).gradient_to_u(gradient)
    assert (np.abs(test).reshape(-1, 8).max(axis=0) < 1e-2).all()  # the gradient passes
    assert _settled_outputs(objective, first, standardized(objective), 1e-2, "lbfgs") == (
        None, None, None)
    widths = _loss_widths(objective)
    solve(objective, first.theta, tol=1e-2, previous=first)
    assert widths[0] == 8
