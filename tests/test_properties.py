"""Property-based tests: every container a user hands us, clean or corrupted.

Hypothesis draws a small problem as dense NumPy arrays (the reference) and
hands the same data to the public API in another container: NumPy arrays of
every numeric dtype and memory order, SciPy sparse matrices and sparse
arrays, pandas frames and series (nullable dtypes, ``pd.NA`` for a missing
label), polars frames where polars is installed, and lists; sometimes with
one corruption. Each call (``fit``, every ``predict*``, ``bce_score``,
``binary_cross_entropy``, ``PerLabelThresholdClassifier``) must either give
what it gives on the dense reference, or raise ``ValueError``/``TypeError``
whose message names the offending argument.

CI runs ``SKBCE_PROPERTY_EXAMPLES`` examples per test (default 150 for the
classifier and the metrics, a third of that for the threshold tuner, whose
fits are cross-validated); set it higher for a longer search, e.g.
``SKBCE_PROPERTY_EXAMPLES=2000 pytest tests/test_properties.py``.
"""

import os
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning

from skbce import (
    BCEMultiLabelClassifier,
    PerLabelThresholdClassifier,
    bce_score,
    binary_cross_entropy,
)

try:
    import polars as pl
except ImportError:  # the polars containers are drawn only where it is installed
    pl = None

EXAMPLES = int(os.environ.get("SKBCE_PROPERTY_EXAMPLES", "150"))


def _settings(examples):
    return settings(
        max_examples=examples, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


NUMERIC_DTYPES = [
    np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.float16, np.float32, np.float64,
]
SPARSE = [sparse.csr_matrix, sparse.csc_matrix, sparse.coo_matrix,
          sparse.csr_array, sparse.csc_array, sparse.coo_array]


def _fit_dtype(dtype):
    """The dtype the model computes in for an ``X`` of ``dtype``."""
    return np.float32 if dtype == np.float32 else np.float64


# Each container: name -> (function of a dense array, whether it suits 1-D / 2-D).


def _numpy_X(X, draw):
    dtype = draw(st.sampled_from(NUMERIC_DTYPES))
    order = draw(st.sampled_from(["C", "F", "strided"]))
    values = X.astype(dtype)
    if order == "F":
        return np.asfortranarray(values), dtype
    if order == "strided":  # a view of every other column of a wider array
        wide = np.repeat(values, 2, axis=1)
        return wide[:, ::2], dtype
    return np.ascontiguousarray(values), dtype


def _sparse_X(X, draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return draw(st.sampled_from(SPARSE))(X.astype(dtype)), dtype


def _pandas_X(X, draw):
    dtype = draw(st.sampled_from(["int64", "float32", "float64", "Int64", "Float64"]))
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])]).astype(dtype)
    return frame, np.float32 if dtype == "float32" else np.float64


def _polars_X(X, draw):
    dtype = draw(st.sampled_from([pl.Int64, pl.Float32, pl.Float64]))
    frame = pl.DataFrame({f"f{j}": X[:, j] for j in range(X.shape[1])}).cast(dtype)
    return frame, np.float64  # scikit-learn converts every polars frame to float64


def _list_X(X, draw):
    return X.tolist(), np.float64


X_CONTAINERS = {"numpy": _numpy_X, "sparse": _sparse_X, "pandas": _pandas_X, "list": _list_X}
if pl is not None:
    X_CONTAINERS["polars"] = _polars_X


def _y_container(y, kind, draw):
    """``y`` (float with NaN for missing, or 1-D labels) in a drawn container."""
    missing = kind == "missing"
    if y.ndim == 1:
        options = ["numpy", "list", "pandas"] + (["polars"] if pl is not None else [])
        name = draw(st.sampled_from(options))
        if name == "numpy":
            return y
        if name == "list":
            return y.tolist()
        if name == "pandas":
            return pd.Series(y, dtype="Int64" if y.dtype.kind == "i" else None)
        return pl.Series("y", y)
    names = ["numpy", "list", "pandas"] + (["polars"] if pl is not None else [])
    if kind == "indicator":
        names += ["sparse"]
    name = draw(st.sampled_from(names))
    columns = [f"label{k}" for k in range(y.shape[1])]
    if name == "numpy":
        dtype = np.float64 if kind in ("soft", "missing") else draw(
            st.sampled_from([np.int64, np.int8, np.uint8, np.float32, np.bool_])
        )
        return y.astype(dtype)
    if name == "list":
        return [[None if np.isnan(v) else v for v in row] for row in y.tolist()]
    if name == "sparse":
        return draw(st.sampled_from(SPARSE))(y)
    if name == "pandas":
        frame = pd.DataFrame(y, columns=columns)
        if kind == "indicator":
            return frame.astype(draw(st.sampled_from(["int64", "Int64", "boolean", "bool"])))
        if missing and draw(st.booleans()):
            frame = frame.astype("Int64")  # NaN becomes pd.NA
        return frame
    frame = pl.DataFrame({c: y[:, k] for k, c in enumerate(columns)})
    if missing:  # polars keeps NaN; nulls are its missing values
        frame = frame.with_columns(pl.all().fill_nan(None))
    return frame.cast(pl.Int64) if kind == "indicator" else frame


@st.composite
def problems(draw):
    """A reference problem, the same data in drawn containers, and a corruption."""
    n_samples = draw(st.integers(6, 20))
    n_features = draw(st.integers(1, 4))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    # Small integers: exact in every numeric dtype, unsigned ones included.
    X = rng.randint(0, 10, size=(n_samples, n_features)).astype(np.float64)

    kind = draw(st.sampled_from(["indicator", "soft", "missing", "binary", "multiclass"]))
    n_labels = draw(st.integers(2, 3))
    params = {"alpha": 1.0, "tol": 1e-9, "max_iter": 500}  # converged: no stopping noise
    if kind == "indicator":
        y = rng.randint(0, 2, size=(n_samples, n_labels)).astype(np.float64)
    elif kind == "soft":
        y = rng.randint(0, 5, size=(n_samples, n_labels)) / 4.0  # exact in float32
    elif kind == "missing":
        y = rng.randint(0, 2, size=(n_samples, n_labels)).astype(np.float64)
        y[rng.rand(n_samples, n_labels) < 0.2] = np.nan
        y[0] = [0.0, 1.0] + [0.0] * (n_labels - 2)
        params["missing_labels"] = "ignore"
    else:
        n_classes = 2 if kind == "binary" else 3
        codes = np.arange(n_samples) % n_classes
        rng.shuffle(codes)
        labels = draw(st.sampled_from([np.array([3, 5, 7]), np.array(["a", "b", "c"])]))
        y = labels[codes]

    sample_weight = rng.uniform(0.5, 2.0, n_samples) if draw(st.booleans()) else None
    X_given, dtype = draw(st.sampled_from(list(X_CONTAINERS.values())))(X, draw)
    y_given = _y_container(y, kind, draw)

    corruption = "none"
    if draw(st.booleans()):
        corruption = draw(st.sampled_from([
            "X: NaN", "X: inf", "X: complex", "X: strings", "X: 1-D", "X: no sample",
            "y: NaN", "y: out of [0, 1]", "sample_weight: negative", "sample_weight: NaN",
            "sample_weight: huge", "sample_weight: short",
        ]))
    row = draw(st.integers(0, n_samples - 1))
    if corruption == "X: NaN":
        X_given = X.copy()
        X_given[row, 0] = np.nan
        if draw(st.booleans()):
            X_given = pd.DataFrame(X_given).astype("Float64")  # NaN becomes pd.NA
    elif corruption == "X: inf":
        X_given = X.copy()
        X_given[row, 0] = -np.inf
    elif corruption == "X: complex":
        X_given = X + 1j
    elif corruption == "X: strings":
        X_given = X.astype(object)
        X_given[row, 0] = "ten"
    elif corruption == "X: 1-D":
        X_given = X[:, 0]
    elif corruption == "X: no sample":
        X_given, y_given, sample_weight = X[:0], y[:0], None
    elif corruption == "y: NaN":
        y_given = np.array(y if y.ndim == 2 else np.arange(n_samples) % 2, dtype=np.float64)
        y_given[row, ...] = np.nan
        params.pop("missing_labels", None)
    elif corruption == "y: out of [0, 1]":
        y_given = np.nan_to_num(y) if y.ndim == 2 else np.c_[np.arange(n_samples) % 2, np.ones(
            n_samples)]
        y_given[row, 0] = 2.0
    elif corruption.startswith("sample_weight"):
        sample_weight = np.ones(n_samples)
        if corruption.endswith("negative"):
            sample_weight[row] = -1.0
        elif corruption.endswith("NaN"):
            sample_weight[row] = np.nan
        elif corruption.endswith("huge"):
            sample_weight[:] = 1e308
        else:
            sample_weight = sample_weight[:-1]
    reference = (X.astype(_fit_dtype(dtype)), y, sample_weight)
    return reference, (X_given, y_given, sample_weight), params, kind, corruption


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", DataConversionWarning)  # one-column frames
        return function(*args, **kwargs)


def _refused(corruption, call, *args, **kwargs):
    """Run ``call``; if it raises, the message must name the corrupted argument."""
    try:
        return _quiet(call, *args, **kwargs), None
    except (ValueError, TypeError) as error:
        argument = corruption.split(":")[0]
        assert corruption != "none", f"valid input refused: {error!r}"
        assert re.search(rf"\b{argument}\b", str(error)), (corruption, str(error))
        return None, error


def _tolerance(X):
    return {"rtol": 1e-3, "atol": 1e-3} if X.dtype == np.float32 else {"rtol": 1e-6, "atol": 1e-8}


@_settings(EXAMPLES)
@given(problems())
def test_fit_predict_and_score_match_the_dense_numpy_equivalent(problem):
    (X, y, weight), (X_given, y_given, weight_given), params, kind, corruption = problem
    clf, error = _refused(
        corruption, BCEMultiLabelClassifier(**params).fit, X_given, y_given,
        sample_weight=weight_given,
    )
    if error is not None:
        return
    assert corruption == "none", f"{corruption!r} was accepted"
    reference = _quiet(BCEMultiLabelClassifier(**params).fit, X, y, sample_weight=weight)
    if not hasattr(y_given, "columns"):  # a frame's classes_ are its column names
        assert_array_equal(clf.classes_, reference.classes_)
    tolerance = _tolerance(X)
    proba = clf.predict_proba(X_given)
    expected = reference.predict_proba(X)
    assert proba.dtype == expected.dtype
    assert_allclose(proba, expected, **tolerance)
    # Compared as probabilities: a label of one class has no finite optimum,
    # and its logit is wherever the solver stopped.
    assert_allclose(expit(clf.decision_function(X_given)),
                    expit(reference.decision_function(X)), **tolerance)
    assert_allclose(np.exp(clf.predict_log_proba(X_given)),
                    np.exp(reference.predict_log_proba(X)), **tolerance)
    # Labels agree wherever the probability is not at the threshold itself.
    clear = np.abs(expected - 0.5) > 1e-3
    if kind == "multiclass":
        top = np.sort(expected, axis=1)
        clear = top[:, -1] - top[:, -2] > 1e-3
    elif kind == "binary":
        clear = clear[:, 1]
    assert_array_equal(clf.predict(X_given)[clear], reference.predict(X)[clear])

    score = _quiet(bce_score, clf, X_given, y_given, sample_weight=weight_given)
    assert score == pytest.approx(bce_score(reference, X, y, sample_weight=weight), rel=1e-4)
    if kind in ("indicator", "soft", "missing"):
        metric = _quiet(binary_cross_entropy, y_given, expected, sample_weight=weight_given)
        assert metric == pytest.approx(binary_cross_entropy(y, expected, sample_weight=weight))


@st.composite
def predictions(draw):
    """Targets in a drawn container, probabilities, and a corruption of either."""
    n_samples, n_labels = draw(st.integers(1, 12)), draw(st.integers(1, 3))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    kind = draw(st.sampled_from(["indicator", "soft", "missing"]))
    y = rng.randint(0, 2, size=(n_samples, n_labels)).astype(np.float64)
    if kind == "soft":
        y = rng.randint(0, 5, size=y.shape) / 4.0
    elif kind == "missing":
        y[rng.rand(*y.shape) < 0.3] = np.nan
        y[0, 0] = 1.0
    proba = rng.uniform(0, 1, size=y.shape)
    if draw(st.booleans()):
        proba[rng.rand(*y.shape) < 0.3] = draw(st.sampled_from([0.0, 1.0]))
    if n_labels == 1:
        y, proba = y[:, 0], proba[:, 0]
    y_given = _y_container(y, kind, draw) if y.ndim == 2 else y
    prob_given = draw(st.sampled_from([
        lambda p: p, np.asfortranarray, lambda p: p.tolist(),
        lambda p: pd.DataFrame(p) if p.ndim == 2 else pd.Series(p),
    ]))(proba)
    corruption = draw(st.sampled_from(
        ["none"] * 4 + ["y_true: out of [0, 1]", "y_prob: NaN", "y_prob: above 1",
                        "y_prob: strings", "pos_weight: NaN", "eps: 1"]
    ))
    kwargs = {"eps": draw(st.sampled_from(["auto", 0, 1e-6]))}
    if y.ndim == 2 and draw(st.booleans()):
        kwargs["pos_weight"] = rng.uniform(0.5, 3.0, n_labels)
    if corruption == "y_true: out of [0, 1]":
        y_given = np.nan_to_num(y)
        y_given.flat[0] = 3.0
    elif corruption.startswith("y_prob"):
        prob_given = np.array(proba, dtype=object)
        prob_given.flat[0] = {"NaN": np.nan, "above 1": 1.5, "strings": "high"}[
            corruption.split(": ")[1]]
    elif corruption == "pos_weight: NaN":
        kwargs["pos_weight"] = np.full(n_labels, np.nan)
    elif corruption == "eps: 1":
        kwargs["eps"] = 1.0
    return (y, proba), (y_given, prob_given), kwargs, corruption


@_settings(EXAMPLES)
@given(predictions())
def test_metric_matches_the_dense_numpy_equivalent(case):
    (y, proba), (y_given, prob_given), kwargs, corruption = case
    value, error = _refused(corruption, binary_cross_entropy, y_given, prob_given, **kwargs)
    if error is not None:
        return
    assert corruption == "none", f"{corruption!r} was accepted"
    with np.errstate(all="raise"):
        expected = binary_cross_entropy(y, proba, **kwargs)
    assert value == pytest.approx(expected, rel=1e-12) or value == expected
    assert not np.isnan(value)


@_settings(max(EXAMPLES // 3, 10))
@given(problems())
def test_threshold_tuner_matches_the_dense_numpy_equivalent(problem):
    (X, y, weight), (X_given, y_given, weight_given), params, kind, corruption = problem
    if kind in ("soft", "multiclass"):
        return  # the tuner takes 0/1 labels (tested in test_thresholds.py)
    # The same shuffled folds for both fits.
    tuner = PerLabelThresholdClassifier(BCEMultiLabelClassifier(**params), cv=2, random_state=0)
    fitted, error = _refused(corruption, tuner.fit, X_given, y_given, sample_weight=weight_given)
    if error is not None:
        return
    assert corruption == "none", f"{corruption!r} was accepted"
    reference = _quiet(
        PerLabelThresholdClassifier(
            BCEMultiLabelClassifier(**params), cv=2, random_state=0
        ).fit, X, y,
        sample_weight=weight,
    )
    assert_allclose(fitted.predict_proba(X_given), reference.predict_proba(X), **_tolerance(X))
    # A threshold is a midpoint between two out-of-fold probabilities: it moves with them.
    assert_allclose(fitted.thresholds_, reference.thresholds_, atol=1e-3)
