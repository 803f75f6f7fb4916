"""``BCEMultiLabelClassifier``: the scikit-learn face of the model.

Only the estimator API lives here: validation, target encoding, fitted
attributes and predictions. The loss, the network and the solver are in
their own modules.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, log_expit, logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _validation
from ._constant_features import drop_constant_features, narrow_linear, widen_linear
from ._held_out_path import held_out_path
from ._network import (
    ACTIVATIONS,
    ParameterLayout,
    allocate_activations,
    forward,
    initial_parameters,
)
from ._problem import build_problem, held_out_loss
from ._rows import map_rows, training_data
from ._solver import SOLVERS, EarlyStopping, solve

# With early_stopping="auto", networks fitted on at least this many samples
# hold out validation_fraction of them to choose when to stop.
_EARLY_STOPPING_MIN_SAMPLES = 200


def _inside_unit_interval(proba):
    """Move probabilities that rounded to 0 or 1 to the nearest float inside, in place."""
    info = np.finfo(proba.dtype)
    return np.clip(proba, info.smallest_subnormal, 1 - info.epsneg, out=proba)


class BCEMultiLabelClassifier(ClassifierMixin, BaseEstimator):
    r"""Multi-label classifier trained with binary cross-entropy.

    A linear model (``hidden_layer_sizes=()``, the default) or a multi-layer
    perceptron with one sigmoid output per label. Each output answers its own
    yes/no question, so a sample can have any number of labels, and targets
    may be probabilities (soft labels) rather than 0/1.

    The parameters minimize the weighted mean, over samples, of the mean BCE
    over the :math:`K` labels of a sample, plus an L2 penalty on the weights
    (not on the intercepts):

    .. math::

        J = \frac{1}{\sum_n w_n} \sum_n w_n \ell_n
            + \frac{\alpha}{2 K \sum_n w_n} \sum_l \lVert W_l \rVert_F^2,
        \qquad
        \ell_n = -\frac{1}{K} \sum_{k=1}^{K}
            \left[y_{nk} \log p_{nk} + (1 - y_{nk}) \log (1 - p_{nk})\right],

    computed from the logits with a stable softplus. This is scikit-learn's
    ``MLPClassifier`` objective (which sums over the labels) divided by
    :math:`K`: the same ``alpha`` gives the same model as ``MLPClassifier``
    and, for the linear model, the same fit per label as
    ``LogisticRegression(C=1/alpha)``, while ``loss_`` reads as the mean BCE.
    It is minimized by L-BFGS-B (``scipy.optimize.minimize``) with an exact
    analytic gradient.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=()
        Sizes of the hidden layers; ``()`` is the linear model
        ``logits = X W + b``.
    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
        Activation of the hidden layers (the output is always sigmoid).
    alpha : float or array-like of shape (n_labels,), default=1.0
        L2 penalty strength, scaled as in ``MLPClassifier`` (``alpha = 1/C``
        of ``LogisticRegression``). One strength per label penalizes the
        weights into each output with its own ``alpha``, as fitting each
        label with its own ``C`` (the hidden layers of an MLP get the mean);
        :class:`BCEMultiLabelClassifierCV` chooses them by cross-validation.
    solver : {"lbfgs", "newton-cg"}, default="lbfgs"
        ``"lbfgs"``: L-BFGS-B, for every model. ``"newton-cg"``: trust-region
        Newton-CG with exact Hessian-vector products, for the linear model
        when a tight ``tol`` is wanted.
    max_iter : int, default=500
        Maximum number of solver iterations.
    max_fun : int, default=15000
        Maximum number of objective evaluations (L-BFGS).
    tol : float, default=1e-5
        Stop when the largest absolute entry of the gradient falls below
        ``tol``. For the linear model it is the gradient of ``K J``, each
        label's own objective: the test is ``LogisticRegression``'s, per
        label, for any number of labels ``K``. For an MLP, whose hidden
        weights serve every label, it is the gradient of :math:`J`. The
        gradient is taken in the model's standardized coordinates
        (first-layer weights on centred features of unit variance), so
        ``tol`` means the same for any scale or offset of a feature. A fit
        that stops before this test is met raises a ``ConvergenceWarning``:
        at a budget, and for the linear model also when the objective no
        longer decreases in floating point short of the test. ``tol=0``, as
        in scikit-learn, never stops on the gradient: the solver runs to
        ``max_iter``, or until a step no longer lowers the objective.
    pos_weight : None, "balanced" or array-like of shape (n_labels,), default=None
        Weight of the positive term of each label's BCE,
        ``-[p_k y log p + (1 - y) log(1 - p)]`` as in PyTorch's
        ``BCEWithLogitsLoss``. ``"balanced"`` uses ``n_negative / n_positive``
        of each label in the (weighted) training data.
    class_weight : None, "balanced" or dict, default=None
        Weights of the classes of a 1-D ``y``, as in scikit-learn; multiplies
        ``sample_weight``. A dict's weights must be finite, non-negative and
        not all zero.
    missing_labels : {"error", "ignore"}, default="error"
        With ``"ignore"``, NaN entries of a 2-D ``y`` are left out of the loss:
        a sample's mean runs over its observed labels and a sample with none
        does not count. With ``"error"``, NaN in ``y`` raises a ``ValueError``.
    label_smoothing : float in [0, 1), default=0.0
        Targets become ``y (1 - s) + 0.5 s`` before the loss.
    threshold : float or array-like of shape (n_labels,), default=0.5
        ``predict`` gives a label (or the positive class) where its
        probability, as :meth:`predict_proba` returns it, is strictly above
        the threshold; one per label is allowed. Ignored for multiclass ``y``
        (``predict`` is the argmax of :meth:`predict_proba`).
    random_state : int, RandomState instance or None, default=None
        Seeds the MLP's initial weights (the linear model starts at zero).
    warm_start : bool, default=False
        Start from the previous solution when refitting the same shapes and
        classes (a refit on other classes or labels raises a ``ValueError``).
    verbose : int, default=0
        Print the objective every 10 iterations and a final summary.
    early_stopping : "auto" or bool, default="auto"
        ``True``: hold out ``validation_fraction`` of the training samples
        (shuffled, seeded by ``random_state``), score the held-out BCE after
        every solver iteration, stop when it has not improved by more than
        ``tol`` for ``n_iter_no_change`` iterations, and keep the parameters
        of the best score, as ``MLPClassifier(early_stopping=True)`` does.
        ``"auto"`` (networks fitted on at least 200 samples; off for the
        linear model, whose penalized optimum is what ``alpha`` asks for)
        holds out the same rows and also lets them choose the penalty: after
        the early-stopped fit at ``alpha``, ``alpha`` is raised by a factor
        :math:`\sqrt{10}` at a time (at most to ``alpha / n = 1``), each fit
        starting from the previous one's best parameters and stopped early
        in the same way, until two strengths in a row score below the best;
        the parameters of the best held-out score are kept and their
        strength is ``alpha_``. Early stopping alone regularizes L-BFGS
        weakly (its first steps are long, and the held-out minimum comes
        after a few iterations); on six multi-label sets the chosen penalty
        gave a lower test BCE than ``MLPClassifier((64,),
        early_stopping=True)`` on all and than ``early_stopping=True`` on
        five (equal on the sixth), for a fit 1.8 to 6.8 times as long as
        with ``True`` (``benchmarks/mlp_defaults.py``): three to
        seven warm-started fits. With ``"auto"``, ``alpha`` is the weakest
        strength considered; ``alpha=0`` fits no path. Early stopping costs
        one forward pass over the held-out rows per iteration and those
        rows' part in the fit.
    validation_fraction : float in (0, 1), default=0.1
        Fraction of the training samples held out for early stopping.
    n_iter_no_change : int, default=10
        Iterations without an improvement of the held-out score by more
        than ``tol`` after which early stopping ends the fit (with
        ``early_stopping="auto"``, the fit at one strength of the path).

    Attributes
    ----------
    coefs_ : list of ndarray of shape (n_in, n_out)
        Weight matrix of each layer, in the dtype of ``X`` (float32 or float64).
    intercepts_ : list of ndarray of shape (n_out,)
        Intercept vector of each layer.
    coef_ : ndarray of shape (``n_outputs_``, ``n_features_in_``)
        The linear model's weights, one row per output, as
        ``LogisticRegression.coef_``: ``coefs_[0].T``. Only for the linear
        model (``hidden_layer_sizes=()``): with it, ``SelectFromModel`` and
        ``RFE`` select features.
    intercept_ : ndarray of shape (``n_outputs_``,)
        The linear model's intercepts, ``intercepts_[0]``.
    classes_ : ndarray
        For 1-D ``y``, the class labels. For 2-D ``y``, the label names: the
        column names of a ``DataFrame`` ``y``, else ``0, ..., n_labels - 1``;
        ``pd.DataFrame(clf.predict(X), columns=clf.classes_)`` is a labelled
        prediction.
    n_outputs_ : int
        Number of sigmoid outputs (labels, classes, or 1 for binary ``y``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names seen during fit, when ``X`` has string column names.
    pos_weight_ : ndarray of shape (``n_outputs_``,) or None
        The positive weights used in the loss.
    alpha_ : float or ndarray of shape (``n_outputs_``,)
        The penalty strength of the fitted parameters: ``alpha``, or the
        stronger one chosen on the held-out rows by ``early_stopping="auto"``.
    n_iter_ : int
        Number of solver iterations (over every strength of the path).
    loss_ : float
        Objective :math:`J` at the solution, with the penalty ``alpha_``.
    loss_curve_ : list of float
        Objective after each iteration.
    validation_scores_ : list of float
        With early stopping, the negative held-out BCE after each iteration
        (of every strength in turn, with ``early_stopping="auto"``).
    best_validation_score_ : float
        With early stopping, the best of ``validation_scores_``: the score of
        the parameters kept.

    See Also
    --------
    skbce.binary_cross_entropy : The BCE metric, same formula.
    skbce.bce_score : Scorer for model selection.

    Examples
    --------
    >>> import numpy as np
    >>> from skbce import BCEMultiLabelClassifier
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    >>> Y = np.array([[0, 1], [1, 0], [1, 1], [0, 0]])
    >>> clf = BCEMultiLabelClassifier(alpha=0.01).fit(X, Y)
    >>> clf.predict(X)
    array([[0, 1],
           [1, 0],
           [1, 1],
           [0, 0]])
    >>> clf.predict_proba(X).shape
    (4, 2)
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "hidden_layer_sizes": [_validation.LayerSizes()],
        "activation": [_validation.Options(*ACTIVATIONS)],
        "alpha": [_validation.Interval("real", 0, None, closed="left"), _validation.ALPHAS],
        "solver": [_validation.Options(*SOLVERS)],
        "max_iter": [_validation.Interval("int", 1, None, closed="left")],
        "max_fun": [_validation.Interval("int", 1, None, closed="left")],
        # tol=0 never stops on the gradient: the solver runs to max_iter.
        "tol": [_validation.Interval("real", 0, None, closed="left")],
        "pos_weight": [
            None, _validation.Options("balanced"),
            _validation.RealArray(0, np.inf, (1,), "a 1-D array of non-negative finite weights"),
        ],
        "class_weight": [None, _validation.Options("balanced"), _validation.ClassWeights()],
        "missing_labels": [_validation.Options("error", "ignore")],
        "label_smoothing": [_validation.Interval("real", 0, 1, closed="left")],
        "threshold": [_validation.THRESHOLDS],
        "random_state": [_validation.RandomStates()],
        "warm_start": [_validation.Boolean()],
        "verbose": [_validation.Interval("int", None, None), _validation.Boolean()],
        "early_stopping": [_validation.Options("auto"), _validation.Boolean()],
        "validation_fraction": [_validation.Interval("real", 0, 1, closed="neither")],
        "n_iter_no_change": [_validation.Interval("int", 1, None, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] | int = (),
        *,
        activation: str = "relu",
        alpha: float | ArrayLike = 1.0,
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
        self.alpha = alpha
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags

    def fit(
        self, X: Any, y: Any, sample_weight: ArrayLike | None = None
    ) -> BCEMultiLabelClassifier:
        """Fit the model to ``X`` and targets ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Training inputs. float32 input gives float32 parameters. A Dask
            array (chunked by rows) fits the linear model chunk by chunk on
            the Dask scheduler; see the user guide's page on Dask.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            A 0/1 label-indicator matrix, a matrix of probabilities in [0, 1]
            (NaN for a missing label with ``missing_labels="ignore"``), or
            1-D binary or multiclass labels. With a Dask ``X``, a 2-D Dask
            array stays on the cluster.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (a Dask array with a Dask ``X``).

        Returns
        -------
        BCEMultiLabelClassifier
            The fitted estimator (``self``).
        """
        hidden = _validation.check_hyperparameters(self)
        _validation.check_y_given(self, y)
        data = training_data(self, X, y, sample_weight)
        return self._fit(data, hidden, self.alpha, choose_alpha=True)

    def _fit(self, data, hidden, alpha, choose_alpha=False, shared=None):
        """Fit checked ``data`` (:class:`TrainingData`) with the penalty ``alpha``.

        The work of :meth:`fit` after the checks: ``hidden`` are the checked
        hidden layer sizes, ``alpha`` a float or one per label.

        With ``choose_alpha`` and ``early_stopping="auto"``, a network's
        held-out rows choose a strength of at least ``alpha``
        (:func:`skbce._held_out_path.held_out_path`); a caller that has
        chosen ``alpha`` already (the CV estimator's refit) fits it as given.
        ``shared`` (:class:`skbce._path.SharedBasis`, the CV estimator's) is
        the covariance basis of these rows, computed already: used when all
        of them are fitted.
        """
        previous = self._previous_solution() if self.warm_start else None
        alpha = _validation.check_alpha(alpha, data.rows.n_outputs)
        rows, held_out = self._held_out_split(data.rows, hidden)
        varying = None
        if not hidden:
            # The weights of constant features are zero: the solve leaves them out.
            rows, held_out, varying = drop_constant_features(rows, held_out)
        problem = build_problem(
            rows, hidden=hidden, activation=self.activation, alpha=alpha,
            pos_weight=self.pos_weight, label_smoothing=self.label_smoothing,
        )
        if data.target_type != "multiclass":
            _validation.check_threshold(self.threshold, data.rows.n_outputs)
        theta0 = self._starting_point(problem, previous, data.classes, varying)
        basis = None
        if shared is not None and held_out is None:
            basis = shared.for_features(varying)
        options = {"solver": self.solver, "max_iter": self.max_iter, "max_fun": self.max_fun}
        if choose_alpha and held_out is not None and self.early_stopping == "auto":
            path = held_out_path(
                problem.objective, theta0, problem, alpha,
                held_out_loss(held_out, problem, self.activation),
                n_iter_no_change=self.n_iter_no_change, tol=self.tol,
                verbose=self.verbose, start_standardized=previous is None, **options,
            )
            result, alpha = path.result, path.alpha
        else:
            result = solve(
                problem.objective, theta0, tol=self.tol, verbose=self.verbose,
                start_standardized=previous is None and bool(hidden),
                early_stopping=self._early_stopping(problem, held_out), basis=basis,
                **options,
            )
        self._store(data, problem, result, varying)
        self.alpha_ = alpha
        return self

    def _held_out_split(self, rows, hidden):
        """The rows to train on and those held out for early stopping (``None``: off)."""
        wanted = self.early_stopping
        if wanted == "auto":
            # Networks only, and with enough rows that a tenth of them can
            # score a stopping point.
            wanted = bool(hidden) and hasattr(rows, "split") and (
                rows.n_samples >= _EARLY_STOPPING_MIN_SAMPLES
            )
        if not wanted:
            return rows, None
        if not hasattr(rows, "split"):
            raise ValueError("early_stopping=True needs in-memory X; it is not "
                             "available for Dask arrays.")
        if round(self.validation_fraction * rows.n_samples) >= rows.n_samples:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves no training "
                f"sample out of {rows.n_samples}."
            )
        return rows.split(self.validation_fraction, check_random_state(self.random_state))

    def _early_stopping(self, problem, held_out):
        if held_out is None:
            return None
        return EarlyStopping(
            held_out_loss(held_out, problem, self.activation), self.n_iter_no_change, self.tol
        )

    def _store(self, data, problem, result, varying=None):
        """Set the fitted attributes from the solution (over the features ``varying``)."""
        layout, theta = problem.objective.layout, result.theta
        if varying is not None:
            layout = ParameterLayout((varying.size, layout.layer_sizes[-1]))
            theta = widen_linear(theta, varying)
        coefs, intercepts = layout.unpack(theta.astype(problem.objective.dtype))
        self.coefs_ = [c.copy() for c in coefs]
        self.intercepts_ = [b.copy() for b in intercepts]
        self.classes_ = data.classes
        self.n_outputs_ = layout.layer_sizes[-1]
        self.pos_weight_ = problem.pos_weight
        self.n_iter_ = result.n_iter
        self.loss_ = result.value
        self.loss_curve_ = result.loss_curve
        if result.validation_scores is not None:
            self.validation_scores_ = result.validation_scores
            self.best_validation_score_ = max(result.validation_scores, default=-np.inf)
        else:
            for name in ("validation_scores_", "best_validation_score_"):
                self.__dict__.pop(name, None)
        self._target_type = data.target_type

    def _previous_solution(self):
        """The layer sizes and flat parameters of the last fit, or ``None`` before one."""
        if not hasattr(self, "coefs_"):
            return None
        sizes = (self.coefs_[0].shape[0], *(b.shape[0] for b in self.intercepts_))
        layout = ParameterLayout(sizes)
        return sizes, layout.pack(self.coefs_, self.intercepts_)

    def _starting_point(self, problem, previous, classes, varying=None):
        """The previous solution (warm start), else the prior or a random start.

        With ``varying``, the linear fit's features are those only.
        """
        layout = problem.objective.layout
        if previous is not None:
            sizes, theta = previous
            now = layout.layer_sizes if varying is None else (varying.size, *layout.layer_sizes[1:])
            if sizes != now:
                raise ValueError(
                    "warm_start=True needs the same layer sizes (features, hidden "
                    f"layers, labels) as the previous fit: {sizes} before, "
                    f"{now} now. Set warm_start=False to start afresh."
                )
            _validation.check_warm_start_classes(self.classes_, classes)
            return theta if varying is None else narrow_linear(theta, varying)
        theta0 = initial_parameters(
            layout, self.activation, check_random_state(self.random_state),
            problem.objective.dtype,
        )
        if layout.n_layers == 1:
            # The convex linear model starts at the intercept-only optimum.
            theta0[-layout.layer_sizes[-1]:] = problem.prior
        return theta0

    def _on_rows(self, method: str, X: Any) -> Any:
        """The in-memory ``_<method>`` on ``X``; a lazy map over the row chunks of a Dask array."""
        check_is_fitted(self)
        n_columns: int | None = self.n_outputs_
        dtype = None  # the float dtype of X
        if method == "predict":
            dtype = np.dtype(np.int64 if self._target_type == "multilabel" else self.classes_.dtype)
            if self._target_type != "multilabel":
                n_columns = None
        elif self._target_type == "binary":
            n_columns = None if method == "decision_function" else 2
        return map_rows(getattr(self, f"_{method}"), X, n_columns, dtype)

    def _logits(self, X: Any) -> NDArray[Any]:
        check_is_fitted(self)
        X = _validation.validate_X(self, X, reset=False)
        dtype = X.dtype
        coefs = [c.astype(dtype, copy=False) for c in self.coefs_]
        intercepts = [b.astype(dtype, copy=False) for b in self.intercepts_]
        layout = ParameterLayout((X.shape[1], *(b.shape[0] for b in intercepts)))
        buffers = allocate_activations(layout, X.shape[0], dtype)
        return forward(X, coefs, intercepts, self.activation, buffers)

    def _check_linear(self) -> None:
        """Raise ``AttributeError`` unless this is a fitted linear model."""
        check_is_fitted(self)  # NotFittedError is an AttributeError: hasattr is False
        if len(self.coefs_) != 1:
            raise AttributeError(
                "coef_ and intercept_ are the linear model's (hidden_layer_sizes=()); "
                "a network's weights are coefs_ and intercepts_."
            )

    @property
    def coef_(self) -> NDArray[Any]:
        """The linear model's weights, of shape ``(n_outputs_, n_features_in_)``.

        A view of ``coefs_[0].T``, one row per output as in
        ``LogisticRegression``; only a fitted linear model has it (``hasattr``
        is ``False`` for a network), so ``SelectFromModel`` and ``RFE`` work
        with the linear model and refuse a network.
        """
        self._check_linear()
        return self.coefs_[0].T

    @property
    def intercept_(self) -> NDArray[Any]:
        """The linear model's intercepts, of shape ``(n_outputs_,)``: ``intercepts_[0]``."""
        self._check_linear()
        return self.intercepts_[0]

    def decision_function(self, X: Any) -> NDArray[Any]:
        """Return the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One logit per label; 1-D for binary ``y``, where it is the logit
            of ``classes_[1]``.
        """
        return self._on_rows("decision_function", X)

    def _decision_function(self, X: Any) -> NDArray[Any]:
        raw = self._logits(X)
        return raw[:, 0].copy() if self._target_type == "binary" else raw

    def predict_proba(self, X: Any) -> NDArray[Any]:
        """Return probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        ndarray of shape (n_samples, n_outputs) or (n_samples, 2)
            Multilabel: the probability of each label (rows need not sum to
            1). Binary: the probabilities of ``classes_[0]`` and
            ``classes_[1]``. Multiclass: the per-class sigmoids normalized to
            sum to 1. A Dask ``X`` (here and in the other prediction methods)
            gives a Dask array, computed lazily chunk by chunk.

        Notes
        -----
        A probability that rounds to exactly 0 or 1 in the dtype of ``X``
        (a logit beyond about +-17 in float32, +-37 in float64) is returned
        as the nearest representable value inside (0, 1), so that
        ``log(p)`` and ``log(1 - p)`` stay finite downstream. For exact
        logarithms of extreme probabilities use :meth:`predict_log_proba`.
        """
        return self._on_rows("predict_proba", X)

    def _predict_proba(self, X: Any) -> NDArray[Any]:
        if getattr(self, "_target_type", None) == "multiclass":
            # Normalized in log space: the sigmoids may all underflow to 0.
            return _inside_unit_interval(np.exp(self.predict_log_proba(X)))
        raw = self._logits(X)
        if self._target_type == "binary":
            proba = np.column_stack([expit(-raw[:, 0]), expit(raw[:, 0])])
        else:
            proba = expit(raw, out=raw)
        return _inside_unit_interval(proba)

    def predict_log_proba(self, X: Any) -> NDArray[Any]:
        """Return the logarithm of :meth:`predict_proba`, computed stably.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        ndarray of the shape of :meth:`predict_proba`
            Log-probabilities, from the logits without forming the
            probabilities first, so a very small probability keeps its
            exponent instead of becoming ``-inf``.
        """
        return self._on_rows("predict_log_proba", X)

    def _predict_log_proba(self, X: Any) -> NDArray[Any]:
        raw = self._logits(X)
        if self._target_type == "binary":
            return np.column_stack([log_expit(-raw[:, 0]), log_expit(raw[:, 0])])
        log_proba = log_expit(raw)
        if self._target_type == "multiclass":
            log_proba -= logsumexp(log_proba, axis=1, keepdims=True)
        return log_proba

    def predict(self, X: Any) -> NDArray[Any]:
        """Predict labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
            Multilabel: a 0/1 integer indicator matrix, 1 where the
            probability is above ``threshold``. Binary: ``classes_[1]`` where
            its probability is above ``threshold``. Multiclass: the class of
            highest probability.
        """
        return self._on_rows("predict", X)

    def _predict(self, X: Any) -> NDArray[Any]:
        # One decision rule: on the probabilities predict_proba returns, so
        # that predict(X) is predict_proba(X) > threshold (its argmax for
        # multiclass) even where those are moved inside (0, 1).
        if self._target_type == "multiclass":
            return self.classes_[np.argmax(self._predict_proba(X), axis=1)]
        threshold = _validation.check_threshold(self.threshold, self.n_outputs_)
        proba = self._predict_proba(X)
        if self._target_type == "binary":
            return self.classes_[(proba[:, 1] > threshold.reshape(-1)[0]).astype(int)]
        return (proba > threshold).astype(np.int64)
