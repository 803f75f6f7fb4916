"""The training and prediction rows as a backend with one reduction primitive.

Everything a fit computes from the data is a sum over samples: the label
statistics, the loss and its gradient, the curvature, the feature moments.
A backend holds the rows in blocks and offers

- ``map_reduce(kernel, *args)``: ``kernel(block, *args)`` on every block,
  summed over the blocks (numbers, arrays and tuples of them add up);
- ``fold(kernel, *args)``: replace each block's targets and weights by the
  loss coefficients ``(A, B) = kernel(block, *args)``, once per fit.

A kernel is a module-level function of a :class:`Block`, so that a backend
can run it where its rows live. In memory there is one block; Dask arrays
(:mod:`skbce._dask`, imported only when Dask input arrives) have one per row
chunk, on the cluster. :func:`map_rows` is the per-row map for predictions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from scipy import sparse
from sklearn.utils.validation import check_consistent_length

from . import _validation
from ._constant_features import varying_features


@dataclass
class Block:
    """One block of training rows, and what the kernels may keep about it.

    Attributes
    ----------
    X : {ndarray, sparse matrix} of shape (n_rows, n_features)
    targets : ndarray of shape (n_rows, n_outputs) or None
        Probabilities (NaN where missing), until the block is folded.
    weight : ndarray of shape (n_rows,) or None
        Sample weights, until the block is folded.
    A, B : ndarray or None
        The loss coefficients of :func:`skbce._loss.bce_coefficients`, once folded.
    offset : int
        Index of the block's first row in the whole data set.
    cache : dict
        Per-block state a kernel may keep between calls (scratch buffers);
        a backend that rebuilds its blocks for every call starts it empty.
    product_X : sparse matrix or None
        A float32 copy of a sparse float64 ``X`` for the linear model's loss
        products (see :meth:`InMemoryRows.use_single_precision_products`).
    """

    X: Any
    targets: np.ndarray | None = None
    weight: np.ndarray | None = None
    A: np.ndarray | None = None
    B: np.ndarray | None = None
    offset: int = 0
    cache: dict = field(default_factory=dict)
    product_X: Any = None


class Rows(Protocol):
    """What a backend of training rows provides to the problem and the objective."""

    n_samples: int
    n_features: int
    n_outputs: int
    dtype: np.dtype
    stored_values: int | None  # nnz of a sparse X; None when dense

    def map_reduce(self, kernel, *args):
        """Return the sum over blocks of ``kernel(block, *args)``."""

    def fold(self, kernel, *args):
        """Set each block's ``(A, B)`` to ``kernel(block, *args)``; drop its targets."""


@dataclass
class TrainingData:
    """Checked training input: the rows and how the targets were encoded."""

    rows: Rows
    classes: np.ndarray
    target_type: str


def add_up(parts):
    """Sum a sequence of kernel results: numbers, arrays, or tuples of them."""
    parts = list(parts)
    first = parts[0]
    if isinstance(first, tuple):
        return tuple(add_up(items) for items in zip(*parts))
    total = first.copy() if isinstance(first, np.ndarray) else first
    for part in parts[1:]:
        total = total + part
    return total


class InMemoryRows:
    """Rows in memory (a NumPy array or a SciPy sparse matrix), one block.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Float32 or float64; never copied.
    targets : ndarray of shape (n_samples, n_outputs)
    weight : ndarray of shape (n_samples,)
    """

    def __init__(self, X, targets, weight):
        self.n_samples, self.n_features = X.shape
        self.n_outputs = targets.shape[1]
        self.dtype = X.dtype
        self.stored_values = X.nnz if sparse.issparse(X) else None
        self._block = Block(X, targets, weight)

    def map_reduce(self, kernel, *args):
        """Return ``kernel(block, *args)`` of the one block."""
        return kernel(self._block, *args)

    def split(self, fraction, random_state):
        """Return ``(train, held_out)`` rows, the held-out ones a shuffled ``fraction``.

        The training rows are all the rows, the held-out ones with a zero
        weight, so ``X`` is not copied; only the held-out rows are.

        Parameters
        ----------
        fraction : float in (0, 1)
        random_state : numpy.random.RandomState

        Returns
        -------
        tuple of InMemoryRows
        """
        block = self._block
        held_out = np.sort(random_state.permutation(self.n_samples)[
            : max(1, round(fraction * self.n_samples))
        ])
        train_weight = block.weight.copy()
        train_weight[held_out] = 0.0
        return (
            InMemoryRows(block.X, block.targets, train_weight),
            InMemoryRows(block.X[held_out], block.targets[held_out], block.weight[held_out]),
        )

    def varying_features(self):
        """Whether each feature varies over the rows of positive weight (before :meth:`fold`)."""
        return varying_features(self._block.X, self._block.weight)

    def with_features(self, features):
        """The same rows with the columns ``features`` (a boolean mask) only; ``X`` is copied."""
        block = self._block
        return InMemoryRows(block.X[:, features], block.targets, block.weight)

    def in_single_precision(self):
        """The same rows with ``X`` and the targets in float32 (the weights stay float64)."""
        block = self._block
        return InMemoryRows(block.X.astype(np.float32), block.targets.astype(np.float32),
                            block.weight)

    @property
    def product_dtype(self):
        """The dtype the linear model's loss products are formed in.

        ``X``'s, or float32 after :meth:`use_single_precision_products`.
        """
        return np.float32 if self._block.product_X is not None else self.dtype

    def use_single_precision_products(self):
        """Form the linear model's loss products in float32; return whether they will be.

        Only a sparse float64 ``X`` gets a float32 copy of its values (its
        indices are shared): SciPy's sparse products then read half the
        bytes. The loss, its gradient and the solver stay in float64; the
        rounding of the products (a relative 6e-8 per term) is far below
        the loose tolerance of a regularization path's fits, the only
        callers. Losses the kernels built already are dropped, so every
        evaluation from now on takes the copy.
        """
        block = self._block
        X = block.X
        if not sparse.issparse(X) or X.dtype != np.float64 or X.format not in ("csr", "csc"):
            return False
        block.product_X = type(X)((X.data.astype(np.float32), X.indices, X.indptr),
                                  shape=X.shape)
        block.cache.clear()
        return True

    def fold(self, kernel, *args):
        """Replace the targets and weights by the loss coefficients ``kernel`` returns."""
        block = self._block
        block.A, block.B = kernel(block, *args)
        block.targets = block.weight = None  # A and B carry all the loss needs


def _is_dask_collection(obj):
    """Whether ``obj`` is a Dask collection, by its type's module: dask is not imported.

    (Not by the ``__dask_graph__`` protocol: an xarray object has it even when
    it holds a NumPy array, and takes the in-memory path.)
    """
    return type(obj).__module__.split(".")[0] == "dask"


def training_data(estimator, X, y, sample_weight):
    """Check ``X``, ``y`` and the weights of a fit; return them as a backend.

    Sets ``n_features_in_`` (and ``feature_names_in_``) on ``estimator``, as
    scikit-learn's ``validate_data`` does.

    Parameters
    ----------
    estimator : BCEMultiLabelClassifier
        Its ``missing_labels`` and ``class_weight`` are read.
    X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
    sample_weight : array-like of shape (n_samples,) or None

    Returns
    -------
    TrainingData
    """
    if _is_dask_collection(X):
        from . import _dask

        return _dask.training_data(estimator, X, y, sample_weight)
    X, targets, weight, classes, target_type = checked_arrays(estimator, X, y, sample_weight)
    return TrainingData(InMemoryRows(X, targets, weight), classes, target_type)


def checked_arrays(estimator, X, y, sample_weight):
    """Check in-memory ``X``, ``y`` and weights of a fit; return them as arrays.

    Returns
    -------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    targets : ndarray of shape (n_samples, n_outputs)
    weight : ndarray of shape (n_samples,)
        Sample weights times the class weights.
    classes : ndarray
    target_type : str
    """
    X = _validation.validate_X(estimator, X, reset=True)
    _validation.check_feature_magnitude(X)
    targets, classes, target_type = _validation.encode_targets(
        y, estimator.missing_labels, dtype=X.dtype
    )
    check_consistent_length(X, targets)
    weight = _validation.check_sample_weight(sample_weight, X.shape[0])
    class_weight = _validation.class_sample_weight(
        estimator.class_weight, targets, classes, target_type
    )
    if class_weight is not None:
        weight = weight * class_weight
    return X, targets, weight, classes, target_type


def map_rows(function, X, n_columns, dtype):
    """Return ``function(X)``; for a Dask array, a lazy map over its row chunks.

    Parameters
    ----------
    function : callable
        In-memory rows -> ndarray of shape (n_rows,) or (n_rows, n_columns).
    X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
    n_columns : int or None
        Columns of the output; ``None`` for a 1-D output.
    dtype : numpy dtype or None
        Dtype of the output for a lazy map; ``None`` for the float dtype of ``X``.

    Returns
    -------
    ndarray or dask.array.Array
    """
    if not _is_dask_collection(X):
        return function(X)
    from . import _dask

    return _dask.map_rows(function, X, n_columns, dtype)
