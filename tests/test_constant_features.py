"""Constant features: left out of the linear solve, given a weight of exactly zero."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from skbce import BCEMultiLabelClassifier, BCEMultiLabelClassifierCV
from skbce._constant_features import narrow_linear, varying_features, widen_linear
from skbce._rows import InMemoryRows


def text_like(seed=0, n=160, d=40, n_labels=3):
    """Sparse binary features, a third of them never on; labels driven by the rest."""
    rng = np.random.default_rng(seed)
    X = (rng.random((n, d)) < 0.15).astype(float)
    X[:, ::3] = 0.0
    logits = 2.0 * X[:, 1:n_labels + 1] - 0.5
    Y = (rng.random(logits.shape) < 1 / (1 + np.exp(-logits))).astype(int)
    return X, Y


@pytest.mark.parametrize("to_sparse", [np.asarray, sparse.csr_matrix])
def test_varying_features_ignore_rows_without_weight(to_sparse):
    X = np.array([[0.0, 1.0, 2.0, 0.0], [0.0, 1.0, 3.0, 0.0], [0.0, 5.0, 2.0, 7.0]])
    weight = np.array([1.0, 2.0, 0.0])
    np.testing.assert_array_equal(varying_features(to_sparse(X), weight), [0, 0, 1, 0])
    np.testing.assert_array_equal(varying_features(to_sparse(X), np.ones(3)), [0, 1, 1, 1])


def test_a_column_that_varies_off_the_strided_sample_is_found():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5003, 4))
    X[:, 1] = 2.0
    X[:, 2] = 2.0
    X[7, 2] = 3.0  # off the sample of every fifth row
    X[:, 3] = 0.0
    X[11, 3] = 1.0
    weight = np.ones(5003)
    np.testing.assert_array_equal(varying_features(X, weight), [1, 0, 1, 1])
    weight[11] = 0.0  # column 3 varies on a row without weight only
    np.testing.assert_array_equal(varying_features(X, weight), [1, 0, 1, 0])
    np.testing.assert_array_equal(varying_features(sparse.csr_matrix(X), weight), [1, 0, 1, 0])


def test_narrow_undoes_widen():
    varying = np.array([True, False, True, True, False])
    theta = np.arange(1.0, 13.0)  # 3 varying features and an intercept, 3 outputs
    full = widen_linear(theta, varying)
    coef = full.reshape(6, 3)
    np.testing.assert_array_equal(coef[[1, 4]], 0.0)
    np.testing.assert_array_equal(coef[-1], [10.0, 11.0, 12.0])
    np.testing.assert_array_equal(narrow_linear(full, varying), theta)


def test_rows_with_features_keep_targets_and_weights():
    X = sparse.csr_matrix(np.eye(4))
    rows = InMemoryRows(X, np.ones((4, 2)), np.arange(1.0, 5.0))
    kept = rows.with_features(np.array([True, False, True, False]))
    assert (kept.n_samples, kept.n_features, kept.n_outputs) == (4, 2, 2)
    np.testing.assert_array_equal(kept.varying_features(), [True, True])


@pytest.mark.parametrize("to_sparse", [np.asarray, sparse.csr_matrix])
def test_constant_features_get_zero_weight_and_the_others_the_reduced_fit(to_sparse):
    X, Y = text_like()
    X[:, 4] = 3.0  # a dense constant column, absorbed by the intercept
    varying = X.min(axis=0) != X.max(axis=0)
    assert 10 < (~varying).sum() < X.shape[1]
    model = BCEMultiLabelClassifier(alpha=1.0, tol=1e-8).fit(to_sparse(X), Y)
    np.testing.assert_array_equal(model.coefs_[0][~varying], 0.0)
    assert model.coefs_[0].shape == (X.shape[1], Y.shape[1])
    # Each label is LogisticRegression's fit over every column (C = 1 / alpha).
    for k in range(Y.shape[1]):
        reference = LogisticRegression(C=1.0, tol=1e-10, max_iter=1000).fit(X, Y[:, k])
        np.testing.assert_allclose(model.coefs_[0][:, k], reference.coef_[0], atol=1e-5)
        np.testing.assert_allclose(model.intercepts_[0][k], reference.intercept_[0], atol=1e-5)


def test_a_warm_start_over_constant_features_goes_on_from_the_last_fit():
    X, Y = text_like(seed=1)
    model = BCEMultiLabelClassifier(alpha=1.0, tol=1e-8, warm_start=True).fit(X, Y)
    first = model.coefs_[0].copy()
    model.fit(X, Y)
    assert model.n_iter_ <= 2
    np.testing.assert_allclose(model.coefs_[0], first, atol=1e-6)
    np.testing.assert_array_equal(model.coefs_[0][::3], 0.0)


def test_early_stopping_of_a_linear_fit_over_constant_features():
    X, Y = text_like(seed=2, n=300)
    model = BCEMultiLabelClassifier(early_stopping=True, random_state=0).fit(X, Y)
    assert np.isfinite(model.best_validation_score_)
    np.testing.assert_array_equal(model.coefs_[0][::3], 0.0)
    assert model.predict_proba(X).shape == Y.shape


@pytest.mark.parametrize("scoring", [None, "neg_log_loss"])
def test_the_cv_path_scores_as_without_the_constant_columns(scoring):
    X, Y = text_like(seed=3, n=200)
    varying = X.max(axis=0) > 0
    folds = KFold(4, shuffle=True, random_state=0)
    alphas = np.logspace(2, -2, 6)

    def cv(X):
        return BCEMultiLabelClassifierCV(alphas=alphas, cv=folds, scoring=scoring,
                                         tol=1e-8).fit(X, Y[:, 0] if scoring else Y)

    whole, reduced = cv(sparse.csr_matrix(X)), cv(X[:, varying])
    np.testing.assert_allclose(whole.scores_, reduced.scores_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(whole.coefs_[0][varying], reduced.coefs_[0], atol=1e-6)


def test_the_solve_and_each_fold_see_the_varying_features_only(monkeypatch):
    import skbce._classifier
    import skbce._path

    X, Y = text_like(seed=4, n=200)
    seen = []

    def recording(solve):
        def wrapped(objective, *args, **kwargs):
            seen.append(objective.layout.layer_sizes[0])
            return solve(objective, *args, **kwargs)
        return wrapped

    monkeypatch.setattr(skbce._classifier, "solve", recording(skbce._classifier.solve))
    monkeypatch.setattr(skbce._path, "solve", recording(skbce._path.solve))
    BCEMultiLabelClassifier().fit(sparse.csr_matrix(X), Y)
    assert seen == [int((X.max(axis=0) > 0).sum())]
    seen.clear()
    # A rare word seen in one fold's held-out rows only: constant in that fold.
    X[5, 0] = 1.0
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    monkeypatch.setattr(skbce._path, "_STACK_WORK", 0)  # each fold its own problem
    BCEMultiLabelClassifierCV(alphas=3, cv=folds).fit(X, Y)
    fold_sizes = {int((X[train].max(axis=0) > 0).sum()) for train, _ in folds}
    assert len(fold_sizes) == 2
    assert set(seen[:-1]) == fold_sizes and seen[-1] == int((X.max(axis=0) > 0).sum())
    # Folds solved as one problem see the features that vary on any training rows.
    seen.clear()
    monkeypatch.undo()
    monkeypatch.setattr(skbce._path, "solve", recording(skbce._path.solve))
    BCEMultiLabelClassifierCV(alphas=3, cv=folds).fit(X, Y)
    assert set(seen) == {int((X.max(axis=0) > 0).sum())}


def test_dense_rows_are_copied_only_for_a_real_share_of_constant_columns(monkeypatch):
    import skbce._classifier

    rng = np.random.default_rng(5)
    X = rng.normal(size=(120, 40))
    X[:, 7] = 1.0  # one constant column in forty: not worth a copy of X
    Y = (X[:, :2] + rng.normal(size=(120, 2)) > 0).astype(int)
    seen = []
    solve = skbce._classifier.solve
    monkeypatch.setattr(skbce._classifier, "solve", lambda objective, *args, **kwargs: (
        seen.append(objective.layout.layer_sizes[0]) or solve(objective, *args, **kwargs)))
    model = BCEMultiLabelClassifier().fit(X, Y)
    BCEMultiLabelClassifier().fit(sparse.csr_matrix(X), Y)
    assert seen == [40, 39]
    np.testing.assert_allclose(model.coefs_[0][7], 0.0, atol=1e-10)
