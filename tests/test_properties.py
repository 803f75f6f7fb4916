"""Property-based tests: random valid input fits cleanly, corrupted input is refused.

Hypothesis draws shapes, dtypes, target kinds and one corruption of an
otherwise valid problem. The estimator must either fit (finite parameters,
probabilities strictly inside (0, 1), predictions of the right shape) or
raise a ``ValueError`` / ``TypeError`` that names the problem; no other
exception, no NaN model.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from skbce import BCEMultiLabelClassifier, binary_cross_entropy

# Each corruption, and a word the error message must contain.
CORRUPTIONS = {
    "none": None,
    "nan in X": "NaN",
    "inf in X": "infinity",
    "y out of [0, 1]": "[0, 1]",
    "nan in y": "NaN",
    "inf in y": "infinity",
    "short y": "inconsistent",
    "no sample": "sample",
    "no feature": "feature",
    "negative sample_weight": "non-negative",
    "zero sample_weight": "zero",
    "nan sample_weight": "NaN",
    "short sample_weight": "sample_weight",
}


@st.composite
def problems(draw):
    """A small problem: X, y, sample_weight, estimator parameters, corruption."""
    n_samples = draw(st.integers(4, 25))  # dropping a row keeps 2 classes in 1-D y
    n_features = draw(st.integers(1, 5))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3]))
    X = (rng.uniform(-5, 5, size=(n_samples, n_features)) * scale).astype(dtype)
    if draw(st.booleans()):
        X = np.asfortranarray(X)

    kind = draw(st.sampled_from(["indicator", "soft", "binary", "multiclass"]))
    n_labels = draw(st.integers(2, 4))  # one column is the 1-D binary case
    if kind == "indicator":
        y = rng.randint(0, 2, size=(n_samples, n_labels)).astype(np.float64)
    elif kind == "soft":
        y = rng.uniform(0, 1, size=(n_samples, n_labels))
    elif kind == "binary":
        y = np.arange(n_samples) % 2
        rng.shuffle(y)
    else:
        y = np.arange(n_samples) % min(3, n_samples)
        rng.shuffle(y)
    sample_weight = None
    if draw(st.booleans()):
        sample_weight = rng.uniform(0.1, 3.0, size=n_samples)

    params = {
        "alpha": draw(st.sampled_from([0.1, 1.0, 10.0])),
        "hidden_layer_sizes": draw(st.sampled_from([(), (3,)])),
        "activation": draw(st.sampled_from(["relu", "tanh", "logistic"])),
        "max_iter": 30,
        "random_state": 0,
    }
    if kind in ("indicator", "soft") and draw(st.booleans()):
        params["label_smoothing"] = 0.1

    # Half of the examples are valid: those exercise the fit itself.
    corruption = draw(st.sampled_from(list(CORRUPTIONS)[1:])) if draw(st.booleans()) else "none"
    row = draw(st.integers(0, n_samples - 1))
    if corruption == "nan in X":
        X[row, 0] = np.nan
    elif corruption == "inf in X":
        X[row, 0] = -np.inf
    elif corruption == "y out of [0, 1]":
        # In 1-D any value is a class label: corrupt a 2-D target instead.
        y = np.c_[np.asarray(y, dtype=np.float64) > 0, np.zeros(n_samples)] if (
            np.ndim(y) == 1) else np.array(y, dtype=np.float64)
        y[row, 0] = 1.5
    elif corruption == "nan in y":
        y = np.asarray(y, dtype=np.float64)
        y[row, ...] = np.nan
    elif corruption == "inf in y":
        y = np.asarray(y, dtype=np.float64)
        y[row, ...] = np.inf
    elif corruption == "short y":
        y = y[:-1]
    elif corruption == "no sample":
        X, y = X[:0], y[:0]
    elif corruption == "no feature":
        X = X[:, :0]
    elif corruption.endswith("sample_weight"):
        sample_weight = np.ones(n_samples)
        if corruption == "negative sample_weight":
            sample_weight[row] = -1.0
        elif corruption == "zero sample_weight":
            sample_weight[:] = 0.0
        elif corruption == "nan sample_weight":
            sample_weight[row] = np.nan
        else:
            sample_weight = sample_weight[:-1]
    return X, y, sample_weight, params, corruption


@settings(
    max_examples=500, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(problems())
def test_fit_is_clean_or_refused_clearly(problem):
    X, y, sample_weight, params, corruption = problem
    clf = BCEMultiLabelClassifier(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # A budget of 30 iterations may stop a fit early; that is not a defect.
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            clf.fit(X, y, sample_weight=sample_weight)
        except (ValueError, TypeError) as error:
            expected = CORRUPTIONS[corruption]
            assert expected is not None, f"valid input refused: {error}"
            assert expected.lower() in str(error).lower(), (corruption, str(error))
            assert not hasattr(clf, "coefs_")
            return
        proba = clf.predict_proba(X)
        labels = clf.predict(X)
    assert corruption == "none", f"{corruption!r} was accepted"
    for array in [*clf.coefs_, *clf.intercepts_]:
        assert np.isfinite(array).all() and array.dtype == X.dtype
    assert np.isfinite(clf.loss_)
    assert proba.dtype == X.dtype
    assert ((proba > 0) & (proba < 1)).all()
    assert labels.shape == np.shape(y)
    if np.ndim(y) == 2:
        assert np.isfinite(binary_cross_entropy(y, proba))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_give_probabilities_inside_the_interval_or_at_its_ends(dtype):
    # Far from the data the model saturates: proba stays in [0, 1], finite.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3)).astype(dtype)
    Y = (X[:, :2] > 0).astype(float)
    clf = BCEMultiLabelClassifier().fit(X, Y)
    with np.errstate(all="raise"):
        proba = clf.predict_proba(X * dtype(1e6))
    assert np.isfinite(proba).all() and ((proba >= 0) & (proba <= 1)).all()
