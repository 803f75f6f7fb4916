"""BCEMultiLabelClassifier: targets, equivalences with scikit-learn models, predictions."""

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skbce import BCEMultiLabelClassifier, binary_cross_entropy

from ._helpers import ROOT, fit_quietly, noisy_multilabel, peak_traced_bytes, run_python


@pytest.fixture
def multilabel():
    X, Y = make_multilabel_classification(
        n_samples=150, n_features=6, n_classes=4, random_state=0
    )
    return StandardScaler().fit_transform(X), Y


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg"])
@pytest.mark.parametrize("alpha", [0.3, 5.0])
def test_linear_model_decouples_into_logistic_regressions(multilabel, alpha, solver):
    X, Y = multilabel
    clf = BCEMultiLabelClassifier(alpha=alpha, solver=solver, tol=1e-10, max_iter=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # tol at machine precision
        clf.fit(X, Y)
    for k in range(Y.shape[1]):
        lr = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10000).fit(X, Y[:, k])
        np.testing.assert_allclose(clf.coefs_[0][:, k], lr.coef_[0], atol=1e-4)
        assert clf.intercepts_[0][k] == pytest.approx(lr.intercept_[0], abs=1e-4)


def test_objective_is_mlpclassifier_objective_over_k(multilabel):
    """Same alpha and random_state: the same starting point, the same model, loss_ / K."""
    X, Y = multilabel
    params = dict(hidden_layer_sizes=(5,), activation="tanh", alpha=0.5, random_state=3)
    ours = BCEMultiLabelClassifier(**params, tol=1e-9, max_iter=3000).fit(X, Y)
    theirs = MLPClassifier(**params, solver="lbfgs", tol=1e-12, max_iter=3000).fit(X, Y)
    assert ours.loss_ == pytest.approx(theirs.loss_ / Y.shape[1], rel=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-3)


def test_target_types_and_output_shapes(multilabel):
    X, Y = multilabel
    clf = BCEMultiLabelClassifier().fit(X, Y)
    assert clf.predict(X).shape == Y.shape and clf.predict(X).dtype.kind == "i"
    assert clf.predict_proba(X).shape == Y.shape
    assert clf.decision_function(X).shape == Y.shape
    np.testing.assert_array_equal(clf.classes_, np.arange(4))

    y_binary = np.where(Y[:, 0] == 1, "yes", "no")
    clf = BCEMultiLabelClassifier().fit(X, y_binary)
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert set(clf.predict(X)) <= {"yes", "no"}
    assert clf.decision_function(X).shape == (150,)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-10)

    y_multi = Y @ [1, 2, 4, 8] % 5
    clf = BCEMultiLabelClassifier().fit(X, y_multi)
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 5)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-10)


@pytest.mark.parametrize("kind", ["multilabel", "binary", "multiclass"])
def test_coef_and_intercept_are_the_linear_models_weights(multilabel, kind):
    """``coef_`` and ``intercept_`` as ``LogisticRegression``'s: rows are outputs."""
    X, Y = multilabel
    y = {"multilabel": Y, "binary": Y[:, 0], "multiclass": Y @ [1, 2, 4, 8] % 5}[kind]
    clf = BCEMultiLabelClassifier().fit(X.astype(np.float32), y)
    n_outputs = {"multilabel": 4, "binary": 1, "multiclass": 5}[kind]
    assert clf.coef_.shape == (n_outputs, X.shape[1])
    assert clf.intercept_.shape == (n_outputs,)
    assert clf.coef_.dtype == clf.intercept_.dtype == np.float32
    np.testing.assert_array_equal(clf.coef_, clf.coefs_[0].T)
    np.testing.assert_array_equal(clf.intercept_, clf.intercepts_[0])
    logits = X.astype(np.float32) @ clf.coef_.T + clf.intercept_
    if kind == "binary":
        logits = logits[:, 0]
    np.testing.assert_allclose(clf.decision_function(X.astype(np.float32)), logits, rtol=1e-5,
                               atol=1e-5)


def test_coef_is_absent_before_fit_and_for_a_network(multilabel):
    X, Y = multilabel
    assert not hasattr(BCEMultiLabelClassifier(), "coef_")
    network = fit_quietly(BCEMultiLabelClassifier((4,), max_iter=5, random_state=0), X, Y,
                          allow_convergence=True)
    assert not hasattr(network, "coef_") and not hasattr(network, "intercept_")
    with pytest.raises(AttributeError, match="a network's weights are coefs_"):
        network.coef_  # noqa: B018


def test_soft_targets_are_probabilities():
    """Soft targets: the fitted probabilities approach the target frequency."""
    X = np.repeat(np.eye(3), 200, axis=0)
    target = np.array([[0.5, 0.1], [0.9, 0.5], [0.2, 0.7]])
    Y = np.repeat(target, 200, axis=0)
    clf = BCEMultiLabelClassifier(alpha=1e-6, tol=1e-10).fit(X, Y)
    np.testing.assert_allclose(clf.predict_proba(np.eye(3)), target, atol=1e-3)
    # A 1-D soft target in [0, 1] is a soft binary problem.
    clf = BCEMultiLabelClassifier(alpha=1e-6, tol=1e-10).fit(X, Y[:, 0])
    np.testing.assert_allclose(clf.predict_proba(np.eye(3))[:, 1], target[:, 0], atol=1e-3)


@pytest.mark.parametrize("y", [np.array([0.0, 1.5, 0.2]), np.array([[0, 2], [1, 0], [0, 1]])])
def test_targets_outside_unit_interval_are_rejected(y):
    X = np.arange(6.0).reshape(3, 2)
    with pytest.raises(ValueError, match=r"Unknown label type.*accepts"):
        BCEMultiLabelClassifier().fit(X, y)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize(
    "params",
    # The linear fits take different changes of variables (sparse X: the
    # centred diagonal; dense: the covariance), so both are solved tightly.
    [{"tol": 1e-9}, {"hidden_layer_sizes": (4,), "random_state": 0, "max_iter": 20}],
    ids=["linear", "mlp"],
)
def test_sparse_input_matches_dense(multilabel, fmt, params):
    X, Y = multilabel
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = BCEMultiLabelClassifier(**params).fit(X, Y)
        sparse_fit = BCEMultiLabelClassifier(**params).fit(sparse.csr_matrix(X).asformat(fmt), Y)
    np.testing.assert_allclose(sparse_fit.predict_proba(X), dense.predict_proba(X), rtol=1e-6,
                               atol=1e-7)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize(
    "params", [{"max_iter": 3}, {"hidden_layer_sizes": (4,), "random_state": 0, "max_iter": 3}],
    ids=["linear", "mlp"],
)
def test_sparse_input_is_never_densified(fmt, params):
    # 20,000 x 20,000 at 0.1% density: 5 MB as CSR, 3.2 GB dense. The fit
    # (whose largest buffer is L-BFGS-B's memory, about 25 vectors of 60,003
    # parameters: 12 MB) and the predictions must stay far below the dense size.
    rng = np.random.default_rng(0)
    n, d, nnz = 20000, 20000, 400000
    X = sparse.coo_matrix(
        (rng.normal(size=nnz), (rng.integers(0, n, nnz), rng.integers(0, d, nnz))), shape=(n, d)
    ).asformat(fmt)
    Y = rng.random((n, 3)) < 0.3
    dense_bytes = X.shape[0] * X.shape[1] * 8

    def fit_and_predict():
        clf = BCEMultiLabelClassifier(**params).fit(X, Y)
        clf.predict_proba(X)
        clf.predict(X)

    peak = peak_traced_bytes(fit_and_predict)
    assert peak < dense_bytes / 20


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "params", [{"max_iter": 3}, {"hidden_layer_sizes": (4,), "random_state": 0, "max_iter": 3}],
    ids=["linear", "mlp"],
)
def test_dense_input_is_never_copied(dtype, params):
    # Fit and predictions on a C-contiguous X peak near a quarter of X.nbytes
    # (the statistics work in row blocks); one copy of X would be a whole X.nbytes.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 200)).astype(dtype)
    Y = rng.random((20000, 3)) < 0.3
    peak = peak_traced_bytes(lambda: BCEMultiLabelClassifier(**params).fit(X, Y).predict_proba(X))
    assert peak < 0.6 * X.nbytes


def test_threshold_per_label(multilabel):
    X, Y = multilabel
    clf = BCEMultiLabelClassifier().fit(X, Y)
    proba = clf.predict_proba(X)
    threshold = np.array([0.1, 0.5, 0.9, 0.3])
    clf.set_params(threshold=threshold)
    np.testing.assert_array_equal(clf.predict(X), (proba > threshold).astype(int))


def test_binary_threshold_moves_decisions():
    X, y = make_classification(n_samples=200, random_state=0)
    clf = BCEMultiLabelClassifier(threshold=0.8).fit(X, y)
    proba = clf.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(clf.predict(X), (proba > 0.8).astype(int))


def test_sample_weight_equals_repetition(multilabel):
    X, Y = multilabel
    repeats = np.arange(X.shape[0]) % 3
    weighted = BCEMultiLabelClassifier(tol=1e-9).fit(X, Y, sample_weight=repeats)
    repeated = BCEMultiLabelClassifier(tol=1e-9).fit(
        np.repeat(X, repeats, axis=0), np.repeat(Y, repeats, axis=0)
    )
    np.testing.assert_allclose(weighted.coefs_[0], repeated.coefs_[0], atol=1e-6)
    assert weighted.loss_ == pytest.approx(repeated.loss_, rel=1e-8)


def test_loss_is_the_metric_plus_penalty(multilabel):
    X, Y = multilabel
    weight = np.linspace(0.5, 2, X.shape[0])
    clf = BCEMultiLabelClassifier(alpha=0.0).fit(X, Y, sample_weight=weight)
    bce = binary_cross_entropy(Y, clf.predict_proba(X), sample_weight=weight)
    assert clf.loss_ == pytest.approx(bce, rel=1e-9)


def test_convergence_warning_and_n_iter(multilabel):
    X, Y = multilabel
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        clf = BCEMultiLabelClassifier(max_iter=2).fit(X, Y)
    assert clf.n_iter_ == 2
    assert len(clf.loss_curve_) == 2


def test_verbose_prints_progress_and_summary(multilabel, capsys):
    X, Y = multilabel
    clf = BCEMultiLabelClassifier(verbose=1).fit(X, Y)
    out = capsys.readouterr().out
    assert "Iteration 1, objective" in out
    assert f"stopped after {clf.n_iter_} iterations" in out
    assert np.all(np.diff(clf.loss_curve_) <= 1e-12)


def test_multiclass_probabilities_survive_huge_negative_logits():
    X, y = make_classification(n_samples=90, n_classes=3, n_informative=3, random_state=0)
    clf = BCEMultiLabelClassifier().fit(X, y)
    clf.intercepts_[0][:] = -2000.0  # every sigmoid underflows to 0
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))


@pytest.mark.parametrize(
    "params", [{}, {"hidden_layer_sizes": (5,), "random_state": 0}], ids=["linear", "mlp"]
)
def test_warm_start_continues_from_the_previous_solution(params):
    X, Y = noisy_multilabel(200)
    clf = BCEMultiLabelClassifier(warm_start=True, max_iter=3, **params)
    fit_quietly(clf, X, Y, allow_convergence=True)
    first_loss = clf.loss_
    clf.set_params(max_iter=200)
    fit_quietly(clf, X, Y, allow_convergence=True)
    # The first step starts from the previous solution, not from scratch.
    assert clf.loss_curve_[0] <= first_loss + 1e-12
    # A cold start reaches (about) the same objective.
    cold = fit_quietly(
        BCEMultiLabelClassifier(max_iter=200, **params), X, Y, allow_convergence=True
    )
    assert clf.loss_ <= cold.loss_ + 1e-4


def test_warm_start_refit_of_a_converged_model_stays_put():
    X, Y = noisy_multilabel(200)
    clf = fit_quietly(BCEMultiLabelClassifier(warm_start=True, tol=1e-8), X, Y)
    coefs, loss = clf.coefs_[0].copy(), clf.loss_
    fit_quietly(clf, X, Y)
    assert clf.n_iter_ <= 1
    np.testing.assert_allclose(clf.coefs_[0], coefs, atol=1e-7)
    assert clf.loss_ <= loss + 1e-12


def test_warm_start_refuses_a_change_of_shape():
    X, Y = noisy_multilabel()
    clf = fit_quietly(BCEMultiLabelClassifier(warm_start=True), X, Y)
    with pytest.raises(ValueError, match="warm_start=True needs the same layer sizes"):
        clf.fit(X[:, :3], Y)
    clf = fit_quietly(BCEMultiLabelClassifier(warm_start=True), X, Y)
    with pytest.raises(ValueError, match="warm_start=True needs the same layer sizes"):
        clf.fit(X, Y[:, :2])
    clf = fit_quietly(BCEMultiLabelClassifier((3,), warm_start=True, random_state=0), X, Y)
    clf.set_params(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match="warm_start=True needs the same layer sizes"):
        clf.fit(X, Y)


@pytest.mark.skipif(
    not os.environ.get("SKBCE_SLOW_TESTS"), reason="slow: set SKBCE_SLOW_TESTS=1 to run"
)
def test_fit_peak_memory_is_below_two_and_a_half_X():
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
        "from memory_fit import measure\n"
        "print(measure()[0])\n"
    )
    ratio = float(run_python(code).splitlines()[-1])
    assert ratio < 2.5, f"fit peaked at {ratio:.2f} x X.nbytes"


@pytest.mark.parametrize(
    "columns",
    [pd.MultiIndex.from_tuples([("a", "x"), ("a", "y"), ("b", "x")]),
     pd.Index([("a", 1), ("b", 2), ("c", 3)], tupleize_cols=False)],
    ids=["MultiIndex", "tuples"],
)
def test_dataframe_y_with_tuple_column_names_gives_1d_classes(columns):
    X, Y = noisy_multilabel()
    clf = BCEMultiLabelClassifier().fit(X, pd.DataFrame(Y, columns=columns))
    assert clf.classes_.shape == (3,)
    assert list(clf.classes_) == list(columns)
    labelled = pd.DataFrame(clf.predict(X), columns=clf.classes_)
    assert list(labelled.columns) == list(columns)


def test_one_column_integer_dataframe_y_keeps_integer_classes():
    X, Y = noisy_multilabel()
    y = pd.DataFrame({"label": Y[:, 0].astype(np.int64) + 3})
    with pytest.warns(DataConversionWarning):
        ours = BCEMultiLabelClassifier().fit(X, y)
    with pytest.warns(DataConversionWarning):
        theirs = LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.classes_.dtype == theirs.classes_.dtype
    assert ours.predict(X).dtype == theirs.predict(X).dtype


@pytest.mark.parametrize("threshold", [0.0, 1.0, 0.5])
@pytest.mark.parametrize("kind", ["multilabel", "binary"])
def test_predict_is_predict_proba_above_threshold_at_extreme_logits(kind, threshold):
    X, Y = noisy_multilabel(80, n_labels=1 if kind == "binary" else 3)
    y = Y[:, 0] if kind == "binary" else Y
    clf = BCEMultiLabelClassifier(threshold=threshold).fit(X, y)
    X_far = X * 1e4  # logits far beyond where expit rounds to 0 or 1
    proba = clf.predict_proba(X_far)
    if kind == "binary":
        expected = clf.classes_[(proba[:, 1] > threshold).astype(int)]
    else:
        expected = (proba > threshold).astype(int)
    np.testing.assert_array_equal(clf.predict(X_far), expected)


def test_predict_is_argmax_of_predict_proba_for_multiclass_at_extreme_logits():
    X, Y = noisy_multilabel(80)
    y = Y.sum(axis=1).astype(int)
    clf = BCEMultiLabelClassifier().fit(X, y)
    X_far = X * 1e4
    np.testing.assert_array_equal(
        clf.predict(X_far), clf.classes_[clf.predict_proba(X_far).argmax(axis=1)]
    )


@pytest.mark.parametrize(
    "first, second",
    [([0, 1], [1, 2]), (["no", "yes"], ["a", "b"]), ([0, 1, 2], [0, 1, 3])],
    ids=["binary ints", "binary strings", "multiclass"],
)
def test_warm_start_refuses_other_classes_of_the_same_count(first, second):
    X, _ = noisy_multilabel(60)
    index = np.arange(60) % len(first)
    clf = fit_quietly(BCEMultiLabelClassifier(warm_start=True), X, np.array(first)[index])
    with pytest.raises(ValueError, match=r"warm_start.*classes"):
        clf.fit(X, np.array(second)[index])
    # A fresh fit on the new classes is fine.
    clf.set_params(warm_start=False).fit(X, np.array(second)[index])
    np.testing.assert_array_equal(clf.classes_, np.unique(second))
