"""The ``scipy.optimize.minimize`` call: stopping rules, progress, warnings."""

import contextlib
import os
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import OptimizeResult, minimize
from sklearn.exceptions import ConvergenceWarning

# L-BFGS-B stops when the relative decrease of the objective is below this;
# the same floor as scikit-learn's LogisticRegression, so `tol` (on the
# gradient) is what decides convergence.
_FTOL = 64 * np.finfo(np.float64).eps

SOLVERS = ("lbfgs", "newton-cg")


# Below this many multiply-adds per matrix product (about a millisecond on one
# core), BLAS threads save a fraction of a millisecond on an idle machine but
# cost up to a scheduler time slice per product (measured: 12 ms instead of
# 0.5 ms for 1691 x 103 x 64 on 2 busy cores) when another process holds the
# other cores. Such problems are solved with every BLAS on one thread.
_SMALL_PRODUCT = 2**24


@contextlib.contextmanager
def _optimizer_blas_single_threaded(all_blas=False):
    """Run SciPy's own BLAS (and NumPy's with ``all_blas``) on one thread while solving.

    L-BFGS-B's vector updates call the BLAS bundled with SciPy. Where that is
    a separate OpenBLAS from NumPy's (the PyPI wheels), its thread pool and
    NumPy's spin against each other between calls, which made small fits
    several times slower on two cores. The updates are too small to gain from
    threads, so SciPy's copy gets one; NumPy's keeps all of them for the
    matrix products, unless ``all_blas`` says they are small (see
    ``_SMALL_PRODUCT``). Uses threadpoolctl, which is installed with scikit-learn.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - scikit-learn requires threadpoolctl
        yield
        return
    single = [
        lib for lib in ThreadpoolController().lib_controllers
        if lib.user_api == "blas"
        and (all_blas or os.path.basename(os.path.dirname(lib.filepath)) == "scipy.libs")
    ]
    previous = [lib.num_threads for lib in single]
    try:
        for lib in single:
            lib.set_num_threads(1)
        yield
    finally:
        for lib, n_threads in zip(single, previous):
            lib.set_num_threads(n_threads)


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


class _ScaledObjective:
    """The objective in scaled coordinates ``theta = scale * u``.

    A diagonal rescaling of the parameters (a Jacobi preconditioner) evens out
    the curvature the solver must learn, for instance between a rare and a
    common label. The last gradient in the original coordinates is kept so
    the stopping test reads ``max |units * dJ/dtheta| < tol`` whatever the
    scaling (``units`` measure each parameter in a scale-free way, see
    :meth:`skbce._objective.BCEObjective.parameter_units`).
    """

    def __init__(self, objective, scale, units=None):
        self.objective = objective
        self.scale = scale
        self.units = units
        self.last_u = None
        self.last_gradient = None

    def __call__(self, u):
        if self.last_u is not None and np.array_equal(u, self.last_u):
            return self._last_result  # the start, already evaluated by the caller
        theta = self.theta(u)
        value, gradient = self.objective(theta)
        self.last_u = u.copy()
        self.last_gradient = gradient if self.units is None else gradient / self.units
        self._last_result = value, (gradient if self.scale is None else self.scale * gradient)
        return self._last_result

    def converged(self, tol):
        """Whether the last gradient evaluated passes the stopping test."""
        return bool(np.max(np.abs(self.last_gradient), initial=0.0) < tol)

    def hessp(self, u, vector):
        if self.scale is None:
            return self.objective.hessp(u, vector)
        return self.scale * self.objective.hessp(self.scale * u, self.scale * vector)

    def theta(self, u):
        return u if self.scale is None else self.scale * u


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
    scale=None, units=None,
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
    scale : ndarray of shape (n_params,), default=None
        Diagonal preconditioner for L-BFGS: it works on ``theta / scale``.
        Newton-CG works on ``theta * units`` instead.
    units : ndarray of shape (n_params,), default=None
        The unit of each parameter: the stopping test applies to the
        gradient divided by ``units``. ``None`` means all ones.

    Returns
    -------
    SolverResult
    """
    theta0 = np.asarray(theta0, dtype=np.float64)
    small = getattr(objective, "largest_product", np.inf) < _SMALL_PRODUCT
    with _optimizer_blas_single_threaded(all_blas=small):
        if solver == "lbfgs":
            scaled = _ScaledObjective(objective, scale, units)
            progress = _Progress(scaled, verbose, tol)
            # The gradient test is the callback's, in unscaled coordinates.
            options = {"maxiter": max_iter, "maxfun": max_fun, "gtol": 0.0, "ftol": _FTOL}
            u0 = theta0 if scale is None else theta0 / scale
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
            scaled = _ScaledObjective(objective, None if units is None else 1.0 / units)
            progress = _Progress(None, verbose, None)
            options = {"maxiter": max_iter, "gtol": tol}
            u0 = theta0 if units is None else theta0 * units
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
