"""Changes of variables ``theta = T(u)`` that make L-BFGS's problem round.

L-BFGS needs fewer iterations when the Hessian in its variables is close to
the identity. Two linear maps are used:

- :class:`DiagonalPreconditioner`, ``theta = scale * u`` (Jacobi): evens out
  the curvature between parameters, e.g. between a rare and a common label.
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
``gradient_to_u``, the chain rule ``T^T g``. Pure NumPy, no scikit-learn.
"""

import numpy as np

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


class DiagonalPreconditioner:
    """``theta = scale * u``.

    Parameters
    ----------
    scale : ndarray of shape (n_params,)
        Positive scale of each parameter.
    """

    def __init__(self, scale):
        self.scale = np.asarray(scale, dtype=np.float64)

    def to_theta(self, u):
        """Return ``theta`` for the solver's variables ``u``."""
        return self.scale * u

    def to_u(self, theta):
        """Return the solver's variables for ``theta``."""
        return theta / self.scale

    def gradient_to_u(self, gradient):
        """Return the gradient with respect to ``u`` from the one for ``theta``."""
        return self.scale * gradient

    def hessp_to_u(self, hessp, u, vector):
        """Return ``T^T H T vector`` given ``hessp(theta, direction) = H direction``."""
        return self.scale * hessp(self.scale * u, self.scale * vector)


class CovariancePreconditioner:
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
    """

    def __init__(self, layout, mean, basis, coef_scale, intercept_scale):
        self.layout = layout
        self.mean = mean
        self.basis = basis
        self.coef_scale = coef_scale
        self.intercept_scale = intercept_scale
        self._buffer = np.empty(coef_scale.shape)

    def to_theta(self, u):
        """Return ``theta`` for the solver's variables ``u``."""
        (v,), (v_intercept,) = self.layout.unpack(u)
        theta = np.empty(self.layout.n_params)
        (coef,), (intercept,) = self.layout.unpack(theta)
        np.multiply(self.coef_scale, v, out=self._buffer)
        np.matmul(self.basis, self._buffer, out=coef)
        np.multiply(self.intercept_scale, v_intercept, out=intercept)
        intercept -= self.mean @ coef
        return theta

    def to_u(self, theta):
        """Return the solver's variables for ``theta``."""
        (coef,), (intercept,) = self.layout.unpack(np.asarray(theta, dtype=np.float64))
        u = np.empty(self.layout.n_params)
        (v,), (v_intercept,) = self.layout.unpack(u)
        v[...] = np.linalg.solve(self.basis, coef)
        v /= self.coef_scale
        v_intercept[...] = (intercept + self.mean @ coef) / self.intercept_scale
        return u

    def gradient_to_u(self, gradient):
        """Return the gradient with respect to ``u`` from the one for ``theta``."""
        (grad_coef,), (grad_intercept,) = self.layout.unpack(gradient)
        out = np.empty(self.layout.n_params)
        (v,), (v_intercept,) = self.layout.unpack(out)
        # d/dW at fixed b~ is dJ/dW - mu (dJ/db)^T; then the chain rule through the map.
        np.multiply(self.mean[:, None], grad_intercept, out=self._buffer)
        np.subtract(grad_coef, self._buffer, out=self._buffer)
        np.matmul(self.basis.T, self._buffer, out=v)
        v *= self.coef_scale
        np.multiply(grad_intercept, self.intercept_scale, out=v_intercept)
        return out


# Units within this factor of 1 are left at 1 (a power of two: 2**2), so
# ordinary data are fitted as without units.
_UNIT_DEAD_ZONE_EXPONENT = 2


def parameter_units(layout, second_moment, strength):
    """Return the unit of each parameter for the stopping test and scaling.

    The first layer's weights of feature ``j`` get the power of two nearest
    to ``sqrt(m_j + 4 lambda K)``, with ``m_j`` the loss-weighted mean of
    ``x_j^2`` and ``lambda K`` the penalty per unit of sample weight: a
    weight measured in this unit moves the logits like a weight on a
    standardized feature, so ``tol`` means the same for features of scale
    1e-8 or 1e8. Units within a factor 4 of 1 are left at 1. Every other
    parameter gets 1.

    Parameters
    ----------
    layout : ParameterLayout
    second_moment : ndarray of shape (n_features,) or None
        ``m_j``; ``None`` (no row has weight) gives all ones.
    strength : float
        The penalty's (mean) strength ``lambda``.

    Returns
    -------
    ndarray of shape (n_params,)
    """
    units = np.ones(layout.n_params)
    if second_moment is None:
        return units
    penalty = 4.0 * strength * layout.layer_sizes[-1]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        exponent = np.round(np.log2(np.sqrt(second_moment + penalty)))
    exponent[~np.isfinite(exponent) | (np.abs(exponent) <= _UNIT_DEAD_ZONE_EXPONENT)] = 0
    (first_coef, *_), _ = layout.unpack(units)
    first_coef *= np.exp2(exponent)[:, None]
    return units


def diagonal_scale(layout, second_moment, per_output, l2):
    """``1 / sqrt(diag H)`` of the linear model from its summed statistics.

    The diagonal of the Hessian is estimated as ``c_k m_j + lambda`` for the
    weight of feature ``j`` and output ``k`` and ``c_k`` for its intercept,
    with ``c_k`` the summed curvature of output ``k`` and ``m_j`` the
    weighted mean of ``x_j^2``.

    Parameters
    ----------
    layout : ParameterLayout
    second_moment : ndarray of shape (n_features,)
    per_output : ndarray of shape (n_outputs,)
    l2 : float

    Returns
    -------
    ndarray of shape (n_params,)
    """
    diagonal = layout.pack([np.outer(second_moment, per_output) + l2], [per_output])
    # A label with no curvature (no weight at all) keeps the unit scale.
    diagonal[diagonal <= 0] = 1.0
    return 1.0 / np.sqrt(diagonal)


def covariance_is_affordable(n_samples, n_features, n_outputs):
    """Whether building :class:`CovariancePreconditioner` costs at most about twenty evaluations.

    In multiply-adds: the covariance of the sampled rows takes
    ``rows d^2`` and its eigendecomposition about ``5 d^3`` (measured),
    against ``2 n d K`` for the two products of one evaluation. Beyond 1024
    features the eigendecomposition alone takes seconds.
    """
    n, d, k = n_samples, n_features, n_outputs
    rows = min(n, max(2000, _ROWS_PER_FEATURE * d))
    return d <= 1024 and rows * d**2 + 5 * d**3 <= 20 * (2 * n * d * k)


def covariance_stride(n_samples, n_features):
    """Every how many rows the covariance is estimated from.

    About ``_ROWS_PER_FEATURE`` rows per feature, and at least 2,000, are
    read: the map only needs the covariance roughly, and all rows of a tall
    ``X`` would cost several objective evaluations.
    """
    return max(1, n_samples // max(2000, _ROWS_PER_FEATURE * n_features))


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
    l2 : float
        Penalty on the weights.

    Returns
    -------
    CovariancePreconditioner
    """
    n_features = covariance.shape[0]
    variance = np.diag(covariance).copy()
    # Constant features (no variance beyond rounding, relative to their own
    # magnitude) stay out of the rotation: their weights only meet the penalty.
    varying = variance > _CONSTANT_FEATURE_VARIANCE * (variance + mean**2)
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
    # The penalty in the rotated coordinates, sum_i Q_ij^2 / F_i^2: exact
    # (lambda) when the covariance itself was decomposed (F = 1), its diagonal
    # otherwise.
    penalty_diagonal = (eigenvectors**2).T @ (1.0 / feature_scale**2)
    curvature = np.outer(eigenvalues, per_output) + l2 * penalty_diagonal[:, None]
    # No curvature at all (an output without weight, and no penalty): unit scale.
    curvature[curvature <= 0] = 1.0
    intercept_curvature = np.where(per_output > 0, per_output, 1.0)
    return CovariancePreconditioner(
        layout,
        mean,
        eigenvectors / feature_scale[:, None],
        1.0 / np.sqrt(curvature),
        1.0 / np.sqrt(intercept_curvature),
    )
