"""``load_arff`` on small files written for each case: types, layouts, labels, errors."""

import warnings

import numpy as np
import pytest
from scipy import sparse

from skbce.datasets import load_arff

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


def write(folder, text, name="toy.arff"):
    path = folder / name
    path.write_text(text)
    return path


def line_of(text, row):
    """The 1-based line number of ``row`` in ``text``."""
    return text.splitlines().index(row) + 1


def load_quietly(path, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no unexpected warning either
        return load_arff(path, *args, **kwargs)


@pytest.mark.parametrize(
    "header, dense_rows, sparse_rows, kwargs",
    [
        (MULAN, ["1.5,2,1,0", "0,0,0,1"], ["{0 1.5,1 2,2 1}", "{3 1}"], {"labels": 2}),
        (MEKA, ["1,0,1.5,2", "0,1,0,0"], ["{0 1,2 1.5,3 2}", "{1 1}"], {}),
    ],
    ids=["mulan_labels_last", "meka_labels_first"],
)
@pytest.mark.parametrize("is_sparse", [False, True], ids=["dense", "sparse"])
def test_dense_and_sparse_arff(tmp_path, header, dense_rows, sparse_rows, kwargs, is_sparse):
    path = write(tmp_path, header + "\n".join(sparse_rows if is_sparse else dense_rows) + "\n")
    X, Y, features, labels = load_quietly(path, **kwargs)
    assert sparse.issparse(X) == is_sparse
    assert Y.tolist() == [[1, 0], [0, 1]]
    assert labels == ["label a", "lb"] and features == ["f1", "f2"]
    dense_X = X.toarray() if is_sparse else X
    np.testing.assert_array_equal(dense_X, [[1.5, 2.0], [0.0, 0.0]])


def test_meka_header_with_labels_last(tmp_path):
    text = MULAN.replace("@relation toy", "@relation 'toy: -C -2'") + "1,2,1,0\n3,4,0,1\n"
    X, Y, _, labels = load_quietly(write(tmp_path, text))
    assert labels == ["label a", "lb"] and Y.tolist() == [[1, 0], [0, 1]]
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])


def test_nominal_with_two_values_is_one_column(tmp_path):
    text = """@relation two
@attribute smoker {NO,YES}
@attribute reversed {1,0}
@attribute side {left,right}
@attribute y {0,1}
@data
YES,1,left,1
NO,0,right,0
"""
    X, Y, features, _ = load_quietly(write(tmp_path, text), 1)
    # "yes" is the positive value wherever it is declared; else the second value.
    assert features == ["smoker=YES", "reversed", "side=right"]
    np.testing.assert_array_equal(X, [[1, 1, 0], [0, 0, 1]])
    assert Y.tolist() == [[1], [0]]


def test_nominal_with_many_values_becomes_indicator_columns(tmp_path):
    rows = ["red,1.0,1", "green,2.0,0", "red,3.0,1", "blue,4.0,0", "red,5.0,1", "green,6.0,1"]
    text = "@relation many\n@attribute colour {red,green,blue}\n@attribute x numeric\n"
    text += "@attribute y {0,1}\n@data\n" + "\n".join(rows) + "\n"
    X, _, features, _ = load_quietly(write(tmp_path, text), 1)
    assert features == ["colour=red", "colour=green", "colour=blue", "x"]
    colour = [row.split(",")[0] for row in rows]
    for k, value in enumerate(("red", "green", "blue")):
        np.testing.assert_array_equal(X[:, k], [c == value for c in colour])
    np.testing.assert_array_equal(X[:, 3], np.arange(1, 7))


def test_sparse_rows_leave_out_the_first_nominal_value(tmp_path):
    # Weka reads an omitted sparse value as 0, that is the first declared value.
    text = "@relation s\n@attribute c {a,b,c}\n@attribute x numeric\n@attribute y {0,1}\n"
    text += "@data\n{1 2.5}\n{0 b,2 1}\n{0 c}\n{0 b}\n{}\n"
    X, Y, features, _ = load_quietly(write(tmp_path, text), 1)
    assert sparse.issparse(X) and features == ["c=a", "c=b", "c=c", "x"]
    np.testing.assert_array_equal(
        X.toarray(), [[1, 0, 0, 2.5], [0, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0]]
    )
    assert Y.ravel().tolist() == [0, 1, 0, 0, 0]


def protein_file(n_rows):
    """A Mulan-style file as in the issue: a nominal protein ID, {YES,NO} features."""
    rng = np.random.default_rng(0)
    ids = [f"Q9P{i:03d}" for i in range(n_rows)]
    header = "@relation proteins\n"
    header += "@attribute protein {" + ",".join(ids) + "}\n"
    header += "".join(f"@attribute motif{k} {{YES,NO}}\n" for k in range(3))
    header += "@attribute 'class a' {0,1}\n@attribute 'class b' {0,1}\n@data\n"
    motifs = rng.integers(0, 2, size=(n_rows, 3))
    labels = rng.integers(0, 2, size=(n_rows, 2))
    rows = [
        ",".join([ids[i], *("YES" if m else "NO" for m in motifs[i]), *map(str, labels[i])])
        for i in range(n_rows)
    ]
    return header + "\n".join(rows) + "\n", motifs, labels


def test_nominal_identifier_is_left_out_and_reported(tmp_path):
    text, motifs, labels = protein_file(300)
    write(tmp_path, text, "proteins.arff")
    (tmp_path / "proteins.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<labels xmlns="http://mulan.sourceforge.net/labels">\n'
        '<label name="class a"></label>\n<label name="class b"></label>\n</labels>\n'
    )
    with pytest.warns(UserWarning, match=r"left out 'protein' \(an identifier: 300 distinct"):
        X, Y, features, names = load_arff(tmp_path / "proteins.arff")
    assert features == ["motif0=YES", "motif1=YES", "motif2=YES"]
    np.testing.assert_array_equal(X, motifs)
    np.testing.assert_array_equal(Y, labels)
    assert names == ["class a", "class b"]


def test_string_attribute_is_left_out_and_reported(tmp_path):
    text = "@relation s\n@attribute note string\n@attribute x numeric\n@attribute y {0,1}\n"
    text += "@data\n'first, with a comma',1.5,1\n\"second\",2.5,0\n"
    with pytest.warns(UserWarning, match=r"left out 'note' \(a string attribute\)"):
        X, Y, features, _ = load_arff(write(tmp_path, text), 1)
    assert features == ["x"] and X.ravel().tolist() == [1.5, 2.5] and Y.ravel().tolist() == [1, 0]


def test_date_attribute_is_a_clear_error(tmp_path):
    text = "@relation d\n@attribute x numeric\n@attribute when date 'yyyy-MM-dd'\n"
    text += "@attribute y {0,1}\n@data\n1,2020-01-01,1\n"
    with pytest.raises(ValueError, match=r"toy\.arff, line 3: attribute 'when' is a date"):
        load_arff(write(tmp_path, text), 1)


def test_quoted_names_and_values_with_spaces_and_commas(tmp_path):
    text = """@RELATION 'a relation, quoted'
% a comment in the header
@ATTRIBUTE 'feature, one' NUMERIC
@attribute "feature two" {'dark red','light, blue'}
@attribute 'it\\'s a label' {0,1}
@attribute "label, two" {0,1}
@DATA
% a comment among the rows

1.5,'light, blue',1,0
2.5,'dark red',0,1
"""
    X, Y, features, labels = load_quietly(write(tmp_path, text), 2)
    assert features == ["feature, one", "feature two=light, blue"]
    assert labels == ["it's a label", "label, two"]
    np.testing.assert_array_equal(X, [[1.5, 1], [2.5, 0]])
    assert Y.tolist() == [[1, 0], [0, 1]]


@pytest.mark.parametrize("is_sparse", [False, True], ids=["dense", "sparse"])
def test_missing_feature_values_are_nan(tmp_path, is_sparse):
    header = "@relation m\n@attribute x numeric\n@attribute c {a,b,c}\n@attribute y {0,1}\n@data\n"
    rows = ["{0 ?,1 b,2 1}", "{0 2,1 ?}", "{0 3,1 c,2 1}"] if is_sparse else [
        "?,b,1", "2,?,0", "3,c,1"]
    X, Y, _, _ = load_quietly(write(tmp_path, header + "\n".join(rows) + "\n"), 1)
    X = X.toarray() if is_sparse else X
    np.testing.assert_array_equal(
        X, [[np.nan, 0, 1, 0], [2, np.nan, np.nan, np.nan], [3, 0, 0, 1]]
    )
    assert Y.ravel().tolist() == [1, 0, 1]


def test_missing_label_is_an_error_with_its_line(tmp_path):
    text = MULAN + "1,2,1,0\n3,4,?,1\n"
    with pytest.raises(ValueError, match=rf"line {line_of(text, '3,4,?,1')}: label 'label a' is "
                       "missing"):
        load_arff(write(tmp_path, text), 2)


XML = """<?xml version="1.0" encoding="utf-8"?>
<labels xmlns="http://mulan.sourceforge.net/labels">
<label name="lb"></label>
<label name="label a"></label>
</labels>
"""


def test_labels_from_an_xml_file_given_by_path(tmp_path):
    path = write(tmp_path, MULAN + "1,2,1,0\n3,4,0,1\n")
    (tmp_path / "names.xml").write_text(XML)
    _, Y, features, labels = load_quietly(path, tmp_path / "names.xml")
    assert labels == ["lb", "label a"]  # in the XML's order
    assert Y.tolist() == [[0, 1], [1, 0]] and features == ["f1", "f2"]


def test_labels_from_a_list_of_names(tmp_path):
    path = write(tmp_path, MULAN + "1,2,1,0\n3,4,0,1\n")
    _, Y, features, labels = load_quietly(path, ["lb"])
    assert labels == ["lb"] and features == ["f1", "f2", "label a"] and Y.ravel().tolist() == [0, 1]


@pytest.mark.parametrize("name", ["toy.arff", "toy-train.arff", "toy-test.arff"])
def test_xml_beside_the_data_names_the_labels(tmp_path, name):
    path = write(tmp_path, MULAN + "1,2,1,0\n3,4,0,1\n", name)
    (tmp_path / "toy.xml").write_text(XML)
    _, Y, _, labels = load_quietly(path)
    assert labels == ["lb", "label a"] and Y.tolist() == [[0, 1], [1, 0]]


def test_xml_wins_over_a_contradicting_meka_header(tmp_path):
    # As medical: a Weka filter left '-C 2' in the relation, but the labels are last.
    text = """@relation 'MEDC: -C 2 -I 0-weka.filters.unsupervised.attribute.Remove-R1-2'
@attribute word1 {0,1}
@attribute word2 {0,1}
@attribute word3 {0,1}
@attribute code1 {0,1}
@attribute code2 {0,1}
@data
{0 1,3 1}
{1 1,2 1,4 1}
"""
    path = write(tmp_path, text, "med-train.arff")
    (tmp_path / "med.xml").write_text(XML.replace("lb", "code1").replace("label a", "code2"))
    X, Y, features, labels = load_quietly(path)
    assert labels == ["code1", "code2"] and features == ["word1", "word2", "word3"]
    assert Y.tolist() == [[1, 0], [0, 1]]
    np.testing.assert_array_equal(X.toarray(), [[1, 0, 0], [0, 1, 1]])
    # Without the XML the header is followed: the first two attributes.
    (tmp_path / "med.xml").unlink()
    _, _, _, labels = load_quietly(path)
    assert labels == ["word1", "word2"]


def test_meka_header_whose_labels_are_not_binary_is_an_error(tmp_path):
    text = MULAN.replace("@relation toy", "@relation 'toy: -C 2'") + "1,2,1,0\n3,4,0,1\n"
    with pytest.raises(ValueError, match=r"label attribute 'f1' \(MEKA header '-C 2'\) is not "
                       r"binary.*the last 2 attributes are binary: the file seems to have 2"):
        load_arff(write(tmp_path, text))


def yeast_like(n_labels=3):
    """Numeric features, then ``n_labels`` {0,1} labels, as yeast."""
    header = "@relation y\n" + "".join(f"@attribute Att{k} numeric\n" for k in range(4))
    header += "".join(f"@attribute Class{k} {{0,1}}\n" for k in range(n_labels))
    return header + "@data\n0.5,-0.25,1.75,2,1,0,1\n-1,0.125,3,4,0,1,1\n"


def test_a_count_that_takes_numeric_features_as_labels_is_an_error(tmp_path):
    # Was: six numeric features silently truncated into "labels".
    with pytest.raises(ValueError, match=r"label attribute 'Att2' \(one of the last 5\) is not "
                       r"binary \(numeric, with values such as 1\.75\).*seems to have 3 labels"):
        load_arff(write(tmp_path, yeast_like()), 5)


def test_labels_first_on_a_labels_last_file_is_an_error(tmp_path):
    with pytest.raises(ValueError, match=r"'Att0' .*not binary.*the last 3 attributes"):
        load_arff(write(tmp_path, yeast_like()), 3, labels_first=True)


def test_a_count_below_the_binary_attributes_warns(tmp_path):
    with pytest.warns(UserWarning, match=r"the last 3 attributes are binary but 2 are read as "
                      r"labels, so 'Class0' is read as a feature"):
        _, Y, features, _ = load_arff(write(tmp_path, yeast_like()), 2)
    assert Y.shape == (2, 2) and features[-1] == "Class0"


def test_numeric_zero_one_labels_are_accepted(tmp_path):
    text = "@relation n\n@attribute x numeric\n@attribute y1 numeric\n@attribute y2 integer\n"
    text += "@data\n0.5,1,0\n1.5,0,1\n"
    _, Y, _, _ = load_quietly(write(tmp_path, text), 2)
    assert Y.tolist() == [[1, 0], [0, 1]] and Y.dtype.kind == "i"


def test_non_binary_nominal_label_is_an_error(tmp_path):
    text = "@relation n\n@attribute x numeric\n@attribute y {a,b,c}\n@data\n1,a\n"
    with pytest.raises(ValueError, match=r"'y' \(one of the last 1\) is not binary "
                       r"\(nominal \{a,b,c\}\)"):
        load_arff(write(tmp_path, text), 1)


def test_a_file_that_does_not_say_its_labels_is_an_error(tmp_path):
    with pytest.raises(ValueError, match=r"does not say which attributes are labels.*"
                       "seems to have 3 labels"):
        load_arff(write(tmp_path, yeast_like()))


@pytest.mark.parametrize(
    "bad_row, message",
    [
        ("0.5,abc,1,2,1,0,1", r"'abc' is not a number, for numeric attribute 'Att1'"),
        ("0.5,1,1,2,1,2,1", r"'2' is not one of the values \{0,1\} of nominal attribute 'Class1'"),
        ("0.5,1,1,2,1,0", r"6 values for 7 attributes"),
        ("{0 1,9 1}", r"attribute index 9 is out of range 0\.\.6"),
        ("{0 1,4 yes}", r"'yes' is not one of the values \{0,1\} of nominal attribute 'Class0'"),
    ],
    ids=["numeric", "zero_one_nominal", "row_length", "sparse_index", "sparse_nominal"],
)
def test_a_bad_value_gives_its_line_number(tmp_path, bad_row, message):
    text = yeast_like() + "1,2,3,4,0,0,0\n" + bad_row + "\n"
    with pytest.raises(ValueError, match=rf"toy\.arff, line {line_of(text, bad_row)}: {message}"):
        load_arff(write(tmp_path, text), 3)


def test_bad_nominal_value_in_an_other_nominal(tmp_path):
    text = "@relation n\n@attribute c {a,b}\n@attribute y {0,1}\n@data\na,1\nz,0\n"
    with pytest.raises(ValueError, match=r"line 6: 'z' is not one of the values \{a,b\}"):
        load_arff(write(tmp_path, text), 1)


@pytest.mark.parametrize(
    "labels, message",
    [
        (0, "between 1 and 6"),
        (7, "between 1 and 6"),
        (["Class0", "nope"], r"'nope' is not an attribute of toy\.arff"),
        (["Class0", "Class0"], "given twice"),
        (2.5, "labels must be a number of labels, a list of label names"),
    ],
)
def test_bad_labels_argument(tmp_path, labels, message):
    with pytest.raises(ValueError, match=message):
        load_arff(write(tmp_path, yeast_like()), labels)


def test_labels_first_with_names_is_refused(tmp_path):
    with pytest.raises(ValueError, match="labels_first applies to a number of labels"):
        load_arff(write(tmp_path, yeast_like()), ["Class0"], labels_first=True)


def test_a_bad_xml_file_is_an_error(tmp_path):
    path = write(tmp_path, yeast_like())
    (tmp_path / "bad.xml").write_text("<labels><label/></labels>")
    with pytest.raises(ValueError, match=r"bad\.xml is not a Mulan XML label file"):
        load_arff(path, tmp_path / "bad.xml")


@pytest.mark.parametrize(
    "text, message",
    [
        ("PK\x03\x04 binary junk\n", "expected @relation.*not an ARFF file"),
        ("@relation r\n@attribute x numeric\n", "no @data section"),
        ("@relation r\n@attribute x numeric\n@attribute y {0,1}\n@data\n", "no data rows"),
        ("@relation r\n@attribute x numeric\n@attribute x {0,1}\n@data\n1,0\n", "declared twice"),
    ],
    ids=["not_arff", "no_data", "no_rows", "duplicate_name"],
)
def test_files_that_are_not_usable_arff(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_arff(write(tmp_path, text), 1)
