"""Shared helpers for the tests: finite differences and the real data sets."""

import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest

# The benchmark data sets live beside the repository, never inside it; a
# user's clone does not have them, and the tests that need them skip.
DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


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
    from sklearn.exceptions import ConvergenceWarning

    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def load_benchmark(name, n_labels=None):
    """Load one of the shared ARFF sets, skipping the test when it is absent."""
    from skbce.datasets import load_arff

    path = DATASETS / f"{name}.arff"
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return load_arff(path, n_labels)
