"""The penalty of a network chosen on its early-stopping split.

With ``early_stopping="auto"`` a network holds out part of its training
rows anyway, to decide when to stop. Early stopping alone is a weak
regularizer for L-BFGS, whose first steps are long: the held-out minimum
comes within a few iterations and is sharp, and where it falls depends on
the random start. The same held-out rows also rank penalty strengths: the
first fit is the early-stopped fit at the user's ``alpha``; the penalty is
then raised by a factor ``sqrt(10)`` at a time, each fit starting from the
previous one's best parameters and stopped early on the held-out rows, until
two strengths in a row score below the best, and the parameters of the best
held-out score along the path are kept. The kept fit therefore scores at
least as well on the held-out rows as plain early stopping at ``alpha``.

Weak to strong, not strong to weak as the cross-validation path of
:mod:`skbce._path`: a network shrunk by a strong penalty and then released
lands elsewhere than one fitted from its random start (on the sparse medical
set the strong-to-weak path lost 0.009 of held-out BCE to the plain
early-stopped fit), while a penalty raised on a fitted network only shrinks it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._path import score_turned
from ._penalty import L2Penalty
from ._solver import EarlyStopping, SolverResult, solve

# Two strengths per decade.
STRENGTHS_PER_DECADE = 2
# The strongest strength considered: alpha equal to the training weight
# (alpha / n = 1 for unit weights), where the penalty weighs as much as the
# loss and holds a network close to the label frequencies.
STRONGEST_PER_WEIGHT = 1.0
# The path ends once this many strengths in a row score below the best
# before them: a factor of 10 past the best.
PATIENCE = 2


@dataclass
class PathResult:
    """The kept fit of a held-out path.

    Attributes
    ----------
    result : SolverResult
        The parameters of the best held-out score; ``n_iter``,
        ``loss_curve`` and ``validation_scores`` run over the whole path.
    alpha : float or ndarray of shape (n_outputs,)
        The strength (estimator units) of the kept fit.
    alphas : list of float or ndarray
        The strengths fitted, weak to strong.
    scores : list of float
        The best held-out score (minus the BCE) of each strength fitted.
    """

    result: SolverResult
    alpha: float | np.ndarray
    alphas: list
    scores: list


def path_strengths(alpha, loss_weight):
    """The strengths of the path, weak to strong, in estimator units; the first is ``alpha``.

    Parameters
    ----------
    alpha : float or ndarray of shape (n_outputs,)
        The weakest strength, the estimator's ``alpha`` (one per label is
        scaled as a whole). ``alpha = 0`` has no multiples: the path is
        ``alpha`` alone.
    loss_weight : float
        The training rows' total weight: the strengths stop at
        ``STRONGEST_PER_WEIGHT * loss_weight`` (``alpha / n = 1``).

    Returns
    -------
    list of float or ndarray
    """
    weakest = float(np.mean(alpha))
    strengths, k = [alpha], 1
    while weakest > 0 and weakest * 10.0 ** (k / STRENGTHS_PER_DECADE) <= (
        STRONGEST_PER_WEIGHT * loss_weight
    ):
        strengths.append(alpha * 10.0 ** (k / STRENGTHS_PER_DECADE))
        k += 1
    return strengths


def held_out_path(objective, theta0, problem, alpha, held_out_loss, *, n_iter_no_change,
                  tol, verbose=0, start_standardized=True, **options):
    """Fit each strength of :func:`path_strengths`, early-stopped; keep the best held-out score.

    Parameters
    ----------
    objective : BCEObjective
        The training rows' objective; its penalty is set to each strength in
        turn and left at the kept one.
    theta0 : ndarray of shape (n_params,)
        The network's start: random, or the previous fit's (warm start).
    problem : FitProblem
        The training problem (its ``loss_weight`` and ``alpha_unit``).
    alpha : float or ndarray of shape (n_outputs,)
        The estimator's ``alpha``, the path's first and weakest strength.
    held_out_loss : callable
        ``theta -> float``, the held-out BCE.
    n_iter_no_change, tol : int, float
        Early stopping of each fit, as :class:`skbce._solver.EarlyStopping`.
    verbose : int, default=0
    start_standardized : bool, default=True
        Whether ``theta0`` is in standardized coordinates (a random start;
        a warm start is not).
    **options
        Passed to :func:`skbce._solver.solve` (``solver``, ``max_iter``
        per strength, ``max_fun``).

    Returns
    -------
    PathResult
    """
    alphas = path_strengths(alpha, problem.loss_weight)
    theta, scores, curve, validation, n_iter = theta0, [], [], [], 0
    best = None
    for i, strength in enumerate(alphas):
        objective.penalty = L2Penalty(objective.layout, np.asarray(strength) * problem.alpha_unit)
        stopping = EarlyStopping(held_out_loss, n_iter_no_change, tol)
        result = solve(objective, theta, tol=tol, early_stopping=stopping,
                       start_standardized=start_standardized and i == 0, **options)
        score = stopping.best_score if stopping.best_theta is not None else (
            -held_out_loss(result.theta))
        scores.append(score)
        curve += result.loss_curve
        validation += result.validation_scores or [score]
        n_iter += result.n_iter
        if verbose:
            print(f"alpha = {np.mean(strength):.4g}: held-out BCE = {-score:.6f} "
                  f"after {result.n_iter} iterations")
        if best is None or score > best[0]:
            best = score, i, result.theta
        theta = result.theta  # the next, stronger, strength starts from here
        # The first strength is the user's: a fall right after it is a turn.
        if score_turned(scores, PATIENCE, after_improvement=False):
            break
    _, index, theta = best
    objective.penalty = L2Penalty(objective.layout, np.asarray(alphas[index]) * problem.alpha_unit)
    kept = SolverResult(theta=theta, value=objective.loss(theta), n_iter=n_iter,
                        loss_curve=curve, validation_scores=validation)
    return PathResult(result=kept, alpha=alphas[index], alphas=alphas[: len(scores)],
                      scores=scores)
