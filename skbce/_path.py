"""The regularization paths of the cross-validation folds.

One fold's training rows are checked, folded into the loss coefficients and
(for the linear model) decomposed once; the penalty is then walked from
strong to weak, each fit of the linear model starting from the last
solutions continued in ``log(alpha)`` (:func:`continued_start`; a network's
from its random start: a strong penalty shrinks a network to zero weights, a
saddle point no weaker penalty leaves). The fits stop at a loose
tolerance (:data:`LINEAR_PATH_TOL_FACTOR`): the held-out scores only have
to rank the strengths. The walk stops once the score has fallen over a
factor of five in strength past its peak (:data:`TURN_SPAN`).

Where an evaluation is expensive (:func:`skbce._solver.carries_pairs`),
each of the linear model's solves also starts from the L-BFGS pairs of the
one before (:mod:`skbce._curvature_pairs`); after a solve of one iteration
under a strong penalty, the next starts at its solution and reuses its
evaluation (:func:`skbce._solver.solve`'s ``previous``).

The linear model's labels are independent problems, so small folds walk
together: one problem whose outputs are every fold's labels, each fold's
held-out rows missing from its own outputs' targets (:func:`stacked_fold_paths`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.utils import check_random_state

from ._constant_features import drop_constant_features, widen_linear
from ._lbfgs import keep_columns
from ._loss import BLOCK_BYTES, block_rows
from ._moments import weighted_column_squares, weighted_sum
from ._network import ParameterLayout, allocate_activations, forward, initial_parameters
from ._penalty import L2Penalty
from ._preconditioner import (
    _SOLVER_WORK_PER_PARAMETER,
    FeatureBasis,
    LeadingDirections,
    covariance_costs,
    covariance_is_affordable,
    low_rank_size,
)
from ._problem import build_problem
from ._rows import InMemoryRows
from ._solver import DIAGONAL_MAP, carries_pairs, covariance_basis, solve
from ._threads import SMALL_PRODUCT, solve_blas_threads

# The fits along the path stop at this multiple of the refit's tolerance.
# A network's at ten times it: a looser stop may land in another basin. The
# linear model's at ninety: its optimum does not depend on the start, so a
# looser stop only moves a score. Its held-out BCE is then within about
# 1e-3 of the optimum's (measured on the six sets of benchmarks/README.md)
# and ranks neighbouring strengths as tighter fits do. Per label: at ninety
# times instead of thirty every label's choice stayed on yeast, emotions,
# CAL500, scene, medical and delicious (its 50 most frequent labels); on
# the synthetic text, rare and dense sets the choices that moved changed
# the test BCE by 2e-5 at most, for 12-35% less loss work. One alpha:
# against walks whose best strength and its neighbours were solved on to
# thirty times, the same choice on yeast, emotions, CAL500, scene, medical
# and the synthetic text set for each of 20 fold seeds, on the synthetic
# rare, bibtex-shaped (4 seeds) and dense (2 seeds) sets, and on
# delicious, for 16-30% less loss work (benchmarks/README.md).
NETWORK_PATH_TOL_FACTOR = 10.0
LINEAR_PATH_TOL_FACTOR = 90.0

# The path stops once the held-out score has stayed below its best for at
# least PATIENCE strengths and a factor of TURN_SPAN in alpha past it
# (NETWORK_TURN_SPAN for a network, whose fits may land in other basins). On
# the default 20 strengths over 7 decades (a factor of 2.3 apart) that is two
# strengths past the best for the linear model, three for a network. Along
# the whole path of every fold of yeast, emotions, CAL500, scene, medical and
# the synthetic text and rare sets the linear model's score (one alpha, and
# the mean over labels) peaks once, and two strengths past the peak it has
# fallen by 4e-4 to 4e-2; the third strength the walk used to fit was 2-18%
# of the CV fit's loss work (benchmarks/README.md). In a user's grid of fine
# steps the span, not the count, decides.
PATIENCE = 2
TURN_SPAN = 5.0
NETWORK_TURN_SPAN = 12.0

# A network's score improves on its path's first when it beats it by this
# fraction of its size (a BCE of 0.3 by 1e-3): its fits at the strong
# strengths, each from its random start, all end near the label frequencies,
# and their scores differ by up to 6e-4 of their size (CAL500) without any
# of them being better. The linear model's path is smooth: any gain counts
# (a margin would walk a fold whose best barely beats its first, as one of
# CAL500's does, to the weakest strength).
NETWORK_IMPROVEMENT = 3e-3


# The linear model's solution is smooth in log(alpha): each fit of the walk
# starts from the last solutions continued to its strength. Along a grid of
# equal steps in log(alpha), each label's column continues along the
# parabola through its last three solutions where that parabola, drawn
# through the three before, would have predicted the last solution better
# than the line through the two before it (else along the secant): the
# parabola follows a label's weights while the data takes over from the
# penalty, the secant where they settle (each step a fraction of the one
# before, where a parabola overshoots: a dense 30,734-row set's weakest
# strengths, where the parabola alone took 12% more loss work). Loss work
# of the CV fit at the defaults against the secant alone: emotions and
# text 0.85-0.86, CAL500 0.87, bibtex-shaped 0.89, medical 0.95-0.96,
# scene 0.96, rare 0.97, delicious 0.99 (983 labels, and per label its 50
# most frequent), yeast and dense 0.98-1.00; every one-alpha choice the
# same, per label the test BCE within 2e-5 but on medical (+4e-4 for the
# default folds, +1e-5 over eight fold seeds: near-tied weak strengths).
CONTINUATION_POINTS = 4


def _column_norms(values, n_columns):
    columns = values.reshape(-1, n_columns)
    return np.einsum("ij,ij->j", columns, columns)


def continued_start(solutions, log_alphas, n_columns):
    """The next fit's start from the walk's last ``solutions`` (oldest first).

    ``log_alphas`` are the solutions' log strengths followed by the next
    fit's; ``n_columns`` the problem's outputs. The last secant, continued
    at most one step of its own length; per column the parabola through the
    last three solutions instead where it backtests better (see
    :data:`CONTINUATION_POINTS`), when the last four steps are equal.
    """
    theta, previous = solutions[-1], solutions[-2]
    step = (log_alphas[-2] - log_alphas[-1]) / (log_alphas[-3] - log_alphas[-2])
    steps = np.diff(log_alphas)
    if len(solutions) < CONTINUATION_POINTS or not np.allclose(steps, steps[0], rtol=1e-6,
                                                               atol=0.0):
        return theta + min(step, 1.0) * (theta - previous)
    # In place, three parameter-sized buffers (a path's start is as large
    # as the model).
    first, second = solutions[-4], solutions[-3]
    start = np.subtract(theta, previous)
    secant_miss = np.subtract(start, previous)
    secant_miss += second  # last - 2 third + second
    change = np.subtract(previous, second)
    change -= second
    change += first  # the secant's miss one step earlier
    np.subtract(secant_miss, change, out=change)  # the parabola's miss
    better = _column_norms(change, n_columns) < _column_norms(secant_miss, n_columns)
    start += theta  # the secant
    # The parabola is the secant plus the secant's miss.
    secant_miss.reshape(-1, n_columns)[:, ~better] = 0.0
    start += secant_miss
    return start


def path_tolerance(hidden, tol):
    """Tolerance of the path's fits, for a refit at ``tol``."""
    return (NETWORK_PATH_TOL_FACTOR if hidden else LINEAR_PATH_TOL_FACTOR) * tol


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


def score_turned(scores, patience, after_improvement=True, strengths=None, span=1.0,
                 improvement=0.0):
    """Whether the last ``patience`` scores (higher is better) are below an earlier best.

    Equal scores (a strong penalty that keeps every fit at the prior) are not a
    turn. With ``after_improvement``, nor is a fall before any score has beaten
    the first by ``improvement`` times its size. With ``strengths`` (the
    penalty of each score, decreasing), nor is a fall over less than a
    factor ``span`` of strength past the best.
    """
    if len(scores) <= patience:
        return False
    earlier = scores[:-patience]
    best = int(np.argmax(earlier))
    # Not before the path has improved on its strongest fit (the label
    # frequencies, about): rare labels can score worse for a few strengths
    # first, and a network's fits at strong strengths differ from it by their
    # solver's slack only.
    if after_improvement and earlier[best] <= earlier[0] + improvement * abs(earlier[0]):
        return False
    if strengths is not None and strengths[best] < span * strengths[len(scores) - 1]:
        return False
    return bool(np.max(scores[-patience:]) < earlier[best])


class _Walk:
    """The strong-to-weak walk of one or several folds whose outputs share one problem.

    Parameters
    ----------
    fit : callable
        ``fit(alphas, start, tol, first, previous) -> SolverResult``,
        ``alphas`` one strength per fold, ``previous`` the last solve's
        result (or ``None``): see :func:`skbce._solver.solve`.
    n_columns : int
        Outputs of the problem (all folds').
    folds : list of (slice or None, callable)
        Each fold's columns of the problem (``None``: all of them) and its
        held-out score of those columns' parameters (higher is better).
    """

    def __init__(self, fit, n_columns, folds):
        self.fit, self.n_columns, self.folds = fit, n_columns, folds

    def _assemble(self, blocks):
        """The problem's flat parameters from each fold's flat block."""
        if len(blocks) == 1:
            return blocks[0]
        n_rows = blocks[0].size * len(blocks) // self.n_columns
        return np.hstack([block.reshape(n_rows, -1) for block in blocks]).ravel()

    def _block(self, theta, fold):
        """A fold's columns of the problem's flat parameters (``theta`` itself for all)."""
        columns = self.folds[fold][0]
        return theta if columns is None else keep_columns(theta, self.n_columns, columns)

    def run(self, theta, alphas, *, continues, tol, patience, span, improvement, shape):
        """Walk ``alphas`` from ``theta``; return each fold's ``(scores, n_iter)``.

        Every fold walks the same strengths; a fold whose score has turned
        stops (its outputs stay at their last strength, solved, while the
        others go on).
        """
        n_folds = len(self.folds)
        scores = [np.full(shape, np.nan) for _ in range(n_folds)]
        n_iter = [np.zeros(len(alphas), dtype=int) for _ in range(n_folds)]
        last = np.zeros(n_folds, dtype=int)  # each fold's last strength
        walking = np.ones(n_folds, dtype=bool)
        solutions, result = [], None  # the last CONTINUATION_POINTS solutions
        initial = theta
        for i, alpha in enumerate(alphas):
            last[walking] = i
            # A network starts each strength afresh: a strong penalty shrinks
            # it to zero weights, a saddle no weaker penalty leaves.
            start = theta if continues else initial
            if len(solutions) >= 2 and continues and alpha > 0:
                start = continued_start(solutions, np.log(alphas[i - len(solutions):i + 1]),
                                        self.n_columns)
                if not walking.all():  # a stopped fold stays where it is
                    start = self._assemble([self._block(start if walking[f] else theta, f)
                                            for f in range(n_folds)])
            # The outputs the last solution still solves at this strength keep it.
            result = self.fit(alphas[last], start, tol, i == 0 or not continues, result)
            theta = result.theta
            if continues:
                solutions = [*solutions[1 - CONTINUATION_POINTS:], theta]
            for f in np.flatnonzero(walking):
                block = self._block(theta, f)
                scores[f][i] = self.folds[f][1](block)
                n_iter[f][i] = result.n_iter
                path = scores[f][: i + 1]
                overall = path if path.ndim == 1 else path.mean(axis=1)
                if patience is not None and score_turned(
                        overall, patience, strengths=alphas, span=span,
                        improvement=improvement):
                    walking[f] = False
            if not walking.any():
                break
        return list(zip(scores, n_iter))


def _held_out_scorer(X, targets, weight, test, layout, activation, dtype, varying, per_label,
                     score):
    """``theta -> score`` of a fold's held-out rows ``test`` (higher is better).

    ``theta`` is over the ``varying`` features (all when ``None``). The
    default score's logits are formed in ``dtype``: float32 where the
    fold's training products are (:data:`SINGLE_PRECISION_PATH`,
    :data:`SINGLE_PRECISION_PRODUCT`), its held-out rows cast once; the
    loss of the logits is summed in float64.
    """
    n_features = X.shape[1]
    X_test = X[test] if varying is None else X[test][:, varying]
    if score is None and X_test.dtype != dtype:
        X_test = X_test.astype(dtype)
    targets_test, weight_test = targets[test], weight[test]

    def held_out_score(theta):
        if score is not None:
            if varying is None:
                return score(layout, theta, test)
            return score(ParameterLayout((n_features, layout.layer_sizes[-1])),
                         widen_linear(theta, varying), test)
        logits = fold_logits(X_test, layout, activation, theta, dtype)
        return -heldout_loss(logits, targets_test, weight_test, per_label)

    return held_out_score


# The linear model's path fits form their two sparse products per evaluation
# in float32 (InMemoryRows.use_single_precision_products) when each has at
# least this many multiply-adds: there the products are most of a fit, and
# SciPy's float32 products take 0.55 times as long (a bibtex-shaped fold,
# 4,140 x 1,836 with 159 labels: 5.4 ms against 9.9 ms, casts included).
# The path's fits stop at a loose tolerance (LINEAR_PATH_TOL_FACTOR) that
# the products' rounding does not reach. The held-out logits are formed in
# float32 too (their BCE summed in float64: it moves by about 1e-8, the
# path's fits by 1e-4); the refit is in float64. Below it (a product of
# about a millisecond, the size below which a solve runs on one BLAS
# thread) the casts cost about what the products save.
SINGLE_PRECISION_PRODUCT = SMALL_PRODUCT

# A linear model's fold walks its path in float32 altogether (rows, targets,
# loss kernel, products: the code path of float32 features) when its products
# have at least this many multiply-adds (stored values of X times labels)
# and its fits' tolerance is at least SINGLE_PRECISION_PATH_TOL. Against the
# float64 path (only the large products in float32 above), CV fit time at
# the defaults, per label and one alpha (best of 2-3, interleaved):
# delicious's 50 most frequent labels (9.6e6) 0.77-0.83 and 0.87, rare
# (8.8e6) 0.70 and 0.70, bibtex-shaped (3.9e7) 0.88 and 0.87 (its products
# were in float32 already), dense (3.0e8: its BLAS products too) 0.56 and
# 0.54, delicious (983 labels, one alpha) 0.82; every alpha the same but 1% of
# bibtex's labels (test BCE +4e-6), 3% of rare's (-3e-6) and 6% of dense's
# (+6e-6). Smaller problems stay in float64: their fits are mostly fixed
# costs, and on medical (1.3e5) the float32 path took 1.4 times as long and
# moved 16% of the labels (benchmarks/README.md). Folds walked as one
# problem are below this size (_STACK_WORK).
SINGLE_PRECISION_PATH = 2**23

# Float32 fits stop, their line search finding no decrease, at a largest
# test-gradient entry of 2e-6 to 2e-5 (delicious's 50 labels, the
# bibtex-shaped set and medical at alpha / n of 0.1 and 1e-3): a fold's fits
# run in float32 only to a tolerance at least 25 times that (the default
# tol's path tolerance is 9e-4).
SINGLE_PRECISION_PATH_TOL = 5e-4


# Float32 keeps about seven significant digits. A fold walks in float32
# only where every feature that varies over its rows has its largest
# magnitude within SINGLE_PRECISION_SPREAD standard deviations: the cast
# then moves a value by at most 6e-5 of its feature's spread (a feature of
# 1e6 plus a spread of 1e-3 would lose all of it). Standardized and max-abs
# scaled features pass, as do counts and 0/1 words down to a word in one row
# of a million; and no value may come near float32's overflow.
SINGLE_PRECISION_SPREAD = 1e3
_SINGLE_PRECISION_LARGEST = 1e30


def keeps_in_single_precision(X):
    """Whether ``X``'s features survive a cast to float32 (see :data:`SINGLE_PRECISION_SPREAD`)."""
    n_samples = X.shape[0]
    if n_samples == 0:
        return False
    ones = np.ones(n_samples)
    mean = weighted_sum(X, ones) / n_samples
    # Rounded to zero or below where an offset dwarfs the spread: that fails.
    spread = np.sqrt(np.maximum(weighted_column_squares(X, ones) / n_samples - mean**2, 0.0))
    high, low = X.max(axis=0), X.min(axis=0)
    if sparse.issparse(X):
        high, low = high.toarray().ravel(), low.toarray().ravel()
    largest = np.maximum(np.abs(high), np.abs(low))
    varies = high != low
    return bool(largest.max(initial=0.0) < _SINGLE_PRECISION_LARGEST
                and np.all(largest[varies] <= SINGLE_PRECISION_SPREAD * spread[varies]))


def single_precision_path(X, n_outputs, hidden, solver, tol):
    """Whether a fold of training rows ``X`` walks its path in float32.

    See :data:`SINGLE_PRECISION_PATH`, :data:`SINGLE_PRECISION_PATH_TOL` and
    :data:`SINGLE_PRECISION_SPREAD`.
    """
    if (hidden or solver != "lbfgs" or X.dtype != np.float64
            or tol < SINGLE_PRECISION_PATH_TOL):
        return False
    stored = X.nnz if sparse.issparse(X) else X.size
    return stored * n_outputs >= SINGLE_PRECISION_PATH and keeps_in_single_precision(X)


# The folds share the covariance basis of all the rows only when building
# it costs at least this many iterations of a fold's solver: a fold's own
# basis fits its rows better, and on a few hundred rows the shared one cost
# more iterations than its build (CAL500, a fifth of an iteration's build:
# 6% more loss work); on delicious's 50 most frequent labels (about 20
# iterations' build) the CV fit took 0.87-0.91 times as long per label, with
# 0.2% more loss work (benchmarks/README.md).
_SHARED_BASIS_ITERATIONS = 4


@dataclass
class SharedBasis:
    """The map's basis of all the training rows, for every fold and the refit.

    Where each fold would decompose the ``d x d`` covariance of its own rows
    (sparse words with a few hundred features and tens of labels: the five
    folds' and the refit's took 13-15% of delicious's CV fit per label), or
    find the leading directions of their correlation (a bibtex-shaped set,
    5,176 x 1,836: 7% of its CV fit per label), one decomposition of all
    the rows serves them all. The map only conditions the solver, as the
    folds walked as one problem share theirs (:func:`stacked_fold_paths`):
    each fold's objective stays its own.

    Attributes
    ----------
    varying : ndarray of bool of shape (n_features,) or None
        The features the basis is over (``None``: all of them).
    basis : FeatureBasis, LeadingDirections or DIAGONAL_MAP
        See :func:`skbce._solver.covariance_basis`.
    """

    varying: np.ndarray | None
    basis: FeatureBasis | LeadingDirections | str

    def for_features(self, varying):
        """The basis for rows whose varying features are ``varying``, or ``None`` for others."""
        if varying is None or self.varying is None:
            same = varying is None and self.varying is None
        else:
            same = np.array_equal(varying, self.varying)
        return self.basis if same else None


def shared_basis(X, targets, weight, splits, *, stacked, hidden, solver, pos_weight,
                 label_smoothing):
    """The :class:`SharedBasis` of all the rows, or ``None`` when the folds build their own.

    Built only where a fold's own choice and, judged at all the rows as the
    refit judges, the refit's are the same map: the refit then gets the very
    basis its own fit would compute. For the full covariance map
    (:func:`skbce._preconditioner.covariance_is_affordable`), folds solved
    apart share it only when its build costs at least
    ``_SHARED_BASIS_ITERATIONS`` of a fold's iterations; folds solved as one
    problem (``stacked``) have one basis of all the rows anyway, and share
    it with the refit. The low-rank map's leading directions (of the same
    rank for a fold and for all the rows) are always shared, and so is the
    verdict that the features are not correlated enough for them
    (:func:`skbce._preconditioner.correlated`): they need at least as many
    rows as features, and a fold's estimate from four fifths of them ranks
    no better.
    """
    if hidden or solver != "lbfgs":
        return None
    n_train, stored = _fold_shape(X, splits)
    n_features, n_outputs = X.shape[1], targets.shape[1]
    low_rank = not covariance_is_affordable(n_train, n_features, n_outputs, stored)
    if low_rank:
        rank = low_rank_size(n_train, n_features, stored)
        all_stored = X.nnz if sparse.issparse(X) else None
        if not rank or rank != low_rank_size(X.shape[0], n_features, all_stored):
            return None
    else:
        build, iteration = covariance_costs(n_train, n_features, n_outputs, stored)
        if not stacked and build < _SHARED_BASIS_ITERATIONS * iteration:
            return None
    _, varying, _, _, basis = _walk_problem(
        InMemoryRows(X, targets, weight), hidden, "relu", pos_weight, label_smoothing,
        solver, 0, walked=False)
    if low_rank:
        shares = basis is DIAGONAL_MAP or isinstance(basis, LeadingDirections)
    else:
        shares = isinstance(basis, FeatureBasis)
    return SharedBasis(varying, basis) if shares else None


def _walk_problem(rows, hidden, activation, pos_weight, label_smoothing, solver,
                  random_state, judged_as=None, shared=None, walked=True):
    """The walk's problem of ``rows``: ``(rows, varying, problem, theta0, basis)``.

    ``judged_as`` is passed to :func:`covariance_basis`, and so is
    ``shared``'s basis (a :class:`SharedBasis`) when it is over the same
    features. ``walked``: the problem's loss is evaluated (not only its
    basis built), so large sparse products may run in single precision
    (:data:`SINGLE_PRECISION_PRODUCT`).
    """
    varying = None
    if not hidden:
        # The weights of constant features are zero: the solve and the
        # held-out logits leave those columns out.
        rows, _, varying = drop_constant_features(rows)
    problem = build_problem(
        rows, hidden=hidden, activation=activation, alpha=1.0, pos_weight=pos_weight,
        label_smoothing=label_smoothing,
    )
    objective = problem.objective
    if (walked and not hidden and solver == "lbfgs"
            and objective.largest_product >= SINGLE_PRECISION_PRODUCT):
        rows.use_single_precision_products()
    layout = objective.layout
    theta = initial_parameters(
        layout, activation, check_random_state(random_state), objective.dtype
    )
    if layout.n_layers == 1:
        theta[-layout.layer_sizes[-1]:] = problem.prior
    if shared is not None:
        shared = shared.for_features(varying)
    with solve_blas_threads(objective.largest_product):
        basis = covariance_basis(objective, solver, judged_as, shared)
    return rows, varying, problem, theta, basis


def _fitter(objective, unit_strength, n_fold_outputs, *, solver, max_iter, max_fun, hidden,
            basis, carry_pairs):
    """``fit(alphas, start, tol, first, previous)`` of a walk: one strength per fold's outputs.

    ``carry_pairs``: whether each solve starts from the L-BFGS pairs of
    ``previous`` (see :func:`skbce._solver.carries_pairs`).
    """
    layout = objective.layout

    def fit(alphas, start, fit_tol, first, previous):
        strength = np.repeat(np.asarray(alphas, dtype=np.float64), n_fold_outputs)
        objective.penalty = L2Penalty(layout, strength * unit_strength)
        return solve(
            objective, start, solver=solver, max_iter=max_iter, max_fun=max_fun,
            tol=fit_tol, start_standardized=first and bool(hidden), basis=basis,
            previous=previous, carry_pairs=carry_pairs,
        )

    return fit


def _walk_options(layout, per_label, score, tol, n_alphas, n_outputs, patience):
    per_label_scores = per_label and score is None
    linear = layout.n_layers == 1
    return dict(
        continues=linear, tol=tol, patience=patience,
        span=TURN_SPAN if linear else NETWORK_TURN_SPAN,
        improvement=0.0 if linear else NETWORK_IMPROVEMENT,
        shape=(n_alphas, n_outputs) if per_label_scores else (n_alphas,),
    )


def fold_path(
    X, targets, weight, train, test, *, alphas, hidden, activation, pos_weight,
    label_smoothing, solver, max_iter, max_fun, tol, random_state, per_label, score,
    patience=PATIENCE, shared=None,
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
        Tolerance of every fit of the path (see :func:`path_tolerance`).
    random_state : int, RandomState or None
        Seeds an MLP's initial weights.
    per_label : bool
        Whether the default score is kept per label.
    score : callable or None
        ``score(layout, theta, test) -> float``, higher is better, for a
        user's scoring; ``None`` is minus the held-out BCE.
    patience : int, default=PATIENCE
        The path stops once at least this many strengths in a row, spanning
        a factor of ``TURN_SPAN`` in strength past the best so far
        (``NETWORK_TURN_SPAN`` for a network), score below it (``None``
        never stops).
    shared : SharedBasis or None, default=None
        The covariance map's basis of all the training rows (see
        :func:`shared_basis`), used when the fold's own choice is that map.

    Returns
    -------
    scores : ndarray of shape (n_alphas,) or (n_alphas, n_outputs)
        Held-out scores, higher is better; NaN after the path stopped.
    n_iter : ndarray of shape (n_alphas,)
        Solver iterations per strength (0 after the path stopped).
    """
    X_train = X[train]
    rows = InMemoryRows(X_train, targets[train], weight[train])
    if single_precision_path(X_train, targets.shape[1], hidden, solver, tol):
        rows = rows.in_single_precision()
    rows, varying, problem, theta, basis = _walk_problem(
        rows, hidden, activation, pos_weight, label_smoothing, solver, random_state,
        shared=shared)
    objective = problem.objective
    layout = objective.layout
    n_outputs = rows.n_outputs
    scorer = _held_out_scorer(X, targets, weight, test, layout, activation, rows.product_dtype,
                              varying, per_label, score)
    fit = _fitter(objective, objective.penalty.output_strength, n_outputs, solver=solver,
                  max_iter=max_iter, max_fun=max_fun, hidden=hidden, basis=basis,
                  carry_pairs=not hidden and carries_pairs(
                      objective.n_samples, objective.n_features, objective.stored_values))
    walk = _Walk(fit, n_outputs, [(None, scorer)])
    (result,) = walk.run(theta, alphas, **_walk_options(
        layout, per_label, score, tol, len(alphas), n_outputs, patience))
    return result


# The linear model's folds are solved as one problem (each fold's outputs its
# own columns, its held-out rows left out of their loss) when one iteration
# of a fold is at most this many multiply-adds (the two products and the
# solver's work per parameter, as the covariance map's cost rule counts
# them). Below it an iteration's fixed cost (the Python calls, products of a
# few columns at a fraction of BLAS's speed) outweighs its work, and one
# problem pays it once for every fold: the CV fit 1.9-2.2x faster on
# emotions and scene, 1.5-1.8x on yeast (about 5e5, 4e6 and 5e6
# multiply-adds), 1.1-1.3x on synthetic problems of 7-8e6; above it the
# joint problem's iterations cost more than the folds' saved overhead (0.9x
# at 1.1e7; CAL500, 1.3e7, and medical, 1.7e7: 0.6-0.98x). Measurements in
# benchmarks/README.md.
_STACK_WORK = 2**23

# Nor when the joint problem's logits would hold more than this many values
# (32 MiB in float64): its loss coefficients and buffers are of that size.
_STACK_VALUES = 2**22


def _fold_shape(X, splits):
    """A fold's mean training rows and their stored values (``None`` for dense ``X``)."""
    n_train = round(np.mean([len(train) for train, _ in splits]))
    stored = round(X.nnz * n_train / X.shape[0]) if sparse.issparse(X) else None
    return n_train, stored


def stacking_factor(X, weight, splits, hidden, solver, n_outputs):
    """How the folds' strengths scale in their joint problem, or ``None`` to solve them apart.

    The folds share a problem when the model is linear (L-BFGS), a fold's
    iteration is small (``_STACK_WORK``, ``_STACK_VALUES``), and every weighted training row
    is in the same number ``c`` of training sets, as in any k-fold split.
    Output ``(f, k)``'s loss is then fold ``f``'s loss of label ``k`` times
    one factor common to all folds, and its penalty matches it at
    ``alpha * F / c`` in the joint problem's units (``F`` folds).
    """
    if hidden or solver != "lbfgs" or len(splits) < 2:
        return None
    n_samples, n_features = X.shape
    n_train, stored = _fold_shape(X, splits)
    if stored is None:
        stored = n_train * n_features
    work = (2 * stored + _SOLVER_WORK_PER_PARAMETER * (n_features + 1)) * n_outputs
    if work > _STACK_WORK or n_samples * len(splits) * n_outputs > _STACK_VALUES:
        return None
    counts = np.zeros(n_samples, dtype=int)
    for train, _ in splits:
        np.add.at(counts, train, 1)
    in_training = counts[(counts > 0) & (weight > 0)]
    if in_training.size == 0 or in_training.min() != in_training.max():
        return None
    return len(splits) / in_training[0]


def stacked_fold_paths(
    X, targets, weight, splits, factor, *, alphas, activation, pos_weight, label_smoothing,
    max_iter, max_fun, tol, per_label, score, patience=PATIENCE, shared=None,
):
    """:func:`fold_path` of every fold of the linear model, as one problem.

    Output ``(f, k)`` of the joint problem is fold ``f``'s label ``k``: its
    targets are missing on the fold's held-out rows, and ``factor`` (from
    :func:`stacking_factor`) scales its strength to the fold's own. The
    labels decouple, so each fold's solution is the one its own fit gives;
    the folds share every product, and each stops its walk as
    :func:`fold_path` would. ``shared`` (a :class:`SharedBasis` of all the
    rows) serves as the problem's covariance basis, as in :func:`fold_path`.

    Returns
    -------
    list of (scores, n_iter)
        As :func:`fold_path` returns, one pair per split.
    """
    n_folds, n_outputs = len(splits), targets.shape[1]
    stacked = np.tile(targets.astype(np.float64, copy=False), (1, n_folds))
    counted = np.zeros(X.shape[0], dtype=bool)
    for f, (train, _) in enumerate(splits):
        columns = slice(f * n_outputs, (f + 1) * n_outputs)
        in_train = np.zeros(X.shape[0], dtype=bool)
        in_train[train] = True
        stacked[~in_train, columns] = np.nan
        counted |= in_train
    if pos_weight is not None and not isinstance(pos_weight, str):
        pos_weight = np.tile(np.asarray(pos_weight, dtype=np.float64), n_folds)
    # The change of variables one fold would get (see covariance_basis).
    n_train, stored = _fold_shape(X, splits)
    rows, varying, problem, theta, basis = _walk_problem(
        InMemoryRows(X, stacked, np.where(counted, weight, 0.0)), (), activation,
        pos_weight, label_smoothing, "lbfgs", None, judged_as=(n_train, n_outputs, stored),
        shared=shared)
    objective = problem.objective
    fold_layout = ParameterLayout((rows.n_features, n_outputs))
    folds = [
        (slice(f * n_outputs, (f + 1) * n_outputs),
         _held_out_scorer(X, targets, weight, test, fold_layout, activation,
                          rows.product_dtype, varying, per_label, score))
        for f, (_, test) in enumerate(splits)
    ]
    # Whether to carry pairs, as one fold would (the joint problem's rows
    # are all the rows).
    carry_pairs = carries_pairs(n_train, objective.n_features, stored)
    fit = _fitter(objective, factor * objective.penalty.output_strength, n_outputs,
                  solver="lbfgs", max_iter=max_iter, max_fun=max_fun, hidden=(), basis=basis,
                  carry_pairs=carry_pairs)
    walk = _Walk(fit, n_folds * n_outputs, folds)
    return walk.run(theta, alphas, **_walk_options(
        objective.layout, per_label, score, tol, len(alphas), n_outputs, patience))
