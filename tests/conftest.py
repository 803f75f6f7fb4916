"""Test fixtures: the real data sets beside the repository."""

import pytest

from skbce.datasets import _default_data_home

# The benchmark data sets live beside the repository, never inside it; a
# user's clone does not have them, and the tests that need them skip.
DATASETS = _default_data_home()


def load_benchmark(name, n_labels=None):
    """Load one of the shared ARFF sets, skipping the test when it is absent."""
    from skbce.datasets import load_arff

    path = DATASETS / f"{name}.arff"
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return load_arff(path, n_labels)
