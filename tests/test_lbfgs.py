"""The lean L-BFGS: the minimizer of SciPy's L-BFGS-B, budgets and a stalled search reported."""

import numpy as np
import pytest
from scipy.optimize import OptimizeResult, minimize

from skbce._lbfgs import _History, minimize_lbfgs, rotate_ring

from ._helpers import make_objective


def _quadratic(seed=0, n=30, condition=1e3):
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(n, n)))
    hessian = basis @ np.diag(np.geomspace(1.0, condition, n)) @ basis.T
    target = rng.normal(size=n)

    def fun(x):
        residual = x - target
        return 0.5 * float(residual @ hessian @ residual), hessian @ residual

    return fun, target


def test_quadratic_reaches_its_minimizer():
    fun, target = _quadratic()
    result = minimize_lbfgs(fun, np.zeros_like(target), max_iter=500, max_fun=1000)
    assert result.status == 0
    np.testing.assert_allclose(result.x, target, atol=1e-6)


@pytest.mark.parametrize("columns", [1, 3], ids=["one-recursion", "one-per-label"])
def test_bce_objective_minimum_equals_lbfgsb(columns):
    # One recursion per label reads the flat vector as the (d + 1, K) matrix
    # of the linear model's weights and intercepts: the labels' problems.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 8)) * np.geomspace(0.1, 10, 8)
    Y = (X @ rng.normal(size=(8, 3)) + rng.normal(size=(200, 3)) > 0).astype(float)
    Y[:, 2] = rng.random(200) < 0.03  # a rare label: a curvature far below the others'
    objective = make_objective(X, Y, (), alpha=0.1)
    x0 = np.zeros(objective.layout.n_params)
    ours = minimize_lbfgs(objective.loss_gradient, x0, max_iter=1000, max_fun=5000,
                          columns=columns)
    expected = minimize(objective.loss_gradient, x0, jac=True, method="L-BFGS-B",
                        options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 1000})
    # Both end on the decrease of the objective at rounding level.
    assert ours.fun == pytest.approx(expected.fun, rel=1e-9)
    np.testing.assert_allclose(ours.x, expected.x, atol=1e-3)


def test_callback_sees_each_iterate_and_can_stop():
    fun, target = _quadratic(condition=10.0)
    seen = []

    def callback(intermediate):
        assert isinstance(intermediate, OptimizeResult)
        seen.append(intermediate.fun)
        if len(seen) == 3:
            raise StopIteration

    result = minimize_lbfgs(fun, np.zeros_like(target), max_iter=100, max_fun=1000,
                            callback=callback)
    assert result.nit == 3 and result.status == 0 and len(seen) == 3
    assert seen == sorted(seen, reverse=True)  # every step lowers the objective


@pytest.mark.parametrize("budget", ["max_iter", "max_fun"])
def test_budgets_are_reported(budget):
    fun, target = _quadratic(condition=1e6)
    limits = {"max_iter": 1000, "max_fun": 5000, budget: 4}
    result = minimize_lbfgs(fun, np.zeros_like(target), **limits)
    assert result.status == 1 and "LIMIT" in result.message


def test_a_wrong_gradient_stalls_the_line_search():
    fun, target = _quadratic()

    def wrong(x):
        value, gradient = fun(x)
        return value, -gradient

    result = minimize_lbfgs(wrong, np.zeros_like(target), max_iter=100, max_fun=1000)
    assert result.status == 2 and "line search" in result.message


def _narrow_solved_columns(fun, state, n_rows, record=None):
    """A ``narrow`` hook: drop the columns of ``state["columns"]`` whose gradient is ~0.

    ``record(x, columns, keep)`` sees each narrowing before it is made.
    """

    def narrow(x):
        columns = state["columns"]
        gradient = fun(x)[1].reshape(n_rows, len(columns))
        solved = np.abs(gradient).max(axis=0) < 1e-9
        if not solved.any() or solved.all():
            return None
        keep = np.flatnonzero(~solved)
        if record is not None:
            record(x, columns, keep)
        state["columns"] = columns[keep]
        return keep

    return narrow


def test_narrowing_to_unsolved_columns_keeps_their_recursions_and_reaches_the_minimizer():
    # Three independent column problems of very different conditioning; each
    # column leaves the solve once its gradient is small, and the others go on
    # from where they were.
    rng = np.random.default_rng(2)
    n_rows, n_columns = 20, 3
    curvature = np.stack([np.geomspace(1.0, c, n_rows) for c in (1.0, 30.0, 1e3)], axis=1)
    target = rng.normal(size=(n_rows, n_columns))
    state = {"columns": np.arange(n_columns)}
    solution = np.zeros((n_rows, n_columns))
    narrowings = []

    def fun(x):
        columns = state["columns"]
        residual = x.reshape(n_rows, len(columns)) - target[:, columns]
        gradient = curvature[:, columns] * residual
        return 0.5 * float(np.sum(residual * gradient)), gradient.ravel()

    def record(x, columns, keep):
        solution[:, columns] = x.reshape(n_rows, len(columns))
        narrowings.append(len(keep))

    narrow = _narrow_solved_columns(fun, state, n_rows, record)
    result = minimize_lbfgs(fun, np.zeros(target.size), max_iter=2000, max_fun=4000,
                            columns=n_columns, narrow=narrow)
    solution[:, state["columns"]] = result.x.reshape(n_rows, -1)
    assert narrowings and narrowings == sorted(narrowings, reverse=True)
    assert result.x.size == n_rows * narrowings[-1]
    np.testing.assert_allclose(solution, target, atol=1e-6)


def test_columns_solved_at_a_warm_start_leave_before_the_first_trial():
    # A regularization path's start: most columns are at their minimizer
    # already, and the first trial step evaluates the others only.
    n_rows, n_columns = 10, 4
    target = np.arange(n_rows * n_columns, dtype=float).reshape(n_rows, n_columns)
    state = {"columns": np.arange(n_columns)}
    widths = []

    def fun(x):
        columns = state["columns"]
        residual = x.reshape(n_rows, len(columns)) - target[:, columns]
        widths.append(len(columns))
        return 0.5 * float(np.sum(residual**2)), residual.ravel()

    narrow = _narrow_solved_columns(fun, state, n_rows)
    start = target.copy()
    start[:, 3] = 0.0  # only the last column is away from its minimizer
    result = minimize_lbfgs(fun, start.ravel(), max_iter=50, max_fun=100,
                            columns=n_columns, narrow=narrow)
    # The start (and the hook's look at it) at full width; every trial at one column.
    assert widths[:2] == [4, 4] and set(widths[2:]) == {1}
    np.testing.assert_allclose(result.x, target[:, 3], atol=1e-8)


def test_a_pair_without_curvature_in_a_full_ring_drops_the_oldest_pair_and_nothing_else():
    # The rejected pair is written into the slot of the oldest one: that
    # pair must leave the recursion, and the newer pairs stay in it.
    rng = np.random.default_rng(3)
    n, m = 12, 3
    steps = [rng.normal(size=n) for _ in range(m + 1)]
    hessian = np.diag(np.geomspace(1.0, 50.0, n))
    full, newer = _History(n, m), _History(n, m)
    x = np.zeros(n)
    for i, step in enumerate(steps[:m]):
        full.add(x + step, x, hessian @ (x + step), hessian @ x)
        if i > 0:
            newer.add(x + step, x, hessian @ (x + step), hessian @ x)
        x = x + step
    # y = -s: negative curvature along the step, in the only column.
    full.add(x + steps[m], x, -steps[m], np.zeros(n))
    gradient = rng.normal(size=n)
    np.testing.assert_allclose(full.direction(gradient, np.empty(n)),
                               newer.direction(gradient, np.empty(n)), rtol=1e-12)


def _filled_history(rng, n_rows=6, n_columns=3, m=3, n_pairs=5):
    """A per-column history whose ring has wrapped, with a pair one column left out."""
    history = _History(n_rows * n_columns, m, n_columns)
    curvature = rng.uniform(0.5, 20.0, size=(n_rows, n_columns))
    x = np.zeros(n_rows * n_columns)
    for i in range(n_pairs):
        step = rng.normal(size=x.size)
        change = (curvature * step.reshape(n_rows, n_columns)).ravel()
        if i == n_pairs - 2:
            change.reshape(n_rows, n_columns)[:, 1] *= -1  # no curvature in column 1
        history.add(x + step, x, change, np.zeros_like(x))
        x = x + step
    return history


def test_adopted_pairs_give_the_same_directions():
    # A path's next solve starts from the ring a solve ends with: the same
    # recursion of every column, the pair a column left out still left out.
    rng = np.random.default_rng(4)
    history = _filled_history(rng)
    gradient = rng.normal(size=history.rows * history.columns)
    expected = history.direction(gradient, np.empty_like(gradient))
    adopted = _History(gradient.size, history.m, history.columns)
    s, y, used, newest = history.pairs()
    np.testing.assert_array_equal(newest, history.newest)
    adopted.adopt(s, y, used, history.newest)
    np.testing.assert_allclose(adopted.direction(gradient, np.empty_like(gradient)), expected,
                               rtol=1e-12)
    assert adopted.size == history.m


def test_a_short_solve_carries_no_uninitialized_slots_into_the_next():
    # A solve of one iteration fills one of the ring's m slots; the next
    # solve adopts the whole ring and recurses over every slot with rho = 0
    # for the empty ones. Whatever the allocator left there (NaN here, freed
    # just before) must not reach the direction: 0 * NaN is NaN.
    rng = np.random.default_rng(6)
    for _ in range(20):
        freed = np.full((5, 4, 3), np.nan)
        del freed
        history = _History(12, 5, columns=3)
        x, step = rng.normal(size=12), rng.normal(size=12)
        history.add(x + step, x, 2.0 * step, np.zeros(12))
        s, y, used, newest = history.pairs()
        assert np.isfinite(s).all() and np.isfinite(y).all()
        assert used.sum(axis=0).tolist() == [1, 1, 1]
        gradient = rng.normal(size=12)
        expected = history.direction(gradient, np.empty(12))
        adopted = _History(12, 5, columns=3)
        adopted.adopt(s, y, used, int(newest[0]))
        np.testing.assert_allclose(adopted.direction(gradient, np.empty(12)), expected,
                                   rtol=1e-12)


def test_pairs_of_a_dropped_column_are_those_it_had_when_it_left():
    rng = np.random.default_rng(5)
    history = _filled_history(rng)
    history.keep_pairs = True
    gradient = rng.normal(size=history.rows * history.columns)
    before = history.direction(gradient, np.empty_like(gradient)).reshape(history.rows, -1)
    history.keep_columns(np.array([0, 2]))  # column 1 is solved
    # Columns 0 and 2 go on for two more steps.
    x = np.zeros(history.rows * 2)
    for _ in range(2):
        step = rng.normal(size=x.size)
        history.add(x + step, x, 3.0 * step, np.zeros_like(x))
        x = x + step
    after = history.direction(gradient.reshape(history.rows, -1)[:, [0, 2]].ravel(),
                              np.empty(x.size)).reshape(history.rows, -1)
    s, y, used, newest = history.pairs()
    assert newest[1] == (history.newest - 2) % history.m  # two pairs older
    # Turned to the others' newest slot, column 1 recurses as before.
    rotate_ring(history.newest - newest[1], np.array([1]), s, y, used)
    whole = _History(gradient.size, history.m, 3)
    whole.adopt(s, y, used, history.newest)
    direction = whole.direction(gradient, np.empty_like(gradient)).reshape(history.rows, -1)
    np.testing.assert_allclose(direction[:, [0, 2]], after, rtol=1e-12)
    # Column 1 keeps the recursion it had (its pairs visited in the ring's order).
    np.testing.assert_allclose(direction[:, 1], before[:, 1], rtol=1e-12)
