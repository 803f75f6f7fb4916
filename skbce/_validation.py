"""Input checks: hyper-parameters, targets, weights and thresholds.

Every check raises a ``ValueError`` (``TypeError`` for a wrong kind of
object) whose message names the offending parameter and says what is
accepted.
"""

import numbers
import re
import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import validate_data

ACCEPTED_TARGETS = (
    "a 2-D label-indicator matrix or a 2-D matrix of probabilities in [0, 1] "
    "(one column per label), a 1-D array of binary or multiclass labels, or a "
    "1-D array of probabilities in [0, 1]"
)


class InvalidParameterError(ValueError, TypeError):
    """A constructor parameter that is not one of the values it accepts.

    Both a ``ValueError`` and a ``TypeError``, as scikit-learn's own, so that
    either ``except`` clause catches a value of the wrong kind or range.
    """


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _require(condition, name, what, value):
    if not condition:
        raise InvalidParameterError(f"The '{name}' parameter must be {what}; got {value!r}.")


# Declarative parameter constraints: each estimator class has a table
# ``_parameter_constraints = {name: [constraint, ...]}``; a value is valid when
# one of its constraints accepts it. ``check_parameters`` reads the table once,
# at fit, and names the parameter and every accepted form in its message.


class Interval:
    """Real (or integer) numbers in an interval; NaN and bools are refused.

    Parameters
    ----------
    kind : {"real", "int"}
    low, high : float or None
        Bounds; ``None`` is unbounded (infinity is refused either way).
    closed : {"both", "left", "right", "neither"}
    """

    def __init__(self, kind, low, high, closed="both"):
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def accepts(self, value):
        if not (_is_int(value) if self.kind == "int" else _is_real(value)):
            return False
        if not np.isfinite(value):
            return False
        left_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        right_ok = self.high is None or (
            value <= self.high if self.closed in ("both", "right") else value < self.high
        )
        return bool(left_ok and right_ok)

    def __str__(self):
        noun = "an integer" if self.kind == "int" else "a float"
        if self.high is None:
            return f"{noun} {'>=' if self.closed in ('both', 'left') else '>'} {self.low}"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        return f"{noun} in {left}{self.low}, {self.high}{right}"


class Options:
    """One of a few strings (compared by equality, so only strings match)."""

    def __init__(self, *values):
        self.values = values

    def accepts(self, value):
        return isinstance(value, str) and value in self.values

    def __str__(self):
        return "one of " + ", ".join(repr(v) for v in self.values)


class Constant:
    """Exactly ``None`` (or another singleton)."""

    def __init__(self, value):
        self.value = value

    def accepts(self, value):
        return value is self.value

    def __str__(self):
        return repr(self.value)


class Boolean:
    """A Python or NumPy bool."""

    def accepts(self, value):
        return isinstance(value, (bool, np.bool_))

    def __str__(self):
        return "a bool"


class Callable:
    """Any callable."""

    def accepts(self, value):
        return callable(value)

    def __str__(self):
        return "a callable"


class HasMethods:
    """An object with all of ``methods`` (an estimator, a cross-validator)."""

    def __init__(self, *methods):
        self.methods = methods

    def accepts(self, value):
        return not isinstance(value, type) and all(
            callable(getattr(value, m, None)) for m in self.methods
        )

    def __str__(self):
        return "an object with " + " and ".join(self.methods)


class Iterable:
    """An iterable other than a string (e.g. a list of train/test splits)."""

    def accepts(self, value):
        return not isinstance(value, (str, bytes, dict)) and hasattr(value, "__iter__")

    def __str__(self):
        return "an iterable of (train, test) index arrays"


class RealArray:
    """A 0-D or 1-D array-like of real numbers in ``[low, high]`` (no strings, bools, NaN).

    Parameters
    ----------
    low, high : float
        Bounds; ``high=np.inf`` still refuses infinite values.
    ndims : tuple of int
        The accepted numbers of dimensions (0: a scalar, 1: one per label).
    description : str
        What the message says is accepted.
    """

    def __init__(self, low, high, ndims, description):
        self.low, self.high, self.ndims = low, high, ndims
        self.description = description

    def accepts(self, value):
        if value is None or isinstance(value, (str, bytes, bool, np.bool_, dict)):
            return False
        try:
            values = np.asarray(value)
        except (TypeError, ValueError):  # ragged
            return False
        if values.dtype == object:
            if not all(_is_real(v) for v in values.flat):
                return False
            values = values.astype(np.float64)
        elif values.dtype.kind not in "iuf":
            return False
        return bool(
            values.ndim in self.ndims and values.size > 0 and np.isfinite(values).all()
            and (values >= self.low).all() and (values <= self.high).all()
        )

    def __str__(self):
        return self.description


class LayerSizes:
    """``()``, ``None``, a positive int, or a tuple/list of positive ints."""

    def accepts(self, value):
        return hidden_layers(value) is not None

    def __str__(self):
        return "a tuple of positive integers (() for a linear model)"


class ClassWeights:
    """A dict {class: weight} of finite, non-negative weights, not all zero."""

    def accepts(self, value):
        if not isinstance(value, dict):
            return False
        weights = list(value.values())
        if not all(_is_real(w) and np.isfinite(w) and w >= 0 for w in weights):
            return False
        return not weights or any(w > 0 for w in weights)

    def __str__(self):
        return "a dict {class: weight} of finite non-negative weights, not all zero"


class RandomStates:
    """What ``sklearn.utils.check_random_state`` accepts."""

    def accepts(self, value):
        if isinstance(value, (bool, np.bool_)):
            return False
        try:
            check_random_state(value)
        except (TypeError, ValueError):
            return False
        return True

    def __str__(self):
        return "None, an integer in [0, 2**32 - 1] or a numpy RandomState"


def check_parameters(estimator):
    """Check every constructor parameter against the class's constraint table.

    Parameters
    ----------
    estimator : estimator object
        Its class has ``_parameter_constraints = {name: [constraint, ...]}``,
        one entry per parameter of ``get_params``.

    Raises
    ------
    InvalidParameterError
        For the first parameter no constraint of its entry accepts.
    """
    table = type(estimator)._parameter_constraints
    for name, value in estimator.get_params(deep=False).items():
        # A KeyError here is a parameter left out of the table; None stands for itself.
        constraints = [Constant(None) if c is None else c for c in table[name]]
        if not any(constraint.accepts(value) for constraint in constraints):
            accepted = [str(constraint) for constraint in constraints]
            what = accepted[0] if len(accepted) == 1 else (
                ", ".join(accepted[:-1]) + " or " + accepted[-1]
            )
            raise InvalidParameterError(
                f"The '{name}' parameter of {type(estimator).__name__} must be {what}; "
                f"got {value!r}."
            )


def hidden_layers(value):
    """``hidden_layer_sizes`` as a tuple of positive ints, or ``None`` if invalid."""
    if value is None:
        return ()
    if _is_int(value):
        value = (value,)
    if isinstance(value, (str, bytes, dict)):
        return None
    try:
        sizes = tuple(value)
    except TypeError:
        return None
    return sizes if all(_is_int(h) and h > 0 for h in sizes) else None


def check_hyperparameters(estimator):
    """Check the constructor parameters of a fit; return the hidden layer sizes.

    Runs :func:`check_parameters`, then the rules that tie two parameters.

    Parameters
    ----------
    estimator : BCEMultiLabelClassifier

    Returns
    -------
    tuple of int
        ``hidden_layer_sizes`` as a tuple (an int means one hidden layer).
    """
    check_parameters(estimator)
    hidden = hidden_layers(estimator.hidden_layer_sizes)
    if estimator.solver == "newton-cg" and hidden:
        raise InvalidParameterError(
            "The 'solver' parameter 'newton-cg' needs the linear model "
            f"(hidden_layer_sizes=()); got hidden_layer_sizes={estimator.hidden_layer_sizes!r}."
        )
    return hidden


ALPHAS = RealArray(
    0, np.inf, (1,), "a 1-D array of non-negative finite floats, one per label"
)


def check_alpha(alpha, n_outputs):
    """Return ``alpha`` as a float, or a float array of one strength per output.

    Parameters
    ----------
    alpha : float or array-like of shape (n_outputs,)
        Checked by the constraint table already.
    n_outputs : int
        Number of labels a 1-D ``alpha`` must have.

    Returns
    -------
    float or ndarray of shape (n_outputs,)
    """
    if _is_real(alpha):
        return float(alpha)
    values = np.asarray(alpha, dtype=np.float64)
    if values.shape[0] != n_outputs:
        raise ValueError(
            f"The 'alpha' parameter has {values.shape[0]} values but y has "
            f"{n_outputs} outputs: give one strength or one per label."
        )
    return values


THRESHOLDS = RealArray(
    0, 1, (0, 1), "a float in [0, 1] or a 1-D array of such floats, one per label"
)


def check_y_given(estimator, y):
    """Refuse a fit without targets, with scikit-learn's message."""
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None."
        )


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
    _require(THRESHOLDS.accepts(threshold), "threshold", str(THRESHOLDS), threshold)
    values = np.asarray(threshold, dtype=np.float64)
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
    with np.errstate(over="ignore"):
        check_weight_total(weight.sum())
    return weight


def check_weight_total(total):
    """Refuse sample weights whose sum ``total`` overflowed float64.

    Parameters
    ----------
    total : float
        The sum of the sample weights (``inf`` when it overflowed).

    Raises
    ------
    ValueError
        If ``total`` is not finite.
    """
    if not np.isfinite(total):
        raise ValueError(
            "sample_weight is too large: its sum overflows float64. Divide the weights "
            "by a common factor (and alpha by the same factor for the same model)."
        )


# Said where ``y`` may hold each sample's label names, the way tags are often kept.
_BINARIZER_HINT = (
    " For a list (or set) of label names per sample, encode y with "
    "sklearn.preprocessing.MultiLabelBinarizer: one 0/1 column per label."
)


def _unknown_label_type(y, reason="", input_name="y"):
    try:
        kind = type_of_target(y)
    except (ValueError, TypeError):
        kind = "unknown"
    names = np.asarray(y).dtype.kind in "OUS"  # label names, not numbers
    return ValueError(
        f"Unknown label type: {kind!r}{reason} in {input_name}. BCEMultiLabelClassifier "
        f"accepts {ACCEPTED_TARGETS}.{_BINARIZER_HINT if names else ''}"
    )


def _is_missing(value):
    """``None``, ``pd.NA`` or a float NaN: the missing markers of object columns."""
    return value is None or type(value).__name__ == "NAType" or (
        isinstance(value, float) and value != value
    )


def _missing_as_nan(values):
    """An object array whose missing markers are NaN and the rest numbers, as floats.

    Left as it is when its other entries are not all numbers (labels).
    """
    if values.dtype != object:
        return values
    flat = values.ravel()
    missing = np.fromiter((_is_missing(v) for v in flat), bool, flat.size)
    if not missing.any() or not all(
        isinstance(v, (numbers.Real, np.bool_)) for v in flat[~missing]
    ):
        return values
    floats = np.full(flat.size, np.nan)
    floats[~missing] = flat[~missing].astype(np.float64)
    return floats.reshape(values.shape)


def _column_vector_warning():
    warnings.warn(
        "A column-vector y was passed when a 1d array was expected. Please "
        "change the shape of y to (n_samples,), for example using ravel().",
        DataConversionWarning,
        stacklevel=4,
    )


def target_array(y, input_name="y"):
    """Return ``y`` as a NumPy array and its column names (or ``None``).

    Takes every container ``fit`` takes: NumPy arrays and lists, SciPy sparse
    matrices and arrays, pandas ``Series`` and ``DataFrame`` (nullable dtypes
    and ``pd.NA`` included: missing entries become NaN), polars ``Series``
    and ``DataFrame``. A one-column frame is its column, with scikit-learn's
    ``DataConversionWarning``, and keeps its dtype (integer labels stay
    integers).

    Parameters
    ----------
    y : array-like or sparse matrix
    input_name : str, default="y"
        The argument's name, for messages.

    Returns
    -------
    values : ndarray
    columns : list or None
        Column names of a 2-D frame.
    """
    columns = None
    if sparse.issparse(y):
        if y.ndim != 2:
            raise ValueError(f"A sparse {input_name} must be 2-D; got shape {y.shape}.")
        y = y.toarray()
    elif hasattr(y, "columns") and getattr(y, "ndim", 2) == 2 and hasattr(y, "to_numpy"):
        if len(y.columns) == 1:  # a column vector: its column, with its dtype
            _column_vector_warning()
            y = y.iloc[:, 0] if hasattr(y, "iloc") else y.to_series()
        else:
            columns = list(y.columns)
            try:  # numeric and boolean columns, nullable or not; NA becomes NaN
                y = y.to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError):
                y = y.to_numpy()
    if hasattr(y, "to_numpy") and not isinstance(y, np.ndarray):  # a Series
        dtype = getattr(y.dtype, "numpy_dtype", None)  # of a nullable pandas dtype
        if dtype is not None and dtype.kind in "biuf" and not y.isna().any():
            y = y.to_numpy(dtype=dtype)
        else:
            y = y.to_numpy()
    try:
        y = np.asarray(y)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(
            f"{input_name} is not a rectangular array: {str(exc).rstrip('.')}."
            f"{_BINARIZER_HINT}"
        ) from None
    return _missing_as_nan(y), columns


def encode_targets(y, missing_labels="error", dtype=np.float64):
    """Turn ``y`` into BCE targets: probabilities, one column per output.

    Parameters
    ----------
    y : array-like or sparse matrix of shape (n_samples,) or (n_samples, n_labels)
        See ``ACCEPTED_TARGETS`` and :func:`target_array` for the containers.
        A ``DataFrame`` ``y`` keeps its column names.
    missing_labels : {"error", "ignore"}, default="error"
        Whether NaN entries of a 2-D ``y`` are refused or kept as NaN (missing).
    dtype : numpy dtype, default=np.float64
        Dtype of the returned targets (that of ``X``, so float32 stays small).

    Returns
    -------
    targets : ndarray of shape (n_samples, n_outputs)
        Probabilities (NaN where missing).
    classes : ndarray of shape (n_classes,)
        The class labels (1-D ``y``) or the label names (2-D ``y``: its column
        names, else ``0 .. n_labels - 1``).
    target_type : {"binary", "multiclass", "multilabel"}
        How predictions are shaped.
    """
    y, columns = _as_1d_or_2d(y, "y")
    if y.ndim == 1:
        targets, classes, kind = _encode_1d(y)
        return targets.astype(dtype, copy=False), classes, kind
    return _encode_2d(y, columns, missing_labels, dtype)


def _as_1d_or_2d(y, input_name, warn_column=True):
    """``y`` as a 1-D or 2-D array; a single column becomes 1-D.

    ``fit`` warns about the single column as scikit-learn estimators do; a
    metric does not (a one-label indicator matrix is a valid ``y_true``).
    """
    y, columns = target_array(y, input_name)
    if y.ndim == 0 or y.ndim > 2:
        raise ValueError(
            f"{input_name} must be 1-D or 2-D; got an array of shape {y.shape}. "
            f"BCEMultiLabelClassifier accepts {ACCEPTED_TARGETS}."
        )
    if y.ndim == 2 and y.shape[1] == 1:
        if warn_column:
            _column_vector_warning()
        y, columns = y[:, 0], None
    return y, columns


def encode_fitted_targets(y, classes, input_name="y_true"):
    """Encode ``y`` as a fitted model's outputs, for a metric or a scorer.

    Takes the containers and targets ``fit`` takes; NaN (or ``pd.NA``)
    marks a missing label, left out of the metric.

    Parameters
    ----------
    y : array-like or sparse matrix of shape (n_samples,) or (n_samples, n_labels)
    classes : array-like or None
        The model's ``classes_``, used for a 1-D ``y``: binary (one column,
        1 for ``classes[1]``; or soft probabilities of ``classes[1]``) or
        multiclass (one column per class). ``None``: a 1-D ``y`` must hold
        targets in [0, 1].
    input_name : str, default="y_true"

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
    """
    y, columns = _as_1d_or_2d(y, input_name, warn_column=False)
    if y.ndim == 2:
        return _encode_2d(y, columns, "ignore", np.float64, input_name)[0]
    if y.dtype.kind in "fc" and np.isinf(y).any():
        raise ValueError(f"Input {input_name} contains infinity.")
    missing = np.isnan(y) if y.dtype.kind == "f" else np.zeros(y.shape[0], bool)
    observed = y[~missing]
    classes = None if classes is None else np.asarray(classes)
    if classes is not None and np.isin(observed, classes).all():
        if classes.shape[0] == 2:
            targets = (y == classes[1]).astype(np.float64)[:, None]
        else:
            targets = (y[:, None] == classes[None, :]).astype(np.float64)
    elif (classes is None or classes.shape[0] == 2) and observed.dtype.kind in "biuf" and (
        observed.size == 0 or (observed.min() >= 0 and observed.max() <= 1)
    ):
        # Soft targets: probabilities of classes[1].
        targets = np.where(missing, np.nan, y.astype(np.float64))[:, None]
    elif classes is None:
        raise ValueError(
            f"{input_name} must hold targets in [0, 1] (NaN for a missing label); "
            f"got {observed[:5].tolist()}..."
        )
    else:
        unknown = np.setdiff1d(observed.astype(object), classes.astype(object))
        raise ValueError(
            f"{input_name} has labels the model was not fitted on: "
            f"{unknown[:5].tolist()}; its classes are {classes.tolist()}."
        )
    targets[missing] = np.nan
    return targets


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


def _label_names(columns, n_labels):
    """Column names as a 1-D object array (tuples of a MultiIndex stay tuples)."""
    if columns is None:
        return np.arange(n_labels)
    names = np.empty(len(columns), dtype=object)
    for i, name in enumerate(columns):  # element by element: tuples are not rows
        names[i] = name
    return names


def _encode_2d(y, columns, missing_labels, dtype, input_name="y"):
    n_labels = y.shape[1]
    if n_labels == 0:
        raise ValueError(f"{input_name} has 0 columns: at least one label is required.")
    try:
        targets = y.astype(dtype)
    except (TypeError, ValueError):
        raise _unknown_label_type(y, " (non-numeric values)", input_name) from None
    # Checks by two reductions (no temporary as large as y): min and max
    # propagate NaN, so a NaN-free y needs no other pass.
    low, high = targets.min(initial=np.inf), targets.max(initial=-np.inf)
    if np.isnan(low) or np.isnan(high):
        if missing_labels != "ignore":
            raise ValueError(
                f"Input {input_name} contains NaN. To treat NaN entries as missing labels, "
                "left out of the loss, set missing_labels='ignore'."
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN y
            low, high = np.nanmin(targets), np.nanmax(targets)
    if low == -np.inf or high == np.inf:
        raise ValueError(f"Input {input_name} contains infinity.")
    if low < 0 or high > 1:
        raise _unknown_label_type(
            np.nan_to_num(targets), f" (values from {low!r} to {high!r})", input_name
        )
    return targets, _label_names(columns, n_labels), "multilabel"


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


# Beyond this magnitude a feature's square (second moments, Hessian-vector
# products) overflows float64 in the sums the solvers form.
LARGEST_FEATURE = 1e150


def check_feature_magnitude(X):
    """Refuse an ``X`` whose largest entry the fit cannot square.

    Two reductions over the stored values (no temporary as large as ``X``).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Validated, finite input.

    Raises
    ------
    ValueError
        If an entry of ``X`` has magnitude ``LARGEST_FEATURE`` or more.
    """
    values = X.data if sparse.issparse(X) else X
    if values.size == 0 or (values.dtype.kind == "f"
                            and float(np.finfo(values.dtype).max) < LARGEST_FEATURE):
        return  # float32 holds nothing that large: no pass needed
    largest = max(abs(float(values.max())), abs(float(values.min())))
    if largest >= LARGEST_FEATURE:
        raise ValueError(
            f"X has an entry of magnitude {largest:.3g}; beyond {LARGEST_FEATURE:.0e} "
            "the squares the fit needs overflow float64: scale the features (e.g. "
            "StandardScaler)."
        )


def check_warm_start_classes(previous, classes):
    """Refuse a ``warm_start`` refit on other classes (or labels) than the last fit's.

    Parameters
    ----------
    previous, classes : ndarray
        ``classes_`` of the previous fit and of this one.
    """
    # Element by element: label names may be tuples, or of mixed types.
    same = previous.shape == classes.shape and all(
        a == b for a, b in zip(previous.tolist(), classes.tolist())
    )
    if not same:
        raise ValueError(
            "warm_start=True needs the classes of the previous fit: "
            f"{previous.tolist()} before, {classes.tolist()} now. Set "
            "warm_start=False to start afresh."
        )


def validate_X(estimator, X, reset):
    """``sklearn.utils.validation.validate_data`` on ``X``, with messages that name ``X``.

    Parameters
    ----------
    estimator : BCEMultiLabelClassifier
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    reset : bool
        True in fit (records ``n_features_in_``), False in the predictions.

    Returns
    -------
    {ndarray, sparse matrix}
        float64 or float32, CSR or CSC.
    """
    try:
        return validate_data(
            estimator, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32],
            reset=reset,
        )
    except ValueError as exc:
        message = str(exc)
        if re.search(r"\bX\b", message):
            raise
        # e.g. "Complex data not supported", "Found array with 0 sample(s)".
        raise ValueError(f"Invalid X: {message}") from None
