"""The built-in digits task, and the ARFF reader on every real file in the shared folder."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import load_digits

from skbce._arff_labels import read_label_xml
from skbce.datasets import load_arff, make_digits_multilabel

from .conftest import DATASETS


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


# The shapes documented in ../shared/datasets/README.md: (samples, features, labels),
# whether the file is sparse, and where the labels come from when nothing is given.
SHARED_FILES = {
    "yeast": ((2417, 103, 14), False, 14),
    "emotions": ((593, 72, 6), False, 6),
    "CAL500": ((502, 68, 174), False, None),  # MEKA header -C 174: labels first
    "scene-train": ((1211, 294, 6), False, None),  # scene.xml beside
    "scene-test": ((1196, 294, 6), False, None),
    "medical-train": ((333, 1449, 45), True, None),  # medical.xml wins over its -C 45
    "medical-test": ((645, 1449, 45), True, None),
    "delicious-train": ((12920, 500, 983), True, None),  # delicious.xml beside
    "delicious-test": ((3185, 500, 983), True, None),
}


@pytest.mark.parametrize("name", list(SHARED_FILES))
def test_every_shared_file_has_its_documented_shape(name):
    path = DATASETS / f"{name}.arff"
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    shape, is_sparse, labels = SHARED_FILES[name]
    X, Y, features, label_names = load_arff(path, labels)
    assert (X.shape[0], X.shape[1], Y.shape[1]) == shape
    assert sparse.issparse(X) == is_sparse
    assert len(features) == shape[1] and len(label_names) == shape[2]
    assert Y.dtype.kind == "i" and set(np.unique(Y)) == {0, 1}
    xml = DATASETS / f"{name.split('-')[0]}.xml"
    if xml.is_file():  # the labels are the ones the XML names, in its order
        assert label_names == read_label_xml(xml)
    assert not set(features) & set(label_names)


def test_shared_medical_labels_are_the_last_attributes():
    path = DATASETS / "medical-train.arff"
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    _, Y, features, labels = load_arff(path)
    # Its relation says -C 45 (labels first); the first attributes are words.
    assert labels[0].startswith("Class-0") and not any(f.startswith("Class-") for f in features)
    assert Y.shape == (333, 45)
