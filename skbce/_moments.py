"""Weighted feature moments of a block of rows, dense or sparse, with no copy of it.

The sums over rows a fit needs from ``X`` besides the loss: the weighted
mean, the weighted mean of each squared feature (the parameter units, the
diagonal map) and the centred scatter (the covariance map). Each works
block by block of about ``_BLOCK_VALUES`` values. The mean is summed in
float64; the centred sums are formed in float32 for float32 rows (their
products run at two to three times float64's speed, and the maps need these
moments only roughly) and in float64 otherwise, and are summed over blocks in
float64.
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
    if rows.shape[0] == 0 or _centring_dtype(rows) == np.float64:
        total = np.zeros(rows.shape[1])
        for block in _row_blocks(rows):
            total += weight[block] @ rows[block].astype(np.float64, copy=False)
        return total
    # float32 blocks are summed about the first row, so that a large offset
    # of the features costs them no precision.
    origin = rows[0].astype(np.float64)

    def term(block, centred):
        return weight[block].astype(centred.dtype) @ centred

    return float(weight.sum()) * origin + _centred_sum(rows, origin, term, rows.shape[1])


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
    root_weight = np.sqrt(weight)

    def term(block, centred):
        centred *= root_weight[block, None].astype(centred.dtype)
        # A.T @ A of one array: NumPy runs a symmetric rank-k update, half the work.
        return centred.T @ centred

    return _centred_sum(rows, mean, term, (rows.shape[1], rows.shape[1]))


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
    def term(block, centred):
        projected = centred @ scaled.astype(centred.dtype)
        projected *= weight[block, None].astype(centred.dtype)
        return centred.T @ projected

    return _centred_sum(rows, mean, term, vectors.shape) / scale[:, None]


def _row_blocks(rows):
    block_rows = max(1, _BLOCK_VALUES // max(rows.shape[1], 1))
    return [slice(start, start + block_rows) for start in range(0, rows.shape[0], block_rows)]


def _centring_dtype(rows):
    """float32 for float32 rows, else float64: the dtype dense rows are centred in."""
    return np.float32 if rows.dtype == np.float32 else np.float64


def _centred_sum(rows, mean, term, shape):
    """``sum`` over the row blocks of ``term(block, rows[block] - mean)``, in float64.

    For dense ``rows``. The centred block is float32 for float32 rows; when
    a float32 sum overflows (features beyond about 1e17), all is redone in
    float64, whose sums hold every feature below ``LARGEST_FEATURE``.
    """
    for dtype in dict.fromkeys((_centring_dtype(rows), np.float64)):
        total = np.zeros(shape)
        quiet = {"over": "ignore", "invalid": "ignore"} if dtype == np.float32 else {}
        with np.errstate(**quiet):
            for block, centred in _centred_blocks(rows, mean, dtype):
                total += term(block, centred)
        if np.isfinite(total).all():
            break
    return total


def _centred_blocks(rows, mean, dtype):
    """Yield each row block's slice and ``rows[block] - mean`` in ``dtype``, in one reused buffer.

    The buffer is overwritten by the next block: use (or modify) it before.
    """
    blocks = _row_blocks(rows)
    if not blocks:  # no rows
        return
    buffer = np.empty((min(rows.shape[0], blocks[0].stop), rows.shape[1]), dtype=dtype)
    shift = mean.astype(dtype)
    for block in blocks:
        part = rows[block]
        centred = buffer[: part.shape[0]]
        np.subtract(part, shift, out=centred)
        yield block, centred


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
    def term(block, centred):
        np.square(centred, out=centred)
        return centred.T @ weight[block].astype(centred.dtype)

    return _centred_sum(rows, mean, term, rows.shape[1])
