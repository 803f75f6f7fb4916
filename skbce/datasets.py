"""Multi-label data: a built-in task, a reader for Mulan/MEKA ARFF files, benchmark sets."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.datasets import load_digits

from ._arff import read_arff
from ._arff_columns import encode_features, encode_labels
from ._arff_labels import label_columns

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


def load_arff(
    path: str | os.PathLike[str],
    labels: int | Sequence[str] | str | os.PathLike[str] | None = None,
    *,
    labels_first: bool | None = None,
) -> tuple[Any, np.ndarray, list[str], list[str]]:
    """Read a multi-label data set from a Mulan or MEKA ARFF file.

    Dense rows and sparse rows (``{index value, ...}``) are read, with
    quoted names and values (``'a, b'``) and ``%`` comments.

    **Which attributes are labels**, in this order:

    1. ``labels``, when given: a number of labels (the last ones, or the
       first ones with ``labels_first=True``), a list of label names, or the
       path of a Mulan XML label file (``<label name="..."/>`` elements);
    2. a Mulan XML file beside the data: ``name.xml`` next to
       ``name.arff``, ``name-train.arff`` or ``name-test.arff``;
    3. a MEKA header: ``-C N`` in the ``@relation`` name means the first
       ``N`` attributes, ``-C -N`` the last ``N``.

    An XML file beside the data wins over a header that contradicts it
    (Weka filters leave stale ``-C`` options in the relation name). Every
    label must be binary: nominal ``{0,1}``, or numeric with only the
    values 0 and 1; anything else is a ``ValueError`` that names the
    attribute and says how many labels the file seems to have. When the
    binary attributes at the labels' end outnumber the labels given, a
    ``UserWarning`` says which of them are read as features.

    **How the other attributes become features** (the columns of ``X``):

    - numeric (``numeric``, ``real``, ``integer``): as they are;
    - nominal with two values: one 0/1 column, named after the attribute
      when the values are ``{0,1}``, else ``"name=value"`` with ``value``
      the one coded 1: the value among ``1, true, yes, y, t`` (any case)
      when exactly one is, else the second declared value;
    - nominal with more values: one 0/1 indicator column per declared
      value, in declaration order, named ``"name=value"``;
    - nominal identifiers, whose observed values are distinct in at least
      90% of the rows (a protein or document ID): left out;
    - string attributes: left out.

    Left-out attributes are reported in one ``UserWarning``. Date and
    relational attributes raise a ``ValueError``.

    **Missing values**: ``?`` in a feature becomes NaN (in each indicator
    column of a nominal feature), kept explicitly in sparse output; fill it,
    for example with :class:`sklearn.impute.SimpleImputer`, before a model
    that refuses NaN. ``?`` in a label raises a ``ValueError``.

    A value that is not a number for a numeric attribute, or not one of the
    declared values of a nominal one, raises a ``ValueError`` that gives the
    file name and line number.

    Parameters
    ----------
    path : str or path-like
        The ``.arff`` file.
    labels : int, list of str, str or path-like, default=None
        The labels: how many there are, their names, or the path of a Mulan
        XML file naming them. ``None`` means: as the file says (an XML file
        beside it, else a MEKA header).
    labels_first : bool, default=None
        With a number of labels: whether they are the first attributes.
        ``None`` means where the file's XML or MEKA header puts them, else
        last (the Mulan convention). Not allowed with label names.

    Returns
    -------
    X : ndarray or scipy.sparse.csr_matrix of shape (n_samples, n_features)
        Features as float64 (sparse when the file has sparse rows).
    Y : ndarray of shape (n_samples, n_labels)
        0/1 label-indicator matrix of int.
    feature_names : list of str
        Names of the columns of ``X``.
    label_names : list of str
        Names of the label attributes, in column order.

    Raises
    ------
    ValueError
        If the file is not ARFF, has a bad value (the message gives its
        line), a date attribute, or labels that cannot be found or are not
        binary.

    Examples
    --------
    >>> import tempfile, os
    >>> from skbce.datasets import load_arff
    >>> text = '''@relation 'toy: -C 2'
    ... @attribute a {0,1}
    ... @attribute b {0,1}
    ... @attribute x numeric
    ... @attribute colour {red,green,blue}
    ... @data
    ... 1,0,0.5,red
    ... 0,1,?,blue
    ... '''
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "toy.arff")
    ...     with open(path, "w") as f:
    ...         _ = f.write(text)
    ...     X, Y, features, labels = load_arff(path)
    >>> Y.tolist(), labels
    ([[1, 0], [0, 1]], ['a', 'b'])
    >>> features
    ['x', 'colour=red', 'colour=green', 'colour=blue']
    >>> X.tolist()
    [[0.5, 1.0, 0.0, 0.0], [nan, 0.0, 0.0, 1.0]]
    """
    arff = read_arff(path)
    label_index = label_columns(arff, labels, labels_first)
    is_label = set(label_index)
    feature_index = [j for j in range(len(arff.attributes)) if j not in is_label]
    X, feature_names, left_out = encode_features(arff, feature_index)
    if left_out:
        warnings.warn(
            f"{arff.path.name}: left out {', '.join(left_out)}.", UserWarning, stacklevel=2
        )
    Y = encode_labels(arff, label_index)
    return X, Y, feature_names, [arff.attributes[j].name for j in label_index]


# Benchmark sets: local file name and OpenML (name, version), None when not on OpenML.
_BENCHMARKS = {
    "yeast": ("yeast.arff", ("yeast", 4)),
    "emotions": ("emotions.arff", ("emotions", 4)),
    "CAL500": ("CAL500.arff", None),
}
_BENCHMARK_N_LABELS = {"yeast": 14, "emotions": 6, "CAL500": None}


def _default_data_home():
    """Where the benchmark ARFF files are looked for when no folder is given.

    ``$SKBCE_DATA_HOME`` if set; else the first of ``../shared/datasets``
    from the working directory and, for a source checkout (a
    ``pyproject.toml`` beside the package), ``shared/datasets`` beside the
    checkout that is a folder. An installed package never looks inside
    site-packages. When none exists, the first candidate is returned, so a
    message can say where the files were expected.
    """
    env = os.environ.get("SKBCE_DATA_HOME")
    if env:
        return Path(env).expanduser()
    candidates = [Path.cwd().parent / "shared" / "datasets"]
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file():
        candidates.append(checkout.parent / "shared" / "datasets")
    return next((folder for folder in candidates if folder.is_dir()), candidates[0])


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
        environment variable if set, else ``../shared/datasets`` from the
        working directory, else ``shared/datasets`` beside a source
        checkout of skbce.

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
