"""The solve: units, change of variables, BLAS threads, the ``minimize`` call, warnings.

The solver owns every numerical policy of a fit: the unit of each parameter
(the stopping test's scale), the change of variables L-BFGS works in, and
the BLAS thread setting. It needs only the objective protocol
(:class:`skbce._objective.Objective`), whatever the backend.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import OptimizeResult, minimize
from sklearn.exceptions import ConvergenceWarning

from ._preconditioner import (
    DiagonalPreconditioner,
    covariance_is_affordable,
    covariance_preconditioner,
    covariance_stride,
    diagonal_scale,
    parameter_units,
)
from ._threads import solve_blas_threads

# L-BFGS-B stops when the relative decrease of the objective is below this;
# the same floor as scikit-learn's LogisticRegression, so `tol` (on the
# gradient) is what decides convergence.
_FTOL = 64 * np.finfo(np.float64).eps

SOLVERS = ("lbfgs", "newton-cg")


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
        Iterations run (at least 1).
    loss_curve : list of float
        Objective after each iteration.
    """

    theta: np.ndarray
    value: float
    n_iter: int
    loss_curve: list = field(default_factory=list)


class _PreconditionedObjective:
    """The objective in the solver's variables ``u``, with ``theta = T(u)``.

    ``T`` is a change of variables from :mod:`skbce._preconditioner`; it
    makes the curvature the solver must learn closer to the identity. The
    last gradient in the original coordinates is kept so the stopping test
    reads ``max |units * dJ/dtheta| < tol`` whatever the map (``units``
    measure each parameter in a scale-free way, see
    :func:`skbce._preconditioner.parameter_units`).
    """

    def __init__(self, objective, change, units):
        self.objective = objective
        self.change = change
        self.units = units
        self.last_u = None
        self.last_gradient = None

    def __call__(self, u):
        if self.last_u is not None and np.array_equal(u, self.last_u):
            return self._last_result  # the start, already evaluated by the caller
        value, gradient = self.objective.loss_gradient(self.change.to_theta(u))
        self.last_u = u.copy()
        self.last_gradient = gradient / self.units
        self._last_result = value, self.change.gradient_to_u(gradient)
        return self._last_result

    def converged(self, tol):
        """Whether the last gradient evaluated passes the stopping test."""
        return bool(np.max(np.abs(self.last_gradient), initial=0.0) < tol)

    def hessp(self, u, vector):
        return self.change.hessp_to_u(self.objective.hessp, u, vector)

    def theta(self, u):
        return self.change.to_theta(u)

    def u(self, theta):
        return self.change.to_u(theta)


class _Progress:
    """Per-iteration callback: records the objective, prints it, tests the gradient."""

    def __init__(self, scaled, verbose, tol):
        self.scaled = scaled
        self.verbose = verbose
        self.tol = tol
        self.curve = []
        self.gradient_converged = False

    def __call__(self, intermediate_result):
        self.curve.append(float(intermediate_result.fun))
        n_iter = len(self.curve)
        if self.verbose and (n_iter == 1 or n_iter % 10 == 0 or self.verbose > 1):
            print(f"Iteration {n_iter}, objective = {self.curve[-1]:.8f}")
        if self.scaled is None:
            return
        last_u = self.scaled.last_u
        if (
            last_u is not None
            and np.array_equal(last_u, intermediate_result.x)
            and self.scaled.converged(self.tol)
        ):
            self.gradient_converged = True
            raise StopIteration


def objective_units(objective):
    """The unit of each parameter (:func:`skbce._preconditioner.parameter_units`)."""
    return parameter_units(
        objective.layout, objective.second_moment(),
        float(objective.penalty.output_strength.mean()),
    )


def change_of_variables(objective, theta0, solver, units):
    """The map ``theta = T(u)`` the solver works in.

    The linear model under L-BFGS gets the feature-covariance map when it
    is affordable (:func:`skbce._preconditioner.covariance_is_affordable`),
    else the diagonal of its Hessian; an MLP and Newton-CG work in units.
    """
    layout = objective.layout
    if solver != "lbfgs" or layout.n_layers != 1:
        return DiagonalPreconditioner(1.0 / units)
    strength = objective.penalty.output_strength
    n_outputs = layout.layer_sizes[-1]
    curvature = objective.curvature_per_output(theta0)
    if covariance_is_affordable(objective.n_samples, objective.n_features, n_outputs):
        mean, covariance = objective.feature_covariance(
            covariance_stride(objective.n_samples, objective.n_features)
        )
        return covariance_preconditioner(layout, mean, covariance, curvature, strength)
    second_moment = objective.second_moment()
    if second_moment is None:
        return DiagonalPreconditioner(1.0 / units)
    return DiagonalPreconditioner(diagonal_scale(layout, second_moment, curvature, strength))


def solve(
    objective, theta0, *, solver="lbfgs", max_iter=500, max_fun=15000, tol=1e-5, verbose=0,
    start_in_units=False,
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
        Stop when the largest entry of the gradient, in parameter units,
        falls below ``tol`` (Newton-CG: its Euclidean norm).
    verbose : int, default=0
        Print the objective every 10 iterations and a summary at the end.
    start_in_units : bool, default=False
        Whether ``theta0`` is drawn for features of unit scale (an MLP's
        random start): it is then divided by the parameter units, so that a
        feature of scale 1e8 does not start every hidden unit saturated.

    Returns
    -------
    SolverResult

    Raises
    ------
    ValueError
        When the solution or its objective is not finite.
    """
    theta0 = np.asarray(theta0, dtype=np.float64)
    # The setup (units, covariance, eigendecomposition) runs under the
    # solve's threads too: its products are of the same size.
    with solve_blas_threads(objective.largest_product):
        units = objective_units(objective)
        if start_in_units:
            theta0 = theta0 / units
        change = change_of_variables(objective, theta0, solver, units)
        result = minimize_in(
            objective, theta0, change, units, solver=solver, max_iter=max_iter,
            max_fun=max_fun, tol=tol, verbose=verbose,
        )
    if not np.isfinite(result.theta).all() or not np.isfinite(result.value):
        raise ValueError(
            "The fit diverged to non-finite parameters; scale the features "
            "(e.g. StandardScaler) or increase alpha."
        )
    return result


def minimize_in(objective, theta0, change, units, *, solver, max_iter, max_fun, tol, verbose):
    """Run ``scipy.optimize.minimize`` in the variables of ``change``; warn on a budget stop.

    The arguments are those of :func:`solve`, with the change of variables
    and the parameter units already chosen.
    """
    scaled = _PreconditionedObjective(objective, change, units)
    u0 = scaled.u(theta0)
    if solver == "lbfgs":
        progress = _Progress(scaled, verbose, tol)
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
        else:
            result = minimize(
                scaled, u0, method="L-BFGS-B", jac=True, options=options, callback=progress,
            )
        if progress.gradient_converged:
            result.status, result.message = 0, "the largest gradient entry is below tol"
    else:
        # In the variables theta * units, trust-ncg's test on the gradient
        # norm is scale-free too.
        progress = _Progress(None, verbose, None)
        result = minimize(
            scaled, u0, method="trust-ncg", jac=True, hessp=scaled.hessp,
            options={"maxiter": max_iter, "gtol": tol}, callback=progress,
        )
    theta = np.asarray(scaled.theta(result.x), dtype=np.float64)
    n_iter = max(int(result.nit), 1)
    message = str(result.message)
    if verbose:
        _, gradient = objective(theta)
        grad_norm = float(np.max(np.abs(gradient / units)))  # what the test compared with tol
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
    return SolverResult(
        theta=theta,
        value=float(result.fun),
        n_iter=n_iter,
        loss_curve=progress.curve or [float(result.fun)],
    )
