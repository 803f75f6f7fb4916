"""From an ARFF file's raw codes to the columns of ``X`` and ``Y``.

The rules are those documented in :func:`skbce.datasets.load_arff`: numbers
as they are, a two-valued nominal as one 0/1 column, a nominal with more
values as one indicator column per value, identifiers and strings left out.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

# A nominal feature with a distinct value in at least this share of its rows
# names the rows (a protein or document ID): it cannot generalize, so it is
# left out instead of becoming one indicator column per row.
IDENTIFIER_SHARE = 0.9

# Values read as the "yes" of a two-valued nominal; otherwise its second value is.
_POSITIVE = {"1", "true", "yes", "y", "t"}


def _positive_index(values):
    positive = [i for i, value in enumerate(values) if value.lower() in _POSITIVE]
    return positive[0] if len(positive) == 1 else 1


def _indicators(codes, value_indices):
    """One 0/1 column per value index; NaN (a missing value) in each of them."""
    block = (codes[:, None] == np.asarray(value_indices)[None, :]).astype(np.float64)
    block[np.isnan(codes)] = np.nan
    return block


def encode_features(arff, columns):
    """Return ``(X, feature_names, left_out)`` for the attribute indices ``columns``.

    ``X`` is CSR when the file has sparse rows, else a dense array;
    ``left_out`` lists the attributes not kept, with the reason.
    """
    codes = arff.columns
    blocks, names, left_out, passed = [], [], [], []

    def flush():
        if passed:
            blocks.append(codes[:, passed])
            passed.clear()

    for j in columns:
        attribute = arff.attributes[j]
        if attribute.kind == "numeric" or attribute.is_zero_one:
            passed.append(j)
            names.append(attribute.name)
            continue
        flush()
        if attribute.kind == "string":
            left_out.append(f"{attribute.name!r} (a string attribute)")
            continue
        column = arff.column(j)
        values = attribute.values
        if len(values) == 2:
            positive = _positive_index(values)
            plain = set(values) == {"0", "1"}
            names.append(attribute.name if plain else f"{attribute.name}={values[positive]}")
            blocks.append(sparse.csc_matrix(_indicators(column, [positive])))
            continue
        observed = column[~np.isnan(column)]
        distinct = np.unique(observed).size
        if distinct > 2 and distinct >= IDENTIFIER_SHARE * observed.size:
            left_out.append(
                f"{attribute.name!r} (an identifier: {distinct} distinct values in "
                f"{observed.size} rows)"
            )
            continue
        names.extend(f"{attribute.name}={value}" for value in values)
        blocks.append(sparse.csc_matrix(_indicators(column, range(len(values)))))
    flush()
    if not blocks:
        raise ValueError(f"{arff.path.name}: no feature is left once the labels are taken")
    X = sparse.hstack(blocks, format="csr", dtype=np.float64)
    return (X if arff.is_sparse else X.toarray()), names, left_out


def encode_labels(arff, columns):
    """The 0/1 int label matrix; a missing label is an error that gives its line."""
    codes = arff.columns
    Y = np.zeros((codes.shape[0], len(columns)), dtype=np.int64)
    for k, j in enumerate(columns):
        attribute = arff.attributes[j]
        rows = codes.indices[codes.indptr[j] : codes.indptr[j + 1]]
        values = codes.data[codes.indptr[j] : codes.indptr[j + 1]]
        missing = rows[np.isnan(values)]
        if missing.size:
            raise ValueError(
                f"{arff.where(missing.min())}: label {attribute.name!r} is missing ('?'); "
                f"{missing.size} row(s) lack a value of it"
            )
        # Only the stored (non-zero) codes are visited: sparse label blocks stay cheap.
        one = attribute.values.index("1") if attribute.kind == "nominal" else 1
        if one == 0:  # declared {1,0}: an absent code 0 is the value 1
            Y[:, k] = 1
        Y[rows, k] = values == one
    return Y
