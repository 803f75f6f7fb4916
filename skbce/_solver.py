"""The ``scipy.optimize.minimize`` call: stopping rules, progress, warnings."""

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

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


class _Progress:
    """Callback recording the objective per iteration, printing it if asked."""

    def __init__(self, objective, verbose):
        self.objective = objective
        self.verbose = verbose
        self.curve = []

    def __call__(self, intermediate_result):
        self.curve.append(float(intermediate_result.fun))
        n_iter = len(self.curve)
        if self.verbose and (n_iter == 1 or n_iter % 10 == 0 or self.verbose > 1):
            print(f"Iteration {n_iter}, objective = {self.curve[-1]:.8f}")


def minimize_objective(
    objective, theta0, *, solver="lbfgs", max_iter=500, max_fun=15000, tol=1e-5, verbose=0
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
        Stop when the largest gradient entry falls below ``tol``.
    verbose : int, default=0
        Print the objective every 10 iterations and a summary at the end.

    Returns
    -------
    SolverResult
    """
    progress = _Progress(objective, verbose)
    theta0 = np.asarray(theta0, dtype=np.float64)
    if solver == "lbfgs":
        options = {"maxiter": max_iter, "maxfun": max_fun, "gtol": tol, "ftol": _FTOL}
        result = minimize(
            objective, theta0, method="L-BFGS-B", jac=True, options=options,
            callback=progress,
        )
    else:
        options = {"maxiter": max_iter, "gtol": tol}
        result = minimize(
            objective, theta0, method="trust-ncg", jac=True, hessp=objective.hessp,
            options=options, callback=progress,
        )
    n_iter = max(int(result.nit), 1)
    converged = bool(result.status == 0)
    message = str(result.message)
    if verbose:
        grad_norm = float(np.max(np.abs(result.jac))) if result.jac is not None else np.nan
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
