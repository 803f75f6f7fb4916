"""Shared helpers for the tests: data, quiet fits, finite differences, a reference loss."""

import subprocess
import sys
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skbce._network import allocate_activations, forward
from skbce._problem import build_problem
from skbce._rows import InMemoryRows

ROOT = Path(__file__).resolve().parents[1]


def noisy_multilabel(n_samples=60, n_features=4, n_labels=3, seed=0):
    """Noisy (not separable) multi-label data with unit-scale features."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    coef = rng.normal(size=(n_features, n_labels))
    Y = (X @ coef + 2 * rng.normal(size=(n_samples, n_labels)) > 0).astype(np.float64)
    return X, Y


def fit_quietly(estimator, X, y, allow_convergence=False, **fit_params):
    """Fit with every warning an error (except ConvergenceWarning if allowed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if allow_convergence:
            warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


def assert_finite_model(clf):
    """Every fitted parameter and the final objective are finite."""
    for array in [*clf.coefs_, *clf.intercepts_]:
        assert np.isfinite(array).all()
    assert np.isfinite(clf.loss_)


def with_value(array, index, value):
    """A float copy of ``array`` with ``array[index] = value``."""
    array = np.array(array, dtype=np.float64)
    array[index] = value
    return array


def run_python(code, *args):
    """Run ``code`` in a fresh interpreter at the repository root; return its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
        timeout=120, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def five_point_gradient(function, theta, step=1e-4):
    """Five-point central-difference gradient of a scalar function."""
    theta = np.asarray(theta, dtype=np.float64)
    grad = np.empty_like(theta)
    for i in range(theta.size):
        shifted = []
        for multiple in (2, 1, -1, -2):
            point = theta.copy()
            point[i] += multiple * step
            shifted.append(function(point))
        grad[i] = (-shifted[0] + 8 * shifted[1] - 8 * shifted[2] + shifted[3]) / (12 * step)
    return grad


def relative_error(actual, expected):
    """``||actual - expected|| / ||expected||``."""
    return np.linalg.norm(actual - expected) / max(np.linalg.norm(expected), 1e-300)


def peak_traced_bytes(function):
    """Peak bytes allocated (tracemalloc) while ``function()`` runs, convergence warnings off."""
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def make_objective(X, Y, hidden=(), activation="tanh", alpha=0.0, sample_weight=None,
                   pos_weight=None, smoothing=0.0):
    """The estimator's objective for ``X``, targets ``Y`` (NaN where missing) and options."""
    weight = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    rows = InMemoryRows(X, np.asarray(Y, dtype=X.dtype), weight)
    problem = build_problem(
        rows, hidden=tuple(hidden), activation=activation, alpha=alpha,
        pos_weight=pos_weight, label_smoothing=smoothing,
    )
    return problem.objective


def logits(X, objective, theta):
    """The network's logits on ``X`` at ``theta``."""
    coefs, intercepts = objective.layout.unpack(np.asarray(theta, dtype=objective.dtype))
    buffers = allocate_activations(objective.layout, X.shape[0], objective.dtype)
    return forward(X, coefs, intercepts, objective.activation, buffers)


def reference_loss_gradient(raw, y, sample_weight=None, pos_weight=None):
    """Straightforward BCE and its logit-gradient: the oracle of the fast kernel.

    Written from the textbook formula with a masked mean, without the
    ``A``/``B`` folding; it is slower and allocates freely.

    Parameters
    ----------
    raw : ndarray of shape (n_samples, n_outputs)
        Logits.
    y : ndarray of shape (n_samples, n_outputs)
        Targets in [0, 1], NaN where missing.
    sample_weight : ndarray of shape (n_samples,), default=None
        Sample weights.
    pos_weight : ndarray of shape (n_outputs,), default=None
        Positive weights.

    Returns
    -------
    value : float
    gradient : ndarray of shape (n_samples, n_outputs)
    """
    raw = np.asarray(raw, dtype=np.float64)
    n_samples, n_outputs = raw.shape
    w = np.ones(n_samples) if sample_weight is None else np.asarray(sample_weight)
    p = np.ones(n_outputs) if pos_weight is None else np.asarray(pos_weight)
    observed = ~np.isnan(y)
    y0 = np.where(observed, y, 0.0)
    log_p = -np.logaddexp(0.0, -raw)  # log sigmoid(z)
    log_1mp = -np.logaddexp(0.0, raw)  # log(1 - sigmoid(z))
    elem = -(p * y0 * log_p + (1 - y0) * log_1mp) * observed
    n_obs = observed.sum(axis=1)
    keep = n_obs > 0
    per_sample = np.zeros(n_samples)
    per_sample[keep] = elem[keep].sum(axis=1) / n_obs[keep]
    total = w[keep].sum()
    value = float(np.dot(w, per_sample) / total)
    sig = 1.0 / (1.0 + np.exp(-np.clip(raw, -700, 700)))
    d_elem = ((1 + (p - 1) * y0) * sig - p * y0) * observed
    scale = np.zeros(n_samples)
    scale[keep] = w[keep] / (n_obs[keep] * total)
    return value, d_elem * scale[:, None]
