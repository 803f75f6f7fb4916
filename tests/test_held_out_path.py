"""early_stopping="auto": a network's penalty chosen on its held-out rows."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skbce import BCEMultiLabelClassifier, BCEMultiLabelClassifierCV, binary_cross_entropy
from skbce._held_out_path import path_strengths


def noisy_problem(n=400, d=30, k=4, seed=0):
    """Few informative features, many noise ones, flipped labels: a network overfits."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2 * n, d))
    logits = X[:, :3] @ rng.standard_normal((3, k))
    Y = (rng.random((2 * n, k)) < 1 / (1 + np.exp(-logits))).astype(int)
    return X[:n], Y[:n], X[n:], Y[n:]


def fit(X, Y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return BCEMultiLabelClassifier((32,), random_state=0, **params).fit(X, Y)


def test_strengths_rise_from_alpha_by_sqrt_10_up_to_the_training_weight():
    strengths = path_strengths(1.0, 1000.0)
    assert strengths[0] == 1.0
    np.testing.assert_allclose(np.diff(np.log10(strengths)), 0.5)
    assert strengths[-1] <= 1000.0 < strengths[-1] * np.sqrt(10)
    assert path_strengths(2000.0, 1000.0) == [2000.0]  # alpha alone
    assert path_strengths(0.0, 1000.0) == [0.0]


def test_per_label_strengths_are_scaled_together():
    alpha = np.array([1.0, 3.0])
    strengths = path_strengths(alpha, 100.0)
    np.testing.assert_array_equal(strengths[0], alpha)
    for strength in strengths[1:]:
        np.testing.assert_allclose(strength / alpha, strength[0])


def test_auto_chooses_a_stronger_penalty_that_scores_better_held_out_and_on_test():
    X, Y, X_test, Y_test = noisy_problem()
    plain = fit(X, Y, early_stopping=True)
    auto = fit(X, Y)
    assert plain.alpha_ == 1.0
    assert auto.alpha_ > 1.0
    # The path's first fit is the plain one (same rows held out, same start).
    assert auto.best_validation_score_ > plain.best_validation_score_
    assert auto.n_iter_ > plain.n_iter_
    assert binary_cross_entropy(Y_test, auto.predict_proba(X_test)) < binary_cross_entropy(
        Y_test, plain.predict_proba(X_test)
    )


def test_kept_parameters_are_the_best_held_out_score_of_the_path():
    X, Y, _, _ = noisy_problem(seed=1)
    auto = fit(X, Y)
    assert auto.best_validation_score_ == max(auto.validation_scores_)
    assert len(auto.validation_scores_) >= auto.n_iter_ > 0


def test_no_path_for_the_linear_model_small_sets_or_other_settings():
    X, Y, _, _ = noisy_problem()
    assert BCEMultiLabelClassifier(alpha=2.0).fit(X, Y).alpha_ == 2.0
    assert fit(X[:150], Y[:150]).alpha_ == 1.0  # below 200 samples: no held-out rows
    assert fit(X, Y, early_stopping=False).alpha_ == 1.0
    assert fit(X, Y, alpha=0.0).alpha_ == 0.0


def test_weak_alpha_is_the_floor_of_the_path():
    X, Y, _, _ = noisy_problem()
    auto = fit(X, Y, alpha=10.0)
    assert auto.alpha_ >= 10.0


def test_cv_refit_keeps_its_cross_validated_alpha():
    X, Y, _, _ = noisy_problem(n=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv = BCEMultiLabelClassifierCV((8,), alphas=[1.0, 0.1], cv=2, random_state=0,
                                       max_iter=50).fit(X, Y)
    assert cv.alpha_ in (1.0, 0.1)  # the refit's held-out rows choose no other


@pytest.mark.parametrize("verbose", [1])
def test_verbose_reports_each_strength(capsys, verbose):
    X, Y, _, _ = noisy_problem()
    fit(X, Y, verbose=verbose)
    out = capsys.readouterr().out
    assert "alpha = 1: held-out BCE" in out
    assert out.count("held-out BCE") >= 2
