"""The fit problem, built once for every backend from one pass of label statistics.

One reduction over the rows gives, per output, the weighted count of
positive and of observed targets, and the total weight; from those come the
balanced ``pos_weight``, the prior logits (the intercept-only optimum) and
the penalty's scale ``alpha / (K sum w)``. The rows are then folded into
the loss coefficients ``A``, ``B`` and wrapped in the objective.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validation
from ._loss import bce_coefficients, smooth_targets
from ._network import ParameterLayout
from ._objective import BCEObjective
from ._penalty import L2Penalty

# A prior probability is kept this far from 0 and 1, so that a label that is
# always (or never) on starts at a finite logit (about +-13.8).
_PRIOR_CLIP = 1e-6

# An output is constant on the training rows when its observed targets'
# weighted sum is 0, or within this fraction of their weight (all 1s, summed
# in the targets' dtype).
_CONSTANT_RTOL = 1e-9


@dataclass
class LabelStatistics:
    """Weighted label counts of the training rows.

    Attributes
    ----------
    positive : ndarray of shape (n_outputs,)
        ``sum_n w_n y_nk`` over the observed entries (soft targets count fractionally).
    observed : ndarray of shape (n_outputs,)
        ``sum_n w_n`` over the observed entries of each output.
    loss_weight : float
        Total weight of the samples with at least one observed label: the
        normalization of the mean.
    total_weight : float
        Total weight of all samples.
    """

    positive: np.ndarray
    observed: np.ndarray
    loss_weight: float
    total_weight: float


def label_statistics(block):
    """Kernel: ``(positive, observed, loss_weight, total_weight)`` of a block's targets.

    Sums that overflow are ``inf``, silently: :func:`build_problem` refuses them.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return _label_statistics(block.targets, block.weight)


def _label_statistics(targets, weight):
    missing = np.isnan(targets)
    weight_t = weight.astype(targets.dtype)  # a float64 weight would upcast the targets
    if missing.any():
        observed_mask = ~missing
        observed = weight_t @ observed_mask
        positive = weight_t @ np.where(missing, 0, targets)
        loss_weight = float(weight[observed_mask.any(axis=1)].sum())
    else:  # matrix-vector products: no temporary of the size of the targets
        loss_weight = float(weight.sum())
        observed = np.full(targets.shape[1], loss_weight)
        positive = weight_t @ targets
    return (
        positive.astype(np.float64), observed.astype(np.float64), loss_weight,
        float(weight.sum()),
    )


def pinned_targets(statistics, label_smoothing):
    """The target each output constant on the training rows is fitted to; NaN for the others.

    An output whose observed targets are all 0 (or all 1) has its optimum at
    an infinite intercept: its fits drift (each solve pushes the intercept
    and the weights a little further, and along a regularization path its
    held-out score falls with every strength). Fitted to ``_PRIOR_CLIP``
    (``1 - _PRIOR_CLIP``) instead, its optimum is its start: zero weights
    and the clipped prior's intercept. ``None`` when no output is constant
    (always with label smoothing, which moves every target off 0 and 1).
    """
    if label_smoothing > 0:
        return None
    positive, observed = statistics.positive, statistics.observed
    seen = observed > 0
    never = seen & (positive <= 0)
    always = seen & ~never & (observed - positive <= _CONSTANT_RTOL * observed)
    if not (never | always).any():
        return None
    pinned = np.full(positive.shape, np.nan)
    pinned[never], pinned[always] = _PRIOR_CLIP, 1.0 - _PRIOR_CLIP
    return pinned


def fold_coefficients(block, pos_weight, label_smoothing, loss_weight, pinned=None):
    """Kernel: the block's loss coefficients ``(A, B)``, normalized over all the rows.

    ``pinned`` (from :func:`pinned_targets`) replaces the targets of the
    constant outputs, in their coefficients' columns (no copy of the targets).
    """
    targets = smooth_targets(block.targets, label_smoothing)
    A, B, _ = bce_coefficients(
        targets, block.weight, pos_weight, dtype=block.X.dtype, weight_sum=loss_weight
    )
    if pinned is not None:
        columns = np.flatnonzero(~np.isnan(pinned))
        target = pinned[columns]
        held = np.round(target)  # the 0 or 1 the rows hold
        weight = 1.0 if pos_weight is None else pos_weight[columns]
        # A = (1 + y (w - 1)) s and B = y w s, s each entry's share of the mean
        # (0 where missing): recover s from A, then set y to the pinned target.
        share = (A if A.shape[1] == 1 else A[:, columns]) / (1.0 + held * (weight - 1.0))
        if pos_weight is not None:
            A[:, columns] = share * (1.0 + target * (weight - 1.0))
        B[:, columns] = share * (target * weight)
    return A, B


def logit_of_mean(positive, total):
    """Logit of ``positive / total`` per output (0 where ``total`` is 0), clipped."""
    mean = np.divide(positive, total, out=np.full(positive.shape[0], 0.5), where=total > 0)
    mean = np.clip(mean, _PRIOR_CLIP, 1 - _PRIOR_CLIP)
    return np.log(mean) - np.log1p(-mean)


def balanced_pos_weight(positive, negative):
    """``negative / positive`` per output, 1 for an output with no positive or no negative."""
    ratio = np.ones(positive.shape[0])
    usable = (positive > 0) & (negative > 0)
    ratio[usable] = negative[usable] / positive[usable]
    return ratio


def _pos_weight(option, statistics, n_outputs):
    if option is None:
        return None
    if isinstance(option, str):  # "balanced", counted before smoothing
        return balanced_pos_weight(
            statistics.positive, statistics.observed - statistics.positive
        )
    weights = np.asarray(option, dtype=np.float64)
    if weights.shape != (n_outputs,):
        raise ValueError(
            f"The 'pos_weight' parameter has shape {weights.shape}, but y has "
            f"{n_outputs} outputs: give one weight per label."
        )
    return weights


@dataclass
class FitProblem:
    """What the solver minimizes and what the estimator stores of it.

    Attributes
    ----------
    objective : BCEObjective
    prior : ndarray of shape (n_outputs,)
        Logit of each output's weighted mean (smoothed) target: the optimal
        intercepts of the model with no weights.
    pos_weight : ndarray of shape (n_outputs,) or None
        The positive weights used in the loss.
    loss_weight : float
        The training rows' total weight in the loss (``sum w`` over the rows
        with an observed label).
    """

    objective: BCEObjective
    prior: np.ndarray
    pos_weight: np.ndarray | None
    loss_weight: float = 1.0

    @property
    def alpha_unit(self):
        """The penalty strength of ``alpha = 1``, ``1 / (K loss_weight)``.

        ``alpha`` in the estimator's units is ``alpha_unit * alpha`` in the
        objective's.
        """
        return _alpha_unit(self.objective.layout.layer_sizes[-1], self.loss_weight)


def _alpha_unit(n_outputs, loss_weight):
    """``1 / (K loss_weight)``: the objective's penalty strength of ``alpha = 1``."""
    return 1.0 / (n_outputs * loss_weight)


def build_problem(rows, *, hidden, activation, alpha, pos_weight, label_smoothing,
                  training=True):
    """Build the regularized BCE problem of ``rows``.

    Parameters
    ----------
    rows : Rows
        The training rows (see :mod:`skbce._rows`); folded in place.
    hidden : tuple of int
        Hidden layer sizes.
    activation : str
        Hidden activation.
    alpha : float or ndarray of shape (n_outputs,)
        Penalty strength in the estimator's units (``1 / C``).
    pos_weight : None, "balanced" or array-like of shape (n_outputs,)
    label_smoothing : float
    training : bool, default=True
        Whether ``rows`` are fitted: the outputs constant on them are then
        fitted to the clipped prior (:func:`pinned_targets`). Held-out rows
        keep their targets.

    Returns
    -------
    FitProblem
    """
    with np.errstate(over="ignore"):  # the chunks' sums may overflow when added
        statistics = LabelStatistics(*rows.map_reduce(label_statistics))
    # In memory the weights were checked on their own; chunks of a Dask array here.
    _validation.check_weight_total(statistics.total_weight)
    if statistics.total_weight <= 0:
        raise ValueError("sample_weight is zero for every sample: nothing to fit.")
    if statistics.loss_weight <= 0:
        raise ValueError(
            "The loss has no weight: every sample has a zero weight or no observed label."
        )
    n_outputs = rows.n_outputs
    pos_weight = _pos_weight(pos_weight, statistics, n_outputs)
    smoothed_positive = (
        (1.0 - label_smoothing) * statistics.positive + 0.5 * label_smoothing * statistics.observed
    )
    pinned = pinned_targets(statistics, label_smoothing) if training else None
    rows.fold(fold_coefficients, pos_weight, label_smoothing, statistics.loss_weight, pinned)
    layout = ParameterLayout((rows.n_features, *hidden, n_outputs))
    unit = _alpha_unit(n_outputs, statistics.loss_weight)
    penalty = L2Penalty(layout, np.asarray(alpha) * unit)
    return FitProblem(
        objective=BCEObjective(rows, layout, activation, penalty),
        prior=logit_of_mean(smoothed_positive, statistics.observed),
        pos_weight=pos_weight,
        loss_weight=statistics.loss_weight,
    )


def held_out_loss(rows, problem, activation):
    """The unpenalized loss of held-out ``rows`` for the model of ``problem``.

    The held-out rows use the training problem's positive weights and no
    label smoothing (a regularizer of the training targets, not of the
    score): ``loss(theta)`` is their weighted mean BCE.

    Parameters
    ----------
    rows : Rows
        Unfolded held-out rows; folded here.
    problem : FitProblem
        The training problem.
    activation : str

    Returns
    -------
    callable
        ``theta -> float``.
    """
    layout = problem.objective.layout
    held_out = build_problem(
        rows, hidden=layout.layer_sizes[1:-1], activation=activation, alpha=0.0,
        pos_weight=problem.pos_weight, label_smoothing=0.0, training=False,
    )
    return held_out.objective.loss
