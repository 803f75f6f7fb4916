"""A lean unconstrained L-BFGS for the linear model's smooth, convex objective.

SciPy's L-BFGS-B carries the machinery of bound constraints (a generalized
Cauchy point, subspace minimization) into every iteration; on the linear
model's tens of thousands of parameters that machinery costs more than the
objective itself (measured on sparse text: 55% of a fit's time, against a few
percent for this two-loop recursion). The linear model has no bounds, so it is
solved here: the two-loop recursion on a ring buffer of the last ``m``
correction pairs, the initial inverse Hessian scaled by ``s.y / y.y``, and a
backtracking line search on the Armijo condition with quadratic
interpolation. A pair is kept only where ``s.y > 0``, which the convex
objective gives for every step, so the implicit inverse Hessian stays positive
definite. In the solver's preconditioned variables the Hessian is close to the
identity, so the first trial step of 1 is usually accepted. Pure NumPy.
"""

import numpy as np
from scipy.optimize import OptimizeResult

# Armijo's sufficient-decrease constant, as in the usual Wolfe conditions.
_ARMIJO = 1e-4

# A line search that has shrunk the step below this fraction of the first
# trial has failed: the objective no longer decreases along the direction.
_SMALLEST_STEP = 1e-12

# Stop when an iteration lowers the objective by less than this fraction of
# its magnitude (the floor of scikit-learn's LogisticRegression and of our
# L-BFGS-B calls), leaving the decision to the caller's gradient test.
_FTOL = 64 * np.finfo(np.float64).eps


# Correction pairs kept. In the solver's preconditioned variables the Hessian
# is near the identity and a few pairs describe what is left; each pair costs
# two passes over a parameter-sized row per iteration, which on tens of
# thousands of parameters is most of an iteration (5 instead of 10 pairs:
# the same iterations and a third less time on sparse text, see
# benchmarks/README.md).
_PAIRS = 5

# The budget messages are SciPy's L-BFGS-B's, which users and docs know.
_ITERATIONS_LIMIT = "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
_EVALUATIONS_LIMIT = "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"


def keep_columns(vector, n_columns, keep):
    """Columns ``keep`` (indices or a slice) of ``vector`` as a ``(-1, n_columns)`` matrix, flat."""
    matrix = vector.reshape(-1, n_columns)
    if isinstance(keep, slice):
        return np.ascontiguousarray(matrix[:, keep]).ravel()
    # ``take``, not ``matrix[:, keep]``: indexing the last axis by an array
    # lays the result out column by column, and making it contiguous copies
    # it again (ten times the time of ``take`` on a 24,587 x 101 matrix).
    return np.take(matrix, keep, axis=1).ravel()


def rotate_ring(shift, columns, s, y, used):
    """Move the pairs of ``columns`` ``shift`` slots on in the ring ``(s, y, used)``, in place."""
    if shift % s.shape[0]:
        s[:, :, columns] = np.roll(s[:, :, columns], shift, axis=0)
        y[:, :, columns] = np.roll(y[:, :, columns], shift, axis=0)
        used[:, columns] = np.roll(used[:, columns], shift, axis=0)


class _History:
    """The last ``m`` correction pairs ``(s, y)``, one recursion per column block.

    With ``columns=K`` the parameter vector is read as a ``(n / K, K)``
    matrix (the linear model's layout: each column holds one label's
    weights and intercept) and each column gets its own two-loop recursion:
    its own ``rho``, ``alpha`` and initial scale ``s.y / y.y``. The linear
    model's labels are independent problems, so this is ``K`` L-BFGS
    directions at once, each scaled to its label's curvature (a rare label's
    curvature can be orders of magnitude below a common one's).
    """

    def __init__(self, n_params, m, columns=1):
        self.columns = columns
        self.rows = n_params // columns
        # Zeros, not empty: the slots a short solve never fills are exported
        # with its pairs (pairs()), scaled and iterated over by the next
        # solve's recursion with rho = 0, and 0 * (NaN or inf left in
        # uninitialized memory) would be NaN.
        self.s = np.zeros((m, self.rows, columns))
        self.y = np.zeros((m, self.rows, columns))
        self.rho = np.zeros((m, columns))
        self.gamma = np.ones(columns)
        self.size = 0
        self.newest = -1
        self.m = m
        self._buffer = np.empty((self.rows, columns))
        # Each column's index among the columns the history started with,
        # and the pairs of those dropped since (see pairs()): kept only once
        # asked for, by keep_pairs.
        self.index = np.arange(columns)
        self.n_initial = columns
        self._dropped = None
        self.keep_pairs = False

    def add(self, x_new, x, gradient_new, gradient):
        """Store ``s = x_new - x``, ``y = gradient_new - gradient`` (in place).

        A column without positive curvature along the step (``s.y <= 0``)
        gets ``rho = 0``: the pair does not take part in its recursion.
        """
        row = (self.newest + 1) % self.m
        s, y = self.s[row], self.y[row]
        np.subtract(x_new.reshape(s.shape), x.reshape(s.shape), out=s)
        np.subtract(gradient_new.reshape(y.shape), gradient.reshape(y.shape), out=y)
        sy = np.einsum("ij,ij->j", s, y)
        yy = np.einsum("ij,ij->j", y, y)
        valid = sy > 1e-10 * yy
        if not valid.any():
            # The slot was just overwritten: when the ring is full it held
            # the oldest pair, which must then leave every recursion.
            self.rho[row] = 0.0
            return
        self.newest = row
        self.rho[row] = np.divide(1.0, sy, out=np.zeros_like(sy), where=valid)
        self.gamma = np.where(valid, np.divide(sy, yy, out=np.ones_like(sy), where=valid),
                              self.gamma)
        self.size = min(self.size + 1, self.m)

    def _order(self):
        """Ring slots of the pairs, newest first."""
        return [(self.newest - i) % self.m for i in range(self.size)]

    def _used(self, columns=None):
        """Which ring slots hold a pair of each of ``columns`` (all: ``None``) that it uses."""
        rho = self.rho if columns is None else self.rho[:, columns]
        in_ring = np.zeros(self.m, dtype=bool)
        in_ring[self._order()] = True
        return (rho != 0) & in_ring[:, None]

    def pairs(self):
        """Every initial column's pairs ``(s, y, used, newest)``.

        ``s`` and ``y`` of shape (m, rows, n) are the ring (the history's
        own arrays: it is not used afterwards), ``used`` (m, n) says which
        slots hold a pair a column uses, ``newest`` (n,) each column's
        newest slot. A column dropped by :meth:`keep_columns` (with
        ``keep_pairs``) has its pairs then, newest where it was then.
        """
        newest = np.full(self.n_initial, self.newest % self.m)
        if self._dropped is None:
            return self.s, self.y, self._used(), newest
        s, y, used, drops = self._dropped
        for at, newest_then in drops:
            newest[at] = newest_then % self.m
        s[:, :, self.index], y[:, :, self.index] = self.s, self.y
        used[:, self.index] = self._used()
        return s, y, used, newest

    def adopt(self, s, y, used, newest):
        """Start from the ring of pairs ``(s, y, used)``, every column's newest in slot ``newest``.

        The arrays become the history's own. A column takes part in the
        recursions of the pairs it ``used`` that still have ``s.y > 0``.
        """
        if s.shape != self.s.shape or y.shape != self.y.shape:
            raise ValueError(f"Pairs of shape {s.shape} for a history of {self.s.shape}.")
        self.s, self.y = s, y
        sy = np.einsum("pij,pij->pj", s, y)
        yy = np.einsum("pij,pij->pj", y, y)
        valid = used & (sy > 1e-10 * yy)
        self.rho = np.divide(1.0, sy, out=np.zeros_like(sy), where=valid)
        self.gamma = np.ones(self.columns)
        for i in range(self.m - 1, -1, -1):  # oldest to newest: the newest valid pair's scale
            slot = (newest - i) % self.m
            np.divide(sy[slot], yy[slot], out=self.gamma, where=valid[slot])
        self.size, self.newest = (self.m, newest) if valid.any() else (0, -1)

    def clear(self):
        self.size, self.newest = 0, -1
        self.gamma[:] = 1.0

    def keep_columns(self, keep):
        """Keep the pairs of the columns ``keep`` only (their recursions go on unchanged)."""
        if self.keep_pairs:
            dropped = np.setdiff1d(np.arange(self.columns), keep)
            at = self.index[dropped]
            if self._dropped is None:
                # The first narrowing: the whole arrays hold every column's
                # pairs in place, and keep those of the dropped ones.
                self._dropped = (self.s, self.y, self._used(), [])
            else:
                s, y, used, _ = self._dropped
                s[:, :, at], y[:, :, at] = self.s[:, :, dropped], self.y[:, :, dropped]
                used[:, at] = self._used(dropped)
            self._dropped[3].append((at, self.newest))
        self.index = self.index[keep]
        self.s = np.take(self.s, keep, axis=2)  # C-contiguous (see keep_columns)
        self.y = np.take(self.y, keep, axis=2)
        self.rho = np.take(self.rho, keep, axis=1)
        self.gamma = self.gamma[keep]
        self.columns = len(keep)
        self._buffer = np.empty((self.rows, self.columns))

    def direction(self, gradient, out):
        """Write ``-H gradient`` into ``out``, H the implicit inverse Hessian."""
        q = out.reshape(self.rows, self.columns)
        np.copyto(q, gradient.reshape(q.shape))
        order = self._order()
        alphas = np.empty((self.size, self.columns))
        scaled = self._buffer
        for i, row in enumerate(order):  # newest to oldest
            alphas[i] = self.rho[row] * np.einsum("ij,ij->j", self.s[row], q)
            np.multiply(self.y[row], alphas[i], out=scaled)
            q -= scaled
        q *= self.gamma
        for i in range(self.size - 1, -1, -1):  # oldest to newest
            row = order[i]
            beta = self.rho[row] * np.einsum("ij,ij->j", self.y[row], q)
            np.multiply(self.s[row], alphas[i] - beta, out=scaled)
            q += scaled
        np.negative(out, out=out)
        return out


def minimize_lbfgs(fun, x0, *, max_iter, max_fun, callback=None, m=_PAIRS, columns=1,
                   narrow=None, history=None, keep_pairs=False):
    """Minimize ``fun`` (``x -> (value, gradient)``) from ``x0`` by L-BFGS.

    Parameters
    ----------
    fun : callable
        Returns the value and the gradient (float64) at ``x``.
    x0 : ndarray of shape (n_params,)
    max_iter : int
        Iteration budget.
    max_fun : int
        Budget of evaluations of ``fun``.
    callback : callable, default=None
        Called after each iteration with an ``OptimizeResult`` holding ``x``
        and ``fun``, as ``scipy.optimize.minimize`` does; raising
        ``StopIteration`` ends the solve (a convergence the caller decided).
    m : int, default=5
        Number of correction pairs kept.
    columns : int, default=1
        Read ``x`` as a ``(n / columns, columns)`` matrix of independent
        column problems (see :class:`_History`); 1 for one problem.
    narrow : callable, default=None
        With ``columns > 1``, called at the start and after each iteration
        but the last (after ``callback``) as ``narrow(x)``; it returns ``None``, or the indices
        of the columns to go on with, the others being solved. ``x`` then
        keeps those columns only, each with its correction pairs, and ``fun``
        must from then on take and give the narrowed vectors (the caller
        narrows it inside ``narrow``). The objective is re-evaluated there.
    history : _History, default=None
        The correction pairs to start from (``m`` and ``columns`` are then
        its own); updated in place. ``None`` starts without any.
    keep_pairs : bool, default=False
        Keep the pairs of the columns a narrowing drops, for the result's
        ``history.pairs()`` (a path's next solve starts from them).

    Returns
    -------
    OptimizeResult
        ``x``, ``fun``, ``nit``, ``nfev``, ``status`` (0: converged by the
        caller or by the objective's decrease, 1: a budget, 2: the line
        search failed), ``message`` and ``history`` (the last pairs). After
        a narrowing ``x`` holds the remaining columns only.
    """
    x = np.array(x0, dtype=np.float64)
    value, gradient = fun(x)
    n_eval = 1
    if history is None:
        history = _History(x.size, m, columns)
    history.keep_pairs = keep_pairs
    direction = np.empty_like(x)
    status, message, n_iter = 1, _ITERATIONS_LIMIT, 0
    while n_iter < max_iter:
        # At the start too: a warm start can leave many columns solved
        # already, and the first trial then evaluates the others only.
        keep = None if narrow is None else narrow(x)
        if keep is not None:
            x = keep_columns(x, history.columns, keep)
            history.keep_columns(keep)
            value, gradient = fun(x)
            n_eval += 1
            direction = np.empty_like(x)
        history.direction(gradient, direction)
        slope = float(gradient @ direction)
        if not slope < 0:  # not a descent direction (rounding): restart as steepest descent
            history.clear()
            np.negative(gradient, out=direction)
            slope = float(gradient @ direction)
        if history.size == 0:
            # Without curvature pairs, a first step of unit length in the largest entry.
            step = min(1.0, 1.0 / max(float(np.max(np.abs(direction))), 1e-300))
        else:
            step = 1.0
        first_step = step
        while True:
            trial = x + step * direction
            trial_value, trial_gradient = fun(trial)
            n_eval += 1
            if np.isfinite(trial_value) and trial_value <= value + _ARMIJO * step * slope:
                break
            if step < _SMALLEST_STEP * first_step or n_eval >= max_fun:
                trial = None
                break
            # Minimum of the quadratic through value, slope and trial_value,
            # kept within [0.1, 0.5] of the step (halving where not finite).
            if np.isfinite(trial_value):
                denominator = 2.0 * (trial_value - value - slope * step)
                shrunk = -slope * step**2 / denominator if denominator > 0 else 0.5 * step
                step = min(max(shrunk, 0.1 * step), 0.5 * step)
            else:
                step *= 0.5
        if trial is None:
            status = 1 if n_eval >= max_fun else 2
            message = (_EVALUATIONS_LIMIT if status == 1
                       else "the line search found no decrease")
            break
        n_iter += 1
        history.add(trial, x, trial_gradient, gradient)
        decrease = value - trial_value
        x, value, gradient = trial, trial_value, trial_gradient
        if callback is not None:
            try:
                callback(OptimizeResult(x=x, fun=value))
            except StopIteration:
                status, message = 0, "stopped by the callback"
                break
        if decrease <= _FTOL * max(abs(value), 1.0):
            status, message = 0, "the objective stopped decreasing"
            break
        if n_eval >= max_fun:
            status, message = 1, _EVALUATIONS_LIMIT
            break
    return OptimizeResult(x=x, fun=value, nit=n_iter, nfev=n_eval, status=status,
                          message=message, history=history)
