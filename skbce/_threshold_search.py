"""Choosing one threshold per label from out-of-fold probabilities.

Pure functions, no estimator. For each label, every candidate threshold gets
its confusion counts (``proba > threshold``); with ``smooth > 0`` these are
m-estimates that mix the label's own rates with those of all labels pooled,
so that a label with a handful of positives borrows the shape of the others'
curves instead of fitting its own few samples. The thresholds then maximize
each label's score, or, by coordinate ascent, the micro-F1 or the mean of the
micro- and macro-F1 of all labels together.
"""

import numpy as np

SCORINGS = ("f1_micro_macro", "f1", "f1_micro", "jaccard", "balanced_accuracy", "accuracy")
# Weight of the macro-F1 (the rest is the micro-F1) in the objectives that
# couple the labels, maximized by coordinate ascent.
_MACRO_WEIGHT = {"f1_micro": 0.0, "f1_micro_macro": 0.5}
_MAX_SWEEPS = 50
FALLBACK = 0.5


def _ratio(numerator, denominator):
    """``numerator / denominator``, 0 where the denominator is 0."""
    return np.divide(
        numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0
    )


def _f1(tp, fp, fn):
    return _ratio(2 * tp, 2 * tp + fp + fn)


def _score_from_counts(name, tp, fp, fn, tn):
    """Score of each candidate threshold from its (weighted) confusion counts."""
    if name in ("f1", "f1_micro", "f1_micro_macro"):
        return _f1(tp, fp, fn)
    if name == "jaccard":
        return _ratio(tp, tp + fp + fn)
    if name == "balanced_accuracy":
        return 0.5 * (_ratio(tp, tp + fn) + _ratio(tn, tn + fp))
    return _ratio(tp + tn, tp + fp + fn + tn)  # accuracy


def _candidates(proba, thresholds):
    """Candidate thresholds of one label: midpoints of its sorted unique probabilities.

    With the rule ``proba > threshold``, the midpoints together with 0 (every
    sample positive) and 1 (none) give every distinct prediction of the
    out-of-fold samples, each with a margin on either side; 0.5 is added so
    that a label whose best predictions are also those at 0.5 keeps 0.5.
    """
    if not (isinstance(thresholds, str) and thresholds == "auto"):
        return np.asarray(thresholds, dtype=np.float64)
    values = np.unique(proba.astype(np.float64))
    return np.unique(np.concatenate([[0.0, FALLBACK, 1.0], (values[:-1] + values[1:]) / 2]))


def _supported(candidates, y, proba, weight, smooth):
    """Drop the degenerate candidates of a label with fewer than ``smooth`` positives.

    A degenerate threshold gives every out-of-fold sample the label, or none
    (0.5 itself stays: it is the untuned rule). On a few positives it is what
    an argmax picks when no other threshold finds any of them, not evidence.
    """
    positives = float(np.sum(y if weight is None else weight * y))
    if positives >= smooth:
        return candidates
    keep = ((candidates >= proba.min()) & (candidates < proba.max())) | (candidates == FALLBACK)
    return candidates[keep] if keep.any() else np.array([FALLBACK])


def _counts(y, proba, weight, candidates):
    """Weighted (tp, fp, fn, tn) of one label at each candidate (``proba > threshold``)."""
    w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=np.float64)
    order = np.argsort(proba, kind="stable")
    sorted_proba = proba[order]
    cum_all = np.concatenate([[0.0], np.cumsum(w[order])])
    cum_pos = np.concatenate([[0.0], np.cumsum((w * y)[order])])
    total, positive = cum_all[-1], cum_pos[-1]
    below = np.searchsorted(sorted_proba, candidates, side="right")  # proba <= t
    tp = positive - cum_pos[below]
    fp = (total - cum_all[below]) - tp
    fn = positive - tp
    tn = (total - positive) - fp
    return tp, fp, fn, tn


class _Tail:
    """Weighted fraction of some values strictly above any threshold."""

    def __init__(self, values, weight):
        order = np.argsort(values, kind="stable")
        self._values = values[order]
        w = np.ones(len(values)) if weight is None else weight[order]
        self._cumulative = np.concatenate([[0.0], np.cumsum(w)])

    def above(self, thresholds):
        total = self._cumulative[-1]
        below = self._cumulative[np.searchsorted(self._values, thresholds, side="right")]
        return (total - below) / total if total > 0 else np.zeros_like(below)


class _PooledRates:
    """True- and false-positive rates of all labels pooled, at any threshold."""

    def __init__(self, observed):
        positive = np.concatenate([y == 1 for y, _, _ in observed])
        proba = np.concatenate([p for _, p, _ in observed])
        weight = None
        if any(w is not None for _, _, w in observed):
            weight = np.concatenate([np.ones(len(y)) if w is None else w for y, _, w in observed])
        self._positive = _Tail(proba[positive], None if weight is None else weight[positive])
        self._negative = _Tail(proba[~positive], None if weight is None else weight[~positive])

    def __call__(self, thresholds):
        return self._positive.above(thresholds), self._negative.above(thresholds)


def _smoothed(counts, pooled_rates, smooth):
    """m-estimates of the counts: each rate mixed with ``smooth`` samples of the pooled one.

    The true-positive rate becomes ``(tp + m * tpr_pooled) / (positives + m)``
    and the false-positive rate likewise over the negatives, so a label's own
    curve dominates once it has many more than ``m`` positives; the counts
    keep the label's own numbers of positives and negatives.
    """
    tp, fp, fn, tn = counts
    positives, negatives = tp + fn, fp + tn
    tpr, fpr = pooled_rates
    tp = (tp + smooth * tpr) * _ratio(positives, positives + smooth)
    fp = (fp + smooth * fpr) * _ratio(negatives, negatives + smooth)
    return tp, fp, positives - tp, negatives - fp


def _best_threshold(scores, candidates):
    """The best-scoring candidate; ties go to the one closest to 0.5, then the lower."""
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    best = scores.max()
    if not np.isfinite(best):
        return FALLBACK, best
    tied = np.flatnonzero(np.isclose(scores, best, rtol=1e-12, atol=1e-12))
    distance = np.abs(candidates[tied] - FALLBACK)
    closest = tied[distance == distance.min()]
    index = closest[np.argmin(candidates[closest])]
    return float(candidates[index]), float(scores[index])


def _callable_scores(scoring, y, proba, weight, candidates):
    kwargs = {} if weight is None else {"sample_weight": weight}
    return np.array(
        [float(scoring(y, (proba > t).astype(np.int64), **kwargs)) for t in candidates]
    )


def choose_thresholds(observed, grid, scoring, smooth):
    """One threshold per label, and each label's out-of-fold score at it.

    Parameters
    ----------
    observed : list of (y, proba, weight)
        Per label: its known 0/1 targets, out-of-fold probabilities and
        sample weights (or None) on the same samples.
    grid : "auto" or ndarray
        Candidate thresholds, see :func:`_candidates`.
    scoring : str or callable
        One of :data:`SCORINGS`, or ``score(y_true, y_pred)`` of one label.
    smooth : float
        Pseudo-samples of the pooled rates in each label's rates; also the
        number of positives a label needs for a degenerate threshold.

    Returns
    -------
    thresholds, scores : ndarray of shape (n_labels,)
        The scores are the labels' own, unsmoothed out-of-fold scores
        (their F1 for the scorings that couple the labels); a label with one
        class only, or never observed, keeps 0.5.
    """
    name = "f1" if callable(scoring) else scoring
    tunable = [y.size > 0 and not np.all(y == y[0]) for y, _, _ in observed]
    candidates = [
        _supported(_candidates(p, grid), y, p, w, smooth) if ok else None
        for (y, p, w), ok in zip(observed, tunable)
    ]
    pooled = None
    if smooth > 0 and not callable(scoring) and any(tunable):
        pooled = _PooledRates([o for o in observed if o[0].size])

    def counts(k, thresholds):
        y, p, w = observed[k]
        raw = _counts(y, p, w, thresholds)
        return raw if pooled is None else _smoothed(raw, pooled(thresholds), smooth)

    def own_score(k, threshold):
        y, p, w = observed[k]
        if not y.size:
            return 0.0
        if callable(scoring):
            return float(_callable_scores(scoring, y, p, w, [threshold])[0])
        return float(_score_from_counts(name, *_counts(y, p, w, np.array([threshold])))[0])

    thresholds = np.full(len(observed), FALLBACK)
    if scoring in _MACRO_WEIGHT:
        thresholds = _ascent(counts, candidates, _MACRO_WEIGHT[scoring])
    else:
        for k, grid_k in enumerate(candidates):
            if grid_k is None:
                continue
            if callable(scoring):
                y, p, w = observed[k]
                values = _callable_scores(scoring, y, p, w, grid_k)
            else:
                values = _score_from_counts(name, *counts(k, grid_k))
            thresholds[k] = _best_threshold(values, grid_k)[0]
    scores = np.array([own_score(k, t) for k, t in enumerate(thresholds)])
    return thresholds, scores


def _ascent(counts, candidates, macro_weight):
    """Coordinate ascent on ``(1 - w) * micro-F1 + w * macro-F1``, from 0.5 for every label.

    Each sweep gives every label in turn the threshold that maximizes the
    objective with the other labels' thresholds fixed; it stops when a sweep
    changes nothing. The objective never decreases along the way.
    """
    n_labels = len(candidates)
    thresholds = np.full(n_labels, FALLBACK)
    grids, current = [], np.empty((n_labels, 3))  # tp, fp, fn at each label's threshold
    for k, grid in enumerate(candidates):
        grid = np.empty(0) if grid is None else grid
        # One pass over the candidates and 0.5 (the starting threshold).
        both = np.stack(counts(k, np.append(grid, FALLBACK))[:3])
        grids.append(both[:, :-1])
        current[k] = both[:, -1]
    own = _f1(*current.T)
    for _ in range(_MAX_SWEEPS):
        changed = False
        for k in range(n_labels):
            if candidates[k] is None:
                continue
            total = current.sum(axis=0)
            others = (total - current[k])[:, None] + grids[k]
            label_f1 = _f1(*grids[k])
            values = (1 - macro_weight) * _f1(*others) + macro_weight * (
                own.sum() - own[k] + label_f1
            ) / n_labels
            now = (1 - macro_weight) * _f1(*total) + macro_weight * own.mean()
            best, best_value = _best_threshold(values, candidates[k])
            # The current threshold scores ``now``: a gain means another threshold.
            if best_value > now + 1e-12:
                index = np.flatnonzero(candidates[k] == best)[0]
                thresholds[k] = best
                current[k] = grids[k][:, index]
                own[k] = label_f1[index]
                changed = True
        if not changed:
            break
    return thresholds
