"""BLAS threads during a solve: which problems run on one thread, and a safe switch.

Small matrix products gain a fraction of a millisecond from BLAS threads on an
idle machine but can lose a scheduler time slice per product when another
process holds the other cores; the solve of such a problem runs every BLAS on
one thread. SciPy's own BLAS copy (L-BFGS-B's vector updates) always runs on
one thread while solving. Measurements behind both rules are in
``benchmarks/README.md``. Uses threadpoolctl, which scikit-learn installs.

The thread counts are process-wide, so the switch is shared by every fit in
the process: the first fit to enter saves the counts, each fit's request is
counted, and the last one to leave restores what was saved. Concurrent fits
(threads of one process) therefore never leave the process pinned; while a
small problem is being solved, the other fits' products run on one thread too.
"""

import contextlib
import functools
import os
import threading
import time

# Below this many multiply-adds per matrix product (about a millisecond on
# one core) a problem is small: its solve runs every BLAS on one thread.
SMALL_PRODUCT = 2**24


def runs_on_one_thread(largest_product):
    """Whether a problem whose largest product has this many multiply-adds is small."""
    return largest_product < SMALL_PRODUCT


@functools.cache
def _blas_controllers():
    """The BLAS libraries loaded in this process (found once: the scan takes ms)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - scikit-learn requires threadpoolctl
        return ()
    return tuple(
        lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"
    )


def _is_scipy_copy(lib):
    return os.path.basename(os.path.dirname(lib.filepath)) == "scipy.libs"


# OpenBLAS occasionally ignores a change of its thread count requested while
# another thread is inside one of its calls (seen with fits in four threads):
# each change is read back and retried, a millisecond apart, this many times.
_SET_ATTEMPTS = 200


def _set_threads(lib, n_threads):
    """Set ``lib``'s thread count; return whether it took."""
    for _ in range(_SET_ATTEMPTS):
        lib.set_num_threads(n_threads)
        if lib.num_threads == n_threads:
            return True
        time.sleep(1e-3)
    return False


class _SharedLimit:
    """Counted requests for one BLAS thread, applied to the process's libraries."""

    def __init__(self):
        self._lock = threading.Lock()
        self._saved = None  # thread counts before the first request
        self._owed = None  # counts a restore could not set (see leave)
        self._requests = 0  # solves in progress
        self._all_blas = 0  # of which small problems (every BLAS on one thread)

    def _apply(self):
        for lib, saved in zip(_blas_controllers(), self._saved):
            single = self._all_blas > 0 or _is_scipy_copy(lib)
            wanted = 1 if single else saved
            if lib.num_threads != wanted:
                _set_threads(lib, wanted)

    def enter(self, all_blas):
        with self._lock:
            if self._requests == 0:
                # After a restore that did not take, the counts now read are
                # the fits' own, not the ones to come back to.
                self._saved = self._owed or [lib.num_threads for lib in _blas_controllers()]
                self._owed = None
            self._requests += 1
            self._all_blas += bool(all_blas)
            self._apply()

    def leave(self, all_blas):
        with self._lock:
            self._requests -= 1
            self._all_blas -= bool(all_blas)
            if self._requests == 0:
                restored = [_set_threads(lib, saved)
                            for lib, saved in zip(_blas_controllers(), self._saved)]
                self._owed = None if all(restored) else self._saved
                self._saved = None
            else:
                self._apply()


_SHARED_LIMIT = _SharedLimit()


@contextlib.contextmanager
def solve_blas_threads(largest_product):
    """Run a solve under the BLAS thread policy for its problem size.

    SciPy's BLAS copy gets one thread: where it is a separate OpenBLAS from
    NumPy's (the PyPI wheels), its thread pool and NumPy's spin against each
    other between calls, and L-BFGS-B's vector updates are too small to gain
    from threads. NumPy's BLAS keeps its threads for the matrix products,
    unless the problem is small (:func:`runs_on_one_thread`).

    Parameters
    ----------
    largest_product : int
        Multiply-adds of the largest product of one objective evaluation.
    """
    all_blas = runs_on_one_thread(largest_product)
    _SHARED_LIMIT.enter(all_blas)
    try:
        yield
    finally:
        _SHARED_LIMIT.leave(all_blas)


@contextlib.contextmanager
def one_blas_thread():
    """Run every BLAS on one thread inside the block (nested in a solve or not).

    For the setup's small dense factorizations (a ``d x d`` eigendecomposition):
    threads gain little on them and, with the cores busy, cost far more (a
    500 x 500 ``eigh`` took 3.8 s on 2 threads with both cores loaded).
    """
    _SHARED_LIMIT.enter(True)
    try:
        yield
    finally:
        _SHARED_LIMIT.leave(True)
