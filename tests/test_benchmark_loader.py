"""``load_benchmark``: a local ARFF copy first, OpenML otherwise, real sets when present."""

import numpy as np
import pytest

from skbce import datasets
from skbce.datasets import load_benchmark

SHARED = datasets._default_data_home()

TOY_EMOTIONS = """@relation musicout
@attribute f1 numeric
@attribute f2 numeric
@attribute l1 {0,1}
@attribute l2 {0,1}
@attribute l3 {0,1}
@attribute l4 {0,1}
@attribute l5 {0,1}
@attribute l6 {0,1}
@data
0.5,1.5,1,0,0,1,0,0
2.0,-1.0,0,1,1,0,0,1
"""


def test_reads_the_local_file_with_the_known_label_count(tmp_path):
    (tmp_path / "emotions.arff").write_text(TOY_EMOTIONS)
    X, Y, features, labels = load_benchmark("emotions", data_home=tmp_path)
    assert features == ["f1", "f2"]
    assert labels == ["l1", "l2", "l3", "l4", "l5", "l6"]
    np.testing.assert_array_equal(X, [[0.5, 1.5], [2.0, -1.0]])
    np.testing.assert_array_equal(Y, [[1, 0, 0, 1, 0, 0], [0, 1, 1, 0, 0, 1]])


def test_data_home_defaults_to_the_environment_variable(tmp_path, monkeypatch):
    (tmp_path / "emotions.arff").write_text(TOY_EMOTIONS)
    monkeypatch.setenv("SKBCE_DATA_HOME", str(tmp_path))
    X, Y, _, _ = load_benchmark("emotions")
    assert X.shape == (2, 2) and Y.shape == (2, 6)


def test_falls_back_to_openml_and_encodes_true_false(tmp_path, monkeypatch):
    pd = pytest.importorskip("pandas")
    from sklearn.utils import Bunch

    calls = []

    def fake_fetch_openml(name, *, version, as_frame):
        calls.append((name, version))
        data = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.0, -1.0, 4.0]})
        target = pd.DataFrame(
            {"Class1": ["TRUE", "FALSE", "TRUE"], "Class2": ["FALSE", "FALSE", "TRUE"]},
            dtype="category",
        )
        return Bunch(data=data, target=target)

    monkeypatch.setattr("sklearn.datasets.fetch_openml", fake_fetch_openml)
    X, Y, features, labels = load_benchmark("yeast", data_home=tmp_path)
    assert calls == [("yeast", 4)]
    assert features == ["a", "b"] and labels == ["Class1", "Class2"]
    np.testing.assert_array_equal(Y, [[1, 0], [0, 0], [1, 1]])
    assert X.dtype == np.float64 and X.shape == (3, 2)


def test_cal500_without_a_local_copy_says_where_to_put_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"CAL500\.arff"):
        load_benchmark("CAL500", data_home=tmp_path)


def test_unknown_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match="Unknown benchmark"):
        load_benchmark("scene", data_home=tmp_path)


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared benchmark data sets are absent")
@pytest.mark.parametrize(
    "name, shape",
    [("yeast", (2417, 103, 14)), ("emotions", (593, 72, 6)), ("CAL500", (502, 68, 174))],
)
def test_real_benchmarks_have_their_published_shapes(name, shape):
    X, Y, features, labels = load_benchmark(name, data_home=SHARED)
    assert (X.shape[0], X.shape[1], Y.shape[1]) == shape
    assert len(features) == shape[1] and len(labels) == shape[2]
    assert set(np.unique(Y)) == {0, 1}
    assert np.isfinite(X).all()


def test_data_home_is_the_environment_variable_first(tmp_path, monkeypatch):
    monkeypatch.setenv("SKBCE_DATA_HOME", str(tmp_path / "mine"))
    monkeypatch.chdir(tmp_path)
    assert datasets._default_data_home() == tmp_path / "mine"


def test_data_home_is_shared_datasets_beside_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("SKBCE_DATA_HOME", raising=False)
    (tmp_path / "shared" / "datasets").mkdir(parents=True)
    (tmp_path / "clone").mkdir()
    monkeypatch.chdir(tmp_path / "clone")
    assert datasets._default_data_home().resolve() == (tmp_path / "shared" / "datasets").resolve()


def test_installed_package_does_not_look_inside_site_packages(tmp_path, monkeypatch):
    # An installed skbce has no pyproject.toml beside it: only the working directory counts.
    monkeypatch.delenv("SKBCE_DATA_HOME", raising=False)
    installed = tmp_path / "site-packages" / "skbce"
    installed.mkdir(parents=True)
    (tmp_path / "shared" / "datasets").mkdir(parents=True)  # beside site-packages: not used
    monkeypatch.setattr(datasets, "__file__", str(installed / "datasets.py"))
    (tmp_path / "elsewhere" / "run").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "elsewhere" / "run")
    assert datasets._default_data_home() == tmp_path / "elsewhere" / "shared" / "datasets"


def test_source_checkout_finds_the_folder_beside_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SKBCE_DATA_HOME", raising=False)
    checkout = tmp_path / "repo"
    (checkout / "skbce").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("")
    (tmp_path / "shared" / "datasets").mkdir(parents=True)
    monkeypatch.setattr(datasets, "__file__", str(checkout / "skbce" / "datasets.py"))
    monkeypatch.chdir(checkout / "skbce")  # ../shared/datasets from here does not exist
    assert datasets._default_data_home() == tmp_path / "shared" / "datasets"
