"""Multi-label data: a built-in task, a reader for Mulan/MEKA ARFF files, benchmark sets."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.datasets import load_digits

__all__ = ["load_arff", "load_benchmark", "make_digits_multilabel"]

# Each digit class answers these yes/no questions; a loop is an enclosed
# region of the handwritten glyph (0, 6, 8, 9 and the open-topped 4 drawn closed).
_DIGIT_QUESTIONS = {
    "even": lambda d: d % 2 == 0,
    "prime": lambda d: d in (2, 3, 5, 7),
    "five_or_more": lambda d: d >= 5,
    "closed_loop": lambda d: d in (0, 4, 6, 8, 9),
    "has_straight_stroke": lambda d: d in (1, 4, 7),
    "multiple_of_three": lambda d: d in (0, 3, 6, 9),
}


def make_digits_multilabel(*, as_frame: bool = False) -> tuple[Any, Any, list[str]]:
    """Build a multi-label task from scikit-learn's bundled digits images.

    Each 8x8 image of a handwritten digit answers six independent yes/no
    questions about its digit: is it even, prime, five or more, does it have
    a closed loop (0, 4, 6, 8, 9), a straight stroke (1, 4, 7), is it a
    multiple of three (0, 3, 6, 9)? A digit has between one and four of
    these labels. No download is needed: the images ship with scikit-learn.

    Parameters
    ----------
    as_frame : bool, default=False
        Return pandas ``DataFrame`` objects (needs pandas) with named
        columns instead of arrays.

    Returns
    -------
    X : ndarray of shape (1797, 64)
        Pixel intensities from 0 to 16.
    Y : ndarray of shape (1797, 6)
        0/1 label-indicator matrix, one column per question.
    label_names : list of str
        The questions, in column order.

    Examples
    --------
    >>> from skbce.datasets import make_digits_multilabel
    >>> X, Y, names = make_digits_multilabel()
    >>> X.shape, Y.shape
    ((1797, 64), (1797, 6))
    >>> names[:3]
    ['even', 'prime', 'five_or_more']
    """
    digits = load_digits()
    names = list(_DIGIT_QUESTIONS)
    Y = np.array(
        [[int(question(d)) for question in _DIGIT_QUESTIONS.values()] for d in range(10)]
    )[digits.target]
    X = digits.data
    if as_frame:
        import pandas as pd

        X = pd.DataFrame(X, columns=digits.feature_names)
        Y = pd.DataFrame(Y, columns=names)
    return X, Y, names


def _parse_attribute(line):
    """Return ``(name, is_numeric)`` for an ``@attribute`` line."""
    rest = line.split(None, 1)[1].strip()
    if rest[0] in "'\"":
        quote = rest[0]
        end = rest.index(quote, 1)
        name, kind = rest[1:end], rest[end + 1 :].strip()
    else:
        name, kind = rest.split(None, 1)
    return name, kind.lower() in ("numeric", "real", "integer")


def _labels_from_relation(relation):
    """MEKA puts ``-C n`` in the relation name: labels first (n > 0) or last (n < 0)."""
    match = re.search(r"-C\s+(-?\d+)", relation)
    return int(match.group(1)) if match else None


def load_arff(
    path: str | os.PathLike[str],
    n_labels: int | None = None,
    *,
    labels_first: bool | None = None,
) -> tuple[Any, np.ndarray, list[str], list[str]]:
    """Read a multi-label data set from a Mulan or MEKA ARFF file.

    Dense and sparse (``{index value, ...}``) ARFF are read. The label
    columns are ``0/1`` attributes at the start or the end of the attribute
    list; MEKA files say which in their relation name (``-C 174`` means the
    first 174 attributes, ``-C -6`` the last 6), which is used when
    ``n_labels`` is not given.

    Parameters
    ----------
    path : str or path-like
        The ``.arff`` file.
    n_labels : int, default=None
        Number of label attributes; read from a MEKA header when ``None``.
    labels_first : bool, default=None
        Whether the labels are the first attributes. ``None`` means: as the
        MEKA header says, else last (the Mulan convention).

    Returns
    -------
    X : ndarray or scipy.sparse.csr_matrix of shape (n_samples, n_features)
        Features (sparse when the file is sparse).
    Y : ndarray of shape (n_samples, n_labels)
        0/1 label-indicator matrix of int.
    feature_names : list of str
        Names of the feature attributes, in column order.
    label_names : list of str
        Names of the label attributes, in column order.

    Examples
    --------
    >>> import tempfile, os
    >>> from skbce.datasets import load_arff
    >>> text = '''@relation 'toy: -C 2'
    ... @attribute a {0,1}
    ... @attribute b {0,1}
    ... @attribute x numeric
    ... @data
    ... 1,0,0.5
    ... {1 1,2 2.0}
    ... '''
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "toy.arff")
    ...     with open(path, "w") as f:
    ...         _ = f.write(text)
    ...     X, Y, features, labels = load_arff(path)
    >>> Y.tolist(), labels
    ([[1, 0], [0, 1]], ['a', 'b'])
    """
    attributes, relation, rows = [], "", []
    sparse_rows = False
    in_data = False
    with open(Path(path), encoding="utf-8", errors="replace") as handle:
        for raw_line in handle:
            line = raw_line.strip()
            if not line or line.startswith("%"):
                continue
            if in_data:
                if line.startswith("{"):
                    sparse_rows = True
                rows.append(line)
                continue
            keyword = line.split(None, 1)[0].lower()
            if keyword == "@relation":
                relation = line.split(None, 1)[1] if " " in line else ""
            elif keyword == "@attribute":
                attributes.append(_parse_attribute(line))
            elif keyword == "@data":
                in_data = True
    if not attributes or not rows:
        raise ValueError(f"{path} is not an ARFF file with attributes and data.")
    header_labels = _labels_from_relation(relation)
    if n_labels is None:
        if header_labels is None:
            raise ValueError(
                f"{path} does not say how many attributes are labels: give n_labels."
            )
        n_labels = abs(header_labels)
    if labels_first is None:
        labels_first = header_labels is not None and header_labels > 0
    n_attributes = len(attributes)
    if not 0 < n_labels < n_attributes:
        raise ValueError(
            f"n_labels={n_labels} must be between 1 and {n_attributes - 1} for {path}."
        )
    values = _parse_rows(rows, n_attributes, sparse_rows)
    label_index = (
        np.arange(n_labels) if labels_first else np.arange(n_attributes - n_labels, n_attributes)
    )
    feature_mask = np.ones(n_attributes, dtype=bool)
    feature_mask[label_index] = False
    Y = np.asarray(values[:, label_index].todense()).astype(int)
    X = values[:, feature_mask]
    X = X.tocsr() if sparse_rows else np.asarray(X.todense())
    names = [name for name, _ in attributes]
    return X, Y, [names[i] for i in np.flatnonzero(feature_mask)], [names[i] for i in label_index]


def _value(token):
    token = token.strip().strip("'\"")
    return np.nan if token == "?" else float(token)


def _parse_rows(rows, n_attributes, sparse_rows):
    """Parse data lines (dense or ``{i v, ...}``) into a CSR matrix."""
    data, indices, indptr = [], [], [0]
    for row in rows:
        if row.startswith("{"):
            body = row.strip("{}").strip()
            for pair in filter(None, (p.strip() for p in body.split(","))):
                index, value = pair.split(None, 1)
                indices.append(int(index))
                data.append(_value(value))
        else:
            tokens = row.split(",")
            if len(tokens) != n_attributes:
                raise ValueError(
                    f"A data row has {len(tokens)} values for {n_attributes} attributes."
                )
            row_values = [_value(t) for t in tokens]
            nonzero = [i for i, v in enumerate(row_values) if v != 0]
            indices.extend(nonzero)
            data.extend(row_values[i] for i in nonzero)
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(indices), np.asarray(indptr)),
        shape=(len(rows), n_attributes),
    )


# Benchmark sets: local file name and OpenML (name, version), None when not on OpenML.
_BENCHMARKS = {
    "yeast": ("yeast.arff", ("yeast", 4)),
    "emotions": ("emotions.arff", ("emotions", 4)),
    "CAL500": ("CAL500.arff", None),
}
_BENCHMARK_N_LABELS = {"yeast": 14, "emotions": 6, "CAL500": None}


def _default_data_home():
    """``$SKBCE_DATA_HOME``, else ``shared/datasets`` beside a source checkout."""
    env = os.environ.get("SKBCE_DATA_HOME")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "datasets"


def _openml_indicator(target):
    """0/1 int matrix from OpenML label columns (``"TRUE"``/``"FALSE"`` or ``1``/``0``)."""
    text = target.astype(str).apply(lambda column: column.str.strip().str.upper())
    return text.isin(["TRUE", "1", "1.0"]).to_numpy().astype(int)


def load_benchmark(name, *, data_home=None):
    """Load a multi-label benchmark set: a local ARFF copy, else OpenML.

    The sets are ``"yeast"`` (2417 genes, 103 features, 14 functional
    classes), ``"emotions"`` (593 songs, 72 audio features, 6 emotions) and
    ``"CAL500"`` (502 songs, 68 audio features, 174 semantic tags). The file
    ``<data_home>/<name>.arff`` is read with :func:`load_arff` when it
    exists. Otherwise yeast and emotions are downloaded with
    :func:`sklearn.datasets.fetch_openml` (version 4 of each, cached in
    scikit-learn's data home; this needs pandas and a network); CAL500 is
    not on OpenML, so its ARFF file (from the Mulan or MEKA data sets) must
    be in ``data_home``.

    Parameters
    ----------
    name : {"yeast", "emotions", "CAL500"}
        The data set.
    data_home : str or path-like, default=None
        Folder holding the ARFF files. ``None`` means the ``SKBCE_DATA_HOME``
        environment variable if set, else the folder ``shared/datasets``
        next to a source checkout of skbce.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features, as float.
    Y : ndarray of shape (n_samples, n_labels)
        0/1 label-indicator matrix of int.
    feature_names : list of str
        Names of the feature columns.
    label_names : list of str
        Names of the label columns.

    Raises
    ------
    ValueError
        If ``name`` is not one of the sets above.
    FileNotFoundError
        If CAL500 is asked for and its ARFF file is not in ``data_home``.

    See Also
    --------
    load_arff : Read any Mulan or MEKA ARFF file.

    Examples
    --------
    >>> from skbce.datasets import load_benchmark
    >>> X, Y, features, labels = load_benchmark("emotions")  # doctest: +SKIP
    >>> X.shape, Y.shape  # doctest: +SKIP
    ((593, 72), (593, 6))
    """
    if name not in _BENCHMARKS:
        raise ValueError(f"Unknown benchmark {name!r}; choose one of {sorted(_BENCHMARKS)}.")
    filename, openml = _BENCHMARKS[name]
    folder = Path(data_home) if data_home is not None else _default_data_home()
    path = folder / filename
    if path.is_file():
        X, Y, feature_names, label_names = load_arff(path, _BENCHMARK_N_LABELS[name])
        return np.asarray(X, dtype=np.float64), Y, feature_names, label_names
    if openml is None:
        raise FileNotFoundError(
            f"{path} not found and {name} is not on OpenML: put {filename} (from the "
            "Mulan or MEKA data sets) in data_home or in $SKBCE_DATA_HOME."
        )
    from sklearn.datasets import fetch_openml

    openml_name, version = openml
    bunch = fetch_openml(openml_name, version=version, as_frame=True)
    X = bunch.data.to_numpy(dtype=np.float64)
    Y = _openml_indicator(bunch.target)
    return X, Y, [str(c) for c in bunch.data.columns], [str(c) for c in bunch.target.columns]
