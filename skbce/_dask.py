"""Dask arrays: the linear model's objective as a map-reduce over row chunks.

The objective is a sum over samples, so each evaluation is computed chunk by
chunk of rows on the Dask scheduler (a ``dask.distributed`` cluster when a
``Client`` is active): the parameter vector is broadcast, every chunk runs
the in-memory kernels (:class:`skbce._objective.BCEObjective` with no
penalty) on its rows, and the client adds the partial values and gradients
and the penalty. SciPy's L-BFGS runs on the client. The loss coefficients
of a chunk are those of the whole data set restricted to its rows (the same
normalization by the total sample weight and the number of labels), so the
sum is exactly the in-memory objective, up to rounding.

Predictions on a Dask array are lazy: the in-memory method mapped over the
row chunks.

Dask is imported here, lazily, only when Dask input arrives; nothing else in
skbce imports it.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from . import _validation
from ._loss import bce_coefficients, smooth_targets
from ._network import ParameterLayout
from ._objective import BCEObjective, units_from_moments
from ._preconditioner import (
    DiagonalPreconditioner,
    covariance_is_affordable,
    covariance_preconditioner,
    covariance_stride,
    diagonal_scale,
    weighted_column_squares,
    weighted_scatter,
    weighted_sum,
)


def is_dask_collection(obj):
    """Whether ``obj`` is a Dask collection, by its type's module: dask is not imported.

    (Not by the ``__dask_graph__`` protocol: an xarray object has it even when
    it holds a NumPy array, and takes the in-memory path.)
    """
    return type(obj).__module__.split(".")[0] == "dask"


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
    dtype : numpy dtype
        Dtype of the output.

    Returns
    -------
    dask.array.Array of shape (n_samples,) or (n_samples, n_columns)
    """
    X = _row_chunked(X)
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


# Chunk kernels: module-level functions, so that workers can unpickle them.


def _chunk_coefficients(y, weight, dtype, weight_sum, pos_weight, label_smoothing):
    targets = smooth_targets(np.asarray(y).astype(dtype, copy=False), label_smoothing)
    A, B, _ = bce_coefficients(
        targets, np.asarray(weight), pos_weight, dtype=dtype, weight_sum=weight_sum
    )
    return A, B


def _chunk_target_statistics(y, weight, missing_labels, dtype):
    """Check a chunk of targets and weights; return its weighted label counts."""
    y, weight = np.asarray(y), np.asarray(weight, dtype=np.float64)
    n_outputs = y.shape[1]
    if y.shape[0] == 0:
        return np.zeros(n_outputs), np.zeros(n_outputs), 0.0, 0.0
    targets, _, _ = _validation._encode_2d(y, None, missing_labels, dtype)
    if not np.isfinite(weight).all():
        raise ValueError("sample_weight contains NaN or infinity.")
    if (weight < 0).any():
        raise ValueError("sample_weight must be non-negative; negative values found.")
    observed = ~np.isnan(targets)
    positive = weight @ np.where(observed, targets, 0)
    has_label = observed.any(axis=1)
    return positive, weight @ observed, float(weight[has_label].sum()), float(weight.sum())


def _chunk_second_moment(X, coefficients):
    """``sum_n a_n x_nj^2`` and ``sum_n a_n`` with ``a_n`` the row sums of ``A``."""
    values = X.data if sparse.issparse(X) else X
    if not np.isfinite(values).all():
        raise ValueError("Input X contains NaN or infinity.")
    row_weight = coefficients[0].sum(axis=1, dtype=np.float64)
    return weighted_column_squares(X, row_weight), float(row_weight.sum())


def _strided_rows(X, coefficients, offset, stride):
    """This chunk's rows of global index ``0 mod stride`` and their weights ``a_n``."""
    rows = slice((-offset) % stride, None, stride)
    return X[rows], coefficients[0][rows].sum(axis=1, dtype=np.float64)


def _chunk_weighted_sum(X, coefficients, offset, stride):
    """``sum_n a_n x_n`` and ``sum_n a_n`` over the strided rows, ``a_n`` the row sums of ``A``."""
    rows, row_weight = _strided_rows(X, coefficients, offset, stride)
    return weighted_sum(rows, row_weight), float(row_weight.sum())


def _chunk_scatter(X, coefficients, offset, stride, mean):
    """``sum_n a_n (x_n - mean)(x_n - mean)^T`` over the strided rows."""
    rows, row_weight = _strided_rows(X, coefficients, offset, stride)
    return weighted_scatter(rows, row_weight, mean)


def _chunk_objective(X, coefficients, layout):
    """The in-memory objective of a chunk's rows, with no penalty."""
    A, B = coefficients
    return BCEObjective(X, A, B, layout, "identity", 0.0)


def _chunk_curvature(X, coefficients, theta, layout):
    return _chunk_objective(X, coefficients, layout)._curvature_per_output(theta)


def _chunk_loss_gradient(X, coefficients, theta, layout):
    return _chunk_objective(X, coefficients, layout).loss_gradient(theta)


class DaskBCEObjective:
    """:class:`skbce._objective.BCEObjective` of the linear model on Dask arrays.

    Every method runs one pass over the row chunks on the Dask scheduler and
    adds the chunks' results on the client.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Float inputs, one chunk across the columns.
    targets : dask.array.Array of shape (n_samples, n_outputs)
        Targets in [0, 1] (NaN where missing), with the row chunks of ``X``.
    weight : dask.array.Array of shape (n_samples,)
        Sample weights, with the row chunks of ``X``.
    layout : ParameterLayout
        A linear model's layout.
    l2 : float
        Penalty strength.
    coefficients : dict
        ``weight_sum``, ``pos_weight`` and ``label_smoothing`` for
        :func:`skbce._loss.bce_coefficients` on each chunk.
    """

    def __init__(self, X, targets, weight, layout, l2, coefficients):
        import dask

        self.layout = layout
        self.l2 = float(l2)
        self.dtype = X.dtype
        # Each chunk's loss coefficients A, B are computed once and kept in the
        # cluster's memory: every evaluation reuses them.
        chunk_coefficients = dask.delayed(_chunk_coefficients, pure=True)
        folded = dask.persist(*[
            chunk_coefficients(y, w, X.dtype, **coefficients)
            for y, w in zip(targets.to_delayed().ravel(), weight.to_delayed().ravel())
        ])
        # Holding X keeps its persisted chunks alive on the cluster.
        self._X = X
        self._blocks = list(zip(X.to_delayed().ravel(), folded))
        # The global index of each chunk's first row.
        self._offsets = [int(offset) for offset in np.cumsum((0, *X.chunks[0][:-1]))]
        self._second_moment = None

    def _map_reduce(self, kernel, *args, stride=None):
        """Compute ``kernel(X_chunk, coefficients, *args)`` for every chunk; return the results.

        With ``stride``, the kernel gets the chunk's first row index and
        ``stride`` before ``args``.
        """
        import dask

        task = dask.delayed(kernel, pure=True)
        broadcast = [dask.delayed(arg) if isinstance(arg, np.ndarray) else arg for arg in args]
        if stride is None:
            rows = [()] * len(self._blocks)
        else:
            rows = [(offset, stride) for offset in self._offsets]
        return dask.compute(*[
            task(*block, *chunk_rows, *broadcast)
            for block, chunk_rows in zip(self._blocks, rows)
        ])

    def loss_gradient(self, theta):
        """Return ``J(theta)`` and its gradient (float64), as in ``BCEObjective``."""
        theta = np.asarray(theta, dtype=self.dtype)
        parts = self._map_reduce(_chunk_loss_gradient, theta, self.layout)
        value = float(sum(part[0] for part in parts))
        gradient = np.sum([part[1] for part in parts], axis=0)
        if self.l2 > 0:
            (coef,), _ = self.layout.unpack(theta)
            (grad_coef,), _ = self.layout.unpack(gradient)
            value += 0.5 * self.l2 * float(np.vdot(coef, coef))
            grad_coef += self.l2 * coef
        return value, gradient

    __call__ = loss_gradient

    def _weighted_second_moment(self):
        if self._second_moment is None:
            parts = self._map_reduce(_chunk_second_moment)
            total = sum(part[1] for part in parts)
            sums = np.sum([part[0] for part in parts], axis=0)
            self._second_moment = sums / total if total > 0 else None
        return self._second_moment

    def parameter_units(self):
        """Return the unit of each parameter, as ``BCEObjective.parameter_units``."""
        second_moment = self._weighted_second_moment()
        if second_moment is None:
            return np.ones(self.layout.n_params)
        return units_from_moments(self.layout, second_moment, self.l2)

    def _curvature_per_output(self, theta):
        """Summed curvature ``A sigmoid'(Z)`` of each output, as ``BCEObjective``'s."""
        theta = np.asarray(theta, dtype=self.dtype)
        return np.sum(self._map_reduce(_chunk_curvature, theta, self.layout), axis=0)

    def diagonal_scale(self, theta):
        """Return ``1 / sqrt(diag H)``, as ``BCEObjective.diagonal_scale``."""
        per_output = self._curvature_per_output(theta)
        return diagonal_scale(self.layout, self._weighted_second_moment(), per_output, self.l2)

    def preconditioner(self, theta):
        """Return the change of variables for L-BFGS, as ``BCEObjective.preconditioner``.

        The feature covariance takes two passes over the chunks (the mean,
        then the centred scatter).
        """
        n_samples, n_features = self._X.shape
        if not covariance_is_affordable(n_samples, n_features, self.layout.layer_sizes[-1]):
            return DiagonalPreconditioner(self.diagonal_scale(theta))
        # The rows the in-memory fit reads (every stride-th), so that both
        # fits take the same path.
        stride = covariance_stride(n_samples, n_features)
        parts = self._map_reduce(_chunk_weighted_sum, stride=stride)
        total = sum(part[1] for part in parts)
        if total <= 0:  # the stride missed every weighted row: use them all
            stride = 1
            parts = self._map_reduce(_chunk_weighted_sum, stride=stride)
            total = sum(part[1] for part in parts)
        mean = np.sum([part[0] for part in parts], axis=0) / total
        covariance = np.sum(self._map_reduce(_chunk_scatter, mean, stride=stride), axis=0) / total
        per_output = self._curvature_per_output(theta)
        return covariance_preconditioner(self.layout, mean, covariance, per_output, self.l2)


@dataclass
class DaskProblem:
    """What a fit needs from Dask input, gathered in two passes over the chunks."""

    objective: DaskBCEObjective
    n_features: int
    classes: np.ndarray
    target_type: str
    pos_weight: np.ndarray | None
    positive: np.ndarray  # weighted sums of the (smoothed) targets of each label
    observed: np.ndarray  # weighted counts of the observed entries of each label


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


def prepare_fit(estimator, X, y, sample_weight, hidden):
    """Check Dask input and build the distributed objective of the linear model.

    Parameters
    ----------
    estimator : BCEMultiLabelClassifier
        Its hyper-parameters are read, nothing is written.
    X : dask.array.Array of shape (n_samples, n_features)
    y : array-like or dask.array.Array
    sample_weight : array-like, dask.array.Array or None
    hidden : tuple of int
        The checked hidden layer sizes.

    Returns
    -------
    DaskProblem
    """
    import dask

    if hidden:
        raise ValueError(
            "Dask input is supported for the linear model only "
            f"(hidden_layer_sizes=()); got hidden_layer_sizes={estimator.hidden_layer_sizes!r}."
        )
    if estimator.solver != "lbfgs":
        raise ValueError(
            f"Dask input is supported with solver='lbfgs' only; got solver={estimator.solver!r}."
        )
    X = _row_chunked(X)
    dtype = X.dtype
    row_chunks = X.chunks[0]
    targets, classes, target_type, class_weight = _targets(estimator, y, row_chunks, dtype)
    weight = _sample_weight(sample_weight, class_weight, row_chunks)
    n_outputs = targets.shape[1]
    # Targets and weights (n x K and n values, small next to X) are kept in the
    # cluster's memory: those built on the client are sent once, not with every
    # evaluation, and every evaluation reads them again.
    targets, weight = dask.persist(targets, weight)

    statistics = dask.compute(*[
        dask.delayed(_chunk_target_statistics, pure=True)(
            y_block, w_block, estimator.missing_labels, dtype
        )
        for y_block, w_block in zip(targets.to_delayed().ravel(), weight.to_delayed().ravel())
    ])
    positive = np.sum([s[0] for s in statistics], axis=0)
    observed = np.sum([s[1] for s in statistics], axis=0)
    weight_sum = sum(s[2] for s in statistics)
    if sum(s[3] for s in statistics) <= 0:
        raise ValueError("sample_weight is zero for every sample: nothing to fit.")
    if weight_sum <= 0:
        raise ValueError(
            "The loss has no weight: every sample has a zero weight or no observed label."
        )
    if isinstance(estimator.pos_weight, str):
        pos_weight = _validation.balanced_pos_weight(positive, observed - positive)
    else:
        pos_weight = _validation.resolve_pos_weight(
            estimator.pos_weight, np.empty((0, n_outputs)), None
        )
    smoothing = estimator.label_smoothing
    layout = ParameterLayout((X.shape[1], n_outputs))
    objective = DaskBCEObjective(
        X, targets, weight, layout, estimator.alpha / (n_outputs * weight_sum),
        {"weight_sum": weight_sum, "pos_weight": pos_weight, "label_smoothing": smoothing},
    )
    return DaskProblem(
        objective=objective,
        n_features=X.shape[1],
        classes=classes,
        target_type=target_type,
        pos_weight=pos_weight,
        positive=(1.0 - smoothing) * positive + 0.5 * smoothing * observed,
        observed=observed,
    )
