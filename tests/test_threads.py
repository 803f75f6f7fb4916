"""BLAS threads during a solve: one thread for small problems, restored after, safe in threads."""

import threading

import numpy as np
import pytest
from sklearn.datasets import make_multilabel_classification
from threadpoolctl import threadpool_info, threadpool_limits

from skbce import BCEMultiLabelClassifier
from skbce._solver import solve
from skbce._threads import solve_blas_threads

from ._helpers import make_objective


def _numpy_blas_threads():
    return [lib["num_threads"] for lib in threadpool_info()
            if lib["user_api"] == "blas" and "numpy" in lib["filepath"]]


def _thread_counts():
    return sorted((lib["filepath"], lib["num_threads"]) for lib in threadpool_info())


@pytest.fixture
def two_blas_threads():
    with threadpool_limits(2, user_api="blas"):
        if not _numpy_blas_threads() or min(_numpy_blas_threads()) != 2:
            pytest.skip("NumPy's BLAS cannot run two threads here")
        yield


# A product of a thousand multiply-adds and one of a trillion: far on either
# side of the rule's threshold.
@pytest.mark.parametrize("size, expected", [(10**3, 1), (10**12, 2)])
def test_small_problems_solve_on_one_blas_thread(two_blas_threads, size, expected):
    with solve_blas_threads(size):
        assert _numpy_blas_threads() == [expected] * len(_numpy_blas_threads())
        with solve_blas_threads(10**12):  # nested: the smaller problem's rule holds
            assert _numpy_blas_threads() == [expected] * len(_numpy_blas_threads())
    assert _numpy_blas_threads() == [2] * len(_numpy_blas_threads())  # restored


class _Recording:
    """An objective that records NumPy's BLAS threads at every call the solver makes."""

    def __init__(self, objective):
        self._objective = objective
        self.threads = []

    def __getattr__(self, name):
        attribute = getattr(self._objective, name)
        if not callable(attribute):
            return attribute

        def recorded(*args):
            self.threads.append(_numpy_blas_threads())
            return attribute(*args)

        return recorded


def test_setup_and_solve_of_a_small_problem_run_on_one_blas_thread(two_blas_threads):
    # The change of variables (covariance, eigendecomposition) is built from
    # small products too.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 10))
    Y = (X[:, :3] + rng.normal(size=(200, 3)) > 0).astype(float)
    objective = _Recording(make_objective(X, Y, alpha=1.0))
    theta0 = np.zeros(objective.layout.n_params)
    solve(objective, theta0, tol=1e-8)
    assert len(objective.threads) > 3
    assert all(t == [1] * len(t) for t in objective.threads)
    assert _numpy_blas_threads() == [2] * len(_numpy_blas_threads())  # restored


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_concurrent_fits_leave_the_thread_counts_as_they_were():
    # Each fit changes the process-wide BLAS thread counts while it solves;
    # fits in threads overlap in every order, and the last to finish restores.
    X, Y = make_multilabel_classification(300, 20, n_classes=5, random_state=0)
    models = [
        BCEMultiLabelClassifier((8,), max_iter=40, random_state=0),
        BCEMultiLabelClassifier(),
        BCEMultiLabelClassifier(alpha=10.0),
        BCEMultiLabelClassifier(solver="newton-cg"),
    ]
    before = _thread_counts()
    errors = []

    def fit(model):
        try:
            model.fit(X, Y)
        except Exception as exc:  # reported by the main thread
            errors.append(exc)

    for _ in range(10):
        threads = [threading.Thread(target=fit, args=(model,)) for model in models]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert _thread_counts() == before
    assert not errors


class _StubbornBlas:
    """A BLAS controller that ignores its first ``ignored`` changes of thread count."""

    user_api, filepath = "blas", "/numpy.libs/libopenblas.so"

    def __init__(self, num_threads, ignored):
        self.num_threads, self.ignored = num_threads, ignored

    def set_num_threads(self, n_threads):
        if self.ignored > 0:
            self.ignored -= 1
        else:
            self.num_threads = n_threads


def test_a_restore_the_blas_ignored_is_owed_to_the_next_fit(monkeypatch):
    import skbce._threads as threads

    blas = _StubbornBlas(num_threads=2, ignored=0)
    monkeypatch.setattr(threads, "_blas_controllers", lambda: (blas,))
    monkeypatch.setattr(threads, "_SET_ATTEMPTS", 3)
    monkeypatch.setattr(threads.time, "sleep", lambda seconds: None)
    limit = threads._SharedLimit()
    limit.enter(True)
    assert blas.num_threads == 1
    blas.ignored = 3  # another thread inside a BLAS call: every attempt is ignored
    limit.leave(True)
    assert blas.num_threads == 1
    # The next fit must not take the fits' one thread for the counts to restore.
    limit.enter(False)
    assert blas.num_threads == 2
    limit.leave(False)
    assert blas.num_threads == 2
    limit.enter(True)
    limit.leave(True)
    assert blas.num_threads == 2 and limit._owed is None
