"""Changes of variables ``theta = T(u)`` that make L-BFGS's problem round.

L-BFGS needs fewer iterations when the Hessian in its variables is close to
the identity. Two linear maps are used:

- :class:`CentredScaling`: the first layer's weights scaled per feature (and
  per output), its intercepts measured on centred features
  (``b = b~ - W^T mu``), every other parameter scaled. With the features'
  standard deviations it is the standardized coordinates of the model, in
  which the solver's stopping test reads (:func:`standardized_coordinates`):
  the same for features of scale 1e-8 or 1e8 and for ``X + c``. With the
  diagonal of the linear model's Hessian it is a centred Jacobi map
  (:func:`centred_diagonal_map`).
- :class:`CovariancePreconditioner` for the linear model: the
  Hessian of output ``k`` is ``X~^T D_k X~ + lambda I`` (``X~`` the centred
  features, ``D_k`` the curvature ``A sigmoid'(Z)``); with ``D_k`` replaced by
  its mean ``c_k`` it is ``c_k C + lambda I`` for the weighted feature
  covariance ``C``. Write ``C = F R F`` with ``R = Q diag(l) Q^T``, where
  ``F`` is the identity, or the feature standard deviations when the
  variances are too far apart for one eigendecomposition to resolve them
  (``R`` is then the correlation matrix). The map ``W = F^-1 Q (S * V)``
  with ``S_jk = 1 / sqrt(c_k l_j + lambda d_j)``, ``d_j = sum_i Q_ij^2 / F_i^2``,
  turns the Hessian into the identity (exactly when the curvature is uniform
  and ``F`` is the identity or there is no penalty), so correlated or badly
  scaled features cost no extra
  iterations. Intercepts are measured on centred features
  (``b = b~ - W^T mu``), which decouples them from the weights. Features
  without variance are left out of the rotation, so an all-zero column keeps
  a weight of exactly zero.

The minimizer and the objective are those of ``theta``; only the path the
solver takes changes. Each map gives ``to_theta``, its inverse ``to_u``, and
``gradient_to_u``, the chain rule ``T^T g``; the linear model's maps act on
each output's column on its own, and ``for_outputs`` gives the map of a
subset of the outputs. Pure NumPy, no scikit-learn.
"""

from dataclasses import dataclass

import numpy as np
from scipy.linalg.blas import dger

from ._network import ParameterLayout

# Eigenvalues of the covariance below this fraction of the largest are raised
# to it: with no penalty, a direction with (almost) no variance would
# otherwise get an unbounded scale.
_EIGENVALUE_FLOOR = 1e-10

# Feature variances further apart than this are decomposed as a correlation
# matrix (one eigendecomposition resolves eigenvalues down to about 1e-16 of
# the largest).
_SCALE_SPREAD = 1e10

# A feature whose variance is below this fraction of its mean square is constant.
_CONSTANT_FEATURE_VARIANCE = 1e-12

# The covariance is estimated from about this many rows per feature, taken
# with a stride (a view, no copy): the map only needs to be roughly right.
_ROWS_PER_FEATURE = 20


def subtract_outer(matrix, column, row):
    """``matrix -= outer(column, row)`` in place.

    A float64 C-ordered matrix gets BLAS's rank-one update (no temporary:
    about six times faster than NumPy's ``outer`` on 1,450 x 38, the
    solver's every iteration on sparse text); any other goes through NumPy.
    """
    if matrix.dtype != np.float64 or not matrix.flags.c_contiguous or not matrix.size:
        matrix -= np.outer(column, row)
        return
    # The transpose of a C-ordered matrix is Fortran-ordered: BLAS updates it in place.
    updated = dger(-1.0, np.asarray(row, dtype=np.float64),
                   np.asarray(column, dtype=np.float64), a=matrix.T, overwrite_a=True)
    if not np.shares_memory(updated, matrix):
        matrix[...] = updated.T


class CentredScaling:
    """``W_1 = S * V``, ``b_1 = s_b * v_b - W_1^T mu``; ``theta = s * u`` elsewhere.

    A linear map: the first layer's weights ``W_1`` are scaled per feature
    (``S`` of shape ``(n_features, 1)``) or per feature and output (shape
    ``(n_features, n_outputs)`` for the linear model), its intercepts are
    those of the centred features ``X - mu``, and every later layer's
    parameters are scaled by ``scale``.

    Parameters
    ----------
    layout : ParameterLayout
    mean : ndarray of shape (n_features,)
        ``mu``.
    coef_scale : ndarray of shape (n_features, 1) or (n_features, n_1)
        ``S``, positive.
    intercept_scale : ndarray of shape (n_1,) or float
        ``s_b``, positive.
    """

    def __init__(self, layout, mean, coef_scale, intercept_scale):
        self.layout = layout
        self.mean = np.asarray(mean, dtype=np.float64)
        self.coef_scale = np.asarray(coef_scale, dtype=np.float64)
        self.intercept_scale = intercept_scale

    def _first_layer(self, vector):
        coefs, intercepts = self.layout.unpack(vector)
        return coefs[0], intercepts[0]

    def to_theta(self, u):
        """Return ``theta`` for the solver's variables ``u``."""
        theta = np.array(u, dtype=np.float64)
        coef, intercept = self._first_layer(theta)
        coef *= self.coef_scale
        intercept *= self.intercept_scale
        intercept -= self.mean @ coef
        return theta

    def to_u(self, theta):
        """Return the solver's variables for ``theta``."""
        u = np.array(theta, dtype=np.float64)
        coef, intercept = self._first_layer(u)
        intercept += self.mean @ coef
        intercept /= self.intercept_scale
        coef /= self.coef_scale
        return u

    def gradient_to_u(self, gradient):
        """Return the gradient with respect to ``u`` from the one for ``theta``."""
        out = np.array(gradient, dtype=np.float64)
        coef, intercept = self._first_layer(out)
        # d/dW at fixed centred intercepts is dJ/dW - mu (dJ/db)^T; then the scale.
        subtract_outer(coef, self.mean, intercept)
        coef *= self.coef_scale
        intercept *= self.intercept_scale
        return out

    def hessp_to_u(self, hessp, u, vector):
        """Return ``T^T H T vector`` given ``hessp(theta, direction) = H direction``."""
        return self.gradient_to_u(hessp(self.to_theta(u), self.to_theta(vector)))

    def for_outputs(self, outputs):
        """The map of the linear model restricted to the outputs ``outputs`` (indices)."""
        coef_scale = self.coef_scale
        if coef_scale.shape[1] > 1:
            coef_scale = coef_scale[:, outputs]
        intercept_scale = self.intercept_scale
        if np.ndim(intercept_scale):
            intercept_scale = intercept_scale[outputs]
        return CentredScaling(_output_layout(self.layout, outputs), self.mean, coef_scale,
                              intercept_scale)


def _output_layout(layout, outputs):
    """The linear model's layout with the outputs ``outputs`` only."""
    if layout.n_layers != 1:
        raise ValueError("Only the linear model's outputs are independent problems.")
    return ParameterLayout((layout.layer_sizes[0], len(outputs)))


class _CentredWeightMap:
    """A linear model's map ``W = T_W(V)``, ``b = s_b * v_b - W^T mu``.

    The intercepts are measured on centred features, which decouples them
    from the weights; a subclass gives the weights' map ``T_W`` (per output
    column), its inverse and its transpose.
    """

    def __init__(self, layout, mean, intercept_scale, shape):
        self.layout = layout
        self.mean = mean
        self.intercept_scale = intercept_scale
        self._buffer = np.empty(shape)

    def _weights(self, v, out):
        """Write ``T_W(v)`` into ``out``."""
        raise NotImplementedError

    def _weights_inverse(self, coef, out):
        """Write ``T_W^-1(coef)`` into ``out``."""
        raise NotImplementedError

    def _weights_transpose(self, gradient, out):
        """Write ``T_W^T gradient`` into ``out`` (``gradient`` may be overwritten)."""
        raise NotImplementedError

    def to_theta(self, u):
        """Return ``theta`` for the solver's variables ``u``."""
        (v,), (v_intercept,) = self.layout.unpack(u)
        theta = np.empty(self.layout.n_params)
        (coef,), (intercept,) = self.layout.unpack(theta)
        self._weights(v, coef)
        np.multiply(self.intercept_scale, v_intercept, out=intercept)
        intercept -= self.mean @ coef
        return theta

    def to_u(self, theta):
        """Return the solver's variables for ``theta``."""
        (coef,), (intercept,) = self.layout.unpack(np.asarray(theta, dtype=np.float64))
        u = np.empty(self.layout.n_params)
        (v,), (v_intercept,) = self.layout.unpack(u)
        self._weights_inverse(coef, v)
        v_intercept[...] = (intercept + self.mean @ coef) / self.intercept_scale
        return u

    def gradient_to_u(self, gradient):
        """Return the gradient with respect to ``u`` from the one for ``theta``."""
        (grad_coef,), (grad_intercept,) = self.layout.unpack(gradient)
        out = np.empty(self.layout.n_params)
        (v,), (v_intercept,) = self.layout.unpack(out)
        # d/dW at fixed b~ is dJ/dW - mu (dJ/db)^T; then the chain rule through T_W.
        np.copyto(self._buffer, grad_coef)
        subtract_outer(self._buffer, self.mean, grad_intercept)
        self._weights_transpose(self._buffer, v)
        np.multiply(grad_intercept, self.intercept_scale, out=v_intercept)
        return out


class CovariancePreconditioner(_CentredWeightMap):
    """``W = basis (S * V)``, ``b = b~ - W^T mu`` for the linear model.

    Parameters
    ----------
    layout : ParameterLayout
        A layout with no hidden layer.
    mean : ndarray of shape (n_features,)
        Weighted mean of the rows of ``X``.
    basis : ndarray of shape (n_features, n_features)
        ``F^-1 Q``: invertible.
    coef_scale : ndarray of shape (n_features, n_outputs)
        ``S``.
    intercept_scale : ndarray of shape (n_outputs,)
        Scale of the centred intercepts ``b~``.
    inverse_basis : ndarray of shape (n_features, n_features)
        ``basis^-1`` (``Q^T F``: ``Q`` is orthogonal).
    penalty_diagonal : ndarray of shape (n_features,)
        ``diag(basis^T basis)``, the penalty's Hessian per unit of strength
        in the unscaled coordinates (its diagonal; :class:`FeatureBasis`).
    """

    def __init__(self, layout, mean, basis, coef_scale, intercept_scale, inverse_basis,
                 penalty_diagonal):
        super().__init__(layout, mean, intercept_scale, coef_scale.shape)
        self.basis = basis
        self.coef_scale = coef_scale
        self.inverse_basis = inverse_basis
        self.penalty_diagonal = penalty_diagonal

    def _weights(self, v, out):
        np.multiply(self.coef_scale, v, out=self._buffer)
        np.matmul(self.basis, self._buffer, out=out)

    def _weights_inverse(self, coef, out):
        np.matmul(self.inverse_basis, coef, out=out)
        out /= self.coef_scale

    def _weights_transpose(self, gradient, out):
        np.matmul(self.basis.T, gradient, out=out)
        out *= self.coef_scale

    def for_outputs(self, outputs):
        """The map restricted to the outputs ``outputs`` (indices)."""
        return CovariancePreconditioner(
            _output_layout(self.layout, outputs), self.mean, self.basis,
            np.take(self.coef_scale, outputs, axis=1), self.intercept_scale[outputs],
            self.inverse_basis, self.penalty_diagonal,
        )


class LowRankJacobiMap(_CentredWeightMap):
    """``W = J^-1 * (M V)``, ``b = s_b * v_b - W^T mu``, for the linear model.

    ``J`` is the square root of the Hessian's diagonal (the centred Jacobi
    map, per feature and output) and ``M = I + E (Sigma - 1) E^T`` whitens
    the leading eigen-directions ``E`` (orthonormal, ``(n_features, r)``) of
    the features' correlation, where the Jacobi map leaves its large
    eigenvalues: ``Sigma_ik`` is one over the square root of direction
    ``i``'s curvature for output ``k``. ``M`` is symmetric and its inverse
    has the same form (``1 / Sigma``). Applying the map costs ``4 d r K``
    multiply-adds per evaluation, against ``d^2 K`` of the full covariance
    map: it serves where the full map's ``d x d`` setup does not pay.

    Parameters
    ----------
    layout : ParameterLayout
        A layout with no hidden layer.
    mean : ndarray of shape (n_features,)
    jacobi : ndarray of shape (n_features, n_outputs)
        ``J``, positive.
    directions : ndarray of shape (n_features, r)
        ``E``.
    direction_scale : ndarray of shape (r, n_outputs)
        ``Sigma``, positive.
    intercept_scale : ndarray of shape (n_outputs,)
    """

    def __init__(self, layout, mean, jacobi, directions, direction_scale, intercept_scale):
        super().__init__(layout, mean, intercept_scale, jacobi.shape)
        self.jacobi = jacobi
        self.directions = directions
        self.direction_scale = direction_scale

    def _whiten(self, matrix, power, out):
        """``out = (I + E (Sigma^power - 1) E^T) matrix``."""
        projected = self.directions.T @ matrix
        projected *= self.direction_scale**power - 1.0
        np.matmul(self.directions, projected, out=out)
        out += matrix
        return out

    def _weights(self, v, out):
        self._whiten(v, 1, out)
        out /= self.jacobi

    def _weights_inverse(self, coef, out):
        self._whiten(coef * self.jacobi, -1, out)

    def _weights_transpose(self, gradient, out):
        gradient /= self.jacobi  # M is symmetric
        self._whiten(gradient, 1, out)

    def for_outputs(self, outputs):
        """The map restricted to the outputs ``outputs`` (indices)."""
        return LowRankJacobiMap(
            _output_layout(self.layout, outputs), self.mean,
            np.take(self.jacobi, outputs, axis=1), self.directions,
            np.take(self.direction_scale, outputs, axis=1),
            self.intercept_scale[outputs],
        )


def low_rank_jacobi_map(layout, moments, per_output, strength, directions, eigenvalues):
    """Build :class:`LowRankJacobiMap` from the leading directions of the feature correlation.

    In the Jacobi coordinates (weights times ``J_jk = sqrt(c_k v_j +
    lambda_k)``) the Hessian of output ``k`` is about
    ``D^1/2 R D^1/2 + (I - D)``, with ``R`` the correlation matrix and
    ``D_jk = c_k v_j / J_jk^2`` the data's share of the curvature; along a
    direction ``e_i`` of ``R`` (eigenvalue ``l_i``) that is
    ``l_i delta_ik + 1 - delta_ik``, ``delta_ik = sum_j e_ij^2 D_jk``.

    Parameters
    ----------
    layout : ParameterLayout
    moments : tuple of ndarray of shape (n_features,)
        The features' mean and variance.
    per_output : ndarray of shape (n_outputs,)
        Summed curvature ``c_k``.
    strength : ndarray of shape (n_outputs,)
        Penalty strength per output.
    directions : ndarray of shape (n_features, r)
        Orthonormal leading eigenvectors of the correlation matrix.
    eigenvalues : ndarray of shape (r,)

    Returns
    -------
    LowRankJacobiMap
    """
    mean, variance = moments
    data_curvature, curvature = _weight_curvature(variance, per_output, strength)
    share = (directions**2).T @ (data_curvature / curvature)
    direction_curvature = eigenvalues[:, None] * share + 1.0 - share
    direction_scale = 1.0 / np.sqrt(np.maximum(direction_curvature, _EIGENVALUE_FLOOR))
    return LowRankJacobiMap(layout, mean, np.sqrt(curvature), directions, direction_scale,
                            _intercept_scale(per_output))


def standardized_coordinates(layout, moments, strength):
    """The map to the model's standardized coordinates: the solver's stopping test reads there.

    The first layer's weights of feature ``j`` are measured in units of
    ``1 / sqrt(v_j + 4 lambda K)`` (``v_j`` the feature's loss-weighted
    variance, ``lambda K`` the penalty per unit of sample weight, which keeps
    a constant feature's unit finite) and its intercepts on centred
    features: a gradient in these coordinates does not depend on the scale
    or the offset of a feature. An MLP also starts and is solved in them.

    Parameters
    ----------
    layout : ParameterLayout
    moments : tuple of ndarray of shape (n_features,), or None
        The features' mean and variance; ``None`` (no row has weight) gives
        the identity.
    strength : float
        The penalty's (mean) strength ``lambda``.

    Returns
    -------
    CentredScaling
    """
    n_features = layout.layer_sizes[0]
    if moments is None:
        return CentredScaling(layout, np.zeros(n_features), np.ones((n_features, 1)), 1.0)
    mean, variance = moments
    unit = np.sqrt(variance + 4.0 * strength * layout.layer_sizes[-1])
    unit[~(unit > 0) | ~np.isfinite(unit)] = 1.0
    return CentredScaling(layout, mean, (1.0 / unit)[:, None], 1.0)


def centred_diagonal_map(layout, moments, per_output, strength):
    """``1 / sqrt(diag H)`` of the linear model in centred coordinates (Jacobi).

    The Hessian's diagonal is estimated as ``c_k v_j + lambda_k`` for the
    weight of feature ``j`` and output ``k`` and ``c_k`` for its intercept,
    with ``c_k`` the summed curvature of output ``k`` and ``v_j`` the
    loss-weighted variance of feature ``j``; the intercepts are measured on
    centred features, which decouples them from the weights.

    Parameters
    ----------
    layout : ParameterLayout
        A layout with no hidden layer.
    moments : tuple of ndarray of shape (n_features,)
        The features' mean and variance.
    per_output : ndarray of shape (n_outputs,)
    strength : ndarray of shape (n_outputs,)
        The penalty's strength per output.

    Returns
    -------
    CentredScaling
    """
    mean, variance = moments
    _, curvature = _weight_curvature(variance, per_output, strength)
    return CentredScaling(layout, mean, 1.0 / np.sqrt(curvature), _intercept_scale(per_output))


def _weight_curvature(variance, per_output, strength):
    """The data's part ``c_k v_j`` of the weights' Hessian diagonal, and the whole diagonal.

    A weight with no curvature at all (an output without weight, and no
    penalty) gets a unit one.
    """
    data_curvature = np.outer(variance, per_output)
    curvature = data_curvature + strength
    curvature[curvature <= 0] = 1.0
    return data_curvature, curvature


def _intercept_scale(per_output):
    """``1 / sqrt(c_k)`` of the centred intercepts (1 for an output without weight)."""
    return 1.0 / np.sqrt(np.where(per_output > 0, per_output, 1.0))


# The covariance map may cost at most this many iterations' work to build.
_COVARIANCE_BUDGET_ITERATIONS = 50

# Work of one L-BFGS-B iteration beyond the two matrix products, in
# multiply-add equivalents: about this much per parameter, plus a fixed part
# (measured: 500-1300 ns per parameter, benchmarks/README.md).
_SOLVER_WORK_PER_PARAMETER = 500
_SOLVER_WORK_PER_ITERATION = 10**6


def covariance_is_affordable(n_samples, n_features, n_outputs, stored=None):
    """Whether the :class:`CovariancePreconditioner` is worth building.

    In multiply-adds: the covariance of the sampled rows (``rows d^2`` for
    dense features; for sparse ones about ``rows (nnz / n)^2`` plus the
    ``d x d`` result) and its eigendecomposition (about ``5 d^3``), against
    one iteration's work: the two products over the ``stored`` values of
    ``X`` (``n d`` dense, ``nnz`` sparse) for each of the ``K`` outputs, and
    the solver's own work on the ``(d + 1) K`` parameters. The map is built
    when it costs at most ``_COVARIANCE_BUDGET_ITERATIONS`` iterations, so
    sparse text with few labels gets the centred diagonal map (its products
    are cheap next to a ``d x d`` eigendecomposition) and many labels the
    covariance map. Beyond 1024 features the eigendecomposition alone takes
    seconds. Nor is it built when applying it, ``2 d^2 K`` per evaluation
    (the weights' map and its transpose for the gradient), would cost more
    than the rest of the iteration: very sparse rows with many labels,
    where the low-rank or the diagonal map is cheaper.

    Parameters
    ----------
    n_samples, n_features, n_outputs : int
    stored : int, default=None
        Stored values of ``X``: its ``nnz`` when sparse; ``None`` for dense.
    """
    build, iteration = covariance_costs(n_samples, n_features, n_outputs, stored)
    application = 2 * n_features**2 * n_outputs
    return (n_features <= 1024 and application <= iteration
            and build <= _COVARIANCE_BUDGET_ITERATIONS * iteration)


def covariance_costs(n_samples, n_features, n_outputs, stored=None):
    """Multiply-adds of building the covariance map, and of one solver iteration.

    See :func:`covariance_is_affordable`: the covariance of the sampled rows
    and its eigendecomposition; the two products and the solver's work on
    the parameters.
    """
    n, d, k = n_samples, n_features, n_outputs
    rows = min(n, max(2000, _ROWS_PER_FEATURE * d))
    if stored is None:
        stored, covariance = n * d, rows * d**2
    else:
        covariance = rows * (stored / max(n, 1)) ** 2 + d**2
    iteration = (2 * stored * k + _SOLVER_WORK_PER_PARAMETER * (d + 1) * k
                 + _SOLVER_WORK_PER_ITERATION)
    return covariance + 5 * d**3, iteration


def covariance_stride(n_samples, n_features):
    """Every how many rows the covariance is estimated from.

    About ``_ROWS_PER_FEATURE`` rows per feature, and at least 2,000, are
    read: the map only needs the covariance roughly, and all rows of a tall
    ``X`` would cost several objective evaluations.
    """
    return max(1, n_samples // max(2000, _ROWS_PER_FEATURE * n_features))


# The low-rank map whitens at most this many leading directions of the
# feature correlation, and is not built for fewer than _LOW_RANK_MIN (a
# factor model of rank 20 needed 811 iterations with the diagonal map, 167
# with 16 directions and 76 with 32: benchmarks/README.md).
_LOW_RANK = 64
_LOW_RANK_MIN = 16

# Randomized subspace iteration (Halko, Martinsson and Tropp, 2011): extra
# vectors beyond the rank, and power iterations; each costs two products
# with the sampled rows.
_OVERSAMPLING = 8
_POWER_ITERATIONS = 2


def low_rank_size(n_samples, n_features, stored=None):
    """How many correlation directions the low-rank map whitens (0: none).

    The map costs ``4 d r K`` multiply-adds per evaluation; ``r`` is kept so
    that this is at most the two products with ``X`` (``2 stored K``), at
    most ``_LOW_RANK`` and a quarter of the features. Where the features
    are correlated it saves far more than it costs (delicious' word
    features, with the covariance map refused: 89 iterations instead of the
    diagonal map's 413); on independent features it costs up to a quarter
    of a fit's time (synthetic Zipf text, benchmarks/README.md). Very
    sparse rows (fewer than ``2 _LOW_RANK_MIN`` stored values per feature)
    get none. Nor do fewer samples than features: labels are then often
    separable, the curvature collapses from the start's to the margin
    samples', and a map built from the start's correlation costs iterations
    (measured: 3x more than the diagonal map on separable labels).

    Parameters
    ----------
    n_samples, n_features : int
    stored : int, default=None
        Stored values of ``X``: its ``nnz`` when sparse; ``None`` for dense.
    """
    if n_samples < n_features:
        return 0
    stored = n_samples * n_features if stored is None else stored
    rank = min(_LOW_RANK, n_features // 4, stored // (2 * max(n_features, 1)))
    return rank if rank >= _LOW_RANK_MIN else 0


# A correlation eigenvalue is structure, not sampling noise, beyond this
# multiple of the largest eigenvalue that independent features would show.
_NOISE_EDGE_FACTOR = 2.0


def correlated(eigenvalues, n_samples, n_features):
    """Whether the leading correlation ``eigenvalues`` show features that vary together.

    The sample correlation of ``n_samples`` rows of independent features has
    its eigenvalues up to about ``(1 + sqrt(d / n))^2`` (the Marchenko-Pastur
    edge); whitening directions at that level gains nothing over the
    diagonal map and costs ``4 d r K`` per evaluation. Synthetic text of
    independent words (1,191 x 998) has its largest at 3.4 against an edge
    of 3.7, a Corel5k-shaped set of independent words 1.9 against 1.9;
    delicious's words 124 against 1.4, medical's 21.5 against 7.0.
    """
    edge = (1.0 + np.sqrt(n_features / max(n_samples, 1))) ** 2
    return bool(eigenvalues.size) and float(eigenvalues[0]) > _NOISE_EDGE_FACTOR * edge


@dataclass
class LeadingDirections:
    """The penalty-free part of :class:`LowRankJacobiMap`: a few eigenpairs of the correlation.

    Attributes
    ----------
    directions : ndarray of shape (n_features, r)
        Orthonormal leading eigenvectors.
    eigenvalues : ndarray of shape (r,)
    """

    directions: np.ndarray
    eigenvalues: np.ndarray


def leading_directions(product, n_features, rank):
    """The ``rank`` leading eigenpairs of a symmetric positive semi-definite operator.

    Randomized subspace iteration with Rayleigh-Ritz, from a fixed seed (a
    fit is deterministic).

    Parameters
    ----------
    product : callable
        ``V -> C V`` for ``V`` of shape ``(n_features, p)``.
    n_features, rank : int

    Returns
    -------
    LeadingDirections
    """
    size = min(n_features, rank + _OVERSAMPLING)
    start = np.random.default_rng(0).standard_normal((n_features, size))
    basis, _ = np.linalg.qr(product(start))
    for _ in range(_POWER_ITERATIONS):
        basis, _ = np.linalg.qr(product(basis))
    small = basis.T @ product(basis)
    values, vectors = np.linalg.eigh(0.5 * (small + small.T))
    order = np.argsort(values)[::-1][:rank]
    return LeadingDirections(basis @ vectors[:, order], np.maximum(values[order], 0.0))


@dataclass
class FeatureBasis:
    """The penalty-free part of :class:`CovariancePreconditioner`: one eigendecomposition.

    It depends on the rows only, so a regularization path builds it once
    and rescales it for every strength (:func:`scaled_preconditioner`).

    Attributes
    ----------
    mean : ndarray of shape (n_features,)
        Weighted mean of the rows of ``X``.
    basis : ndarray of shape (n_features, n_features)
        ``F^-1 Q``.
    eigenvalues : ndarray of shape (n_features,)
        ``l``, floored; 0 for the constant features.
    penalty_diagonal : ndarray of shape (n_features,)
        ``d``, the penalty in the rotated coordinates per unit of strength.
    inverse_basis : ndarray of shape (n_features, n_features)
        ``Q^T F``, the inverse of ``basis``: a warm start's change of
        variables is a product, not a solve.
    """

    mean: np.ndarray
    basis: np.ndarray
    eigenvalues: np.ndarray
    penalty_diagonal: np.ndarray
    inverse_basis: np.ndarray


def feature_basis(mean, covariance, full_variance=None):
    """Decompose the weighted feature covariance into a :class:`FeatureBasis`.

    Parameters
    ----------
    mean : ndarray of shape (n_features,)
    covariance : ndarray of shape (n_features, n_features)
        Weighted covariance of the features (of sampled rows).
    full_variance : ndarray of shape (n_features,), default=None
        The features' variance over all the rows, when ``covariance`` is
        that of a sample of them.

    Returns
    -------
    FeatureBasis
    """
    n_features = covariance.shape[0]
    variance = np.diag(covariance).copy()
    # Constant features (no variance beyond rounding, relative to their own
    # magnitude) stay out of the rotation: their weights only meet the penalty.
    varying = _varies(variance, mean)
    feature_scale = np.ones(n_features)
    eigenvalues = np.zeros(n_features)
    eigenvectors = np.eye(n_features)
    if varying.any():
        spread = variance[varying].max() / variance[varying].min()
        if spread > _SCALE_SPREAD:
            # Scales too far apart for one eigendecomposition to resolve the
            # small ones: decompose the correlation matrix instead.
            feature_scale[varying] = np.sqrt(variance[varying])
        block = np.ix_(varying, varying)
        values, vectors = np.linalg.eigh(
            covariance[block] / np.outer(feature_scale[varying], feature_scale[varying])
        )
        eigenvalues[varying] = np.maximum(values, _EIGENVALUE_FLOOR * values[-1])
        eigenvectors[block] = vectors
    if full_variance is not None:
        # A rare value the sample missed (a one-hot column with a few
        # positives): outside the rotation, the feature keeps the diagonal
        # curvature of all the rows, not the penalty's alone.
        missed = ~varying & _varies(full_variance, mean)
        eigenvalues[missed] = full_variance[missed]
    # The penalty in the rotated coordinates, sum_i Q_ij^2 / F_i^2: exact
    # (lambda) when the covariance itself was decomposed (F = 1), its diagonal
    # otherwise.
    penalty_diagonal = (eigenvectors**2).T @ (1.0 / feature_scale**2)
    return FeatureBasis(
        mean, eigenvectors / feature_scale[:, None], eigenvalues, penalty_diagonal,
        np.ascontiguousarray((eigenvectors * feature_scale[:, None]).T),
    )


def _varies(variance, mean):
    """Whether each feature has variance beyond rounding, relative to its magnitude."""
    return variance > _CONSTANT_FEATURE_VARIANCE * (variance + mean**2)


def scaled_preconditioner(layout, basis, per_output, l2):
    """Build :class:`CovariancePreconditioner` from a :class:`FeatureBasis`: no decomposition.

    Parameters
    ----------
    layout : ParameterLayout
        A layout with no hidden layer.
    basis : FeatureBasis
    per_output : ndarray of shape (n_outputs,)
        Summed curvature ``c_k`` of each output.
    l2 : float or ndarray of shape (n_outputs,)
        Penalty on the weights (one per output allowed).

    Returns
    -------
    CovariancePreconditioner
    """
    curvature = np.outer(basis.eigenvalues, per_output) + np.outer(
        basis.penalty_diagonal, np.broadcast_to(l2, per_output.shape)
    )
    # No curvature at all (an output without weight, and no penalty): unit scale.
    curvature[curvature <= 0] = 1.0
    return CovariancePreconditioner(
        layout, basis.mean, basis.basis, 1.0 / np.sqrt(curvature),
        _intercept_scale(per_output), basis.inverse_basis, basis.penalty_diagonal,
    )


def covariance_preconditioner(layout, mean, covariance, per_output, l2):
    """Build :class:`CovariancePreconditioner` from the feature statistics.

    Parameters
    ----------
    layout : ParameterLayout
        A layout with no hidden layer.
    mean : ndarray of shape (n_features,)
    covariance : ndarray of shape (n_features, n_features)
        Weighted covariance of the features.
    per_output : ndarray of shape (n_outputs,)
        Summed curvature ``c_k`` of each output.
    l2 : float or ndarray of shape (n_outputs,)
        Penalty on the weights.

    Returns
    -------
    CovariancePreconditioner
    """
    return scaled_preconditioner(layout, feature_basis(mean, covariance), per_output, l2)
