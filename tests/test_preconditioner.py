"""The solver's changes of variables: exact maps, right gradients, a rounder problem."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning

from skbce._moments import weighted_centred_product
from skbce._preconditioner import (
    CentredScaling,
    CovariancePreconditioner,
    LowRankJacobiMap,
    centred_diagonal_map,
    correlated,
    covariance_is_affordable,
    covariance_stride,
    leading_directions,
    low_rank_jacobi_map,
    low_rank_size,
)
from skbce._solver import change_of_variables, minimize_in, standardized

from ._helpers import five_point_gradient, make_objective, relative_error


def _correlated(rng, n_samples=300, n_features=6, n_outputs=3):
    """Strongly correlated features of very different scales, a non-zero mean."""
    latent = rng.normal(size=(n_samples, 2))
    mixing = rng.normal(size=(2, n_features))
    X = latent @ mixing + 0.05 * rng.normal(size=(n_samples, n_features))
    X = X * np.logspace(-2, 2, n_features) + 3.0
    Y = (latent @ rng.normal(size=(2, n_outputs)) + rng.normal(size=(n_samples, n_outputs)) > 0)
    return X, Y.astype(np.float64)


def _objective(X, Y, alpha=1.0, sample_weight=None, pos_weight=None):
    return make_objective(X, Y, (), "identity", alpha, sample_weight, pos_weight)


def _change(objective, theta):
    """The change of variables L-BFGS gets for ``objective`` started at ``theta``."""
    return change_of_variables(objective, theta, "lbfgs", standardized(objective))


def _diagonal_map(objective, theta):
    """The centred diagonal (Jacobi) map of the linear model at ``theta``."""
    return centred_diagonal_map(
        objective.layout, objective.feature_moments(), objective.curvature_per_output(theta),
        objective.penalty.output_strength,
    )


def _low_rank_map(objective, theta, rank=2):
    """The low-rank Jacobi map of the linear model at ``theta``, ``rank`` directions."""
    found = leading_directions(objective.correlation_operator(1),
                               objective.n_features, rank)
    return low_rank_jacobi_map(
        objective.layout, objective.feature_moments(), objective.curvature_per_output(theta),
        objective.penalty.output_strength, found.directions, found.eigenvalues)


def _start(objective, seed=0):
    return np.random.default_rng(seed).normal(scale=0.3, size=objective.layout.n_params)


def _hessian(function, point, step=1e-4):
    """Hessian of ``function`` (value, gradient) by central differences of its gradient."""
    columns = []
    for i in range(point.size):
        shift = np.zeros_like(point)
        shift[i] = step
        columns.append((function(point + shift)[1] - function(point - shift)[1]) / (2 * step))
    hessian = np.array(columns)
    return 0.5 * (hessian + hessian.T)


@pytest.mark.parametrize("sparse_x", [False, True], ids=["dense", "sparse"])
def test_linear_model_gets_the_covariance_map_and_it_is_invertible(sparse_x):
    X, Y = _correlated(np.random.default_rng(0))
    objective = _objective(sparse.csr_matrix(X) if sparse_x else X, Y)
    theta = _start(objective)
    preconditioner = _change(objective, theta)
    assert isinstance(preconditioner, CovariancePreconditioner)
    assert_allclose(preconditioner.to_theta(preconditioner.to_u(theta)), theta, atol=1e-10)
    u = _start(objective, seed=1)
    assert_allclose(preconditioner.to_u(preconditioner.to_theta(u)), u, atol=1e-10)


@pytest.mark.parametrize("sparse_x", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize(
    "options",
    [{}, {"alpha": 0.0}, {"weighted": True, "pos_weight": [1.0, 3.0, 0.5]}],
    ids=["default", "no-penalty", "weights"],
)
def test_gradient_in_the_solver_variables_matches_finite_differences(sparse_x, options):
    rng = np.random.default_rng(1)
    X, Y = _correlated(rng)
    X[:, 2] = 0.0  # a constant column is left out of the rotation
    weight = rng.uniform(0.2, 2.0, X.shape[0]) if options.get("weighted") else None
    objective = _objective(
        sparse.csr_matrix(X) if sparse_x else X, Y, options.get("alpha", 1.0),
        sample_weight=weight, pos_weight=options.get("pos_weight"),
    )
    preconditioner = _change(objective, _start(objective))

    def in_u(u):
        value, gradient = objective(preconditioner.to_theta(u))
        return value, preconditioner.gradient_to_u(gradient)

    u = _start(objective, seed=2)
    numeric = five_point_gradient(lambda v: in_u(v)[0], u, step=1e-3)
    assert relative_error(in_u(u)[1], numeric) < 1e-6


def test_diagonal_map_gradient_and_inverse():
    X, Y = _correlated(np.random.default_rng(2))
    objective = _objective(X, Y)
    preconditioner = _diagonal_map(objective, _start(objective))
    u = _start(objective, seed=3)
    assert_allclose(preconditioner.to_u(preconditioner.to_theta(u)), u)
    numeric = five_point_gradient(lambda v: objective(preconditioner.to_theta(v))[0], u)
    analytic = preconditioner.gradient_to_u(objective(preconditioner.to_theta(u))[1])
    assert relative_error(analytic, numeric) < 1e-6


def test_covariance_map_makes_the_hessian_round():
    # At the intercept-only start the curvature is the same for every sample
    # of a label, where the map is exact: the Hessian in the solver's
    # variables is the identity, while the raw one spans orders of magnitude.
    X, Y = _correlated(np.random.default_rng(3), n_samples=2000)
    objective = _objective(X, Y)
    theta = np.zeros(objective.layout.n_params)
    prior = Y.mean(axis=0)
    theta[-Y.shape[1]:] = np.log(prior / (1 - prior))
    preconditioner = _change(objective, theta)
    raw = np.linalg.eigvalsh(_hessian(objective, theta))
    rotated = np.linalg.eigvalsh(_hessian(
        lambda u: (objective(preconditioner.to_theta(u))[0],
                   preconditioner.gradient_to_u(objective(preconditioner.to_theta(u))[1])),
        preconditioner.to_u(theta),
    ))
    assert raw[-1] / raw[0] > 1e6
    assert_allclose(rotated, 1.0, atol=1e-3)


def test_weighted_covariance_is_the_weighted_sample_covariance():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(500, 4)) * [1.0, 1e-3, 1e3, 1.0] + [1e4, 0.0, -5.0, 2.0]
    weight = rng.uniform(0.0, 2.0, 500)
    for rows in (X, X.astype(np.float32), sparse.csr_matrix(X), sparse.csc_matrix(X)):
        exact = np.asarray(rows.toarray() if sparse.issparse(rows) else rows, dtype=np.float64)
        expected_mean = np.average(exact, axis=0, weights=weight)
        expected = np.cov(exact, rowvar=False, aweights=weight, bias=True)
        mean, covariance = _objective(rows, np.zeros((500, 1)), sample_weight=weight
                                      ).feature_covariance(1)
        # The weights are the loss's, in the dtype of the rows: float32 rounding.
        precision = 1e-6 if rows.dtype == np.float32 else 1e-12
        # float32 rows are summed in float32 within blocks: to float32's
        # precision of each feature's spread, where the maps use the mean.
        spread = np.sqrt(np.diag(expected))
        assert np.all(np.abs(mean - expected_mean) <= precision * (np.abs(expected_mean) + spread))
        # relative to each entry's natural scale sqrt(var_i var_j)
        scale = np.sqrt(np.outer(np.diag(expected), np.diag(expected)))
        tolerance = 100 * precision
        if sparse.issparse(rows):  # the uncentred formula loses what the mean hides
            tolerance = 1e-12 * (1 + np.abs(np.outer(expected_mean, expected_mean)) / scale)
        assert np.all(np.abs(covariance - expected) <= tolerance * scale)


def test_feature_moments_are_the_weighted_mean_and_variance():
    # Offsets, scales, a constant column and more rows than one block; float32
    # rows are centred and summed in float32 within blocks, in float64 across.
    rng = np.random.default_rng(6)
    X = rng.normal(size=(3000, 4)) * [1.0, 1e-3, 1e3, 0.0] + [1e4, 0.0, -5.0, 7.0]
    weight = rng.uniform(0.0, 2.0, 3000)
    for rows in (X, X.astype(np.float32), sparse.csr_matrix(X)):
        exact = np.asarray(rows.toarray() if sparse.issparse(rows) else rows, dtype=np.float64)
        expected_mean = np.average(exact, axis=0, weights=weight)
        expected_variance = np.average((exact - expected_mean) ** 2, axis=0, weights=weight)
        mean, variance = _objective(rows, np.zeros((3000, 1)), sample_weight=weight
                                    ).feature_moments()
        precision = 1e-6 if rows.dtype == np.float32 else 1e-10
        spread = np.sqrt(expected_variance)
        assert np.all(np.abs(mean - expected_mean) <= precision * (np.abs(expected_mean) + spread))
        tolerance = 100 * precision
        if sparse.issparse(rows):  # the uncentred formula loses what the mean hides
            tolerance = 1e-12 * (1 + expected_mean[:3] ** 2 / expected_variance[:3])
        assert np.all(np.abs(variance[:3] / expected_variance[:3] - 1) <= tolerance)
        # The constant column is told constant (its variance is rounding of 7).
        assert variance[3] < 1e-12 * 7.0**2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_moments_of_no_rows_are_zero(dtype):
    # A row chunk (a Dask block) can hold none of the strided rows: its sums
    # are zeros of the right shape.
    from skbce import _moments

    rows, weight, mean = np.empty((0, 4), dtype=dtype), np.empty(0), np.zeros(4)
    assert_allclose(_moments.weighted_sum(rows, weight), np.zeros(4))
    assert_allclose(_moments.weighted_centred_squares(rows, weight, mean), np.zeros(4))
    assert_allclose(_moments.weighted_scatter(rows, weight, mean), np.zeros((4, 4)))
    product = _moments.weighted_centred_product(rows, weight, mean, np.ones(4), np.ones((4, 2)))
    assert_allclose(product, np.zeros((4, 2)))


def test_covariance_uses_a_strided_subset_of_many_rows():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(100_000, 3)) * [1.0, 2.0, 3.0]
    assert covariance_stride(*X.shape) == 50
    mean, covariance = _objective(X, np.zeros((len(X), 1))).feature_covariance(50)
    assert_allclose(np.diag(covariance), [1.0, 4.0, 9.0], rtol=0.1)
    assert_allclose(mean, 0.0, atol=0.1)


def test_cheap_products_or_many_features_fall_back_to_the_centred_diagonal_map():
    assert covariance_is_affordable(1000, 50, 3)
    # Sparse text with few labels: products too cheap to pay for d x d.
    assert not covariance_is_affordable(1000, 1000, 3, stored=30_000)
    # Many labels: an iteration's products grow with K, the setup does not.
    assert covariance_is_affordable(13_000, 500, 1000, stored=240_000)
    assert not covariance_is_affordable(100, 1000, 3)  # d^3 dwarfs an iteration's work
    assert not covariance_is_affordable(10**7, 2000, 100)  # too many features
    # Very sparse rows, many labels: applying the d x d map to the weights and
    # the gradient would cost more than the rest of an iteration (Corel5k's shape).
    assert not covariance_is_affordable(4000, 499, 374, stored=34_000)
    assert covariance_is_affordable(4000, 499, 374)  # dense rows: the products dominate
    rng = np.random.default_rng(6)
    X, Y = rng.normal(size=(40, 1100)), (rng.random((40, 2)) < 0.5).astype(float)
    objective = _objective(X, Y)
    # Too few rows for the low-rank map to pay (its cost would exceed the products').
    assert low_rank_size(40, 1100) == 0
    assert isinstance(_change(objective, _start(objective)), CentredScaling)


def test_many_dense_features_get_the_low_rank_map_very_sparse_rows_do_not():
    assert low_rank_size(1200, 1100) == 64
    assert low_rank_size(5000, 2000) == 64
    assert low_rank_size(5000, 2000, stored=100_000) == 25  # the map costs the products'
    assert low_rank_size(5000, 2000, stored=40_000) == 0  # very sparse rows: cheap products
    assert low_rank_size(1000, 1100) == 0  # fewer samples than features
    X, Y = _factor_features(np.random.default_rng(8), n_samples=1200, n_features=1100)
    objective = _objective(X, Y)
    assert isinstance(_change(objective, _start(objective)), LowRankJacobiMap)


def _sparse_words(rng, n_samples, n_features, words_per_row, topics=None):
    """Binary word rows: independent words, or words drawn from ``topics`` (a few each)."""
    rows = np.repeat(np.arange(n_samples), words_per_row)
    if topics is None:
        words = rng.integers(n_features, size=rows.size)
    else:
        topic_words = rng.permutation(n_features).reshape(topics, -1)
        words = topic_words[rng.integers(topics, size=n_samples)[rows],
                            rng.integers(topic_words.shape[1], size=rows.size)]
    X = sparse.csr_matrix((np.ones(rows.size), (rows, words)), shape=(n_samples, n_features))
    X.data[:] = 1.0
    return X


@pytest.mark.parametrize("topics", [None, 20], ids=["independent", "topics"])
def test_sparse_words_with_many_labels_get_a_map_only_where_words_correlate(topics):
    # Corel5k's shape: the d x d map costs more than an iteration; the
    # low-rank map pays only where the correlation has structure beyond
    # the sampling noise of independent words.
    rng = np.random.default_rng(13)
    X = _sparse_words(rng, 3000, 400, 10, topics)
    Y = (rng.random((3000, 300)) < 0.02).astype(float)
    objective = _objective(X, Y)
    change = _change(objective, np.zeros(objective.layout.n_params))
    assert isinstance(change, LowRankJacobiMap if topics else CentredScaling)


def test_correlated_is_judged_against_the_sampling_noise_of_independent_features():
    # 1000 rows of 250 independent features: eigenvalues up to about 2.25.
    assert not correlated(np.array([2.3, 2.0]), 1000, 250)
    assert correlated(np.array([6.0, 2.0]), 1000, 250)
    assert not correlated(np.array([6.0]), 100, 250)  # few rows: an edge of 6.7, doubled 13
    assert not correlated(np.array([]), 1000, 250)


def _factor_features(rng, n_samples, n_features, n_factors=5, n_outputs=3):
    """Features driven by a few strong factors, far apart in scale, with an offset.

    The labels depend on the factors with noise: not separable.
    """
    latent = rng.normal(size=(n_samples, n_factors))
    X = latent @ rng.normal(size=(n_factors, n_features)) + 0.3 * rng.normal(
        size=(n_samples, n_features))
    X = X * np.geomspace(0.1, 10, n_features) + 5.0
    logits = latent @ rng.normal(size=(n_factors, n_outputs)) + rng.normal(
        size=(n_samples, n_outputs))
    return X, (logits > 0).astype(float)


@pytest.mark.parametrize("sparse_x", [False, True], ids=["dense", "sparse"])
def test_low_rank_map_gradient_and_inverse(sparse_x):
    # Built directly: the map of a small problem, 4 leading directions.
    rng = np.random.default_rng(9)
    X, Y = _factor_features(rng, 200, 12)
    if sparse_x:
        X = sparse.csr_matrix(np.where(rng.random(X.shape) < 0.3, X, 0.0))
    objective = _objective(X, Y)
    theta = _start(objective)
    found = leading_directions(objective.correlation_operator(1), 12, 4)
    change = low_rank_jacobi_map(
        objective.layout, objective.feature_moments(), objective.curvature_per_output(theta),
        objective.penalty.output_strength, found.directions, found.eigenvalues)
    u = _start(objective, seed=3)
    assert_allclose(change.to_u(change.to_theta(u)), u, atol=1e-10)
    numeric = five_point_gradient(lambda v: objective(change.to_theta(v))[0], u, step=1e-3)
    analytic = change.gradient_to_u(objective(change.to_theta(u))[1])
    assert relative_error(analytic, numeric) < 1e-6


def test_leading_directions_are_the_top_eigenpairs():
    rng = np.random.default_rng(10)
    basis, _ = np.linalg.qr(rng.normal(size=(80, 80)))
    values = np.concatenate([[50.0, 20.0, 10.0, 5.0], np.geomspace(1.0, 0.01, 76)])
    matrix = basis @ np.diag(values) @ basis.T
    found = leading_directions(lambda v: matrix @ v, 80, 4)
    assert_allclose(found.eigenvalues, values[:4], rtol=1e-3)
    # Each direction is its eigenvector, up to sign.
    assert_allclose(np.abs(np.sum(found.directions * basis[:, :4], axis=0)), 1.0, atol=1e-3)


def test_centred_product_is_the_weighted_correlation_times_the_vectors():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(400, 5)) * [1.0, 1e-3, 1e3, 1.0, 2.0] + [1e5, 0.0, -5.0, 2.0, 0.0]
    X[:, 4] *= rng.random(400) < 0.2  # mostly zero, as in sparse rows
    weight = rng.uniform(0.0, 2.0, 400)
    mean = np.average(X, axis=0, weights=weight)
    scale = np.sqrt(np.average((X - mean) ** 2, axis=0, weights=weight))
    vectors = rng.normal(size=(5, 3))
    centred = (X - mean) / scale
    expected = centred.T @ (weight[:, None] * (centred @ vectors))
    assert_allclose(weighted_centred_product(X, weight, mean, scale, vectors), expected,
                    rtol=1e-9)
    # Sparse rows use the uncentred formula: exact where the mean is small.
    columns = [1, 3, 4]
    assert_allclose(
        weighted_centred_product(sparse.csr_matrix(X[:, columns]), weight, mean[columns],
                                 scale[columns], vectors[columns]),
        centred[:, columns].T @ (weight[:, None] * (centred[:, columns] @ vectors[columns])),
        rtol=1e-9,
    )


def test_low_rank_map_cuts_the_iterations_of_many_correlated_features():
    # The fast path against the plain one: the same optimum as the centred
    # diagonal map, in several times fewer iterations.
    # A few labels: the d x d covariance map would cost more than the fit.
    X, Y = _factor_features(np.random.default_rng(12), n_samples=600, n_features=600,
                            n_outputs=2)
    objective = _objective(X, Y)
    theta0 = np.zeros(objective.layout.n_params)
    units = standardized(objective)
    options = {"solver": "lbfgs", "max_fun": 30000, "tol": 1e-5, "verbose": 0}
    change = _change(objective, theta0)
    assert isinstance(change, LowRankJacobiMap)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        low_rank = minimize_in(objective, theta0, change, units, max_iter=1000, **options)
        diagonal = minimize_in(objective, theta0, _diagonal_map(objective, theta0), units,
                               max_iter=10000, **options)
    assert low_rank.value == pytest.approx(diagonal.value, rel=1e-4)

    def proba(theta):
        (coef,), (intercept,) = objective.layout.unpack(theta)
        return 1 / (1 + np.exp(-(X @ coef + intercept)))

    assert_allclose(proba(low_rank.theta), proba(diagonal.theta), atol=2e-3)
    assert low_rank.n_iter * 2 <= diagonal.n_iter, (low_rank.n_iter, diagonal.n_iter)


def test_correlated_features_cost_few_iterations():
    # The same optimum as with the diagonal map, in several times fewer iterations.
    X, Y = _correlated(np.random.default_rng(7), n_samples=1000, n_features=10)
    objective = _objective(X, Y)
    theta0 = np.zeros(objective.layout.n_params)
    units = standardized(objective)
    options = {"solver": "lbfgs", "max_fun": 15000, "tol": 1e-7, "verbose": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        rotated = minimize_in(objective, theta0, _change(objective, theta0), units,
                              max_iter=500, **options)
    with warnings.catch_warnings():
        # The diagonal map's two hundred iterations reach the rounding floor of
        # the objective's decrease: it may stop (and warn) a hair short of tol,
        # on the optimum all the same (the value and probabilities below).
        warnings.simplefilter("ignore", ConvergenceWarning)
        diagonal = minimize_in(objective, theta0, _diagonal_map(objective, theta0), units,
                               max_iter=5000, **options)
    def proba(theta):
        (coef,), (intercept,) = objective.layout.unpack(theta)
        return 1 / (1 + np.exp(-(X @ coef + intercept)))

    assert_allclose(proba(rotated.theta), proba(diagonal.theta), atol=1e-4)
    assert rotated.value == pytest.approx(diagonal.value, rel=1e-9)
    assert rotated.n_iter * 3 <= diagonal.n_iter, (rotated.n_iter, diagonal.n_iter)


@pytest.mark.parametrize("kind", ["covariance", "low-rank", "diagonal", "standardized"])
def test_a_map_restricted_to_some_outputs_is_those_columns_of_the_whole_map(kind):
    # The linear model's labels are separate problems: the solver drops the
    # solved ones and maps the others with the restricted map.
    rng = np.random.default_rng(3)
    X, Y = _correlated(rng, n_outputs=5)
    objective = _objective(X, Y)
    theta = _start(objective)
    change = {"covariance": _change, "diagonal": _diagonal_map, "low-rank": _low_rank_map,
              "standardized": lambda o, t: standardized(o)}[kind](objective, theta)
    outputs = np.array([4, 1, 2])
    restricted = change.for_outputs(outputs)
    d = objective.n_features

    def columns(vector):
        return np.ascontiguousarray(vector.reshape(d + 1, 5)[:, outputs]).ravel()

    u = rng.normal(size=objective.layout.n_params)
    assert_allclose(restricted.to_theta(columns(u)), columns(change.to_theta(u)), rtol=1e-12)
    assert_allclose(restricted.to_u(columns(theta)), columns(change.to_u(theta)), rtol=1e-10)
    assert_allclose(restricted.gradient_to_u(columns(u)), columns(change.gradient_to_u(u)),
                    rtol=1e-12)


@pytest.mark.parametrize("sparse_x", [False, True], ids=["dense", "sparse"])
def test_objective_of_some_outputs_is_their_part_of_the_whole(sparse_x):
    rng = np.random.default_rng(4)
    X, Y = _correlated(rng, n_outputs=5)
    weight = rng.random(X.shape[0])
    Y[rng.random(Y.shape) < 0.1] = np.nan  # missing labels: A differs per column
    objective = make_objective(sparse.csr_matrix(X) if sparse_x else X, Y, (), "identity",
                               np.array([0.1, 1.0, 2.0, 3.0, 4.0]), weight)
    theta = _start(objective)
    value, gradient = objective.loss_gradient(theta)
    d = objective.n_features
    parts = []
    for outputs in (np.array([0, 3]), np.array([4, 1, 2])):
        part = objective.for_outputs(outputs)
        sub_theta = np.ascontiguousarray(theta.reshape(d + 1, 5)[:, outputs]).ravel()
        part_value, part_gradient = part.loss_gradient(sub_theta)
        assert_allclose(part_gradient.reshape(d + 1, -1),
                        gradient.reshape(d + 1, 5)[:, outputs], rtol=1e-10, atol=1e-14)
        parts.append(part_value)
    assert sum(parts) == pytest.approx(value, rel=1e-12)
    # The whole objective is unchanged by its parts' cached state.
    assert objective.loss_gradient(theta)[0] == value


@pytest.mark.parametrize("dtype, order", [(np.float64, "C"), (np.float64, "F"), (np.float32, "C")])
def test_subtract_outer_is_numpy_outer_in_place(dtype, order):
    # The BLAS rank-one update (float64, C order) and the NumPy fallback
    # both update the given array, a view of a flat parameter vector included.
    from skbce._preconditioner import subtract_outer

    rng = np.random.default_rng(0)
    flat = rng.normal(size=40).astype(dtype)
    matrix = flat[:21].reshape(7, 3)
    if order == "F":
        matrix = np.asfortranarray(matrix)
    column, row = rng.normal(size=7), rng.normal(size=3)
    expected = matrix - np.outer(column, row).astype(dtype)
    subtract_outer(matrix, column, row)
    np.testing.assert_allclose(matrix, expected, rtol=1e-6)
    if order == "C":
        np.testing.assert_allclose(flat[:21].reshape(7, 3), expected, rtol=1e-6)


def test_a_rare_value_the_covariance_sample_misses_keeps_its_curvature():
    # One-hot columns with five positives each, all off the strided rows of
    # the covariance (or all on them): outside the rotation their weights
    # were scaled by the penalty alone, and the fit took ten times the
    # iterations of the same columns seen by the sample (284 against 28).
    from skbce import BCEMultiLabelClassifier

    rng = np.random.default_rng(0)
    n, d = 40000, 60
    X = np.hstack([rng.normal(size=(n, d)), np.zeros((n, 4))])
    stride = covariance_stride(n, d + 4)
    assert stride > 1
    iterations, gaps = {}, {}
    for on_sample in (True, False):
        pool = np.flatnonzero((np.arange(n) % stride == 0) == on_sample)
        X[:, d:] = 0.0
        for j in range(d, d + 4):
            X[rng.choice(pool, size=5, replace=False), j] = 1.0
        logit = X[:, :3] @ np.array([1.0, -1.0, 0.5]) + 4.0 * X[:, d] - 1.0
        Y = np.column_stack([rng.random(n) < 1 / (1 + np.exp(-logit)), X[:, 3] > 0]).astype(int)
        model = BCEMultiLabelClassifier(alpha=1e-3).fit(X, Y)
        tight = BCEMultiLabelClassifier(alpha=1e-3, tol=1e-9, max_iter=3000).fit(X, Y)
        iterations[on_sample] = model.n_iter_
        gaps[on_sample] = (model.loss_ - tight.loss_) / tight.loss_
    assert iterations[False] <= 2 * iterations[True]
    assert max(gaps.values()) < 1e-6
