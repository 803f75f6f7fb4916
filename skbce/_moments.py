"""Weighted feature moments of a block of rows, dense or sparse, with no copy of it.

The sums over rows a fit needs from ``X`` besides the loss: the weighted
mean, the weighted mean of each squared feature (the parameter units, the
diagonal map) and the centred scatter (the covariance map). Each works
block by block of about ``_BLOCK_VALUES`` values, in float64.
"""

import numpy as np
from scipy import sparse

# Values per row block when a dense block is converted or centred: about 2 MB
# of float64, so the temporaries stay small next to X.
_BLOCK_VALUES = 2**18


def weighted_sum(rows, weight):
    """``sum_n w_n x_n`` in float64, for dense or sparse ``rows``."""
    if sparse.issparse(rows):
        return np.asarray(rows.T @ weight, dtype=np.float64).ravel()
    total = np.zeros(rows.shape[1])
    for block in _row_blocks(rows):
        total += weight[block] @ rows[block].astype(np.float64, copy=False)
    return total


def weighted_column_squares(rows, weight):
    """``sum_n w_n x_nj^2`` for each column ``j`` in float64, with no copy of ``rows``."""
    if sparse.issparse(rows):
        return np.asarray(rows.multiply(rows).T @ weight, dtype=np.float64).ravel()
    total = np.zeros(rows.shape[1])
    for block in _row_blocks(rows):
        total += np.square(rows[block], dtype=np.float64).T @ weight[block]
    return total


def weighted_scatter(rows, weight, mean):
    """``sum_n w_n (x_n - mean)(x_n - mean)^T`` in float64.

    Dense rows are centred block by block (about 2 MB at a time), so no copy
    of ``rows`` is made; sparse rows use
    ``X^T W X - s mean^T - mean s^T + (sum w) mean mean^T`` with ``s = X^T w``,
    as centring would densify them.

    Parameters
    ----------
    rows : {ndarray, sparse matrix} of shape (n_rows, n_features)
    weight : ndarray of shape (n_rows,), float64
    mean : ndarray of shape (n_features,)

    Returns
    -------
    ndarray of shape (n_features, n_features)
    """
    if sparse.issparse(rows):
        rows = sparse.csr_matrix(rows, dtype=np.float64)
        scatter = (rows.T @ rows.multiply(weight[:, None]).tocsr()).toarray()
        column_sums = weighted_sum(rows, weight)
        scatter -= np.outer(column_sums, mean)
        scatter -= np.outer(mean, column_sums)
        scatter += weight.sum() * np.outer(mean, mean)
        return scatter
    scatter = np.zeros((rows.shape[1], rows.shape[1]))
    for block in _row_blocks(rows):
        centred = rows[block] - mean  # float64
        scatter += centred.T @ (centred * weight[block, None])
    return scatter


def _row_blocks(rows):
    block_rows = max(1, _BLOCK_VALUES // max(rows.shape[1], 1))
    return [slice(start, start + block_rows) for start in range(0, rows.shape[0], block_rows)]


def weighted_centred_squares(rows, weight, mean):
    """``sum_n w_n (x_nj - mean_j)^2`` for each column ``j`` in float64, with no copy of ``rows``.

    Dense rows are centred block by block, so a large offset does not cancel
    the variance; sparse rows use ``sum w x^2 - 2 mean sum w x + mean^2 sum w``,
    as centring would densify them.
    """
    if sparse.issparse(rows):
        squares = weighted_column_squares(rows, weight)
        sums = weighted_sum(rows, weight)
        return np.maximum(squares - 2 * mean * sums + weight.sum() * mean**2, 0.0)
    total = np.zeros(rows.shape[1])
    for block in _row_blocks(rows):
        centred = rows[block] - mean  # float64
        np.square(centred, out=centred)
        total += centred.T @ weight[block]
    return total
