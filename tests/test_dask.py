"""Dask: searches under joblib's dask backend, fits and predictions on Dask arrays."""

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skbce import BCEMultiLabelClassifier, bce_score

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    """An in-process cluster of two single-threaded workers (in-process transport)."""
    cluster = distributed.LocalCluster(
        n_workers=2, processes=False, threads_per_worker=1, dashboard_address=None
    )
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


def _data(n_samples=503, n_features=6, n_labels=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features) * np.linspace(0.5, 3.0, n_features)
    logits = X @ rng.randn(n_features, n_labels) + rng.randn(n_samples, n_labels)
    Y = (logits > 0.5).astype(np.float64)
    return X, Y


def _parameters(clf):
    return np.concatenate([clf.coefs_[0].ravel(), clf.intercepts_[0]])


def test_grid_search_on_dask_backend_equals_local_run(client):
    from joblib import parallel_backend
    from sklearn.model_selection import GridSearchCV

    X, Y = _data()
    grid = {"alpha": [0.01, 1.0, 100.0]}

    def search(n_jobs):
        return GridSearchCV(
            BCEMultiLabelClassifier(), grid, scoring=bce_score, cv=3, n_jobs=n_jobs
        )

    local = search(None).fit(X, Y)
    with parallel_backend("dask"), distributed.get_task_stream(client) as tasks:
        remote = search(-1).fit(X, Y)
    assert len(tasks.data) > 0  # the fits (in batches) ran on the cluster
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"],
        rtol=0, atol=1e-10,
    )
    np.testing.assert_allclose(
        remote.cv_results_["split2_test_score"], local.cv_results_["split2_test_score"],
        rtol=0, atol=1e-10,
    )


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"alpha": 0.01, "pos_weight": "balanced"},
        {"alpha": 0.1, "label_smoothing": 0.2, "pos_weight": [1.0, 2.0, 0.5, 3.0]},
    ],
)
def test_fit_on_dask_arrays_equals_in_memory_fit(client, options):
    X, Y = _data()
    weight = np.random.RandomState(1).uniform(0.2, 2.0, X.shape[0])
    params = {"tol": 1e-9, **options}
    expected = BCEMultiLabelClassifier(**params).fit(X, Y, sample_weight=weight)
    # 503 rows in chunks of 100: the last chunk is short.
    clf = BCEMultiLabelClassifier(**params).fit(
        da.from_array(X, chunks=(100, 3)), da.from_array(Y, chunks=(100, 2)),
        sample_weight=da.from_array(weight, chunks=77),
    )
    np.testing.assert_allclose(_parameters(clf), _parameters(expected), rtol=0, atol=1e-6)
    np.testing.assert_allclose(clf.loss_, expected.loss_, rtol=1e-10)
    np.testing.assert_allclose(clf.pos_weight_ if clf.pos_weight_ is not None else 0,
                               expected.pos_weight_ if expected.pos_weight_ is not None else 0)
    assert clf.n_features_in_ == X.shape[1]
    assert isinstance(clf.n_iter_, int) and clf.n_iter_ >= 1


def _problems(estimator, X, Y, chunks):
    """The fit problem of ``X``, ``Y`` built on Dask row chunks and in memory."""
    from skbce._problem import build_problem
    from skbce._rows import training_data

    options = {
        "hidden": estimator.hidden_layer_sizes, "activation": estimator.activation,
        "alpha": estimator.alpha, "pos_weight": estimator.pos_weight,
        "label_smoothing": estimator.label_smoothing,
    }
    on_chunks = training_data(estimator, da.from_array(X, chunks=chunks), Y, None)
    in_memory = training_data(estimator, X, Y, None)
    return build_problem(on_chunks.rows, **options), build_problem(in_memory.rows, **options)


@pytest.mark.parametrize("hidden", [(), (4,)], ids=["linear", "mlp"])
def test_objective_on_chunks_is_the_in_memory_objective(client, hidden):
    from skbce._solver import change_of_variables, standardized

    X, Y = _data(n_samples=211)
    Y[::7, 1] = np.nan
    clf = BCEMultiLabelClassifier(
        hidden, alpha=0.3, missing_labels="ignore", pos_weight="balanced", label_smoothing=0.1
    )
    problem, reference = _problems(clf, X, Y, chunks=50)
    np.testing.assert_allclose(problem.prior, reference.prior, rtol=1e-12)
    np.testing.assert_allclose(problem.pos_weight, reference.pos_weight, rtol=1e-12)
    objective, expected = problem.objective, reference.objective
    theta = np.random.RandomState(3).randn(expected.layout.n_params)
    value, gradient = objective(theta)
    expected_value, expected_gradient = expected(theta)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-10, atol=1e-14)
    for got, want in zip(objective.feature_moments(), expected.feature_moments()):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    # The same change of variables for L-BFGS, from the chunks' statistics.
    units = standardized(expected)
    on_chunks = change_of_variables(objective, theta, "lbfgs", units)
    in_memory = change_of_variables(expected, theta, "lbfgs", units)
    u = np.random.RandomState(4).randn(expected.layout.n_params)
    np.testing.assert_allclose(on_chunks.to_theta(u), in_memory.to_theta(u), rtol=1e-8)
    np.testing.assert_allclose(
        on_chunks.gradient_to_u(expected_gradient), in_memory.gradient_to_u(expected_gradient),
        rtol=1e-8, atol=1e-14,
    )


def test_preconditioner_reads_the_rows_the_in_memory_fit_reads(client):
    # 5,000 rows: the covariance is estimated from every second row; chunks
    # of 777 rows start at odd and even offsets.
    from skbce._preconditioner import covariance_stride
    from skbce._solver import change_of_variables, standardized

    X, Y = _data(n_samples=5000)
    assert covariance_stride(*X.shape) == 2
    problem, reference = _problems(BCEMultiLabelClassifier(), X, Y, chunks=777)
    theta = np.random.RandomState(5).randn(reference.objective.layout.n_params)
    units = standardized(reference.objective)
    on_chunks = change_of_variables(problem.objective, theta, "lbfgs", units)
    in_memory = change_of_variables(reference.objective, theta, "lbfgs", units)
    np.testing.assert_allclose(on_chunks.mean, in_memory.mean, rtol=1e-12)
    np.testing.assert_allclose(on_chunks.basis, in_memory.basis, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(on_chunks.coef_scale, in_memory.coef_scale, rtol=1e-8)


# The test's array is embedded in the graph (da.from_array of 11 MB).
@pytest.mark.filterwarnings("ignore:Sending large graph")
def test_low_rank_map_reads_the_rows_the_in_memory_fit_reads(client):
    # More features than the covariance map takes: the correlation's leading
    # directions come from products with the chunks, as in memory.
    from skbce._preconditioner import LowRankJacobiMap
    from skbce._solver import change_of_variables, standardized

    X, Y = _data(n_samples=1300, n_features=1100, n_labels=2)
    # Three factors shared by every feature: correlation well above the sampling noise.
    rng = np.random.RandomState(7)
    X += rng.randn(1300, 3) @ rng.randn(3, 1100)
    problem, reference = _problems(BCEMultiLabelClassifier(), X, Y, chunks=333)
    theta = np.zeros(reference.objective.layout.n_params)
    units = standardized(reference.objective)
    on_chunks = change_of_variables(problem.objective, theta, "lbfgs", units)
    in_memory = change_of_variables(reference.objective, theta, "lbfgs", units)
    assert isinstance(in_memory, LowRankJacobiMap)
    u = np.random.RandomState(6).randn(theta.size)
    np.testing.assert_allclose(on_chunks.to_theta(u), in_memory.to_theta(u), rtol=1e-7,
                               atol=1e-10)


def test_one_dimensional_targets_and_class_weight(client):
    X, Y = _data()
    y = np.where(Y[:, 0] > 0, "yes", "no")
    expected = BCEMultiLabelClassifier(tol=1e-9, class_weight="balanced").fit(X, y)
    clf = BCEMultiLabelClassifier(tol=1e-9, class_weight="balanced").fit(
        da.from_array(X, chunks=128), da.from_array(y, chunks=128)
    )
    np.testing.assert_allclose(_parameters(clf), _parameters(expected), rtol=0, atol=1e-6)
    labels = clf.predict(da.from_array(X, chunks=128))
    assert isinstance(labels, da.Array)
    np.testing.assert_array_equal(labels.compute(), expected.predict(X))
    scores = clf.decision_function(da.from_array(X, chunks=128)).compute()
    np.testing.assert_allclose(scores, expected.decision_function(X), atol=1e-6)


def test_predictions_on_dask_arrays_are_lazy_and_equal(client):
    X, Y = _data()
    clf = BCEMultiLabelClassifier(alpha=0.1).fit(X, Y)
    X_dask = da.from_array(X, chunks=(120, 4))
    for method in ("predict_proba", "predict_log_proba", "decision_function", "predict"):
        lazy = getattr(clf, method)(X_dask)
        assert isinstance(lazy, da.Array), method
        assert lazy.chunks[0] == X_dask.chunks[0]
        computed = lazy.compute()
        expected = getattr(clf, method)(X)
        assert computed.dtype == expected.dtype, method
        np.testing.assert_array_equal(computed, expected)


def test_predictions_stay_lazy_without_computing():
    calls = []

    X, Y = _data(n_samples=60)
    clf = BCEMultiLabelClassifier().fit(X, Y)

    def rows(block):
        calls.append(block.shape)
        return block

    X_dask = da.from_array(X, chunks=20).map_blocks(
        rows, dtype=X.dtype, meta=np.empty((0, 0), dtype=X.dtype)
    )
    proba = clf.predict_proba(X_dask)
    assert calls == [] and isinstance(proba, da.Array)
    assert proba.shape == (60, Y.shape[1])
    np.testing.assert_allclose(proba.compute(scheduler="sync"), clf.predict_proba(X))
    assert len(calls) == 3


def test_warm_start_and_missing_labels_on_dask_arrays(client):
    X, Y = _data()
    Y[::5, 2] = np.nan
    params = {"tol": 1e-9, "missing_labels": "ignore", "alpha": 0.5}
    expected = BCEMultiLabelClassifier(**params).fit(X, Y)
    clf = BCEMultiLabelClassifier(warm_start=True, **params)
    X_dask, Y_dask = da.from_array(X, chunks=150), da.from_array(Y, chunks=150)
    clf.fit(X_dask, Y_dask)
    np.testing.assert_allclose(_parameters(clf), _parameters(expected), rtol=0, atol=1e-6)
    clf.fit(X_dask, Y_dask)  # from the solution: converged at the start
    assert clf.n_iter_ == 1
    np.testing.assert_allclose(_parameters(clf), _parameters(expected), rtol=0, atol=1e-6)


def test_float32_stays_float32(client):
    X, Y = _data()
    X32 = X.astype(np.float32)
    clf = BCEMultiLabelClassifier().fit(da.from_array(X32, chunks=200), Y)
    expected = BCEMultiLabelClassifier().fit(X32, Y)
    assert clf.coefs_[0].dtype == np.float32
    np.testing.assert_allclose(_parameters(clf), _parameters(expected), atol=1e-3)
    assert clf.predict_proba(da.from_array(X32, chunks=200)).dtype == np.float32


@pytest.mark.parametrize(
    "params",
    [
        {"hidden_layer_sizes": (5,), "activation": "tanh", "random_state": 0, "alpha": 0.5},
        {"hidden_layer_sizes": (4, 3), "random_state": 1, "alpha": 1.0},
        {"solver": "newton-cg", "alpha": 0.1},
    ],
    ids=["mlp", "mlp-two-layers", "newton-cg"],
)
def test_every_model_and_solver_fits_on_dask_arrays_as_in_memory(client, params):
    # One objective over any backend: the map-reduce over row chunks is the
    # in-memory loss and gradient, so the solver takes the same steps.
    X, Y = _data(n_samples=301)
    # Early stopping holds out rows in memory only: off for both fits.
    params = {"tol": 1e-6, "max_iter": 60, "early_stopping": False, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a budget, the same for both
        expected = BCEMultiLabelClassifier(**params).fit(X, Y)
        clf = BCEMultiLabelClassifier(**params).fit(da.from_array(X, chunks=(70, 6)), Y)
    assert clf.n_iter_ == expected.n_iter_
    for got, want in zip(clf.coefs_ + clf.intercepts_, expected.coefs_ + expected.intercepts_):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    lazy = clf.predict_proba(da.from_array(X, chunks=(70, 6)))
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), expected.predict_proba(X), atol=1e-6)


def test_bad_input_raises(client):
    X, Y = _data(n_samples=100)
    X_dask = da.from_array(X, chunks=40)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        BCEMultiLabelClassifier().fit(X_dask, Y[:50, 0])
    bad = Y.copy()
    bad[3, 1] = 2.0
    with pytest.raises(ValueError, match="Unknown label type"):
        BCEMultiLabelClassifier().fit(X_dask, da.from_array(bad, chunks=40))
    missing = Y.copy()
    missing[5, 0] = np.nan
    with pytest.raises(ValueError, match="missing_labels='ignore'"):
        BCEMultiLabelClassifier().fit(X_dask, da.from_array(missing, chunks=40))
    X_nan = X.copy()
    X_nan[7, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        BCEMultiLabelClassifier().fit(da.from_array(X_nan, chunks=40), Y)
    # Beyond what float64 can square: refused, as in memory, not an
    # intercept-only model with overflow warnings.
    with pytest.raises(ValueError, match="scale the features"):
        BCEMultiLabelClassifier().fit(da.from_array(X * 1e200, chunks=40), Y)
    with pytest.raises(ValueError, match="sample_weight is too large"):
        BCEMultiLabelClassifier().fit(X_dask, Y, sample_weight=da.from_array(
            np.full(100, 1e307), chunks=40))
    with pytest.raises(ValueError, match="non-negative"):
        BCEMultiLabelClassifier().fit(X_dask, Y, sample_weight=da.from_array(-np.ones(100)))
    with pytest.raises(ValueError, match="class_weight"):
        BCEMultiLabelClassifier(class_weight="balanced").fit(X_dask, da.from_array(Y))


def test_skbce_works_without_dask(tmp_path):
    """With dask unimportable, ``import skbce`` and a fit work and import no dask."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\nsys.modules['dask'] = None\nsys.modules['distributed'] = None\n"
    )
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        import skbce
        assert not any(name.split(".")[0] == "dask" and sys.modules[name] is not None
                       for name in sys.modules), "skbce imported dask"
        rng = np.random.RandomState(0)
        X = rng.randn(80, 3)
        Y = (X[:, :2] > 0).astype(int)
        clf = skbce.BCEMultiLabelClassifier().fit(X, Y)
        assert clf.predict(X).shape == (80, 2)
        try:
            import dask  # noqa: F401
        except ImportError:
            print("blocked")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "blocked"


def test_import_skbce_does_not_import_dask():
    script = (
        "import sys, skbce, skbce.datasets, skbce.metrics\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_complex_dask_X_is_refused_as_in_memory_X_is():
    X, Y = _data(40)
    with pytest.raises(ValueError, match="Complex"):
        BCEMultiLabelClassifier().fit(X + 1j, Y)
    with pytest.raises(ValueError, match=r"Complex.*X"):
        BCEMultiLabelClassifier().fit(da.from_array(X + 1j, chunks=20), Y)
    clf = BCEMultiLabelClassifier().fit(X, Y)
    with pytest.raises(ValueError, match=r"Complex.*X"):
        clf.predict_proba(da.from_array(X + 1j, chunks=20))
