"""Input checks: hyper-parameters, targets, weights and thresholds.

Every check raises a ``ValueError`` (``TypeError`` for a wrong kind of
object) whose message names the offending parameter and says what is
accepted.
"""

import numbers
import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import type_of_target

from ._network import ACTIVATIONS
from ._solver import SOLVERS

ACCEPTED_TARGETS = (
    "a 2-D label-indicator matrix or a 2-D matrix of probabilities in [0, 1] "
    "(one column per label), a 1-D array of binary or multiclass labels, or a "
    "1-D array of probabilities in [0, 1]"
)


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _require(condition, name, what, value):
    if not condition:
        raise ValueError(f"The '{name}' parameter must be {what}; got {value!r}.")


def check_hyperparameters(estimator):
    """Check the constructor parameters of a fit; return the hidden layer sizes.

    Parameters
    ----------
    estimator : BCEMultiLabelClassifier

    Returns
    -------
    tuple of int
        ``hidden_layer_sizes`` as a tuple (an int means one hidden layer).
    """
    hidden = estimator.hidden_layer_sizes
    if hidden is None:
        hidden = ()
    elif _is_int(hidden):
        hidden = (hidden,)
    try:
        hidden = tuple(hidden)
    except TypeError:
        hidden = None
    _require(
        hidden is not None and all(_is_int(h) and h > 0 for h in hidden),
        "hidden_layer_sizes", "a tuple of positive integers (() for a linear model)",
        estimator.hidden_layer_sizes,
    )
    _require(estimator.activation in ACTIVATIONS, "activation",
             f"one of {ACTIVATIONS}", estimator.activation)
    _require(estimator.solver in SOLVERS, "solver", f"one of {SOLVERS}", estimator.solver)
    if estimator.solver == "newton-cg" and hidden:
        raise ValueError(
            "The 'solver' parameter 'newton-cg' needs the linear model "
            f"(hidden_layer_sizes=()); got hidden_layer_sizes={estimator.hidden_layer_sizes!r}."
        )
    _require(_is_real(estimator.alpha) and 0 <= estimator.alpha < np.inf,
             "alpha", "a non-negative finite float", estimator.alpha)
    _require(_is_int(estimator.max_iter) and estimator.max_iter >= 1,
             "max_iter", "an integer >= 1", estimator.max_iter)
    _require(_is_int(estimator.max_fun) and estimator.max_fun >= 1,
             "max_fun", "an integer >= 1", estimator.max_fun)
    _require(_is_real(estimator.tol) and 0 < estimator.tol < np.inf,
             "tol", "a positive float", estimator.tol)
    _require(_is_real(estimator.label_smoothing) and 0 <= estimator.label_smoothing < 1,
             "label_smoothing", "a float in [0, 1)", estimator.label_smoothing)
    _require(estimator.missing_labels in ("error", "ignore"), "missing_labels",
             "'error' or 'ignore'", estimator.missing_labels)
    _require(isinstance(estimator.warm_start, (bool, np.bool_)), "warm_start",
             "a bool", estimator.warm_start)
    _require(_is_int(estimator.verbose) or isinstance(estimator.verbose, bool),
             "verbose", "an integer", estimator.verbose)
    class_weight = estimator.class_weight
    _require(class_weight is None or class_weight == "balanced"
             or isinstance(class_weight, dict), "class_weight",
             "None, 'balanced' or a dict {class: weight}", class_weight)
    pos_weight = estimator.pos_weight
    if not (pos_weight is None or (isinstance(pos_weight, str) and pos_weight == "balanced")):
        values = np.asarray(pos_weight, dtype=object)
        ok = values.ndim == 1 and all(_is_real(v) and 0 <= v < np.inf for v in values)
        _require(ok, "pos_weight",
                 "None, 'balanced' or a 1-D array of non-negative finite weights", pos_weight)
    check_threshold(estimator.threshold, None)
    try:
        check_random_state(estimator.random_state)
    except (TypeError, ValueError):
        raise ValueError(
            "The 'random_state' parameter must be None, an integer in [0, 2**32 - 1] "
            f"or a numpy RandomState; got {estimator.random_state!r}."
        ) from None
    return hidden


def check_threshold(threshold, n_outputs):
    """Return ``threshold`` as a float array (0-D, or 1-D of length ``n_outputs``).

    Parameters
    ----------
    threshold : float or array-like of shape (n_outputs,)
        Decision threshold(s) on the probability, each in [0, 1].
    n_outputs : int or None
        Number of labels a 1-D threshold must have; ``None`` skips that check.

    Returns
    -------
    ndarray
    """
    try:
        values = np.asarray(threshold, dtype=np.float64)
    except (TypeError, ValueError):
        values = None
    ok = values is not None and values.ndim <= 1 and values.size > 0
    ok = ok and bool(np.all((values >= 0) & (values <= 1)))
    _require(ok, "threshold",
             "a float in [0, 1] or a 1-D array of such floats, one per label", threshold)
    if values.ndim == 1 and n_outputs is not None and values.shape[0] != n_outputs:
        raise ValueError(
            f"The 'threshold' parameter has {values.shape[0]} values but the "
            f"model has {n_outputs} labels: give one threshold or one per label."
        )
    return values


def check_sample_weight(sample_weight, n_samples):
    """Return sample weights as a float64 array, refusing unusable ones.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        Non-negative finite weights, not all zero; ``None`` means all ones.
    n_samples : int

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    if sample_weight is None:
        return np.ones(n_samples)
    if _is_real(sample_weight):
        sample_weight = np.full(n_samples, sample_weight, dtype=np.float64)
    try:
        weight = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"sample_weight must be numeric: {exc}") from None
    if weight.ndim != 1 or weight.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight.shape == {weight.shape}, expected ({n_samples},)."
        )
    if not np.isfinite(weight).all():
        raise ValueError("sample_weight contains NaN or infinity.")
    if (weight < 0).any():
        raise ValueError("sample_weight must be non-negative; negative values found.")
    if not weight.any():
        raise ValueError("sample_weight is zero for every sample: nothing to fit.")
    return weight


def _unknown_label_type(y, reason=""):
    try:
        kind = type_of_target(y)
    except (ValueError, TypeError):
        kind = "unknown"
    return ValueError(
        f"Unknown label type: {kind!r}{reason}. BCEMultiLabelClassifier accepts "
        f"{ACCEPTED_TARGETS}."
    )


def encode_targets(y, missing_labels="error", dtype=np.float64):
    """Turn ``y`` into BCE targets: probabilities, one column per output.

    Parameters
    ----------
    y : array-like or sparse matrix of shape (n_samples,) or (n_samples, n_labels)
        See ``ACCEPTED_TARGETS``. A pandas ``DataFrame`` keeps its column names.
    missing_labels : {"error", "ignore"}, default="error"
        Whether NaN entries of a 2-D ``y`` are refused or kept as NaN (missing).
    dtype : numpy dtype, default=np.float64
        Dtype of the returned targets (that of ``X``, so float32 stays small).

    Returns
    -------
    targets : ndarray of shape (n_samples, n_outputs)
        Probabilities (NaN where missing).
    classes : ndarray
        The class labels (1-D ``y``) or the label names (2-D ``y``: its column
        names, else ``0 .. n_labels - 1``).
    target_type : {"binary", "multiclass", "multilabel"}
        How predictions are shaped.
    """
    columns = getattr(y, "columns", None)
    if sparse.issparse(y):
        y = y.toarray()
    elif hasattr(y, "to_numpy") and getattr(y, "ndim", 1) == 2:
        try:
            y = y.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            y = y.to_numpy()
    try:
        y = np.asarray(y)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"y is not a rectangular array: {exc}") from None
    if y.ndim == 0 or y.ndim > 2:
        raise ValueError(
            f"y must be 1-D or 2-D; got an array of shape {y.shape}. "
            f"BCEMultiLabelClassifier accepts {ACCEPTED_TARGETS}."
        )
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please "
            "change the shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=3,
        )
        y = y[:, 0]
        columns = None
    if y.ndim == 1:
        targets, classes, kind = _encode_1d(y)
        return targets.astype(dtype, copy=False), classes, kind
    return _encode_2d(y, columns, missing_labels, dtype)


def _encode_1d(y):
    if y.dtype.kind in "fc" and np.isnan(y).any():
        raise ValueError(
            "Input y contains NaN. Missing labels are supported for 2-D y with "
            "missing_labels='ignore'."
        )
    if y.dtype.kind in "fc" and not np.isfinite(y).all():
        raise ValueError("Input y contains infinity.")
    kind = type_of_target(y, input_name="y")
    if kind in ("binary", "multiclass"):
        try:
            classes, indices = np.unique(y, return_inverse=True)
        except TypeError as exc:
            raise ValueError(f"y mixes types of labels: {exc}") from None
        if classes.shape[0] < 2:
            raise ValueError(
                "BCEMultiLabelClassifier needs samples of at least 2 classes in a "
                f"1-D y, but the data contains only one class: {classes[0]!r}."
            )
        if kind == "binary":
            return indices.astype(np.float64)[:, None], classes, "binary"
        targets = np.zeros((y.shape[0], classes.shape[0]))
        targets[np.arange(y.shape[0]), indices] = 1.0
        return targets, classes, "multiclass"
    if kind == "continuous" and y.min() >= 0 and y.max() <= 1:
        return y.astype(np.float64)[:, None], np.array([0, 1]), "binary"
    raise _unknown_label_type(y)


def _encode_2d(y, columns, missing_labels, dtype):
    n_labels = y.shape[1]
    if n_labels == 0:
        raise ValueError("y has 0 columns: at least one label is required.")
    try:
        targets = y.astype(dtype)
    except (TypeError, ValueError):
        raise _unknown_label_type(y, " (non-numeric values)") from None
    # Checks by reductions: no temporary as large as y.
    if np.isnan(targets).any() and missing_labels != "ignore":
        raise ValueError(
            "Input y contains NaN. To treat NaN entries as missing labels, left "
            "out of the loss, set missing_labels='ignore'."
        )
    if np.isinf(targets).any():
        raise ValueError("Input y contains infinity.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN y
        low, high = np.nanmin(targets), np.nanmax(targets)
    if low < 0 or high > 1:
        raise _unknown_label_type(
            np.nan_to_num(targets), f" (values from {low!r} to {high!r})"
        )
    if columns is None:
        classes = np.arange(n_labels)
    else:
        classes = np.asarray(list(columns), dtype=object)
    return targets, classes, "multilabel"


def class_sample_weight(class_weight, targets, classes, target_type):
    """Return per-sample weights from ``class_weight`` for 1-D ``y``, or ``None``.

    Parameters
    ----------
    class_weight : None, "balanced" or dict
    targets : ndarray of shape (n_samples, n_outputs)
        Encoded targets.
    classes : ndarray
        Class labels.
    target_type : str

    Returns
    -------
    ndarray of shape (n_samples,) or None
    """
    if class_weight is None:
        return None
    if target_type == "multilabel":
        raise ValueError(
            "The 'class_weight' parameter applies to 1-D y (binary or "
            "multiclass); for multilabel y use pos_weight."
        )
    if target_type == "binary":
        if not np.isin(targets[:, 0], (0.0, 1.0)).all():
            raise ValueError("The 'class_weight' parameter needs hard 0/1 labels in y.")
        indices = targets[:, 0].astype(int)
    else:
        indices = targets.argmax(axis=1)
    if isinstance(class_weight, dict):
        unknown = set(class_weight) - set(classes.tolist())
        if unknown:
            raise ValueError(
                f"The 'class_weight' parameter names classes not in y: {sorted(map(str, unknown))}."
            )
    return compute_sample_weight(class_weight, classes[indices])
