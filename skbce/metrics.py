"""The binary cross-entropy metric and the ``bce_score`` scorer."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils.metadata_routing import MetadataRequest

from ._validation import RealArray, check_sample_weight, encode_fitted_targets

__all__ = ["bce_score", "binary_cross_entropy", "make_bce_scorer"]


_POS_WEIGHTS = RealArray(0, np.inf, (1,), "a 1-D array of non-negative finite weights")


def _probabilities(y_prob):
    """``y_prob`` as a float array of probabilities in [0, 1], or a ValueError naming it."""
    try:
        prob = np.asarray(y_prob, dtype=np.float64)
    except (TypeError, ValueError):
        prob = None
    if prob is None or not np.isfinite(prob).all() or (prob < 0).any() or (prob > 1).any():
        raise ValueError("y_prob must hold probabilities in [0, 1] (no NaN or infinity).")
    return prob


def binary_cross_entropy(
    y_true: ArrayLike,
    y_prob: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None,
    eps: float | str = "auto",
) -> float:
    r"""Mean binary cross-entropy of predicted probabilities.

    For each sample, the BCE is averaged over its observed labels; the
    result is the weighted mean of those per-sample values:

    .. math::

        \mathrm{BCE} = \frac{1}{\sum_n w_n} \sum_n w_n \frac{1}{|O_n|}
        \sum_{k \in O_n} -\left[p_k\, y_{nk} \log q_{nk}
        + (1 - y_{nk}) \log (1 - q_{nk})\right]

    where :math:`O_n` are the labels of sample :math:`n` whose ``y_true`` is
    not NaN (samples with none are left out) and :math:`p_k` the positive
    weights (1 by default). It is the training loss of
    :class:`~skbce.BCEMultiLabelClassifier` without the penalty, and equals
    :func:`sklearn.metrics.log_loss` on 1-D binary input.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Targets in [0, 1]: 0/1 labels or probabilities (soft labels); NaN
        (or ``pd.NA``, ``None``) marks a missing label. Every container
        :meth:`BCEMultiLabelClassifier.fit <skbce.BCEMultiLabelClassifier.fit>`
        takes is accepted: lists, sparse label matrices, pandas and polars frames.
    y_prob : array-like of shape (n_samples,) or (n_samples, n_labels)
        Predicted probabilities of the positive outcome of each label. For
        1-D ``y_true``, an array of shape (n_samples, 2) (as
        ``predict_proba`` returns for binary problems) is also accepted, its
        second column being used.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    pos_weight : array-like of shape (n_labels,), default=None
        Weight of the positive term of each label.
    eps : float or "auto", default="auto"
        Probabilities are clipped to ``[eps, 1 - eps]`` so that a confident
        mistake costs a large but finite amount; ``"auto"`` uses the machine
        epsilon of ``y_prob``'s dtype (float64 unless float32 is given).

    Returns
    -------
    float
        The mean BCE (lower is better).

    Examples
    --------
    >>> from skbce.metrics import binary_cross_entropy
    >>> y_true = [[0, 1], [0, 0]]
    >>> y_prob = [[0.6, 0.4], [0.4, 0.6]]
    >>> round(binary_cross_entropy(y_true, y_prob), 4)
    0.8149
    >>> round(binary_cross_entropy(y_true, y_prob, sample_weight=[1, 0]), 4)
    0.9163
    """
    prob_dtype = getattr(y_prob, "dtype", None)
    target = encode_fitted_targets(y_true, None, "y_true")
    prob = _probabilities(y_prob)
    if target.shape[1] == 1 and prob.ndim == 2 and prob.shape[1] == 2:
        prob = prob[:, 1]  # predict_proba of a binary model
    if prob.ndim == 1:
        prob = prob[:, None]
    if target.shape != prob.shape:
        raise ValueError(
            f"y_true and y_prob must have the same 1-D or 2-D shape; got "
            f"{np.shape(y_true)} and {np.shape(y_prob)}."
        )
    if target.size == 0:
        raise ValueError("y_true is empty: the BCE of no sample is undefined.")
    observed = ~np.isnan(target)
    if not observed.any():
        raise ValueError("y_true has no observed (non-NaN) label.")
    if isinstance(eps, str) and eps == "auto":
        clip = float(np.finfo(np.float32 if prob_dtype == np.float32 else np.float64).eps)
    elif isinstance(eps, numbers.Real) and not isinstance(eps, bool) and 0 <= eps < 0.5:
        clip = float(eps)
    else:
        raise ValueError(f"eps must be 'auto' or a float in [0, 0.5); got {eps!r}.")
    n_samples, n_labels = target.shape
    weight = check_sample_weight(sample_weight, n_samples)
    positive_weight = np.ones(n_labels)
    if pos_weight is not None:
        if not _POS_WEIGHTS.accepts(pos_weight) or np.shape(pos_weight) != (n_labels,):
            raise ValueError(
                f"pos_weight must hold {n_labels} non-negative finite weights, one per "
                f"label; got {pos_weight!r}."
            )
        positive_weight = np.asarray(pos_weight, dtype=np.float64)
    q = np.clip(prob, clip, 1 - clip)
    y = np.where(observed, target, 0.0)
    weighted_y = positive_weight * y
    # Each log only where its factor is not 0: with eps=0 an exact
    # prediction costs 0, not 0 * log(0) = NaN; a confident mistake costs inf.
    with np.errstate(divide="ignore"):
        positive = np.log(q, out=np.zeros_like(q), where=weighted_y > 0)
        negative = np.log1p(-q, out=np.zeros_like(q), where=(y < 1) & observed)
    elementwise = -(weighted_y * positive + (1 - y) * negative)
    n_observed = observed.sum(axis=1)
    counted = n_observed > 0
    per_sample = elementwise[counted].sum(axis=1) / n_observed[counted]
    weight = weight[counted]
    if weight.sum() == 0:
        raise ValueError("Every sample with an observed label has a zero weight.")
    return float(np.dot(weight, per_sample) / weight.sum())


def _positive_probabilities(estimator, X):
    """Probabilities of each output, shaped like the encoded targets."""
    proba = estimator.predict_proba(X)
    if isinstance(proba, list):  # e.g. MultiOutputClassifier: one (n, 2) per label
        return np.column_stack([p[:, 1] for p in proba])
    return np.asarray(proba)


class _BCEScorer:
    """Negative mean BCE of ``estimator.predict_proba(X)`` against ``y``."""

    def __init__(self, pos_weight: ArrayLike | None = None, eps: float | str = "auto") -> None:
        self.pos_weight = pos_weight
        self.eps = eps
        self._request_sample_weight = True

    def __call__(
        self, estimator: Any, X: Any, y_true: Any, sample_weight: ArrayLike | None = None
    ) -> float:
        proba = _positive_probabilities(estimator, X)
        # The targets fit takes, encoded as the model's outputs.
        target = encode_fitted_targets(y_true, getattr(estimator, "classes_", None), "y_true")
        if target.shape[1] == 1:  # binary: the probability of classes_[1]
            target = target[:, 0]
            proba = proba[:, -1] if proba.ndim == 2 else proba
        return -binary_cross_entropy(
            target, proba, sample_weight=sample_weight, pos_weight=self.pos_weight,
            eps=self.eps,
        )

    def set_score_request(self, *, sample_weight: bool = True) -> _BCEScorer:
        """Set whether ``sample_weight`` is routed to this scorer.

        Parameters
        ----------
        sample_weight : bool, default=True
            Request (True) or refuse (False) ``sample_weight`` when metadata
            routing is enabled.

        Returns
        -------
        self : object
            The scorer.
        """
        self._request_sample_weight = bool(sample_weight)
        return self

    def get_metadata_routing(self) -> MetadataRequest:
        """Return the metadata this scorer asks for: ``sample_weight`` by default.

        Returns
        -------
        sklearn.utils.metadata_routing.MetadataRequest
            The request.
        """
        request = MetadataRequest(owner=type(self).__name__)
        request.score.add_request(param="sample_weight", alias=self._request_sample_weight)
        return request

    def __repr__(self) -> str:
        args = [] if self.pos_weight is None else [f"pos_weight={self.pos_weight!r}"]
        return f"make_bce_scorer({', '.join(args)})"


def make_bce_scorer(
    *, pos_weight: ArrayLike | None = None, eps: float | str = "auto"
) -> _BCEScorer:
    """Build a scorer returning the negative BCE of ``predict_proba``.

    Greater is better, as scikit-learn's model selection expects. The scorer
    encodes ``y`` with the estimator's ``classes_`` (1-D ``y``) or takes a 2-D
    ``y`` as the label matrix (NaN for missing labels), and passes
    ``sample_weight`` on; with metadata routing enabled it requests
    ``sample_weight``.

    Parameters
    ----------
    pos_weight : array-like of shape (n_labels,), default=None
        Positive weights of :func:`binary_cross_entropy`.
    eps : float or "auto", default="auto"
        Clipping of :func:`binary_cross_entropy`.

    Returns
    -------
    callable
        ``scorer(estimator, X, y, sample_weight=None) -> float``.

    Examples
    --------
    >>> import numpy as np
    >>> from skbce import BCEMultiLabelClassifier
    >>> from skbce.metrics import make_bce_scorer
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> Y = np.array([[0, 1], [0, 1], [1, 0], [1, 0]])
    >>> clf = BCEMultiLabelClassifier().fit(X, Y)
    >>> scorer = make_bce_scorer(pos_weight=[2.0, 1.0])
    >>> bool(scorer(clf, X, Y) < 0)
    True
    """
    return _BCEScorer(pos_weight=pos_weight, eps=eps)


bce_score = make_bce_scorer()
bce_score.__doc__ = """Scorer: negative mean BCE of ``predict_proba``; use ``scoring=bce_score``.

``bce_score(estimator, X, y_true, sample_weight=None)`` is
``-binary_cross_entropy(y_true, probabilities)`` where the probabilities come
from ``estimator.predict_proba(X)``: greater is better, as scikit-learn's
model selection expects. It is ``make_bce_scorer()`` with the default
arguments.

Parameters
----------
estimator : object
    A fitted estimator with ``predict_proba`` (and ``classes_`` for 1-D
    ``y_true``).
X : array-like of shape (n_samples, n_features)
    Inputs.
y_true : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
    The targets ``fit`` takes: labels of ``estimator.classes_`` (1-D; a
    label the model was not fitted on raises a ``ValueError``) or a matrix
    of targets in [0, 1], NaN or ``pd.NA`` for a missing label (2-D).
sample_weight : array-like of shape (n_samples,), default=None
    Non-negative sample weights.

Returns
-------
float
    The negative mean BCE.

See Also
--------
make_bce_scorer : Build a scorer with positive weights or another clipping.
binary_cross_entropy : The metric.

Examples
--------
>>> from sklearn.model_selection import cross_val_score
>>> from skbce import BCEMultiLabelClassifier, bce_score
>>> from skbce.datasets import make_digits_multilabel
>>> X, Y, _ = make_digits_multilabel()
>>> scores = cross_val_score(BCEMultiLabelClassifier(), X[:300] / 16, Y[:300],
...                          scoring=bce_score, cv=3)
>>> bool((scores < 0).all())
True
"""
