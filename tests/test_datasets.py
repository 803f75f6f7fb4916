"""The built-in digits task and the ARFF reader."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import load_digits

from skbce.datasets import load_arff, make_digits_multilabel

from .conftest import load_benchmark


def test_digits_labels_answer_the_questions():
    X, Y, names = make_digits_multilabel()
    digit = load_digits().target
    assert X.shape == (1797, 64) and Y.shape == (1797, 6)
    columns = dict(zip(names, Y.T))
    np.testing.assert_array_equal(columns["even"], digit % 2 == 0)
    np.testing.assert_array_equal(columns["prime"], np.isin(digit, [2, 3, 5, 7]))
    np.testing.assert_array_equal(columns["five_or_more"], digit >= 5)
    assert 1 <= Y.sum(axis=1).min() and Y.sum(axis=1).max() <= 4


def test_digits_as_frame():
    pd = pytest.importorskip("pandas")
    X, Y, names = make_digits_multilabel(as_frame=True)
    assert isinstance(X, pd.DataFrame) and list(Y.columns) == names


MULAN = """% labels last, count given by the caller
@relation toy
@attribute f1 numeric
@attribute f2 numeric
@attribute 'label a' {0,1}
@attribute lb {0,1}
@data
"""
MEKA = """@relation 'toy: -C 2'
@attribute 'label a' {0,1}
@attribute lb {0,1}
@attribute f1 numeric
@attribute f2 numeric
@data
"""


@pytest.mark.parametrize(
    "header, dense_rows, sparse_rows, kwargs",
    [
        (MULAN, ["1.5,2,1,0", "0,0,0,1"], ["{0 1.5,1 2,2 1}", "{3 1}"], {"n_labels": 2}),
        (MEKA, ["1,0,1.5,2", "0,1,0,0"], ["{0 1,2 1.5,3 2}", "{1 1}"], {}),
    ],
    ids=["mulan_labels_last", "meka_labels_first"],
)
@pytest.mark.parametrize("is_sparse", [False, True], ids=["dense", "sparse"])
def test_dense_and_sparse_arff(tmp_path, header, dense_rows, sparse_rows, kwargs, is_sparse):
    path = tmp_path / "toy.arff"
    path.write_text(header + "\n".join(sparse_rows if is_sparse else dense_rows) + "\n")
    X, Y, features, labels = load_arff(path, **kwargs)
    assert sparse.issparse(X) == is_sparse
    assert Y.tolist() == [[1, 0], [0, 1]]
    assert labels == ["label a", "lb"] and features == ["f1", "f2"]
    dense_X = X.toarray() if is_sparse else X
    np.testing.assert_array_equal(dense_X, [[1.5, 2.0], [0.0, 0.0]])


def test_arff_without_label_count_is_refused(tmp_path):
    path = tmp_path / "plain.arff"
    path.write_text("@relation plain\n@attribute a numeric\n@attribute b {0,1}\n@data\n1,0\n")
    with pytest.raises(ValueError, match="n_labels"):
        load_arff(path)


@pytest.mark.parametrize(
    "name, n_labels, shape",
    [
        ("yeast", 14, (2417, 103, 14)),
        ("emotions", 6, (593, 72, 6)),
        ("CAL500", None, (502, 68, 174)),
    ],
)
def test_shared_benchmarks(name, n_labels, shape):
    X, Y, _, labels = load_benchmark(name, n_labels)
    assert (X.shape[0], X.shape[1], Y.shape[1]) == shape
    assert set(np.unique(Y)) <= {0, 1} and len(labels) == shape[2]
