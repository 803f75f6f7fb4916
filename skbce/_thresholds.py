"""``PerLabelThresholdClassifier``: one decision threshold per label, tuned.

The thresholds are chosen on out-of-fold probabilities of shuffled folds
(by ``_threshold_search``: by default the mean of micro- and macro-F1, on
counts smoothed toward those of all labels), then the model is refit on all
the data.
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
from sklearn.utils.metadata_routing import MetadataRouter
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from ._cv import BCEMultiLabelClassifierCV
from ._routing import cv_router, routed_fit_params
from ._threshold_search import SCORINGS, choose_thresholds
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
    lower threshold. This meta-estimator chooses the thresholds on
    out-of-fold predictions:

    1. ``cv`` splits the training data (shuffled folds by default); a clone
       of ``estimator`` is fit on each training part and predicts the
       probabilities of its held-out part.
    2. Every candidate threshold ``t`` of a label gives the predictions
       ``proba > t`` (strictly above, as in
       :class:`~skbce.BCEMultiLabelClassifier`) of the held-out samples, and
       their confusion counts. With ``smooth > 0`` the counts are m-estimates:
       the label's true- and false-positive rates at ``t`` are mixed with
       those of all labels pooled, as if ``smooth`` more positives and
       negatives had been seen, so a label with a handful of positives takes
       the shape of the others' curves rather than the noise of its own.
    3. The thresholds of highest score are kept: by default those of the
       highest mean of the micro-F1 and the macro-F1 of all labels. Ties go
       to the candidate closest to 0.5, then to the lower one. A label with
       fewer than ``smooth`` positives cannot get a degenerate threshold (one
       that gives every held-out sample the label, or none, other than 0.5).
       A label that has only one class among the held-out samples keeps 0.5.
       Missing labels (NaN in a 2-D ``y``) are left out of their label's score.
    4. ``estimator`` is refit on all the data (``refit=True``).

    It works in a :class:`~sklearn.pipeline.Pipeline` and in
    :class:`~sklearn.model_selection.GridSearchCV` (the parameters of the inner
    model are ``estimator__<name>`` when ``estimator`` is given). Read more
    in the :ref:`user guide <thresholds>`.

    Parameters
    ----------
    estimator : estimator object, default=None
        A classifier with ``fit`` and ``predict_proba`` (an array of shape
        ``(n_samples, n_labels)`` for a 2-D ``y``, ``(n_samples, 2)`` for a
        binary ``y``). ``None`` means
        ``BCEMultiLabelClassifierCV(random_state=random_state)``: the linear
        model, its ``alpha`` chosen by cross-validation within each fold and
        in the refit.
    scoring : {"f1_micro_macro", "f1", "f1_micro", "jaccard", "balanced_accuracy", \
"accuracy"} or callable, default="f1_micro_macro"
        What the thresholds maximize on the out-of-fold predictions.
        ``"f1_micro_macro"``: the mean of the micro-F1 (pooled counts of all
        labels) and the macro-F1 (mean of the labels' F1), a compromise that
        raises both over 0.5. ``"f1_micro"``: the micro-F1 alone; a rare
        label's false positives then weigh against every label's true
        positives, so rare labels are lowered less (best micro-F1, less
        macro-F1). These two couple the labels and are found by coordinate
        ascent from 0.5: in turn, each label gets the threshold that
        maximizes the objective with the others fixed, until a sweep changes
        nothing. ``"f1"``: each label's own F1, hence the macro-F1 (best
        macro-F1, and often a lower micro-F1 than 0.5, as rare labels get low
        thresholds). ``"jaccard"``, ``"balanced_accuracy"``, ``"accuracy"``:
        each label's own score. A callable is called as
        ``scoring(y_true, y_pred)`` on one label's 0/1 column (with
        ``sample_weight=`` when ``fit`` got weights), for every candidate
        threshold, on the raw (not smoothed) predictions; greater must be
        better. The named scores are computed from the confusion counts of
        all candidates at once, which is much faster.
    cv : int, float, cross-validation generator or iterable, default=5
        An int: the number of folds, **shuffled** with ``random_state``
        (``KFold(shuffle=True)`` for a 2-D ``y``, ``StratifiedKFold(shuffle=True)``
        for a binary ``y``), so that a file sorted by label (as some benchmark
        files are) still gives every fold every label. A float in (0, 1): a
        single split holding out that fraction of the samples, shuffled with
        ``random_state``. Otherwise any scikit-learn ``cv``, used as given
        (pass ``KFold(n)`` for unshuffled folds); a splitter's ``groups``
        (``GroupKFold``) are passed to :meth:`fit` with metadata routing
        enabled, or its splits given as an iterable.
    thresholds : "auto", int or array-like of shape (n_thresholds,), default="auto"
        Candidate thresholds. ``"auto"``: for each label, the midpoints
        between its consecutive distinct out-of-fold probabilities, plus 0,
        0.5 and 1, so every distinct prediction of those samples is tried. An int
        ``n >= 2``: ``n`` evenly spaced values from 0 to 1. An array: these
        values, each in [0, 1].
    smooth : float, default=10.0
        Strength, in samples, of the pooled rates of all labels in each
        label's rates (an m-estimate, as the ``smooth`` of
        :class:`~sklearn.preprocessing.TargetEncoder`): a label with ``n``
        positives weighs its own true-positive rate by ``n / (n + smooth)``.
        It is also the number of positives a label needs for a degenerate
        threshold. 10 keeps a label's own curve once it has some tens of
        positives, and pools the labels with a handful (the many rare labels
        of text and tagging sets). ``0`` chooses on each label's raw counts. With a
        single label (binary ``y``) the pooled rates are the label's own.
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
        The out-of-fold score of each label at its threshold, on its raw
        (not smoothed) counts; its F1 for ``"f1_micro_macro"`` and
        ``"f1_micro"``.
    classes_ : ndarray
        ``estimator_.classes_``: the classes of a binary ``y``, the label
        names of a 2-D ``y``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names seen during fit, when ``X`` has string column names.

    See Also
    --------
    skbce.BCEMultiLabelClassifierCV : The default estimator.
    skbce.BCEMultiLabelClassifier : Its ``threshold`` parameter sets
        thresholds by hand.
    sklearn.model_selection.TunedThresholdClassifierCV : One threshold for a
        binary problem.

    Examples
    --------
    >>> import numpy as np
    >>> from skbce import PerLabelThresholdClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 1.5]).astype(int)
    >>> clf = PerLabelThresholdClassifier(random_state=0).fit(X, Y)
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
        "smooth": [Interval("real", 0, None)],
        "refit": [Boolean()],
        "n_jobs": [None, Interval("int", None, None)],
        "random_state": [RandomStates()],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        scoring: str | CallableType[..., float] = "f1_micro_macro",
        cv: Any = 5,
        thresholds: str | int | ArrayLike = "auto",
        smooth: float = 10.0,
        refit: bool = True,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.estimator = estimator
        self.scoring = scoring
        self.cv = cv
        self.thresholds = thresholds
        self.smooth = smooth
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _base_estimator(self):
        if self.estimator is None:
            # alpha chosen by cross-validation inside each fold: a fixed alpha
            # is far from the best on real data (user guide, "Choosing alpha").
            return BCEMultiLabelClassifierCV(random_state=self.random_state)
        return self.estimator

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

    def _splitter(self, target_type, y=None):
        """The splitter ``cv`` stands for (an int or a fraction: shuffled, seeded)."""
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
        return splitter

    def get_metadata_routing(self) -> MetadataRouter:
        """Return where :meth:`fit` routes metadata: the splitter (``groups``).

        Returns
        -------
        sklearn.utils.metadata_routing.MetadataRouter
        """
        return cv_router(self, self._splitter("multilabel-indicator"))

    def fit(
        self, X: Any, y: Any, sample_weight: ArrayLike | None = None, **params: Any
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
        **params : dict
            Metadata for the splitter (``groups``), routed as it requests
            it. Only with ``sklearn.set_config(enable_metadata_routing=True)``.

        Returns
        -------
        PerLabelThresholdClassifier
            The fitted estimator (``self``).
        """
        base, grid = self._check_params()
        split_params, _ = routed_fit_params(self, sample_weight, params)
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

        splits = list(self._splitter(target_type, observed_y).split(X, observed_y, **split_params))
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
        observed = [_observed(Y, proba, weight, k) for k in range(Y.shape[1])]
        return choose_thresholds(observed, grid, self.scoring, float(self.smooth))

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
