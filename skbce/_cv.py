"""``BCEMultiLabelClassifierCV``: ``alpha`` chosen by cross-validation along a path.

The folds run in parallel (joblib); each walks the penalty from strong to
weak, the linear model with warm starts (:mod:`skbce._path`). The strength
with the best mean held-out score, one for all labels or one per label, is
then refit on all the rows.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, ClassVar

import numpy as np
from joblib import Parallel, delayed
from numpy.typing import ArrayLike
from sklearn.base import clone
from sklearn.metrics import check_scoring, get_scorer, get_scorer_names
from sklearn.model_selection import KFold, check_cv
from sklearn.utils import check_random_state
from sklearn.utils.metadata_routing import MetadataRouter

from . import _validation
from ._classifier import BCEMultiLabelClassifier
from ._path import (
    fold_path,
    path_tolerance,
    shared_basis,
    stacked_fold_paths,
    stacking_factor,
)
from ._routing import cv_router, routed_fit_params
from ._rows import InMemoryRows, TrainingData, checked_arrays

# An integer ``alphas`` spans these per-sample strengths ``alpha / sum(w)``,
# from a model that predicts the label frequencies to an almost
# unregularized one.
_STRONGEST, _WEAKEST = 1e2, 1e-5

# A label keeps the shared strength unless its own best improves its mean
# held-out score by more than this many standard errors of the paired
# fold-to-fold differences.
_PER_LABEL_STANDARD_ERRORS = 1.0


def _varies(targets, weight):
    """Whether each label's observed, weighted targets take more than one value."""
    counted = ~np.isnan(targets) & (weight[:, None] > 0)
    low = np.where(counted, targets, np.inf).min(axis=0)
    high = np.where(counted, targets, -np.inf).max(axis=0)
    return high > low


def check_cv_parameters(estimator):
    """The rules the constraint table cannot say: ``scoring`` with ``per_label``."""
    if estimator.scoring is not None and estimator.per_label:
        raise ValueError(
            "The 'scoring' parameter must be None with per_label=True: each label "
            f"is scored by its own held-out BCE; got {estimator.scoring!r}."
        )


def choose_per_label(scores, shared, informative=None):
    """Index of the strength of each label, shrunk toward the shared one.

    A label takes the strength of its own best mean score when that score
    beats its score at the ``shared`` strength by more than
    ``_PER_LABEL_STANDARD_ERRORS`` standard errors of the fold-to-fold
    differences; otherwise it keeps ``shared``. Only the folds where the
    label is ``informative`` count, in the mean and in the differences: a
    label constant on a fold's training rows gets the same model at every
    strength (its clipped prior), and one constant on a fold's held-out rows
    is scored on one class only, which rewards ever weaker penalties (a
    model more confident in the one class present). A label with fewer than
    two such folds keeps ``shared``.

    Parameters
    ----------
    scores : ndarray of shape (n_folds, n_alphas, n_outputs)
        Held-out scores per fold (higher is better); NaN where not computed.
    shared : int
        Index of the shared strength.
    informative : ndarray of shape (n_folds, n_outputs) of bool, default=None
        Whether each fold is evidence for each label (``None``: every fold).

    Returns
    -------
    ndarray of shape (n_outputs,) of int
    """
    n_folds, _, n_outputs = scores.shape
    if informative is None:
        informative = np.ones((n_folds, n_outputs), dtype=bool)
    counted = informative.sum(axis=0)
    computed = ~np.isnan(scores).any(axis=(0, 2))
    fold_weight = informative / np.maximum(counted, 1)
    mean = np.einsum("fak,fk->ak", np.nan_to_num(scores), fold_weight)
    own = np.argmax(np.where(computed[:, None], mean, -np.inf), axis=0)
    labels = np.arange(n_outputs)
    gain = np.where(informative, scores[:, own, labels] - scores[:, shared, :], 0.0)
    mean_gain = gain.sum(axis=0) / np.maximum(counted, 1)
    deviation = np.where(informative, gain - mean_gain, 0.0)
    variance = (deviation**2).sum(axis=0) / np.maximum(counted - 1, 1)
    standard_error = np.sqrt(variance / np.maximum(counted, 1))
    moves = (counted >= 2) & (mean_gain > _PER_LABEL_STANDARD_ERRORS * standard_error)
    return np.where(moves, own, shared)


class _FoldScorer:
    """A scikit-learn scorer applied to the fold models along a path (picklable).

    ``params`` go to the scorer, a per-sample array (one value per row of
    ``X``) restricted to the held-out rows, as scikit-learn's searches do.
    """

    def __init__(self, scorer, model, X, y, params):
        self.scorer, self.model, self.X, self.y = scorer, model, X, y
        n_samples = X.shape[0]
        # Which of them to cut to a fold's rows: decided once, not per score.
        self.per_sample = {name: np.asarray(value) for name, value in params.items()
                           if hasattr(value, "__len__") and len(value) == n_samples}
        self.other = {name: value for name, value in params.items()
                      if name not in self.per_sample}

    def __call__(self, layout, theta, test):
        model = clone(self.model)
        coefs, intercepts = layout.unpack(theta.astype(self.X.dtype))
        model.coefs_, model.intercepts_ = coefs, intercepts
        model.classes_, model.n_outputs_ = self.model.classes_, layout.layer_sizes[-1]
        model.n_features_in_, model._target_type = layout.layer_sizes[0], self.model._target_type
        params = {name: value[test] for name, value in self.per_sample.items()}
        return float(self.scorer(model, self.X[test], self.y[test], **params, **self.other))


def _cv_constraints():
    """The model's parameter table without ``alpha``, with the search's parameters."""
    table = dict(BCEMultiLabelClassifier._parameter_constraints)
    del table["alpha"]
    table.update(
        alphas=[
            _validation.Interval("int", 1, None, closed="left"),
            _validation.RealArray(0, np.inf, (1,), "a 1-D array of non-negative finite floats"),
        ],
        cv=[
            _validation.Interval("int", 2, None, closed="left"),
            _validation.HasMethods("split", "get_n_splits"),
            _validation.Iterable(),
        ],
        per_label=[_validation.Boolean()],
        scoring=[None, _validation.Options(*get_scorer_names()), _validation.Callable()],
        n_jobs=[
            None, _validation.Interval("int", 1, None, closed="left"),
            _validation.Interval("int", None, -1, closed="right"),
        ],
        refit=[_validation.Boolean()],
    )
    return table


class BCEMultiLabelClassifierCV(BCEMultiLabelClassifier):
    r"""Multi-label BCE classifier with ``alpha`` chosen by cross-validation.

    :class:`BCEMultiLabelClassifier` whose L2 penalty strength is chosen
    from ``alphas`` by the held-out BCE of cross-validation, one strength
    for all labels or (``per_label=True``) one per label, then refit on all
    the rows. Every fold fits a *regularization path*: the strengths from
    strong to weak, each fit of the linear model starting from the previous
    solution (a network's from the random start of a grid's fit: a strong
    penalty shrinks it to a saddle no weaker one leaves), sharing the fold's
    change of variables, and stopping once the held-out score has fallen
    for two strengths in a row spanning a factor of five in strength past
    its best (three and twelve for a network). The fits along the path stop
    at ninety times ``tol`` for the linear model, ten times for a network
    (the refit uses ``tol``). Where an
    evaluation is expensive (many dense rows), each of the linear model's
    fits along the path also starts from the L-BFGS curvature pairs of the
    one before. The choice is that of a grid search over the same strengths
    and folds, at a fraction of its cost.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=()
        Sizes of the hidden layers; ``()`` is the linear model.
    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
        Activation of the hidden layers.
    alphas : int or array-like of shape (n_alphas,), default=20
        The candidate strengths. An integer gives that many log-spaced
        values of ``alpha / sum(sample_weight)`` from 1e2 (a model close to
        the label frequencies) down to 1e-5 (almost no penalty); the best
        lies inside this range on every benchmark set we know of. A warning
        says when the best is at an end of the range.
    cv : int, cross-validation splitter or iterable, default=5
        An integer is a ``KFold`` of that many folds, **shuffled** with
        ``random_state``, so that a file sorted by label still gives
        representative folds. Any scikit-learn splitter, or an iterable of
        ``(train, test)`` index arrays, is used as given; a splitter's
        ``groups`` (``GroupKFold``) are passed to :meth:`fit` with metadata
        routing enabled, or its splits given as the iterable. A fold whose
        held-out rows all have zero ``sample_weight`` scores nothing and is
        left out.
    per_label : bool, default=False
        Choose one strength per label. The linear model decouples per label,
        so this is what fitting each label with its own ``C`` gives, in one
        joint refit with a vector of penalties. A label's held-out BCE from
        few positives is noisy, so a label moves away from the best shared
        strength only when its own best beats it by more than one standard
        error of the fold-to-fold differences, counted over the folds whose
        training and held-out rows both hold the label's two classes (at
        least two; otherwise it keeps the shared strength).
    scoring : str, callable or None, default=None
        ``None`` is the held-out BCE (weighted by ``sample_weight``), per
        label when ``per_label``. A scikit-learn scorer name or callable is
        applied to each fold model (only with ``per_label=False``), with the
        held-out rows' ``sample_weight`` as ``LogisticRegressionCV`` passes
        it (with metadata routing enabled: when the scorer requests it).
    n_jobs : int or None, default=None
        Folds fitted in parallel by joblib (``-1``: all cores); inside
        ``joblib.parallel_backend("dask")`` they run on a Dask cluster. The
        folds of a small linear model (a k-fold split) are instead solved
        together, as one problem whose outputs are every fold's labels: an
        iteration's fixed cost is then paid once, not once per fold, and
        the result does not depend on ``n_jobs``.
    refit : bool, default=True
        Refit the model on all the rows with the chosen strength. Without a
        refit only the cross-validation attributes are set and the model
        cannot predict.
    solver : {"lbfgs", "newton-cg"}, default="lbfgs"
        Solver of every fit.
    max_iter : int, default=500
        Iteration budget of every fit.
    max_fun : int, default=15000
        Budget of objective evaluations of every fit (L-BFGS).
    tol : float, default=1e-5
        Tolerance of the refit (the path uses ``90 * tol`` for the linear
        model, ``10 * tol`` for a network).
    pos_weight : None, "balanced" or array-like of shape (n_labels,), default=None
        Weight of the positive term of each label's BCE in the fits (the
        held-out score is the plain BCE).
    class_weight : None, "balanced" or dict, default=None
        Weights of the classes of a 1-D ``y``.
    missing_labels : {"error", "ignore"}, default="error"
        With ``"ignore"``, NaN entries of ``y`` are left out of the fits and
        of the scores.
    label_smoothing : float in [0, 1), default=0.0
        Targets of the fits become ``y (1 - s) + 0.5 s``.
    threshold : float or array-like of shape (n_labels,), default=0.5
        Decision threshold of ``predict``.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle of an integer ``cv`` and an MLP's initial weights.
    warm_start : bool, default=False
        Start the refit from the previous solution.
    verbose : int, default=0
        Print the refit's progress.
    early_stopping : "auto" or bool, default="auto"
        Early stopping of the refit at the chosen ``alpha_``, as in
        :class:`BCEMultiLabelClassifier` with ``True`` (the refit does not
        choose a penalty on its held-out rows). ``"auto"`` is off: the fits
        along the path run to ``10 * tol`` on all their rows without it
        (their held-out fold is the score), and the refit fits ``alpha_``
        the same way. A network refit with early stopping at the grid's
        choice scored worse on yeast and scene (test BCE +2.3e-3 and
        +8.4e-3; emotions -6.5e-3).
    validation_fraction : float in (0, 1), default=0.1
        Share of the rows the refit holds out for early stopping.
    n_iter_no_change : int, default=10
        Iterations without improvement before the refit stops early.

    Attributes
    ----------
    alpha_ : float or ndarray of shape (``n_outputs_``,)
        The chosen strength (one per label with ``per_label``).
    alphas_ : ndarray of shape (n_alphas,)
        The candidate strengths, in decreasing order (the path's order).
    scores_ : ndarray of shape (n_folds, n_alphas) or (n_folds, n_alphas, ``n_outputs_``)
        Held-out score (minus the BCE by default: higher is better) of each
        fold at each strength, per label with ``per_label``. NaN for the
        weak strengths a fold's path did not reach after its score fell.
        Folds without held-out weight are left out (see ``cv``).
    coefs_ : list of ndarray of shape (n_in, n_out)
        Weight matrix of each layer of the refit model.
    intercepts_ : list of ndarray of shape (n_out,)
        Intercept vector of each layer of the refit model.
    coef_ : ndarray of shape (``n_outputs_``, ``n_features_in_``)
        The refit linear model's weights, ``coefs_[0].T`` (linear model only).
    intercept_ : ndarray of shape (``n_outputs_``,)
        The refit linear model's intercepts, ``intercepts_[0]``.
    classes_ : ndarray
        The class labels (1-D ``y``) or the label names (2-D ``y``).
    n_outputs_ : int
        Number of sigmoid outputs.
    n_features_in_ : int
        Number of features seen during fit.
    pos_weight_ : ndarray of shape (``n_outputs_``,) or None
        The positive weights used in the loss.
    n_iter_ : int
        Solver iterations of the refit.
    loss_ : float
        Objective of the refit at its solution.
    loss_curve_ : list of float
        Objective of the refit after each iteration.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names seen during fit, when ``X`` has string column names.

    See Also
    --------
    BCEMultiLabelClassifier : The model, with a given ``alpha``.
    sklearn.linear_model.LogisticRegressionCV : The same idea for one label.

    Examples
    --------
    >>> import numpy as np
    >>> from skbce import BCEMultiLabelClassifierCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5))
    >>> Y = (X[:, :3] + rng.normal(size=(200, 3)) > 0).astype(int)
    >>> clf = BCEMultiLabelClassifierCV(alphas=10, random_state=0).fit(X, Y)
    >>> clf.alphas_.shape, clf.scores_.shape
    ((10,), (5, 10))
    >>> bool(clf.alphas_.min() <= clf.alpha_ <= clf.alphas_.max())
    True
    >>> clf.predict(X[:2])
    array([[1, 0, 1],
           [1, 1, 1]])
    >>> per_label = BCEMultiLabelClassifierCV(per_label=True, random_state=0).fit(X, Y)
    >>> per_label.alpha_.shape
    (3,)
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = _cv_constraints()

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] | int = (),
        *,
        activation: str = "relu",
        alphas: int | ArrayLike = 20,
        cv: Any = 5,
        per_label: bool = False,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: bool = True,
        solver: str = "lbfgs",
        max_iter: int = 500,
        max_fun: int = 15000,
        tol: float = 1e-5,
        pos_weight: str | ArrayLike | None = None,
        class_weight: str | dict[Any, float] | None = None,
        missing_labels: str = "error",
        label_smoothing: float = 0.0,
        threshold: float | ArrayLike = 0.5,
        random_state: int | np.random.RandomState | None = None,
        warm_start: bool = False,
        verbose: int = 0,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alphas = alphas
        self.cv = cv
        self.per_label = per_label
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.solver = solver
        self.max_iter = max_iter
        self.max_fun = max_fun
        self.tol = tol
        self.pos_weight = pos_weight
        self.class_weight = class_weight
        self.missing_labels = missing_labels
        self.label_smoothing = label_smoothing
        self.threshold = threshold
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "coefs_")

    def fit(
        self, X: Any, y: Any, sample_weight: ArrayLike | None = None, **params: Any
    ) -> BCEMultiLabelClassifierCV:
        """Choose ``alpha`` by cross-validation, then refit on all of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Targets, as for :meth:`BCEMultiLabelClassifier.fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights, used in the fits and the scores.
        **params : dict
            Metadata for the splitter (``groups``) and a ``scoring``
            scorer, routed as they request it. Only with
            ``sklearn.set_config(enable_metadata_routing=True)``.

        Returns
        -------
        BCEMultiLabelClassifierCV
            The fitted estimator (``self``).
        """
        hidden = _validation.check_hyperparameters(self)
        check_cv_parameters(self)
        _validation.check_y_given(self, y)
        split_params, score_params = routed_fit_params(self, sample_weight, params,
                                                      scorer=self.scoring is not None)
        # The checks of the model's fit, once for every fold.
        X, targets, weight, classes, target_type = checked_arrays(self, X, y, sample_weight)
        self.alphas_ = self._candidate_alphas(float(weight.sum()))
        splits = self._splits(X, y, weight, split_params)
        score = None
        if self.scoring is not None:
            model = BCEMultiLabelClassifier(**self._model_params(hidden))
            model.classes_, model._target_type = classes, target_type
            score = _FoldScorer(check_scoring(model, self.scoring), model, X, np.asarray(y),
                                score_params)
        path_options = dict(
            alphas=self.alphas_, activation=self.activation, pos_weight=self.pos_weight,
            label_smoothing=self.label_smoothing, max_iter=self.max_iter,
            max_fun=self.max_fun, tol=path_tolerance(hidden, self.tol),
            per_label=self.per_label, score=score,
        )
        factor = stacking_factor(X, weight, splits, hidden, self.solver, targets.shape[1])
        # One covariance decomposition for the folds and the refit, where it pays.
        shared = shared_basis(
            X, targets, weight, splits, stacked=factor is not None, hidden=hidden,
            solver=self.solver, pos_weight=self.pos_weight, label_smoothing=self.label_smoothing,
        )
        if factor is not None:
            # Small linear folds: one problem for all of them (see stacking_factor).
            results = stacked_fold_paths(X, targets, weight, splits, factor, shared=shared,
                                         **path_options)
        else:
            seeds = self._fold_seeds(len(splits))
            results = Parallel(n_jobs=self.n_jobs)(
                delayed(fold_path)(
                    X, targets, weight, train, test, hidden=hidden, solver=self.solver,
                    random_state=seed, shared=shared, **path_options,
                )
                for (train, test), seed in zip(splits, seeds)
            )
        self.scores_ = np.stack([scores for scores, _ in results])
        # A fold is evidence for a label's own strength when the label varies
        # on both its training and its held-out rows (see choose_per_label).
        informative = np.stack([
            _varies(targets[train], weight[train]) & _varies(targets[test], weight[test])
            for train, test in splits
        ])
        self.alpha_ = self._choose(informative)
        if self.refit:
            # The rows the folds were cut from, checked once above.
            data = TrainingData(InMemoryRows(X, targets, weight), classes, target_type)
            self._fit(data, hidden, self.alpha_, shared=shared)
        return self

    def _held_out_split(self, rows, hidden):
        """The refit's rows and early-stopping rows: ``"auto"`` is off (see ``early_stopping``)."""
        if self.early_stopping == "auto":
            return rows, None
        return super()._held_out_split(rows, hidden)

    def _model_params(self, hidden):
        """The parameters of the :class:`BCEMultiLabelClassifier` of one fit."""
        names = BCEMultiLabelClassifier._get_param_names()
        params = {name: getattr(self, name) for name in names if name != "alpha"}
        params["hidden_layer_sizes"] = hidden
        return params

    def _candidate_alphas(self, total_weight):
        """``alphas_``: the given strengths or a log-spaced range, strongest first."""
        if isinstance(self.alphas, numbers.Integral):
            return total_weight * np.logspace(
                np.log10(_STRONGEST), np.log10(_WEAKEST), int(self.alphas)
            )
        return np.unique(np.asarray(self.alphas, dtype=np.float64))[::-1]

    def _splitter(self):
        """The splitter ``cv`` stands for (an integer: a shuffled, seeded ``KFold``)."""
        if isinstance(self.cv, numbers.Integral):
            return KFold(int(self.cv), shuffle=True, random_state=self.random_state)
        return check_cv(self.cv)

    def get_metadata_routing(self) -> MetadataRouter:
        """Return where :meth:`fit` routes metadata: the splitter and a ``scoring`` scorer.

        Returns
        -------
        sklearn.utils.metadata_routing.MetadataRouter
        """
        scorer = None
        if self.scoring is not None:
            scorer = self.scoring if callable(self.scoring) else get_scorer(self.scoring)
        return cv_router(self, self._splitter(), scorer)

    def _splits(self, X, y, weight, split_params):
        """The folds with held-out weight, as a list of ``(train, test)`` index arrays."""
        splitter = self._splitter()
        # A fold of zero held-out weight has no score (its weighted mean is 0 / 0).
        splits = [(train, test) for train, test in splitter.split(X, y, **split_params)
                  if weight[test].sum() > 0]
        if not splits:
            raise ValueError(
                "Every fold's held-out rows have zero total sample_weight: no fold "
                "can be scored."
            )
        return splits

    def _fold_seeds(self, n_folds):
        """The MLP's initial-weight seed of each fold: the same start as a grid's clones."""
        if self.random_state is None or isinstance(self.random_state, numbers.Integral):
            return [self.random_state] * n_folds
        state = check_random_state(self.random_state)
        return list(state.randint(np.iinfo(np.int32).max, size=n_folds))

    def _choose(self, informative):
        """The chosen strength (or one per label) from ``scores_``; warn at an edge.

        ``informative`` (folds x labels) says which folds count for a label's own choice.
        """
        scores = self.scores_
        overall = scores if scores.ndim == 2 else scores.mean(axis=2)
        computed = ~np.isnan(overall).any(axis=0)
        mean = np.where(computed, np.nan_to_num(overall).mean(axis=0), -np.inf)
        best = int(np.argmax(mean))
        n_alphas = len(self.alphas_)
        if n_alphas > 1 and best in (0, n_alphas - 1):
            end = "strongest" if best == 0 else "weakest"
            warnings.warn(
                f"The best alpha, {self.alphas_[best]:.4g}, is the {end} of alphas_ "
                f"({self.alphas_[0]:.4g} to {self.alphas_[-1]:.4g}): the optimum may lie "
                "beyond it. Widen the range of 'alphas'.",
                UserWarning,
                stacklevel=3,
            )
        if scores.ndim == 2:
            return float(self.alphas_[best])
        return self.alphas_[choose_per_label(scores, best, informative)]
