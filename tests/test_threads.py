"""BLAS threads during a solve: one thread for small products, all for large ones."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from skbce._solver import minimize_objective
from skbce._threads import SMALL_PRODUCT


def _numpy_blas_threads():
    return [lib["num_threads"] for lib in threadpool_info()
            if lib["user_api"] == "blas" and "numpy" in lib["filepath"]]


class _Quadratic:
    """``0.5 ||theta - 1||^2``; records NumPy's BLAS threads at each call."""

    def __init__(self, largest_product):
        self.largest_product = largest_product
        self.threads = []

    def __call__(self, theta):
        self.threads.append(_numpy_blas_threads())
        return 0.5 * float(np.sum((theta - 1) ** 2)), theta - 1


@pytest.mark.parametrize("size, expected", [(SMALL_PRODUCT - 1, 1), (SMALL_PRODUCT, 2)])
def test_small_problems_solve_on_one_blas_thread(size, expected):
    with threadpool_limits(2, user_api="blas"):
        if not _numpy_blas_threads() or min(_numpy_blas_threads()) != 2:
            pytest.skip("NumPy's BLAS cannot run two threads here")
        objective = _Quadratic(size)
        result = minimize_objective(objective, np.zeros(3), tol=1e-8)
        np.testing.assert_allclose(result.theta, 1.0, atol=1e-6)
        assert objective.threads and all(t == [expected] * len(t) for t in objective.threads)
        assert _numpy_blas_threads() == [2] * len(_numpy_blas_threads())  # restored


def test_fit_setup_of_a_small_problem_runs_on_one_blas_thread(monkeypatch):
    # The change of variables (covariance, eigendecomposition) is built from
    # small products too; on busy cores a threaded eigh took 90 times longer.
    from skbce import BCEMultiLabelClassifier
    from skbce._objective import BCEObjective

    seen = []
    for name in ("parameter_units", "preconditioner"):
        method = getattr(BCEObjective, name)

        def recording(self, *args, _method=method):
            seen.append(_numpy_blas_threads())
            return _method(self, *args)

        monkeypatch.setattr(BCEObjective, name, recording)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 10))
    Y = (X[:, :3] + rng.normal(size=(200, 3)) > 0).astype(int)
    with threadpool_limits(2, user_api="blas"):
        if not _numpy_blas_threads() or min(_numpy_blas_threads()) != 2:
            pytest.skip("NumPy's BLAS cannot run two threads here")
        BCEMultiLabelClassifier().fit(X, Y)
        assert len(seen) == 2 and all(t == [1] * len(t) for t in seen)
        assert _numpy_blas_threads() == [2] * len(_numpy_blas_threads())  # restored
