"""Features that are constant on the training rows, left out of a linear solve.

A linear model with an intercept and an L2 penalty on its weights gives a
feature that takes one value on every training row a weight of exactly zero:
its column adds nothing to the logits that the intercept cannot, so the
penalty alone decides its weight. Sparse text keeps many such columns in a
fold or a training split (a word seen only in the other rows: 555 of the
1,449 columns of medical's training file), and each costs the solver's
parameter-sized work in every iteration. The solve then runs on the varying
columns, and its weights are widened back with zeros.
"""

import numpy as np
from scipy import sparse

# Dense rows are copied without their constant columns only when at least
# this share of the columns is constant: the copy costs about one pass over
# X, which a few percent fewer columns in every product do not repay. (Sparse
# rows are sliced in time proportional to their stored values, always.)
_DENSE_SHARE = 0.1

# Dense rows are first tested on about this many rows, taken with a stride.
_SAMPLE_ROWS = 1000


def varying_features(X, weight):
    """Whether each column of ``X`` takes more than one value on the rows of positive weight.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    weight : ndarray of shape (n_samples,)

    Returns
    -------
    ndarray of bool of shape (n_features,)
    """
    positive = weight > 0
    if sparse.issparse(X):
        if not positive.all():
            X = X[positive]
        if X.shape[0] == 0:
            return np.zeros(X.shape[1], dtype=bool)
        # min and max count the implicit zeros
        return X.min(axis=0).toarray().ravel() != X.max(axis=0).toarray().ravel()
    # A column that varies on a strided sample of the rows (a view) varies:
    # only the others are read in full, so a dense X costs a small fraction
    # of one pass.
    stride = max(1, X.shape[0] // _SAMPLE_ROWS)
    varying = _spread(X[::stride][positive[::stride]])
    candidates = np.flatnonzero(~varying)
    if candidates.size:
        varying[candidates] = _spread(X[:, candidates][positive])
    return varying


def _spread(X):
    """Whether each column of the dense ``X`` holds more than one value (no rows: none)."""
    if X.shape[0] == 0:
        return np.zeros(X.shape[1], dtype=bool)
    return X.min(axis=0) != X.max(axis=0)


def widen_linear(theta, varying):
    """The linear model's flat parameters over every feature, zero for the constant ones.

    Parameters
    ----------
    theta : ndarray of shape ((n_varying + 1) * n_outputs,)
        Weights (row-major, one row per varying feature) then intercepts.
    varying : ndarray of bool of shape (n_features,)

    Returns
    -------
    ndarray of shape ((n_features + 1) * n_outputs,)
    """
    n_varying = int(varying.sum())
    n_outputs = theta.size // (n_varying + 1)
    reduced = theta.reshape(n_varying + 1, n_outputs)
    full = np.zeros((varying.size + 1, n_outputs), dtype=theta.dtype)
    full[:-1][varying] = reduced[:-1]
    full[-1] = reduced[-1]
    return full.ravel()


def narrow_linear(theta, varying):
    """The linear model's flat parameters over the varying features (undoes ``widen_linear``)."""
    n_outputs = theta.size // (varying.size + 1)
    full = theta.reshape(varying.size + 1, n_outputs)
    return np.concatenate([full[:-1][varying], full[-1:]]).ravel()


def drop_constant_features(rows, held_out=None):
    """A linear fit's rows without their constant features, and the mask of the kept ones.

    Parameters
    ----------
    rows : Rows
        The training rows, not yet folded. Rows that cannot select columns
        (a Dask array's) are kept whole, and dense rows unless at least
        ``_DENSE_SHARE`` of their columns are constant.
    held_out : Rows or None, default=None
        Held-out rows, given the same columns.

    Returns
    -------
    rows, held_out : Rows
    varying : ndarray of bool of shape (n_features,) or None
        The kept features; ``None`` when every feature is kept.
    """
    if not hasattr(rows, "with_features"):
        return rows, held_out, None
    varying = rows.varying_features()
    constant_share = 1.0 - varying.mean()
    dense = rows.stored_values is None
    if not varying.any() or constant_share == 0 or (dense and constant_share < _DENSE_SHARE):
        return rows, held_out, None
    if held_out is not None:
        held_out = held_out.with_features(varying)
    return rows.with_features(varying), held_out, varying
