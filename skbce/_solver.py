"""The ``scipy.optimize.minimize`` call: stopping rules, progress, warnings."""

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import OptimizeResult, minimize
from sklearn.exceptions import ConvergenceWarning

from ._preconditioner import DiagonalPreconditioner
from ._threads import fit_blas_threads

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
    converged : bool
        Whether a stopping criterion other than a budget was met.
    message : str
        The solver's reason for stopping.
    loss_curve : list of float
        Objective after each iteration.
    """

    theta: np.ndarray
    value: float
    n_iter: int
    converged: bool
    message: str
    loss_curve: list = field(default_factory=list)


class _PreconditionedObjective:
    """The objective in the solver's variables ``u``, with ``theta = T(u)``.

    ``T`` is a preconditioner from :mod:`skbce._preconditioner` (``None`` for
    the identity); it makes the curvature the solver must learn closer to
    the identity. The last gradient in the original coordinates is kept so
    the stopping test reads ``max |units * dJ/dtheta| < tol`` whatever the
    map (``units`` measure each parameter in a scale-free way, see
    :meth:`skbce._objective.BCEObjective.parameter_units`).
    """

    def __init__(self, objective, preconditioner, units=None):
        self.objective = objective
        self.preconditioner = preconditioner
        self.units = units
        self.last_u = None
        self.last_gradient = None

    def __call__(self, u):
        if self.last_u is not None and np.array_equal(u, self.last_u):
            return self._last_result  # the start, already evaluated by the caller
        value, gradient = self.objective(self.theta(u))
        self.last_u = u.copy()
        self.last_gradient = gradient if self.units is None else gradient / self.units
        if self.preconditioner is not None:
            gradient = self.preconditioner.gradient_to_u(gradient)
        self._last_result = value, gradient
        return self._last_result

    def converged(self, tol):
        """Whether the last gradient evaluated passes the stopping test."""
        return bool(np.max(np.abs(self.last_gradient), initial=0.0) < tol)

    def hessp(self, u, vector):
        if self.preconditioner is None:
            return self.objective.hessp(u, vector)
        return self.preconditioner.hessp_to_u(self.objective.hessp, u, vector)

    def theta(self, u):
        return u if self.preconditioner is None else self.preconditioner.to_theta(u)

    def u(self, theta):
        return theta if self.preconditioner is None else self.preconditioner.to_u(theta)


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


def minimize_objective(
    objective, theta0, *, solver="lbfgs", max_iter=500, max_fun=15000, tol=1e-5, verbose=0,
    preconditioner=None, units=None,
):
    """Minimize ``objective`` from ``theta0``; warn when stopped by a budget.

    Parameters
    ----------
    objective : BCEObjective
        Callable ``theta -> (value, gradient)``; with ``solver="newton-cg"`` it
        must also have ``hessp``.
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
        Stop when the largest entry of the gradient falls below ``tol``
        (L-BFGS; Newton-CG stops on the gradient's Euclidean norm).
    verbose : int, default=0
        Print the objective every 10 iterations and a summary at the end.
    preconditioner : object, default=None
        A change of variables from :mod:`skbce._preconditioner` for L-BFGS;
        ``None`` for none. Newton-CG works on ``theta * units`` instead.
    units : ndarray of shape (n_params,), default=None
        The unit of each parameter: the stopping test applies to the
        gradient divided by ``units``. ``None`` means all ones.

    Returns
    -------
    SolverResult
    """
    theta0 = np.asarray(theta0, dtype=np.float64)
    with fit_blas_threads(objective):
        if solver == "lbfgs":
            scaled = _PreconditionedObjective(objective, preconditioner, units)
            progress = _Progress(scaled, verbose, tol)
            # The gradient test is the callback's, in the original coordinates.
            options = {"maxiter": max_iter, "maxfun": max_fun, "gtol": 0.0, "ftol": _FTOL}
            u0 = scaled.u(theta0)
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
                    scaled, u0, method="L-BFGS-B", jac=True, options=options,
                    callback=progress,
                )
            result.x = scaled.theta(result.x)
            if progress.gradient_converged:
                result.status, result.message = 0, "the largest gradient entry is below tol"
        else:
            # In the variables theta * units, trust-ncg's test on the gradient
            # norm is scale-free too.
            scaled = _PreconditionedObjective(
                objective, None if units is None else DiagonalPreconditioner(1.0 / units)
            )
            progress = _Progress(None, verbose, None)
            options = {"maxiter": max_iter, "gtol": tol}
            u0 = scaled.u(theta0)
            result = minimize(
                scaled, u0, method="trust-ncg", jac=True, hessp=scaled.hessp,
                options=options, callback=progress,
            )
            result.x = scaled.theta(result.x)
    n_iter = max(int(result.nit), 1)
    converged = bool(result.status == 0)
    message = str(result.message)
    if verbose:
        _, gradient = objective(result.x)
        if units is not None:  # what the stopping test compared with tol
            gradient = gradient / units
        grad_norm = float(np.max(np.abs(gradient)))
        print(
            f"{solver} stopped after {n_iter} iterations: objective = {result.fun:.8f}, "
            f"max |gradient| = {grad_norm:.3e}; {message}"
        )
    if not converged:
        warnings.warn(
            f"The {solver} solver stopped before converging after {n_iter} "
            f"iterations ({message}). Increase max_iter (or max_fun), or scale "
            "the features, e.g. with StandardScaler.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return SolverResult(
        theta=np.asarray(result.x, dtype=np.float64),
        value=float(result.fun),
        n_iter=n_iter,
        converged=converged,
        message=message,
        loss_curve=progress.curve or [float(result.fun)],
    )
