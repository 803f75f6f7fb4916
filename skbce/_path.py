"""The regularization path of one cross-validation fold.

One fold's training rows are checked, folded into the loss coefficients and
(for the linear model) decomposed once; the penalty is then walked from
strong to weak, each fit starting from the previous solution (for the
linear model, continued along the last secant in ``log(alpha)``). The walk
scouts at a loose tolerance: it only has to find where the held-out score
peaks, and stops once the score has fallen for a few strengths in a row. The
fold's best strength and its neighbours, whose scores decide the choice, are
then solved on from their scouted solutions to the path's tolerance and
scored again.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from ._constant_features import drop_constant_features, widen_linear
from ._loss import BLOCK_BYTES, block_rows
from ._network import ParameterLayout, allocate_activations, forward, initial_parameters
from ._penalty import L2Penalty
from ._problem import build_problem
from ._rows import InMemoryRows
from ._solver import covariance_basis, solve
from ._threads import solve_blas_threads

# The strengths that decide the choice are fitted to this multiple of the
# refit's tolerance: the held-out BCE of a fit stopped there is that of the
# optimum to about 1e-5, far below the differences between neighbouring
# strengths.
PATH_TOL_FACTOR = 10.0

# The linear model's scouting walk stops its fits at this multiple of the
# path's tolerance. Its held-out BCE is then within about 1e-3 of the
# optimum's (measured on the six sets of benchmarks/README.md): enough to
# see where the score peaks, and the CV fit takes 0.8-0.9 times as long.
SCOUT_TOL_FACTOR = 10.0

# The strengths within this many steps of a fold's best are solved on to the
# path's tolerance and scored again.
REFINED_NEIGHBOURS = 1

# The path stops once this many strengths in a row score below the best so
# far: with 20 strengths over 8 decades, a factor of about 20 past the best.
PATIENCE = 3


def heldout_loss(logits, targets, weight, per_label, block_bytes=BLOCK_BYTES):
    """Held-out BCE of ``logits`` (lower is better), the training loss without penalty.

    As :func:`skbce.metrics.binary_cross_entropy` of the probabilities:
    per sample the mean over its observed labels, then the weighted mean
    over samples; with ``per_label`` the weighted mean over the samples of
    each label instead. Each element is capped at ``-log(eps)`` as the metric
    clips its probabilities. Computed in row blocks of about ``block_bytes``
    (the loss kernel's cache block), each elementwise pass in place.

    Returns
    -------
    float, or ndarray of shape (n_outputs,) with ``per_label``
    """
    n_samples, n_outputs = logits.shape
    cap = -np.log(np.finfo(targets.dtype).eps)
    missing = bool(np.isnan(targets).any())
    rows_per_block = block_rows(n_outputs, 8, block_bytes)  # float64 scratch
    elementwise = np.empty((min(rows_per_block, n_samples), n_outputs))
    scratch = np.empty_like(elementwise)
    per_sample = np.empty(n_samples)
    n_observed = np.full(n_samples, float(n_outputs))
    label_sums, label_counts = np.zeros(n_outputs), np.zeros(n_outputs)
    for start in range(0, n_samples, rows_per_block):
        rows = slice(start, start + rows_per_block)
        z = logits[rows].astype(np.float64, copy=False)
        y = targets[rows]
        e, t = elementwise[: z.shape[0]], scratch[: z.shape[0]]
        # -(y log sigma(z) + (1 - y) log sigma(-z)) = max(z, 0) - y z + log1p(exp(-|z|)),
        # in NumPy's vectorized exp and log1p (SciPy's log_expit is ten times slower).
        np.abs(z, out=e)
        np.negative(e, out=e)
        with np.errstate(under="ignore"):  # exp(-1000) = 0 is exact enough
            np.exp(e, out=e)
        np.log1p(e, out=e)
        np.maximum(z, 0.0, out=t)
        e += t
        np.multiply(y, z, out=t)
        e -= t
        np.minimum(e, cap, out=e)
        if missing:
            observed = ~np.isnan(y)
            np.copyto(e, 0.0, where=~observed)  # NaN targets made NaN elements
            n_observed[rows] = observed.sum(axis=1)
        if per_label:
            label_sums += weight[rows] @ e
            label_counts += weight[rows] @ observed if missing else weight[rows].sum()
        else:
            e.sum(axis=1, out=per_sample[rows])
    if per_label:
        return np.divide(label_sums, label_counts, out=np.zeros(n_outputs),
                         where=label_counts > 0)
    counted = n_observed > 0
    per_sample = per_sample[counted] / n_observed[counted]
    return float(weight[counted] @ per_sample / weight[counted].sum())


def fold_logits(X, layout, activation, theta, dtype):
    """Logits of the rows ``X`` under the flat parameters ``theta``."""
    coefs, intercepts = layout.unpack(np.asarray(theta, dtype=dtype))
    buffers = allocate_activations(layout, X.shape[0], dtype)
    return forward(X, coefs, intercepts, activation, buffers).copy()


def score_turned(scores, patience, after_improvement=True):
    """Whether the last ``patience`` scores (higher is better) are below an earlier best.

    Equal scores (a strong penalty that keeps every fit at the prior) are not a
    turn. With ``after_improvement``, nor is a fall before any score has beaten
    the first.
    """
    if len(scores) <= patience:
        return False
    earlier = scores[:-patience]
    # Not before the path has improved on its strongest fit (the label
    # frequencies, about): rare labels can score worse for a few strengths first.
    if after_improvement and np.argmax(earlier) == 0:
        return False
    return bool(np.max(scores[-patience:]) < np.max(earlier))


def fold_path(
    X, targets, weight, train, test, *, alphas, hidden, activation, pos_weight,
    label_smoothing, solver, max_iter, max_fun, tol, random_state, per_label, score,
    patience=PATIENCE,
):
    """Fit one fold for every strength of ``alphas`` (strong to weak) and score each.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Checked features of the whole training set.
    targets : ndarray of shape (n_samples, n_outputs)
        Encoded targets (NaN where missing).
    weight : ndarray of shape (n_samples,)
        Sample weights (class weights included).
    train, test : ndarray of int
        Row indices of the fold.
    alphas : ndarray of shape (n_alphas,)
        Strengths, in decreasing order.
    hidden, activation, pos_weight, label_smoothing, solver, max_iter, max_fun
        As in :class:`skbce.BCEMultiLabelClassifier`.
    tol : float
        Tolerance of the fits at the fold's best strength and its
        neighbours; the linear model's scouting walk uses
        ``SCOUT_TOL_FACTOR * tol`` (``tol`` throughout for a network, or
        when the scores are kept per label).
    random_state : int, RandomState or None
        Seeds an MLP's initial weights.
    per_label : bool
        Whether the default score is kept per label.
    score : callable or None
        ``score(layout, theta, test) -> float``, higher is better, for a
        user's scoring; ``None`` is minus the held-out BCE.
    patience : int, default=PATIENCE
        The path stops once this many strengths in a row score below the
        best so far (``None`` never stops).

    Returns
    -------
    scores : ndarray of shape (n_alphas,) or (n_alphas, n_outputs)
        Held-out scores, higher is better; NaN after the path stopped.
    n_iter : ndarray of shape (n_alphas,)
        Solver iterations per strength, scouting and refining (0 after the
        path stopped).
    """
    rows, X_test = InMemoryRows(X[train], targets[train], weight[train]), X[test]
    varying = None
    if not hidden:
        # The weights of the fold's constant features are zero: the solve
        # and the held-out logits leave those columns out.
        rows, _, varying = drop_constant_features(rows)
        if varying is not None:
            X_test = X_test[:, varying]
    problem = build_problem(
        rows, hidden=hidden, activation=activation, alpha=1.0, pos_weight=pos_weight,
        label_smoothing=label_smoothing,
    )
    objective = problem.objective
    layout = objective.layout
    unit_strength = objective.penalty.output_strength  # the strength of alpha = 1
    theta = initial_parameters(
        layout, activation, check_random_state(random_state), objective.dtype
    )
    if layout.n_layers == 1:
        theta[-layout.layer_sizes[-1]:] = problem.prior
    with solve_blas_threads(objective.largest_product):
        basis = covariance_basis(objective, solver)
    targets_test, weight_test = targets[test], weight[test]

    def held_out_score(theta):
        if score is not None:
            if varying is None:
                return score(layout, theta, test)
            return score(ParameterLayout((X.shape[1], rows.n_outputs)),
                         widen_linear(theta, varying), test)
        logits = fold_logits(X_test, layout, activation, theta, objective.dtype)
        return -heldout_loss(logits, targets_test, weight_test, per_label)

    def fit(alpha, start, fit_tol, first=False):
        objective.penalty = L2Penalty(layout, alpha * unit_strength)
        return solve(
            objective, start, solver=solver, max_iter=max_iter, max_fun=max_fun,
            tol=fit_tol, start_standardized=first and bool(hidden), basis=basis,
        )

    per_label_scores = per_label and score is None
    shape = (len(alphas), rows.n_outputs) if per_label_scores else (len(alphas),)
    # A choice per label reads every strength's score of every label, and a
    # network's loose stop may land in another basin: neither scouts.
    scouts = layout.n_layers == 1 and not per_label_scores
    scout_tol = SCOUT_TOL_FACTOR * tol if scouts else tol
    scores = np.full(shape, np.nan)
    n_iter = np.zeros(len(alphas), dtype=int)
    previous = None
    scouted = {}  # strength index -> scouted solution, near the best so far
    for i, alpha in enumerate(alphas):
        start = theta
        if previous is not None and layout.n_layers == 1 and alpha > 0:
            # The linear model's solution is smooth in log(alpha): the next
            # one is close to the last secant's continuation.
            step = np.log(alphas[i - 1] / alpha) / np.log(alphas[i - 2] / alphas[i - 1])
            start = theta + min(step, 1.0) * (theta - previous)
        result = fit(alpha, start, scout_tol, first=i == 0)
        previous = theta if i > 0 else None
        theta, n_iter[i] = result.theta, result.n_iter
        scores[i] = held_out_score(theta)
        overall = scores[: i + 1] if scores.ndim == 1 else scores[: i + 1].mean(axis=1)
        best = int(np.argmax(overall))
        # The last solution stays too: it neighbours a best still to come.
        scouted[i] = theta
        scouted = {j: t for j, t in scouted.items()
                   if abs(j - best) <= REFINED_NEIGHBOURS or j == i}
        if patience is not None and score_turned(overall, patience):
            break
    if scouts:
        for j, scouted_theta in scouted.items():
            if abs(j - best) <= REFINED_NEIGHBOURS:
                result = fit(alphas[j], scouted_theta, tol)
                n_iter[j] += result.n_iter
                scores[j] = held_out_score(result.theta)
    return scores, n_iter
