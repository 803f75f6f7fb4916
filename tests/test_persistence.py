"""Determinism, persistence and concurrent predictions.

Fits with the same seed are bit-identical, also in a fresh interpreter;
pickle, joblib and skops round trips predict the same bytes; predictions
from many threads match the serial ones.
"""

import hashlib
import pickle
import re
import textwrap
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skbce import BCEMultiLabelClassifier

from ._helpers import ROOT, noisy_multilabel, run_python

_FIT_SCRIPT = textwrap.dedent(
    """
    import hashlib, sys, warnings
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from skbce import BCEMultiLabelClassifier

    # 50 iterations stop the fit early on purpose: the seed must matter.
    warnings.simplefilter("ignore", ConvergenceWarning)

    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 5))
    Y = (X @ rng.normal(size=(5, 3)) + rng.normal(size=(80, 3)) > 0).astype(float)
    clf = BCEMultiLabelClassifier((6,), activation="tanh", random_state=7, max_iter=50)
    clf.fit(X, Y)
    digest = hashlib.sha256()
    for array in clf.coefs_ + clf.intercepts_:
        digest.update(np.ascontiguousarray(array).tobytes())
    print(digest.hexdigest())
    """
)


def _parameter_digest(clf):
    digest = hashlib.sha256()
    for array in clf.coefs_ + clf.intercepts_:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_same_random_state_gives_bit_identical_parameters():
    namespace = {}
    exec(_FIT_SCRIPT.replace("print(digest.hexdigest())", ""), namespace)
    here = namespace["digest"].hexdigest()
    X, Y, clf = namespace["X"], namespace["Y"], namespace["clf"]
    again = BCEMultiLabelClassifier(**clf.get_params()).fit(X, Y)
    assert _parameter_digest(again) == here
    other_seed = BCEMultiLabelClassifier(**{**clf.get_params(), "random_state": 8}).fit(X, Y)
    assert _parameter_digest(other_seed) != here
    # And in a fresh interpreter.
    assert run_python(_FIT_SCRIPT) == here


@pytest.fixture(scope="module")
def models():
    X, Y = noisy_multilabel(n_features=5)
    return X, {
        "linear": BCEMultiLabelClassifier(pos_weight="balanced").fit(X, Y),
        "mlp": BCEMultiLabelClassifier((6,), random_state=0, threshold=[0.3, 0.5, 0.7])
        .fit(X, Y),
        "multiclass": BCEMultiLabelClassifier().fit(X, Y.sum(axis=1).astype(int)),
    }


def _dump_load_pickle(clf, path):
    path.write_bytes(pickle.dumps(clf))
    return pickle.loads(path.read_bytes())


def _dump_load_joblib(clf, path):
    joblib.dump(clf, path)
    return joblib.load(path)


@pytest.mark.parametrize("name", ["linear", "mlp", "multiclass"])
@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_round_trip_gives_identical_predictions(models, name, how, tmp_path):
    X, fitted_models = models
    clf = fitted_models[name]
    path = tmp_path / f"model.{how}"
    loaded = {"pickle": _dump_load_pickle, "joblib": _dump_load_joblib}[how](clf, path)
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert_array_equal(loaded.predict(X), clf.predict(X))
    assert _parameter_digest(loaded) == _parameter_digest(clf)

    # A fresh interpreter loads the file and predicts the same bytes.
    np.save(tmp_path / "X.npy", X)
    loader = "pickle.loads(open(sys.argv[1], 'rb').read())" if how == "pickle" else (
        "joblib.load(sys.argv[1])"
    )
    code = (
        "import pickle, sys, joblib, numpy as np\n"
        f"clf = {loader}\n"
        "np.save(sys.argv[2], clf.predict_proba(np.load(sys.argv[3])))\n"
    )
    run_python(code, path, tmp_path / "proba.npy", tmp_path / "X.npy")
    assert_array_equal(np.load(tmp_path / "proba.npy"), clf.predict_proba(X))


EXPECTED_SKOPS_UNTRUSTED_TYPES = ["skbce._classifier.BCEMultiLabelClassifier"]


def test_persistence_guide_lists_exactly_the_skops_untrusted_types():
    guide = ROOT / "docs" / "user_guide" / "practice.rst"
    text = guide.read_text()
    # Every quoted skbce type name in the guide is one skops reports, and all are there.
    listed = set(re.findall(r"""["'](skbce\.[\w.]+)["']""", text))
    assert listed == set(EXPECTED_SKOPS_UNTRUSTED_TYPES)
    assert "executes code" in text and "trusted source" in text


@pytest.mark.parametrize("name", ["linear", "mlp", "multiclass"])
def test_skops_round_trip(models, name, tmp_path):
    sio = pytest.importorskip("skops.io")
    X, fitted_models = models
    clf = fitted_models[name]
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted == EXPECTED_SKOPS_UNTRUSTED_TYPES
    loaded = sio.load(path, trusted=untrusted)
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert_array_equal(loaded.predict(X), clf.predict(X))

    np.save(tmp_path / "X.npy", X)
    code = (
        "import sys, numpy as np, skops.io as sio\n"
        "trusted = sio.get_untrusted_types(file=sys.argv[1])\n"
        f"assert trusted == {EXPECTED_SKOPS_UNTRUSTED_TYPES!r}, trusted\n"
        "clf = sio.load(sys.argv[1], trusted=trusted)\n"
        "np.save(sys.argv[2], clf.predict_proba(np.load(sys.argv[3])))\n"
    )
    run_python(code, path, tmp_path / "proba.npy", tmp_path / "X.npy")
    assert_array_equal(np.load(tmp_path / "proba.npy"), clf.predict_proba(X))


@pytest.mark.parametrize("name", ["linear", "mlp", "multiclass"])
def test_predict_proba_from_threads_matches_serial(models, name):
    _, fitted_models = models
    clf = fitted_models[name]
    rng = np.random.RandomState(1)
    batches = [rng.normal(size=(300 + 7 * i, 5)) for i in range(32)]
    serial = [clf.predict_proba(batch) for batch in batches]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(clf.predict_proba, batches))
        same_input = list(pool.map(lambda _: clf.predict_proba(batches[0]), range(16)))
    for got, expected in zip(threaded, serial):
        assert_array_equal(got, expected)
    for got in same_input:
        assert_array_equal(got, serial[0])
