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


def weighted_centred_product(rows, weight, mean, scale, vectors):
    """``sum_n w_n z_n z_n^T vectors`` for ``z_n = (x_n - mean) / scale``, in float64.

    The weighted scatter of the standardized rows times a few vectors, with
    no ``d x d`` matrix: two products with ``rows``. Dense rows are centred
    block by block (a large offset does not cancel); sparse rows use
    ``X v - mean . v``, as centring would densify them.

    Parameters
    ----------
    rows : {ndarray, sparse matrix} of shape (n_rows, n_features)
    weight : ndarray of shape (n_rows,)
    mean, scale : ndarray of shape (n_features,)
        ``scale`` positive.
    vectors : ndarray of shape (n_features, p)

    Returns
    -------
    ndarray of shape (n_features, p)
    """
    scaled = vectors / scale[:, None]
    if sparse.issparse(rows):
        projected = np.asarray(rows @ scaled) - mean @ scaled
        projected *= weight[:, None]
        product = np.asarray(rows.T @ projected) - np.outer(mean, projected.sum(axis=0))
        return product / scale[:, None]
    product = np.zeros(vectors.shape)
    for block in _row_blocks(rows):
        centred = rows[block] - mean  # float64
        projected = centred @ scaled
        projected *= weight[block, None]
        product += centred.T @ projected
    return product / scale[:, None]


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
