"""Dask arrays as a backend of training rows: one block per row chunk, on the cluster.

:class:`DaskRows` implements the backend of :mod:`skbce._rows`: every
kernel runs on each row chunk on the Dask scheduler (a ``dask.distributed``
cluster when a ``Client`` is active), with the parameter vector broadcast,
and the client adds the chunks' results. SciPy's optimizer runs on the
client. The loss coefficients of a chunk are those of the whole data set
restricted to its rows (the same normalization by the total sample weight
and the number of labels), so the sum is exactly the in-memory objective,
up to rounding; the linear model and the MLP fit alike.

Predictions on a Dask array are lazy: the in-memory method mapped over the
row chunks.

Dask is imported here, lazily, only when Dask input arrives; nothing else in
skbce imports it.
"""

import numpy as np
from scipy import sparse

from . import _validation
from ._rows import Block, TrainingData, add_up
from ._rows import _is_dask_collection as is_dask_collection


def _float_dtype(X):
    return X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)


def _row_chunked(X):
    """``X`` as a 2-D float Dask array with one chunk across the columns."""
    import dask.array as da

    if not isinstance(X, da.Array):
        raise ValueError(
            f"Dask input X must be a dask.array.Array; got {type(X).__name__}. Convert "
            "a Dask DataFrame with .to_dask_array(lengths=True)."
        )
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D Dask array X; got shape {X.shape}.")
    if any(np.isnan(size) for size in X.chunks[0]):
        raise ValueError(
            "X has unknown chunk sizes; call X.compute_chunk_sizes() (or "
            "to_dask_array(lengths=True)) first."
        )
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X needs at least one sample and one feature; got shape {X.shape}.")
    if X.dtype.kind not in "biuf":  # as in-memory X: casting would drop an imaginary part
        kind = "Complex data" if X.dtype.kind == "c" else f"Data of dtype {X.dtype}"
        raise ValueError(f"{kind} not supported in X: a Dask X must be real numbers.")
    if X.dtype != _float_dtype(X):
        X = X.astype(np.float64)
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return X


def map_rows(function, X, n_columns, dtype):
    """Return ``function`` applied lazily to each row chunk of the Dask array ``X``.

    Parameters
    ----------
    function : callable
        An in-memory prediction method, ndarray of rows -> ndarray.
    X : dask.array.Array of shape (n_samples, n_features)
    n_columns : int or None
        Columns of the output; ``None`` for a 1-D output.
    dtype : numpy dtype or None
        Dtype of the output; ``None`` for the float dtype of ``X``.

    Returns
    -------
    dask.array.Array of shape (n_samples,) or (n_samples, n_columns)
    """
    X = _row_chunked(X)
    dtype = _float_dtype(X) if dtype is None else np.dtype(dtype)
    if n_columns is None:
        chunks, drop_axis = (X.chunks[0],), 1
    else:
        chunks, drop_axis = (X.chunks[0], (n_columns,)), []
    return X.map_blocks(
        _apply_to_rows, function, n_columns, dtype, drop_axis=drop_axis, chunks=chunks,
        dtype=dtype, meta=np.empty((0,) * len(chunks), dtype=dtype),
    )


def _apply_to_rows(rows, function, n_columns, dtype):
    if rows.shape[0] == 0:  # an empty chunk: the estimator refuses 0 samples
        return np.empty((0,) if n_columns is None else (0, n_columns), dtype=dtype)
    return function(rows)


# Functions run on the workers: module level, so that workers can unpickle them.


def _checked_targets(y, missing_labels, dtype):
    """A chunk of a 2-D label matrix, encoded and checked as in memory."""
    y = np.asarray(y)
    if y.shape[0] == 0:
        return y.astype(dtype)
    targets, _, _ = _validation._encode_2d(y, None, missing_labels, dtype)
    return targets


def _checked_weight(weight):
    weight = np.asarray(weight, dtype=np.float64)
    if not np.isfinite(weight).all():
        raise ValueError("sample_weight contains NaN or infinity.")
    if (weight < 0).any():
        raise ValueError("sample_weight must be non-negative; negative values found.")
    return weight


def _check_features(X):
    values = X.data if sparse.issparse(X) else X
    if not np.isfinite(values).all():
        raise ValueError("Input X contains NaN or infinity.")
    _validation.check_feature_magnitude(X)


def _run_kernel(X, parts, offset, check_features, kernel, *args):
    """``kernel`` on one chunk; ``parts`` is (targets, weight), or (A, B) once folded."""
    if check_features:
        _check_features(X)
    block = Block(X, offset=offset)
    if isinstance(parts, dict):
        block.A, block.B = parts["A"], parts["B"]
    else:
        block.targets, block.weight = parts
    return kernel(block, *args)


def _fold_chunk(X, parts, offset, kernel, *args):
    block = Block(X, targets=parts[0], weight=parts[1], offset=offset)
    A, B = kernel(block, *args)
    return {"A": A, "B": B}


class DaskRows:
    """Training rows in a Dask array: one block per row chunk, kept on the cluster.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Float inputs, one chunk across the columns.
    targets : dask.array.Array of shape (n_samples, n_outputs)
        Checked targets with the row chunks of ``X``.
    weight : dask.array.Array of shape (n_samples,)
        Checked sample weights with the row chunks of ``X``.
    """

    def __init__(self, X, targets, weight):
        import dask

        self.n_samples, self.n_features = X.shape
        self.n_outputs = targets.shape[1]
        self.dtype = X.dtype
        # Dask arrays of sparse chunks do not know their nnz: costed as dense.
        self.stored_values = None
        # Targets and weights (n x K and n values, small next to X) are kept in
        # the cluster's memory: those built on the client are sent once, and
        # the label statistics and the folding both read them.
        # Holding the arrays keeps their persisted chunks alive on the cluster.
        self._X = X
        self._targets, self._weight = dask.persist(targets, weight)
        self._chunks = X.to_delayed().ravel()
        self._parts = list(zip(
            self._targets.to_delayed().ravel(), self._weight.to_delayed().ravel()
        ))
        # The global index of each chunk's first row.
        self._offsets = [int(offset) for offset in np.cumsum((0, *X.chunks[0][:-1]))]
        self._features_checked = False

    def map_reduce(self, kernel, *args):
        """Return the sum over chunks of ``kernel(block, *args)``, computed on the cluster."""
        import dask

        task = dask.delayed(_run_kernel, pure=True)
        broadcast = [dask.delayed(arg) if isinstance(arg, np.ndarray) else arg for arg in args]
        # The first pass over X also checks it (NaN, infinity, magnitude), as
        # validation does in memory.
        check = not self._features_checked
        results = dask.compute(*[
            task(chunk, parts, offset, check, kernel, *broadcast)
            for chunk, parts, offset in zip(self._chunks, self._parts, self._offsets)
        ])
        self._features_checked = True
        return add_up(results)

    def fold(self, kernel, *args):
        """Replace each chunk's targets and weights by its loss coefficients, on the cluster."""
        import dask

        task = dask.delayed(_fold_chunk, pure=True)
        self._parts = list(dask.persist(*[
            task(chunk, parts, offset, kernel, *args)
            for chunk, parts, offset in zip(self._chunks, self._parts, self._offsets)
        ]))
        self._targets = self._weight = None  # the coefficients carry all the loss needs


def _targets(estimator, y, row_chunks, dtype):
    """Dask targets with the rows chunks of ``X``, classes, type and class weights."""
    import dask.array as da

    n_samples = sum(row_chunks)
    if is_dask_collection(y) and getattr(y, "ndim", 0) == 2 and y.shape[1] > 1:
        # A label matrix stays on the cluster; it is checked chunk by chunk.
        if not isinstance(y, da.Array) or y.shape[0] != n_samples:
            raise ValueError(
                f"y must be a Dask array with {n_samples} rows like X; got "
                f"{type(y).__name__} of shape {getattr(y, 'shape', None)}."
            )
        _validation.class_sample_weight(estimator.class_weight, None, None, "multilabel")
        targets = y.rechunk({0: row_chunks, 1: -1})
        return targets, np.arange(y.shape[1]), "multilabel", None
    if is_dask_collection(y):
        y = y.compute()  # 1-D labels: n values, encoded in memory
    targets, classes, target_type = _validation.encode_targets(
        y, estimator.missing_labels, dtype=dtype
    )
    if targets.shape[0] != n_samples:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{n_samples}, {targets.shape[0]}]"
        )
    class_weight = _validation.class_sample_weight(
        estimator.class_weight, targets, classes, target_type
    )
    return (
        da.from_array(targets, chunks=(row_chunks, -1)), classes, target_type, class_weight
    )


def _sample_weight(sample_weight, class_weight, row_chunks):
    import dask.array as da

    n_samples = sum(row_chunks)
    if is_dask_collection(sample_weight):
        if getattr(sample_weight, "shape", None) != (n_samples,):
            raise ValueError(
                f"sample_weight.shape == {getattr(sample_weight, 'shape', None)}, "
                f"expected ({n_samples},)."
            )
        weight = sample_weight.astype(np.float64).rechunk({0: row_chunks})
    else:
        weight = da.from_array(
            _validation.check_sample_weight(sample_weight, n_samples), chunks=(row_chunks,)
        )
    if class_weight is not None:
        weight = weight * da.from_array(class_weight, chunks=(row_chunks,))
    return weight


def training_data(estimator, X, y, sample_weight):
    """Check Dask input of a fit; return it as a :class:`DaskRows` backend.

    Parameters
    ----------
    estimator : BCEMultiLabelClassifier
        Its ``missing_labels`` and ``class_weight`` are read; ``n_features_in_``
        is set (``feature_names_in_`` removed: Dask arrays have no names).
    X : dask.array.Array of shape (n_samples, n_features)
    y : array-like or dask.array.Array
    sample_weight : array-like, dask.array.Array or None

    Returns
    -------
    TrainingData
    """
    X = _row_chunked(X)
    dtype = X.dtype
    row_chunks = X.chunks[0]
    targets, classes, target_type, class_weight = _targets(estimator, y, row_chunks, dtype)
    weight = _sample_weight(sample_weight, class_weight, row_chunks)
    targets = targets.map_blocks(
        _checked_targets, estimator.missing_labels, dtype, dtype=dtype
    )
    weight = weight.map_blocks(_checked_weight, dtype=np.float64)
    estimator.n_features_in_ = X.shape[1]
    if hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    return TrainingData(DaskRows(X, targets, weight), classes, target_type)
