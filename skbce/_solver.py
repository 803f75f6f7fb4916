"""The solve: stopping coordinates, change of variables, BLAS threads, ``minimize``, warnings.

The solver owns every numerical policy of a fit: the coordinates of the
stopping test (the model's standardized coordinates, the objective scaled
to one label's), the change of variables L-BFGS works in, and the BLAS
thread setting. It needs only the objective protocol
(:class:`skbce._objective.Objective`), whatever the backend.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import OptimizeResult, minimize
from sklearn.exceptions import ConvergenceWarning

from ._curvature_pairs import CurvaturePairs, carried_history, kept_pairs
from ._lbfgs import _PAIRS, keep_columns, minimize_lbfgs
from ._preconditioner import (
    FeatureBasis,
    LeadingDirections,
    centred_diagonal_map,
    correlated,
    covariance_is_affordable,
    covariance_stride,
    feature_basis,
    leading_directions,
    low_rank_jacobi_map,
    low_rank_size,
    scaled_preconditioner,
    standardized_coordinates,
)
from ._threads import one_blas_thread, solve_blas_threads

# L-BFGS-B stops when the relative decrease of the objective is below this;
# the same floor as scikit-learn's LogisticRegression, so `tol` (on the
# gradient) is what decides convergence.
_FTOL = 64 * np.finfo(np.float64).eps

SOLVERS = ("lbfgs", "newton-cg")

# The linear model's map takes each label's curvature at the start, but at
# least this fraction of its curvature at the intercept-only optimum: its
# scale at most ten times that of a cold start. Along the CV path the floor
# changes nothing (the same iterations on yeast, emotions, CAL500, scene and
# medical); from the mean of medical's fold solutions, which saturates its
# rare labels, a fit took 40 iterations instead of running to max_iter.
_CURVATURE_FLOOR = 1e-2


@dataclass
class SolverResult:
    """What a fit keeps of the optimization.

    Attributes
    ----------
    theta : ndarray of shape (n_params,)
        The solution.
    value : float
        Objective at ``theta``.
    n_iter : int
        Iterations run: at least 1, 0 when every output kept the previous
        solution (see :func:`solve`'s ``previous``).
    loss_curve : list of float
        Objective after each iteration.
    validation_scores : list of float or None
        With early stopping, the held-out score after each iteration.
    loss_gradient : ndarray of shape (n_params,) or None
        The linear model under L-BFGS: the gradient of the loss (without the
        penalty) at ``theta``, each output's part from its last evaluation.
        ``None`` otherwise.
    output_losses : ndarray of shape (n_outputs,) or None
        With ``loss_gradient``: each output's loss (without the penalty) at ``theta``.
    curvature_pairs : CurvaturePairs or None
        With :func:`solve`'s ``carry_pairs``, under the full covariance or
        the diagonal map: the solver's last correction pairs, for a path's
        next solve.
    start_curvature : ndarray of shape (n_outputs,) or None
        The linear model under L-BFGS: each output's curvature the change of
        variables was scaled by (at the start).
    """

    theta: np.ndarray
    value: float
    n_iter: int
    loss_curve: list = field(default_factory=list)
    validation_scores: list | None = None
    loss_gradient: np.ndarray | None = None
    output_losses: np.ndarray | None = None
    curvature_pairs: CurvaturePairs | None = None
    start_curvature: np.ndarray | None = None


class _PreconditionedObjective:
    """The objective in the solver's variables ``u``, with ``theta = T(u)``.

    ``T`` is a change of variables from :mod:`skbce._preconditioner`; it
    makes the curvature the solver must learn closer to the identity. The
    stopping test is separate from ``T``: it reads the last gradient in the
    model's standardized coordinates (``coordinates``), times ``scale``.

    For the linear model, :meth:`narrow` drops the outputs that pass the
    test: each output is its own problem, so the solved ones keep their
    parameters, their part of the value and their verdict, and later
    evaluations compute the others only. :meth:`settle` does so before any
    evaluation, for outputs whose gradient at a known point is given.
    """

    def __init__(self, objective, change, coordinates, scale):
        self.objective = objective
        self.change = change
        self.coordinates = coordinates
        self.scale = scale
        self.last_u = None
        self._last_theta = None
        self._last_gradient = None
        self._last_test = None
        self._whole = (objective, change, coordinates)
        self._outputs = None  # all outputs
        self._last_losses = None
        # Once narrowed, the whole problem's (n_features + 1, n_outputs)
        # parameters and gradients, and its outputs' losses: the solved
        # outputs' from their last evaluation.
        self._solved_theta = None
        self._solved_gradient = None
        self._solved_losses = None
        self._solved_value = 0.0
        self._solved_test = 0.0

    def __call__(self, u):
        if self.last_u is not None and np.array_equal(u, self.last_u):
            return self._last_result  # the start, already evaluated by the caller
        theta = self.change.to_theta(u)
        self.seed(u, *self.objective.loss_gradient(theta))
        # Kept: the narrowing and the solve's end read the last point's
        # parameters, and the map costs d^2 per output to apply again.
        self._last_theta = theta
        return self._last_result

    def seed(self, u, value, gradient):
        """Take ``value`` and ``gradient`` (in ``theta``) as the evaluation at ``u``.

        Every evaluation ends here; so does the start's when it was evaluated
        before the change of variables was built, and the solver's first call
        at ``u`` then costs nothing.
        """
        self.last_u = u.copy()
        self._last_theta = None
        # The test's coordinates are only read at accepted iterates, not at
        # every line-search trial: the raw gradient is kept until then.
        self._last_gradient = gradient
        self._last_losses = self.objective.last_output_losses
        self._last_test = None
        self._last_result = value + self._solved_value, self.change.gradient_to_u(gradient)

    def _last_test_gradient(self):
        # Formed once per point: the stopping test and the narrowing both read it.
        if self._last_test is None:
            self._last_test = self.scale * self.coordinates.gradient_to_u(self._last_gradient)
        return self._last_test

    def _largest_last_test_gradient(self):
        largest = float(np.max(np.abs(self._last_test_gradient()), initial=0.0))
        return max(largest, self._solved_test)

    def largest_test_gradient(self, u):
        """``max |scaled gradient in standardized coordinates|`` at ``u``."""
        if self.last_u is None or not np.array_equal(u, self.last_u):
            self(u)
        return self._largest_last_test_gradient()

    def converged(self, tol):
        """Whether the last gradient evaluated passes the stopping test."""
        return self._largest_last_test_gradient() < tol

    def solved_outputs(self, tol):
        """Which of the current outputs pass the test at the last gradient (linear model)."""
        return _output_tests(self._last_test_gradient(), self.layout_outputs) < tol

    @property
    def outputs(self):
        """Indices of the current outputs among the whole problem's (linear model)."""
        if self._outputs is None:
            return np.arange(self.objective.layout.layer_sizes[-1])
        return self._outputs

    @property
    def layout_outputs(self):
        return self.objective.layout.layer_sizes[-1]

    def narrow(self, keep):
        """Go on with the current outputs ``keep`` (indices) only, at the last point.

        Returns the narrowed last point. Its value and gradient are those
        of the last evaluation, restricted: the kept outputs' columns of the
        gradient (each output's map acts on its own column) and their losses
        plus penalties, so the solver's next call at it costs nothing.
        """
        whole = self._whole[0]
        n_outputs = self.layout_outputs
        theta = self._current_theta(self.last_u).reshape(-1, n_outputs)
        if self._solved_theta is None:
            shape = (theta.shape[0], whole.layout.layer_sizes[-1])
            self._solved_theta, self._solved_gradient = np.empty(shape), np.empty(shape)
            self._solved_losses = np.empty(shape[1])
            self._outputs = np.arange(n_outputs)
        self._solved_theta[:, self._outputs] = theta
        self._solved_gradient[:, self._outputs] = self._last_gradient.reshape(-1, n_outputs)
        self._solved_losses[self._outputs] = self._last_losses
        solved = np.ones(n_outputs, dtype=bool)
        solved[keep] = False
        test = _output_tests(self._last_test_gradient(), n_outputs)[solved]
        self._solved_test = max(self._solved_test, float(np.max(test, initial=0.0)))
        value, gradient_u = self._last_result
        # The kept outputs' part of the value: their losses and penalties.
        objective = self.objective
        part = float((self._last_losses + objective.penalty.output_values(
            theta[:-1]))[keep].sum())
        last_gradient, last_losses = self._last_gradient, self._last_losses
        narrowed = self._go_on_with(keep, self.last_u, whole.for_outputs(self._outputs[keep]))
        self.last_u = narrowed.copy()
        # Each output's map acts on its own column: the kept columns are the narrowed point's.
        self._last_theta = keep_columns(theta.ravel(), n_outputs, keep)
        self._last_gradient = keep_columns(last_gradient, n_outputs, keep)
        self._last_losses = last_losses[keep]
        # What the solved outputs add to the value from now on.
        self._solved_value = value - part
        self._last_result = value, keep_columns(gradient_u, n_outputs, keep)
        return narrowed

    def settle(self, u, settled, theta, gradient, losses, test, others):
        """Leave the outputs ``settled`` at ``theta``'s columns, before any evaluation.

        ``gradient`` (of the objective, in ``theta``) and ``losses`` are the
        whole problem's at ``theta``, known from elsewhere, and ``test`` the
        settled outputs' largest test entry there; they keep their parts and
        that verdict. The solve goes on from ``u`` (the whole problem's
        start) with the other outputs, whose objective is ``others``.
        Returns their start.
        """
        whole = self._whole[0]
        n_outputs = self.layout_outputs
        rows = theta.size // n_outputs
        self._solved_theta = theta.reshape(rows, n_outputs).copy()
        self._solved_gradient = gradient.reshape(rows, n_outputs).copy()
        self._solved_losses = np.array(losses, dtype=np.float64)
        self._solved_test = test
        self._solved_value = float((self._solved_losses + whole.penalty.output_values(
            self._solved_theta[:-1]))[settled].sum())
        self._outputs = np.arange(n_outputs)
        return self._go_on_with(np.flatnonzero(~settled), u, others)

    def _go_on_with(self, keep, u, objective):
        """Restrict the outputs, the maps and ``u`` to the current outputs ``keep``."""
        _, whole_change, whole_coordinates = self._whole
        n_outputs = self.layout_outputs
        self._outputs = self._outputs[keep]
        self.objective = objective
        self.change = whole_change.for_outputs(self._outputs)
        self.coordinates = whole_coordinates.for_outputs(self._outputs)
        self.last_u = None
        self._last_theta = None
        self._last_test = None
        return keep_columns(u, n_outputs, keep)

    def final_state(self):
        """The whole problem's loss gradient (without the penalty) and output losses.

        At the last point evaluated (the solved outputs' parts from their
        last evaluation), for a later solve's :meth:`settle`.
        """
        gradient, losses = self._last_gradient, self._last_losses
        if self._outputs is None:
            gradient, losses = gradient.copy(), np.array(losses, dtype=np.float64)
        else:
            whole_gradient, losses = self._solved_gradient.copy(), self._solved_losses.copy()
            whole_gradient[:, self._outputs] = gradient.reshape(whole_gradient.shape[0], -1)
            losses[self._outputs] = self._last_losses
            gradient = whole_gradient.ravel()
        penalty_gradient = np.zeros_like(gradient)
        self._whole[0].penalty.loss_gradient(self.theta(self.last_u), 0.0, penalty_gradient)
        gradient -= penalty_gradient
        return gradient, losses

    def hessp(self, u, vector):
        return self.change.hessp_to_u(self.objective.hessp, u, vector)

    def _current_theta(self, u):
        """The current outputs' parameters at ``u`` (the last evaluation's, when it was there)."""
        if self._last_theta is not None and np.array_equal(u, self.last_u):
            return self._last_theta
        return self.change.to_theta(u)

    def theta(self, u):
        theta = self._current_theta(u)
        if self._outputs is None:
            return theta
        whole = self._solved_theta.copy()
        whole[:, self._outputs] = theta.reshape(whole.shape[0], -1)
        return whole.ravel()

    def u(self, theta):
        if self._outputs is not None:
            raise ValueError("u(theta) is for the whole problem, before any narrowing.")
        return self.change.to_u(theta)


def _output_tests(test_gradient, n_outputs):
    """Each output's largest ``|entry|`` of a scaled gradient in standardized coordinates."""
    return np.abs(test_gradient).reshape(-1, n_outputs).max(axis=0)


# The linear model's solve goes on with the unsolved outputs once at least
# this fraction of them passes the test: each narrowing copies the rest's
# loss coefficients and builds new buffers, so they are grouped.
_NARROW_FRACTION = 0.25

# On small problems (largest product below _NARROW_PRODUCT multiply-adds),
# not before this many iterations: a narrowing's fixed cost (new buffers, a
# copy of the loss coefficients) is then several evaluations, and a
# warm-started solve (a regularization path's) ends within a few (measured:
# 15% of a per-label CV fit on emotions went to narrowing). Large problems
# narrow from the start: on delicious's path, waiting 10 iterations made the
# CV fit 1.2 times slower, and leaving the labels a warm start has solved
# already before the first trial step saves 11% of the loss evaluations'
# work on delicious and 7% on a dense 30,734 x 120 x 101 problem (a fold's
# walk 0.94-0.95 times as long).
_NARROW_AFTER = 10
_NARROW_PRODUCT = 2**22


class _Narrowing:
    """``narrow`` hook of :func:`skbce._lbfgs.minimize_lbfgs`: drop the solved outputs."""

    def __init__(self, scaled, tol, largest_product):
        self.scaled = scaled
        self.tol = tol
        self.n_calls = 0
        self.after = 0 if largest_product >= _NARROW_PRODUCT else _NARROW_AFTER

    def __call__(self, u):
        scaled = self.scaled
        n_iter = self.n_calls  # the first call is at the start
        self.n_calls += 1
        if n_iter < self.after:
            return None
        if scaled.last_u is None or not np.array_equal(u, scaled.last_u):
            return None
        solved = scaled.solved_outputs(self.tol)
        if solved.all() or solved.sum() < max(1.0, _NARROW_FRACTION * solved.size):
            return None
        keep = np.flatnonzero(~solved)
        scaled.narrow(keep)
        return keep


class EarlyStopping:
    """Keep the parameters of the best held-out score; stop when it stalls.

    After each iteration the held-out loss is evaluated; the score is its
    negative (greater is better). The solve stops when the score has not
    improved on the best by more than ``tol`` for ``n_iter_no_change``
    iterations, and returns the best parameters seen.

    Parameters
    ----------
    held_out_loss : callable
        ``theta -> float``, the loss on rows the solver does not see.
    n_iter_no_change : int
    tol : float
    """

    def __init__(self, held_out_loss, n_iter_no_change, tol):
        self.held_out_loss = held_out_loss
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scores = []
        self.best_score = -np.inf
        self.best_theta = None
        self.best_iteration = 0  # 1 for the first iteration's parameters
        self.stopped = False
        self._stalled = 0

    def update(self, theta):
        """Record the score at ``theta``; return whether to stop."""
        score = -self.held_out_loss(theta)
        self.scores.append(score)
        if score > self.best_score + self.tol or self.best_theta is None:
            self._stalled = 0
        else:
            self._stalled += 1
        if score > self.best_score:
            self.best_score, self.best_theta = score, np.array(theta, copy=True)
            self.best_iteration = len(self.scores)
        self.stopped = self._stalled >= self.n_iter_no_change
        return self.stopped


class _Progress:
    """Per-iteration callback: records the objective, prints it, tests the gradient."""

    def __init__(self, scaled, verbose, tol, early_stopping=None):
        self.scaled = scaled
        self.verbose = verbose
        self.tol = tol
        self.early_stopping = early_stopping
        self.curve = []
        self.gradient_converged = False

    def __call__(self, intermediate_result):
        self.curve.append(float(intermediate_result.fun))
        n_iter = len(self.curve)
        if self.verbose and (n_iter == 1 or n_iter % 10 == 0 or self.verbose > 1):
            print(f"Iteration {n_iter}, objective = {self.curve[-1]:.8f}")
        stopping = self.early_stopping
        if stopping is not None and stopping.update(self.scaled.theta(intermediate_result.x)):
            raise StopIteration
        if self.tol is None:
            return
        last_u = self.scaled.last_u
        if (
            last_u is not None
            and np.array_equal(last_u, intermediate_result.x)
            and self.scaled.converged(self.tol)
        ):
            self.gradient_converged = True
            raise StopIteration


def standardized(objective):
    """The standardized coordinates of ``objective`` (see ``standardized_coordinates``)."""
    return standardized_coordinates(
        objective.layout, objective.feature_moments(),
        float(objective.penalty.output_strength.mean()),
    )


def _mapped_linear(objective, solver):
    """Whether the solve is the linear model's under L-BFGS, in one of its maps.

    Only then are the covariance, low-rank and diagonal maps built (they
    need the features' moments), and the path's shortcuts apply.
    """
    return (solver == "lbfgs" and objective.layout.n_layers == 1
            and objective.feature_moments() is not None)


# covariance_basis's answer when the centred diagonal map is the one to use.
DIAGONAL_MAP = "diagonal"


def covariance_basis(objective, solver="lbfgs", judged_as=None, shared=None):
    """The expensive, penalty-free part of the linear model's map, or ``None`` when not used.

    A :class:`FeatureBasis` (the full covariance map) when it is affordable,
    else :class:`LeadingDirections` of the feature correlation (the
    low-rank map) when :func:`low_rank_size` allows some, else
    ``DIAGONAL_MAP`` (the centred diagonal map); ``None`` for a network or
    Newton-CG. A regularization path computes it once for its rows and
    passes it to every :func:`solve` (the ``basis`` argument): only the
    cheap per-output scaling then depends on the penalty.

    ``judged_as``, ``(n_samples, n_outputs, stored_values)``, is the shape
    the choice is made for when it is not the objective's own: the folds of
    a CV path solved as one problem choose the map one fold would (the
    joint problem's many outputs would make a ``d x d`` map look cheap, but
    each evaluation applies it to all of them).

    ``shared`` is this function's answer for other rows with the same
    features (all the training rows, for a CV fold's: see
    :func:`skbce._path.shared_basis`): a :class:`FeatureBasis` is returned
    instead of decomposing these rows' covariance when the full covariance
    map is the choice; :class:`LeadingDirections` (checked against these
    rows' noise level) or ``DIAGONAL_MAP`` instead of searching these rows'
    correlation when the low-rank map is. The map only conditions the
    solver; the fold's objective stays its own.
    """
    layout = objective.layout
    if not _mapped_linear(objective, solver):
        return None
    n, d = objective.n_samples, objective.n_features
    n_outputs, stored = layout.layer_sizes[-1], objective.stored_values
    if judged_as is not None:
        n, n_outputs, stored = judged_as
    # The sample is of the objective's own rows, whatever shape the choice is judged by.
    stride = covariance_stride(objective.n_samples, d)
    if not covariance_is_affordable(n, d, n_outputs, stored):
        rank = low_rank_size(n, d, stored)
        if not rank:
            return DIAGONAL_MAP
        if shared is DIAGONAL_MAP:
            return DIAGONAL_MAP
        if isinstance(shared, LeadingDirections):
            directions = shared
        else:
            directions = leading_directions(objective.correlation_operator(stride), d, rank)
        sampled = -(-objective.n_samples // stride)
        if not correlated(directions.eigenvalues, sampled, d):
            return DIAGONAL_MAP
        return directions
    if isinstance(shared, FeatureBasis):
        return shared
    mean, covariance = objective.feature_covariance(stride)
    # The sampled rows may miss a rare value: the moments of all rows see it.
    _, variance = objective.feature_moments()
    with one_blas_thread():  # a d x d eigendecomposition
        return feature_basis(mean, covariance, variance)


def change_of_variables(objective, theta0, solver, coordinates, basis=None, curvature=None):
    """The map ``theta = T(u)`` the solver works in.

    The linear model under L-BFGS gets the feature-covariance map when it
    is affordable (:func:`skbce._preconditioner.covariance_is_affordable`),
    else the centred diagonal of its Hessian with the leading correlation
    directions whitened when they are cheap to apply
    (:func:`skbce._preconditioner.low_rank_size`), else the centred
    diagonal alone; an MLP and Newton-CG work in the standardized
    ``coordinates``. ``basis`` is a :func:`covariance_basis`
    of the same rows, computed earlier; ``curvature``, the objective's
    ``curvature_per_output(theta0)``, when it is known.
    """
    if not _mapped_linear(objective, solver):
        return coordinates
    layout = objective.layout
    moments = objective.feature_moments()
    strength = objective.penalty.output_strength
    # A start that saturates a label (a warm start fitted on other rows, a
    # mean of fold solutions) has almost no curvature there; a map scaled by
    # that overshoots by orders of magnitude once the label desaturates.
    if curvature is None:
        curvature = objective.curvature_per_output(theta0)
    curvature = np.maximum(curvature, _CURVATURE_FLOOR * objective.prior_curvature())
    if basis is None:
        basis = covariance_basis(objective, solver)
    if isinstance(basis, LeadingDirections):
        return low_rank_jacobi_map(layout, moments, curvature, strength,
                                   basis.directions, basis.eigenvalues)
    if isinstance(basis, FeatureBasis):
        return scaled_preconditioner(layout, basis, curvature, strength)
    return centred_diagonal_map(layout, moments, curvature, strength)


def solve(
    objective, theta0, *, solver="lbfgs", max_iter=500, max_fun=15000, tol=1e-5, verbose=0,
    start_standardized=False, early_stopping=None, basis=None, previous=None,
    carry_pairs=False,
):
    """Minimize ``objective`` from ``theta0``; warn when stopped by a budget.

    Parameters
    ----------
    objective : Objective
        See :class:`skbce._objective.Objective`; Newton-CG also uses ``hessp``.
    theta0 : ndarray of shape (n_params,)
        Starting point.
    solver : {"lbfgs", "newton-cg"}, default="lbfgs"
        ``"lbfgs"`` is L-BFGS-B; ``"newton-cg"`` is a trust-region Newton-CG
        with exact Hessian-vector products.
    max_iter : int, default=500
        Iteration budget.
    max_fun : int, default=15000
        Budget of objective evaluations (L-BFGS only).
    tol : float, default=1e-5
        Stop when the largest entry of the gradient of ``K J`` for the linear
        model (``K`` the number of outputs: each label's own objective), of
        ``J`` for an MLP, in the model's standardized coordinates, falls
        below ``tol`` (Newton-CG: its Euclidean norm).
    verbose : int, default=0
        Print the objective every 10 iterations and a summary at the end.
    start_standardized : bool, default=False
        Whether ``theta0`` is given in standardized coordinates (an MLP's
        random start, drawn for centred features of unit scale), so that a
        feature of scale 1e8 or offset 1e5 does not start every hidden unit
        saturated.
    early_stopping : EarlyStopping, default=None
        Score the parameters on held-out rows after each iteration, stop
        when the score stalls, and return the best parameters seen.
    basis : FeatureBasis or None, default=None
        The linear model's :func:`covariance_basis` of these rows, when a
        path of fits on the same rows has computed it already.
    previous : SolverResult or None, default=None
        A solve of the same rows at another penalty, with ``loss_gradient``
        (a regularization path's last solve). On a large problem
        (``_NARROW_PRODUCT``), when enough of its outputs pass the stopping
        test at its solution under this penalty, they keep that solution
        without any evaluation; the others start from ``theta0``, with its
        L-BFGS correction pairs (``curvature_pairs``) when it has them.
        After a ``previous`` of at most one iteration, under a penalty that
        outweighs every output's curvature from the data, the solve starts
        at ``previous``'s solution instead of ``theta0`` and reuses its
        evaluation (see :func:`_starts_at_previous`).
    carry_pairs : bool, default=False
        Keep the linear model's last L-BFGS pairs in the result's
        ``curvature_pairs``, and start from ``previous``'s (a path's solves:
        see :func:`carries_pairs`).

    Returns
    -------
    SolverResult

    Raises
    ------
    ValueError
        When the solution or its objective is not finite.
    """
    theta0 = np.asarray(theta0, dtype=np.float64)
    # The setup (moments, covariance, eigendecomposition) runs under the
    # solve's threads too: its products are of the same size.
    with solve_blas_threads(objective.largest_product):
        coordinates = standardized(objective)
        if start_standardized:
            theta0 = coordinates.to_theta(theta0)
        first, curvature, settled, settling = None, None, None, None
        if previous is not None and early_stopping is None:
            settled, gradient, test = _settled_outputs(objective, previous, coordinates, tol,
                                                       solver)
        if settled is not None and settled.all():
            return _settled_result(objective, previous)
        at_previous = _starts_at_previous(objective, previous, early_stopping, solver)
        if at_previous:
            theta0 = previous.theta
        if settled is not None:
            # The map's curvature of the others, from their start's evaluation;
            # the settled outputs' part of the map is never used.
            others = np.flatnonzero(~settled)
            subset = objective.for_outputs(others)
            if at_previous:
                first, part = _previous_evaluation(objective, previous, others, subset)
            else:
                *first, part = subset.loss_gradient_curvature(
                    keep_columns(theta0, objective.layout.layer_sizes[-1], others))
            curvature = objective.prior_curvature().copy()
            curvature[others] = part
            settling = (settled, previous.theta, gradient, previous.output_losses, test, subset)
        elif at_previous:
            first, curvature = _previous_evaluation(objective, previous)
        elif _warm_linear_start(objective, theta0, solver):
            # The map is scaled by the curvature at the start, whose logits
            # the solver's first evaluation computes anyway: one product for
            # both (a warm start's curvature costs a product of its own).
            value, gradient, curvature = objective.loss_gradient_curvature(theta0)
            first = (value, gradient)
        if curvature is None and _mapped_linear(objective, solver):
            curvature = objective.curvature_per_output(theta0)
        change = change_of_variables(objective, theta0, solver, coordinates, basis, curvature)
        carried = None
        if carry_pairs and previous is not None:
            carried = previous.curvature_pairs
        result = minimize_in(
            objective, theta0, change, coordinates, solver=solver, max_iter=max_iter,
            max_fun=max_fun, tol=tol, verbose=verbose, early_stopping=early_stopping,
            first_evaluation=first, settling=settling, carried=carried,
            carry_pairs=carry_pairs,
        )
        result.start_curvature = curvature
    if not np.isfinite(result.theta).all() or not np.isfinite(result.value):
        raise ValueError(
            "The fit diverged to non-finite parameters; scale the features "
            "(e.g. StandardScaler) or increase alpha."
        )
    return result


def _settled_outputs(objective, previous, coordinates, tol, solver):
    """Which outputs pass the test at ``previous``'s solution under this penalty.

    Returns ``(settled, gradient, test)``: the objective's gradient at that
    solution (the loss's, kept by the previous solve, plus this penalty's)
    and the settled outputs' largest test entry; ``(None, None, None)``
    when the problem is small (an evaluation costs less than leaving
    outputs out) or too few outputs pass.
    """
    layout = objective.layout
    if (not _mapped_linear(objective, solver) or previous.loss_gradient is None
            or objective.largest_product < _NARROW_PRODUCT):
        return None, None, None
    n_outputs = layout.layer_sizes[-1]
    gradient = previous.loss_gradient.copy()
    objective.penalty.loss_gradient(previous.theta, 0.0, gradient)
    tests = _output_tests(n_outputs * coordinates.gradient_to_u(gradient), n_outputs)
    settled = tests < tol
    # A small gradient is a near solution only where the penalty outweighs
    # the label's curvature from the data. Where the data's curvature
    # dominates (weak strengths), a passing gradient can sit far from the
    # optimum along flat directions, and the solve goes on from the path's
    # continued start instead (kept there, the held-out scores of a dense
    # set's weak strengths stayed flat and the CV choice moved).
    settled &= _penalty_dominates(objective)
    if settled.sum() < max(1.0, _NARROW_FRACTION * n_outputs):
        return None, None, None
    return settled, gradient, float(tests[settled].max())


def _starts_at_previous(objective, previous, early_stopping, solver):
    """Whether the linear model's solve starts at ``previous``'s solution, reusing its evaluation.

    When ``previous`` (a path's last solve) took at most one iteration and
    the penalty outweighs every output's curvature from the data (as for
    settling, see :func:`_settled_outputs`): the solution barely moves from
    one strength to the next, and a start continued from it would cost an
    evaluation of its own. Under weaker penalties a gradient that passes
    the test can sit far from the optimum, and the solve starts where asked.
    """
    if (previous is None or early_stopping is not None
            or not _mapped_linear(objective, solver) or previous.n_iter > 1
            or previous.loss_gradient is None or previous.start_curvature is None):
        return False
    return bool(np.all(_penalty_dominates(objective)))


def _penalty_dominates(objective):
    """Whether each output's penalty outweighs its curvature from the data.

    The data's part is estimated at the intercept-only optimum, times the
    largest feature variance: the Hessian is then within a factor 2 of the
    penalty's.
    """
    _, variance = objective.feature_moments()
    return objective.penalty.output_strength >= (
        objective.prior_curvature() * float(np.max(variance, initial=0.0)))


def _previous_evaluation(objective, previous, outputs=None, subset=None):
    """The first evaluation of a solve from ``previous``'s solution, under this penalty.

    ``((value, gradient), curvature)`` of ``objective`` (or of ``subset``,
    its outputs ``outputs``), without a product: the loss, its gradient and
    each output's loss at that solution are ``previous``'s, the penalty is
    this one's, and the map's curvature is the one ``previous`` started
    with (a strength before; the map only needs its scale).
    """
    n_outputs = objective.layout.layer_sizes[-1]
    gradient = previous.loss_gradient.copy()
    objective.penalty.loss_gradient(previous.theta, 0.0, gradient)
    coefs, _ = objective.layout.unpack(previous.theta)
    values = previous.output_losses + objective.penalty.output_values(coefs[0])
    losses, curvature = previous.output_losses, previous.start_curvature
    if outputs is not None:
        gradient = keep_columns(gradient, n_outputs, outputs)
        values, losses, curvature = values[outputs], losses[outputs], curvature[outputs]
        objective = subset
    # What an evaluation there would have left (the narrowing reads it).
    objective.last_output_losses = np.array(losses, dtype=np.float64)
    return (float(values.sum()), gradient), curvature


def _settled_result(objective, previous):
    """``previous``'s solution, every output of which passes the test under this penalty."""
    coefs, _ = objective.layout.unpack(previous.theta)
    value = float(previous.output_losses.sum()) + objective.penalty.value(coefs)
    return SolverResult(theta=previous.theta, value=value, n_iter=0, loss_curve=[value],
                        loss_gradient=previous.loss_gradient,
                        output_losses=previous.output_losses,
                        curvature_pairs=previous.curvature_pairs,
                        start_curvature=previous.start_curvature)


# A path's solves carry their L-BFGS pairs to the next (see
# skbce._curvature_pairs) when an evaluation on a fold's rows costs at
# least this many multiply-adds per parameter: the two products (two per
# stored value of X) and the loss kernel (about _KERNEL_WORK per row and
# output), over an output's n_features + 1 parameters. Carrying costs a few
# passes over the pairs per solve (their change of scale, the penalty's
# shift, keeping a narrowed column's pairs), which on sparse words and a few
# thousand rows is more than the evaluations it saves. CV fit time with
# pairs carried / without, one alpha and per label, one BLAS thread (the
# work per parameter in brackets): synthetic dense 30,734 x 120 x 101 (5e4) 0.83;
# delicious (1.1e3) 0.79, its 50 most frequent labels per label 0.78-0.93;
# scene (2.0e3) 0.91, 0.96; yeast (2.9e3) 0.96, 1.03; below the bound,
# emotions (7e2) 1.00, 1.04; CAL500 (6e2) 1.05, 1.02; bibtex-shaped
# synthetic text (3e2) per label 1.13; rare synthetic text (2e2) 1.16,
# 1.11; text (36) 1.15; medical (8) 0.94, 1.18 (benchmarks/README.md).
_CARRY_WORK_PER_PARAMETER = 1000
_KERNEL_WORK = 15


def carries_pairs(n_samples, n_features, stored=None):
    """Whether a path's solves on rows of this shape carry their L-BFGS pairs to the next.

    ``stored`` is the number of values a sparse ``X`` stores (``None``: dense).
    """
    if stored is None:
        stored = n_samples * n_features
    work = 2 * stored + _KERNEL_WORK * n_samples
    return work >= _CARRY_WORK_PER_PARAMETER * (n_features + 1)


def _warm_linear_start(objective, theta0, solver):
    """Whether ``theta0`` is a linear model's start with weights, under L-BFGS.

    Its curvature then needs the logits (at a start with zero weights they
    are the intercepts, and the curvature costs no product).
    """
    layout = objective.layout
    if not _mapped_linear(objective, solver) or not hasattr(objective,
                                                           "loss_gradient_curvature"):
        return False
    coefs, _ = layout.unpack(theta0)
    return bool(coefs[0].any())


def minimize_in(objective, theta0, change, coordinates, *, solver, max_iter, max_fun, tol,
                verbose, early_stopping=None, first_evaluation=None, settling=None,
                carried=None, carry_pairs=False):
    """Run the optimizer in the variables of ``change``; warn if it stops short.

    The arguments are those of :func:`solve`, with the change of variables
    and the stopping test's coordinates already chosen; ``first_evaluation``
    is ``objective.loss_gradient(theta0)`` when it was computed already.
    ``settling``, the arguments of :meth:`_PreconditionedObjective.settle`
    after the start, leaves some outputs out from the start
    (``first_evaluation`` is then the others'). ``carried`` are a previous
    solve's :class:`CurvaturePairs` to start the linear model's L-BFGS from;
    with ``carry_pairs`` its last pairs are kept in the result.
    """
    # The objective is a mean over the K outputs: for the linear model K J is
    # each label's own objective, so the test does not loosen with K. An
    # MLP's hidden weights serve every label at once: its test is on J.
    n_outputs = objective.layout.layer_sizes[-1]
    linear = objective.layout.n_layers == 1
    test_scale = n_outputs if linear else 1
    carry = None
    scaled = _PreconditionedObjective(objective, change, coordinates, test_scale)
    u0 = scaled.u(theta0)
    if settling is not None:
        u0 = scaled.settle(u0, *settling)
    if first_evaluation is not None:
        scaled.seed(u0, *first_evaluation)
    if solver == "lbfgs":
        progress = _Progress(scaled, verbose, tol, early_stopping)
        # The gradient test is the callback's, in the original coordinates.
        options = {"maxiter": max_iter, "maxfun": max_fun, "gtol": 0.0, "ftol": _FTOL}
        value0, _ = scaled(u0)
        if scaled.converged(tol):
            # L-BFGS-B would take a step anyway; from an optimal start (e.g.
            # a label that is always 1) that step only inflates the logits.
            result = OptimizeResult(
                x=u0, fun=value0, nit=0, status=0,
                message="the largest gradient entry is below tol at the start",
            )
            carry = carried  # nothing moved: the pairs still describe the outputs
        elif linear:
            # No bounds and a convex objective: a lean L-BFGS, whose own work
            # per iteration is a few percent of L-BFGS-B's (see skbce._lbfgs).
            # Its labels are independent problems, one column each of the
            # (n_features + 1, K) parameter matrix: a recursion per label.
            # Solved labels drop out of later evaluations (not with early
            # stopping, which scores every label's current parameters).
            narrow = None if early_stopping is not None else _Narrowing(
                scaled, tol, objective.largest_product)
            # The outputs the solve starts with (the others settled), and the
            # correction pairs a path's previous solve left them.
            outputs = scaled.outputs
            strength = objective.penalty.output_strength
            carries = carry_pairs and early_stopping is None
            history = None
            if carries:
                history = carried_history(carried, change, strength, outputs, _PAIRS)
            result = minimize_lbfgs(
                scaled, u0, max_iter=max_iter, max_fun=max_fun, callback=progress,
                columns=scaled.layout_outputs,
                narrow=narrow if scaled.layout_outputs > 1 else None, history=history,
                keep_pairs=carries,
            )
            if carries:
                carry = kept_pairs(result.history, change, strength, outputs, carried)
        else:
            result = minimize(
                scaled, u0, method="L-BFGS-B", jac=True, options=options, callback=progress,
            )
        if progress.gradient_converged:
            result.status, result.message = 0, "the largest gradient entry is below tol"
    else:
        # In the variables theta * units, trust-ncg's test on the gradient
        # norm is scale-free too.
        progress = _Progress(scaled, verbose, None, early_stopping)
        result = minimize(
            scaled, u0, method="trust-ncg", jac=True, hessp=scaled.hessp,
            options={"maxiter": max_iter, "gtol": tol / test_scale}, callback=progress,
        )
    theta = np.asarray(scaled.theta(result.x), dtype=np.float64)
    n_iter = max(int(result.nit), 1)
    message = str(result.message)
    held_out_choice = False
    if early_stopping is not None and early_stopping.best_theta is not None:
        # The best held-out score, not the last iterate, is the solution.
        theta = early_stopping.best_theta
        result.fun = objective.loss(theta)
        result.x = scaled.u(theta)
        # An earlier iterate scored best: it is short of the optimum by choice.
        held_out_choice = early_stopping.best_iteration < len(early_stopping.scores)
        if early_stopping.stopped:
            result.status, message = 0, "the held-out score stopped improving"
        elif held_out_choice and result.status != 1:
            result.status = 0
            message = (f"the held-out score was best at iteration "
                       f"{early_stopping.best_iteration}")
    grad_norm = scaled.largest_test_gradient(result.x)  # what the test compares with tol
    # L-BFGS-B also ends on its own test of the objective's decrease, or on a
    # line search that rounding stalls. For the convex, smooth linear model
    # that is convergence only where the gradient is at what rounding
    # resolves, about the square root of the loss's relative precision
    # (float32 logits: its epsilon) times the scaled objective: short of both
    # tests, the stop is reported, never silent. An MLP (ReLU kinks, plateaus)
    # keeps L-BFGS-B's own verdict, as MLPClassifier does.
    precision = max(_FTOL, float(np.finfo(objective.dtype).eps))
    floor = test_scale * abs(float(result.fun)) * np.sqrt(precision)
    if solver == "lbfgs" and result.status != 1 and linear and not held_out_choice:
        if grad_norm < max(tol, floor):
            result.status = 0
        else:
            result.status = 2
            message = (f"the objective stopped decreasing at max |gradient| = {grad_norm:.2e}"
                       f" > tol = {tol:g}")
    if verbose:
        print(
            f"{solver} stopped after {n_iter} iterations: objective = {result.fun:.8f}, "
            f"max |gradient| = {grad_norm:.3e}; {message}"
        )
    if result.status != 0:
        warnings.warn(
            f"The {solver} solver stopped before converging after {n_iter} "
            f"iterations ({message}). Increase max_iter (or max_fun), or scale "
            "the features, e.g. with StandardScaler.",
            ConvergenceWarning,
            stacklevel=4,
        )
    loss_gradient, output_losses = None, None
    if solver == "lbfgs" and linear and early_stopping is None:
        # What a path's next solve needs to settle outputs (see solve's previous).
        loss_gradient, output_losses = scaled.final_state()
    return SolverResult(
        theta=theta,
        value=float(result.fun),
        n_iter=n_iter,
        loss_curve=progress.curve or [float(result.fun)],
        validation_scores=None if early_stopping is None else early_stopping.scores,
        loss_gradient=loss_gradient,
        output_losses=output_losses,
        curvature_pairs=carry,
    )
