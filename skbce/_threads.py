"""BLAS threads during a fit: which problems run on one thread, and the switch.

Small matrix products gain a fraction of a millisecond from BLAS threads on an
idle machine but can lose a scheduler time slice per product when another
process holds the other cores; the fit of such a problem runs every BLAS on
one thread. Uses threadpoolctl, which is installed with scikit-learn.
"""

import contextlib
import functools
import os

# Below this many multiply-adds per matrix product (about a millisecond on one
# core), BLAS threads save a fraction of a millisecond on an idle machine but
# cost up to a scheduler time slice per product (measured: 12 ms instead of
# 0.5 ms for 1691 x 103 x 64 on 2 busy cores) when another process holds the
# other cores. Such problems are solved with every BLAS on one thread.
SMALL_PRODUCT = 2**24


def is_small(largest_product):
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


@contextlib.contextmanager
def optimizer_blas_single_threaded(all_blas=False):
    """Run SciPy's own BLAS (and NumPy's with ``all_blas``) on one thread while solving.

    L-BFGS-B's vector updates call the BLAS bundled with SciPy. Where that is
    a separate OpenBLAS from NumPy's (the PyPI wheels), its thread pool and
    NumPy's spin against each other between calls, which made small fits
    several times slower on two cores. The updates are too small to gain from
    threads, so SciPy's copy gets one; NumPy's keeps all of them for the
    matrix products, unless ``all_blas`` says they are small (see
    :func:`is_small`).
    """
    single = [lib for lib in _blas_controllers() if all_blas or _is_scipy_copy(lib)]
    previous = [lib.num_threads for lib in single]
    try:
        for lib in single:
            lib.set_num_threads(1)
        yield
    finally:
        for lib, n_threads in zip(single, previous):
            lib.set_num_threads(n_threads)


def fit_blas_threads(objective):
    """The BLAS thread setting a whole fit of ``objective`` runs under.

    Every BLAS on one thread when the objective's largest product is small
    (:func:`is_small`), else SciPy's copy only. It covers the setup too: the
    covariance and eigendecomposition of the change of variables are small
    products of the same kind (a 72 x 72 ``eigh`` took 90 ms instead of 1 ms
    on 2 threads with both cores busy).
    """
    small = is_small(getattr(objective, "largest_product", float("inf")))
    return optimizer_blas_single_threaded(all_blas=small)
