"""``PerLabelThresholdClassifier``: one decision threshold per label, tuned.

The thresholds are chosen on out-of-fold probabilities: each label gets the
threshold that maximizes its own score (F1 by default) on samples the model
did not see, then the model is refit on all the data.
"""

from __future__ import annotations

from collections.abc import Callable as CallableType
from typing import Any, ClassVar

import numpy as np
from joblib import Parallel, delayed
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import (
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
    check_cv,
)
from sklearn.utils import _safe_indexing, get_tags, indexable
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from ._classifier import BCEMultiLabelClassifier
from ._validation import (
    Boolean,
    Callable,
    HasMethods,
    Interval,
    Iterable,
    Options,
    RandomStates,
    RealArray,
    _is_int,
    _is_real,
    check_parameters,
    target_array,
)

SCORINGS = ("f1", "f1_micro", "jaccard", "balanced_accuracy", "accuracy")
_MAX_SWEEPS = 50
_FALLBACK = 0.5


def _ratio(numerator, denominator):
    """``numerator / denominator``, 0 where the denominator is 0."""
    return np.divide(
        numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0
    )


def _score_from_counts(name, tp, fp, fn, tn):
    """Score of each candidate threshold from its (weighted) confusion counts."""
    if name == "f1":
        return _ratio(2 * tp, 2 * tp + fp + fn)
    if name == "jaccard":
        return _ratio(tp, tp + fp + fn)
    if name == "balanced_accuracy":
        return 0.5 * (_ratio(tp, tp + fn) + _ratio(tn, tn + fp))
    return _ratio(tp + tn, tp + fp + fn + tn)  # accuracy


def _candidates(proba, thresholds):
    """Candidate thresholds of one label: midpoints of its sorted unique probabilities.

    With the rule ``proba > threshold``, the midpoints together with 0 (every
    sample positive) and 1 (none) give every distinct prediction of the
    out-of-fold samples, each with a margin on either side.
    """
    if not (isinstance(thresholds, str) and thresholds == "auto"):
        return thresholds
    values = np.unique(proba.astype(np.float64))
    return np.concatenate([[0.0], (values[:-1] + values[1:]) / 2, [1.0]])


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


def _scores_over_thresholds(y, proba, weight, candidates, scoring):
    """Score of one label at each candidate threshold (``proba > threshold``)."""
    if callable(scoring):
        kwargs = {} if weight is None else {"sample_weight": weight}
        return np.array(
            [float(scoring(y, (proba > t).astype(np.int64), **kwargs)) for t in candidates]
        )
    name = "f1" if scoring == "f1_micro" else scoring
    return _score_from_counts(name, *_counts(y, proba, weight, candidates))


def _best_threshold(scores, candidates):
    """The best-scoring candidate; ties go to the one closest to 0.5, then the lower."""
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    best = scores.max()
    if not np.isfinite(best):
        return _FALLBACK, best
    tied = np.flatnonzero(np.isclose(scores, best, rtol=1e-12, atol=1e-12))
    distance = np.abs(candidates[tied] - _FALLBACK)
    closest = tied[distance == distance.min()]
    index = closest[np.argmin(candidates[closest])]
    return float(candidates[index]), float(scores[index])


def _missing_entries(y):
    """Boolean mask of the NaN entries of a float ``y``, or None if it has none."""
    if sparse.issparse(y) or y.dtype.kind != "f":
        return None
    missing = np.isnan(y)
    return missing if missing.any() else None


def _observed(Y, proba, weight, k):
    """Label ``k``'s targets, probabilities and weights where its target is known."""
    y, p = Y[:, k], np.asarray(proba[:, k], dtype=np.float64)
    known = ~np.isnan(y)
    if known.all():
        return y, p, weight
    return y[known], p[known], None if weight is None else weight[known]


def _fit(estimator, X, y, sample_weight):
    """``estimator.fit(X, y)``, passing ``sample_weight=`` only when there are weights."""
    if sample_weight is None:
        estimator.fit(X, y)
    else:
        estimator.fit(X, y, sample_weight=sample_weight)
    return estimator


def _fit_and_predict_proba(estimator, X, y, sample_weight, train, test):
    X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
    weight = None if sample_weight is None else _safe_indexing(sample_weight, train)
    _fit(estimator, X_train, y_train, weight)
    return estimator, estimator.predict_proba(_safe_indexing(X, test))


def _estimator_has(attr):
    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self._base_estimator(), attr)

    return check


class PerLabelThresholdClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label classifier with one decision threshold per label, tuned by CV.

    ``predict`` of a probabilistic classifier usually gives a label where its
    probability is above 0.5. For F1 and similar scores a rare label needs a
    lower threshold. This meta-estimator chooses, for every label, the
    threshold that maximizes that label's score on out-of-fold predictions:

    1. ``cv`` splits the training data; a clone of ``estimator`` is fit on
       each training part and predicts the probabilities of its held-out part.
    2. For each label, every candidate threshold ``t`` gives the predictions
       ``proba > t`` (strictly above, as in
       :class:`~skbce.BCEMultiLabelClassifier`) of the held-out samples, and
       the threshold of highest score is kept (with ``scoring="f1_micro"``,
       of highest micro-F1 of all labels together). Ties go to the candidate
       closest to 0.5, then to the lower one. A label that has only one class
       (no positive, or no negative) among the held-out samples keeps 0.5.
       Missing labels (NaN in a 2-D ``y``) are left out of their label's score.
    3. ``estimator`` is refit on all the data (``refit=True``).

    It works in a :class:`~sklearn.pipeline.Pipeline` and in
    :class:`~sklearn.model_selection.GridSearchCV` (the parameters of the inner
    model are ``estimator__<name>`` when ``estimator`` is given). Read more
    in the :ref:`user guide <thresholds>`.

    Parameters
    ----------
    estimator : estimator object, default=None
        A classifier with ``fit`` and ``predict_proba`` (an array of shape
        ``(n_samples, n_labels)`` for a 2-D ``y``, ``(n_samples, 2)`` for a
        binary ``y``). ``None`` means ``BCEMultiLabelClassifier()``.
    scoring : {"f1", "f1_micro", "jaccard", "balanced_accuracy", "accuracy"} \
or callable, default="f1"
        Score maximized for each label, each on its own: ``"f1"`` maximizes
        every label's F1, hence the macro-F1 (the mean over labels).
        ``"f1_micro"`` instead maximizes the micro-F1 of all labels together
        (pooled counts), by coordinate ascent from 0.5: in turn, each label
        gets the threshold that maximizes the micro-F1 with the others fixed,
        until a sweep changes nothing. A rare label then gets a threshold
        that trades fewer of its own false positives against the pooled
        count, rather than the lowest threshold its own F1 wants. A callable is called as
        ``scoring(y_true, y_pred)`` on one label's 0/1 column (with
        ``sample_weight=`` when ``fit`` got weights), for every candidate
        threshold; greater must be better. The named scores are computed from
        the confusion counts of all candidates at once, which is much faster.
    cv : int, float, cross-validation generator or iterable, default=5
        An int: the number of folds, **shuffled** with ``random_state``
        (``KFold(shuffle=True)`` for a 2-D ``y``, ``StratifiedKFold(shuffle=True)``
        for a binary ``y``), so that a file sorted by label (as some benchmark
        files are) still gives every fold every label. A float in (0, 1): a
        single split holding out that fraction of the samples, shuffled with
        ``random_state``. Otherwise any scikit-learn ``cv``, used as given
        (pass ``KFold(n)`` for unshuffled folds).
    thresholds : "auto", int or array-like of shape (n_thresholds,), default="auto"
        Candidate thresholds. ``"auto"``: for each label, the midpoints
        between its consecutive distinct out-of-fold probabilities, plus 0
        and 1, so every distinct prediction of those samples is tried. An int
        ``n >= 2``: ``n`` evenly spaced values from 0 to 1. An array: these
        values, each in [0, 1].
    refit : bool, default=True
        Refit ``estimator`` on all the data after choosing the thresholds.
        ``False`` keeps the model fit on the training part of a single split
        (``cv`` a float, or a ``cv`` with one split), on whose held-out part
        the thresholds were chosen.
    n_jobs : int, default=None
        Number of jobs fitting the cross-validation models in parallel
        (joblib; ``None`` means 1).
    random_state : int, RandomState instance or None, default=None
        Shuffles the folds of an int ``cv`` and the single split of a float
        ``cv``; unused when ``cv`` is a splitter or an iterable. Pass an int
        for the same folds, hence the same thresholds, at every ``fit``.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted classifier whose ``predict_proba`` ``predict`` thresholds.
    thresholds_ : ndarray of shape (n_labels,)
        The threshold of each label (one for a binary ``y``).
    best_scores_ : ndarray of shape (n_labels,)
        The out-of-fold score of each label at its threshold (its F1 for
        ``"f1_micro"``).
    classes_ : ndarray
        ``estimator_.classes_``: the classes of a binary ``y``, the label
        names of a 2-D ``y``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names seen during fit, when ``X`` has string column names.

    See Also
    --------
    skbce.BCEMultiLabelClassifier : The default estimator; its ``threshold``
        parameter sets thresholds by hand.
    sklearn.model_selection.TunedThresholdClassifierCV : One threshold for a
        binary problem.

    Examples
    --------
    >>> import numpy as np
    >>> from skbce import PerLabelThresholdClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 1.5]).astype(int)
    >>> clf = PerLabelThresholdClassifier(cv=3).fit(X, Y)
    >>> clf.thresholds_.shape
    (2,)
    >>> bool(np.array_equal(clf.predict(X), clf.predict_proba(X) > clf.thresholds_))
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "estimator": [None, HasMethods("fit", "predict_proba")],
        "scoring": [Options(*SCORINGS), Callable()],
        "cv": [
            Interval("int", 2, None), Interval("real", 0, 1, closed="neither"),
            HasMethods("split"), Iterable(),
        ],
        "thresholds": [
            Options("auto"), Interval("int", 2, None),
            RealArray(0, 1, (1,), "a 1-D array of values in [0, 1]"),
        ],
        "refit": [Boolean()],
        "n_jobs": [None, Interval("int", None, None)],
        "random_state": [RandomStates()],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        scoring: str | CallableType[..., float] = "f1",
        cv: Any = 5,
        thresholds: str | int | ArrayLike = "auto",
        refit: bool = True,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.estimator = estimator
        self.scoring = scoring
        self.cv = cv
        self.thresholds = thresholds
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _base_estimator(self):
        return BCEMultiLabelClassifier() if self.estimator is None else self.estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._base_estimator())
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        # Per-label thresholds have no meaning for a multiclass argmax.
        tags.classifier_tags.multi_class = False
        return tags

    def _check_params(self):
        """Check the parameters (once, at fit); return the estimator and the grid."""
        check_parameters(self)
        thresholds = self.thresholds
        if _is_int(thresholds):
            thresholds = np.linspace(0.0, 1.0, int(thresholds))
        elif not isinstance(thresholds, str):
            thresholds = np.unique(np.asarray(thresholds, dtype=np.float64))
        return self._base_estimator(), thresholds

    def _splits(self, X, y, target_type):
        cv = self.cv
        if _is_real(cv) and not _is_int(cv):  # in (0, 1): checked at fit
            splitter_class = StratifiedShuffleSplit if target_type == "binary" else ShuffleSplit
            splitter = splitter_class(n_splits=1, test_size=cv, random_state=self.random_state)
        else:
            if _is_int(cv):
                # Shuffled: benchmark files are often sorted by label, and
                # unshuffled folds would then miss whole labels.
                splitter_class = StratifiedKFold if target_type == "binary" else KFold
                splitter = splitter_class(
                    n_splits=int(cv), shuffle=True, random_state=self.random_state
                )
            else:
                splitter = check_cv(cv, y, classifier=True)
        return list(splitter.split(X, y))

    def fit(
        self, X: Any, y: Any, sample_weight: ArrayLike | None = None
    ) -> PerLabelThresholdClassifier:
        """Choose the thresholds on out-of-fold predictions, then fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs, passed to ``estimator`` as they are.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            A 0/1 label-indicator matrix or 1-D binary labels. NaN entries of a
            2-D ``y`` are missing labels: they reach ``estimator`` as they are
            (``BCEMultiLabelClassifier(missing_labels="ignore")`` leaves them
            out of its loss) and each label's threshold is chosen on the
            samples where it is known.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to ``estimator.fit``; also weights the scores.

        Returns
        -------
        PerLabelThresholdClassifier
            The fitted estimator (``self``).
        """
        base, grid = self._check_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        X, y = indexable(X, y)
        if (X.shape[0] if hasattr(X, "shape") else len(X)) == 0:
            raise ValueError("Found array with 0 sample(s) (X is empty) while fit needs some.")
        # Checked before type_of_target, which would cast an infinite y to
        # int; the estimator gets y as given (a DataFrame keeps its names).
        # target_array: the containers the estimator takes (None, pd.NA -> NaN).
        checked = y if sparse.issparse(y) else check_array(
            target_array(y)[0], ensure_2d=False, dtype=None, input_name="y",
            ensure_all_finite="allow-nan",
        )
        # NaN marks a missing label of a 2-D y: the estimator decides whether
        # it accepts them (BCEMultiLabelClassifier(missing_labels="ignore")),
        # and each label's threshold is chosen on its observed entries.
        missing = _missing_entries(checked)
        if missing is not None and checked.ndim != 2:
            raise ValueError(
                "Input y contains NaN: missing labels are allowed only in a 2-D y "
                "(one column per label)."
            )
        observed_y = checked if missing is None else np.where(missing, 0.0, checked)
        target_type = type_of_target(observed_y, input_name="y", raise_unknown=True)
        if target_type == "binary":
            y_1d = column_or_1d(checked)
            classes = np.unique(y_1d)
            Y = (y_1d == classes[-1]).astype(np.float64)[:, None]
        elif target_type == "multilabel-indicator":
            # NaN entries (missing labels) stay NaN.
            Y = (checked.toarray() if sparse.issparse(checked) else checked).astype(np.float64)
        else:
            raise ValueError(
                "Only binary classification is supported for a 1-D y (per-label "
                "thresholds have no meaning for a multiclass argmax), or multi-label "
                f"classification with a 2-D 0/1 indicator y; the type of the target is "
                f"{target_type!r}."
            )
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            if sample_weight.shape != (Y.shape[0],):
                raise ValueError(
                    f"The 'sample_weight' parameter must have shape ({Y.shape[0]},); "
                    f"got {sample_weight.shape}."
                )

        splits = self._splits(X, observed_y, target_type)
        if not self.refit and len(splits) != 1:
            raise ValueError(
                "The 'refit' parameter can be False only with a single split (a float "
                f"cv, or a cv with one split); got cv={self.cv!r} with {len(splits)} splits."
            )
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_and_predict_proba)(clone(base), X, y, sample_weight, train, test)
            for train, test in splits
        )
        test_index = np.concatenate([test for _, test in splits])
        proba = np.vstack([self._positive_proba(p, Y.shape[1]) for _, p in fitted])
        Y_test = Y[test_index]
        weight = None if sample_weight is None else sample_weight[test_index]
        self.thresholds_, self.best_scores_ = self._choose(Y_test, proba, weight, grid)

        if self.refit:
            self.estimator_ = _fit(clone(base), X, y, sample_weight)
        else:
            self.estimator_ = fitted[0][0]
        self._target_type = target_type
        self._classes = classes if target_type == "binary" else np.arange(Y.shape[1])
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

    @staticmethod
    def _positive_proba(proba, n_labels):
        """Probability of each label (of the positive class for binary ``y``)."""
        if not (isinstance(proba, np.ndarray) and proba.ndim == 2):
            raise ValueError(
                "The 'estimator' parameter must give predict_proba as one 2-D array; "
                f"got {type(proba).__name__}."
            )
        if n_labels == 1:
            return proba[:, -1:]
        if proba.shape[1] != n_labels:
            raise ValueError(
                f"The 'estimator' predict_proba has {proba.shape[1]} columns for "
                f"{n_labels} labels."
            )
        return proba

    def _choose(self, Y, proba, weight, grid):
        n_labels = Y.shape[1]
        observed = [_observed(Y, proba, weight, k) for k in range(n_labels)]
        # None: nothing to tune (a label never observed, or of one class only).
        candidates = [
            np.asarray(_candidates(p, grid), dtype=np.float64)
            if y.size and not np.all(y == y[0]) else None
            for y, p, _ in observed
        ]
        if self.scoring == "f1_micro":
            return self._micro_f1_ascent(observed, candidates)
        thresholds = np.full(n_labels, _FALLBACK)
        scores = np.zeros(n_labels)
        for k, (y, p, w) in enumerate(observed):
            if y.size == 0:
                continue
            if candidates[k] is None:
                scores[k] = _scores_over_thresholds(
                    y, p, w, thresholds[k : k + 1], self.scoring
                )[0]
            else:
                values = _scores_over_thresholds(y, p, w, candidates[k], self.scoring)
                thresholds[k], scores[k] = _best_threshold(values, candidates[k])
        return thresholds, scores

    @staticmethod
    def _micro_f1_ascent(observed, candidates):
        """Coordinate ascent on the micro-F1 of all labels, starting from 0.5.

        Each sweep gives every label in turn the threshold that maximizes the
        micro-F1 with the other labels' thresholds fixed; it stops when a
        sweep changes nothing. The micro-F1 never decreases along the way.
        Returns the thresholds and each label's own F1 at its threshold.
        """
        n_labels = len(observed)
        thresholds = np.full(n_labels, _FALLBACK)
        counts = []  # per label: (3, n_candidates) tp, fp, fn
        current = np.empty((n_labels, 3))  # per label: tp, fp, fn at its threshold
        for k, (y, p, w) in enumerate(observed):
            # One pass over the candidates and 0.5 (the starting threshold).
            grid = np.empty(0) if candidates[k] is None else candidates[k]
            both = np.stack(_counts(y, p, w, np.append(grid, _FALLBACK))[:3])
            counts.append(both[:, :-1])
            current[k] = both[:, -1]
        for _ in range(_MAX_SWEEPS):
            changed = False
            for k in range(n_labels):
                if candidates[k] is None:
                    continue
                total = current.sum(axis=0)
                tp, fp, fn = (total - current[k])[:, None] + counts[k]
                values = _ratio(2 * tp, 2 * tp + fp + fn)
                total_tp, total_fp, total_fn = total
                denominator = 2 * total_tp + total_fp + total_fn
                now = 2 * total_tp / denominator if denominator > 0 else 0.0
                best, best_value = _best_threshold(values, candidates[k])
                # The current threshold scores ``now``: a gain means another threshold.
                if best_value > now + 1e-12:
                    thresholds[k] = best
                    index = np.flatnonzero(candidates[k] == best)[0]
                    current[k] = counts[k][:, index]
                    changed = True
            if not changed:
                break
        tp, fp, fn = current.T
        return thresholds, _ratio(2 * tp, 2 * tp + fp + fn)

    @property
    def classes_(self) -> NDArray[Any]:
        """The classes of a binary ``y``, the label names of a 2-D ``y``."""
        check_is_fitted(self, "estimator_")
        return getattr(self.estimator_, "classes_", self._classes)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: Any) -> NDArray[Any]:
        """Return ``estimator_.predict_proba(X)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        ndarray of shape (n_samples, n_labels) or (n_samples, 2)
            The probabilities of the fitted estimator.
        """
        check_is_fitted(self, "thresholds_")
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> NDArray[Any]:
        """Return ``estimator_.predict_log_proba(X)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        ndarray of the shape of :meth:`predict_proba`
            The log-probabilities of the fitted estimator.
        """
        check_is_fitted(self, "thresholds_")
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X: Any) -> NDArray[Any]:
        """Return ``estimator_.decision_function(X)`` (not affected by the thresholds).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
            The decision function of the fitted estimator.
        """
        check_is_fitted(self, "thresholds_")
        return self.estimator_.decision_function(X)

    def predict(self, X: Any) -> NDArray[Any]:
        """Predict labels: a label where its probability is above its threshold.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
            2-D ``y``: the 0/1 integer matrix ``predict_proba(X) > thresholds_``.
            Binary ``y``: ``classes_[1]`` where its probability is above
            ``thresholds_[0]``, else ``classes_[0]``.
        """
        check_is_fitted(self, "thresholds_")
        proba = self.estimator_.predict_proba(X)
        if self._target_type == "binary":
            classes = self.classes_
            if len(classes) == 1:
                return np.full(proba.shape[0], classes[0])
            return classes[(proba[:, -1] > self.thresholds_[0]).astype(np.int64)]
        return (proba > self.thresholds_).astype(np.int64)
