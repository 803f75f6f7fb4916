"""Loss plus penalty as one function of the flat parameter vector.

``BCEObjective(theta) -> (value, gradient)`` is what
``scipy.optimize.minimize(jac=True)`` calls. It owns its scratch buffers and
reuses them across calls, and it never writes into an estimator.
"""

import itertools

import numpy as np
from scipy import sparse

from ._loss import _BLOCK_BYTES, SINGLE_THREAD_BLOCK_BYTES, hessian_weights, loss_gradient
from ._network import allocate_activations, backward, forward
from ._preconditioner import (
    DiagonalPreconditioner,
    covariance_is_affordable,
    covariance_preconditioner,
    diagonal_scale,
    weighted_column_squares,
    weighted_covariance,
)
from ._threads import is_small


def units_from_moments(layout, second_moment, l2):
    """Parameter units from the weighted mean ``m_j`` of each ``x_j^2``.

    See :meth:`BCEObjective.parameter_units`; shared with the objective on
    Dask arrays, which gathers ``m_j`` chunk by chunk.
    """
    units = np.ones(layout.n_params)
    penalty = 4.0 * l2 * layout.layer_sizes[-1]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        exponent = np.round(np.log2(np.sqrt(second_moment + penalty)))
    exponent[~np.isfinite(exponent) | (np.abs(exponent) <= 2)] = 0
    (first_coef, *_), _ = layout.unpack(units)
    first_coef *= np.exp2(exponent)[:, None]
    return units


class BCEObjective:
    r"""Regularized BCE of a linear model or MLP, as a function of ``theta``.

    .. math::

        J(\theta) = \sum_{nk} A_{nk}\, \mathrm{softplus}(Z_{nk}) - B_{nk} Z_{nk}
        + \frac{\lambda}{2} \sum_l \lVert W_l \rVert^2

    where ``Z`` are the network's logits and ``A``, ``B`` come from
    :func:`skbce._loss.bce_coefficients`. Intercepts are not penalized.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training inputs, float32 or float64; never copied.
    A, B : ndarray
        Loss coefficients, in the dtype of ``X``.
    layout : ParameterLayout
        The network's parametrization.
    activation : str
        Hidden activation.
    l2 : float
        Penalty strength ``lambda`` (``alpha / (n_outputs * weight_sum)`` for
        the estimator's objective).
    """

    def __init__(self, X, A, B, layout, activation, l2):
        self.X = X
        self.A = A
        self.B = B
        self.layout = layout
        self.activation = activation
        self.l2 = float(l2)
        self.dtype = X.dtype
        n_samples = X.shape[0]
        self._activations = allocate_activations(layout, n_samples, self.dtype)
        self._scratch = [np.empty_like(h) for h in self._activations[:-1]]
        self._grad_logits = np.empty((n_samples, layout.layer_sizes[-1]), dtype=self.dtype)
        self._grad = np.empty(layout.n_params, dtype=self.dtype)
        # The solver runs small problems on one BLAS thread: larger kernel blocks.
        self._block_bytes = (
            SINGLE_THREAD_BLOCK_BYTES if is_small(self.largest_product) else _BLOCK_BYTES
        )
        self._second_moment = None

    def _row_weight(self):
        """Weight of each sample in the loss: the row sums of ``A`` (float64)."""
        return self.A.sum(axis=1, dtype=np.float64)

    def _weighted_second_moment(self):
        """Weighted mean of each ``x_j^2`` (``None`` when no sample has weight).

        A pass over ``X``, shared by the parameter units and the diagonal scale.
        """
        if self._second_moment is None:
            sample_weight = self._row_weight()
            total = sample_weight.sum()
            if total > 0:
                self._second_moment = weighted_column_squares(self.X, sample_weight / total)
        return self._second_moment

    @property
    def largest_product(self):
        """Multiply-adds of the largest matrix product of one evaluation."""
        sizes = self.layout.layer_sizes
        return self.X.shape[0] * max(a * b for a, b in itertools.pairwise(sizes))

    def _parameters(self, theta):
        return self.layout.unpack(np.asarray(theta, dtype=self.dtype))

    def logits(self, theta):
        """Return the logits ``Z`` at ``theta`` (a scratch buffer: copy to keep it)."""
        coefs, intercepts = self._parameters(theta)
        return forward(self.X, coefs, intercepts, self.activation, self._activations)

    def loss_gradient(self, theta):
        """Return ``J(theta)`` and its gradient.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Flat parameters (any float dtype; the network runs in ``X``'s).

        Returns
        -------
        value : float
        gradient : ndarray of shape (n_params,), float64
        """
        coefs, intercepts = self._parameters(theta)
        raw = forward(self.X, coefs, intercepts, self.activation, self._activations)
        value, grad_logits = loss_gradient(
            raw, self.A, self.B, self._grad_logits, self._block_bytes
        )
        grad_coefs, grad_intercepts = self.layout.unpack(self._grad)
        backward(
            self.X, coefs, self.activation, self._activations, grad_logits,
            grad_coefs, grad_intercepts, self._scratch,
        )
        if self.l2 > 0:
            for coef, grad_coef in zip(coefs, grad_coefs):
                value += 0.5 * self.l2 * float(np.vdot(coef, coef))
                grad_coef += self.l2 * coef
        # The solver may keep the array it is given: hand it a fresh float64 one.
        return value, self._grad.astype(np.float64)

    __call__ = loss_gradient

    def _curvature_per_output(self, theta):
        """Summed curvature ``A sigmoid'(Z)`` of each output at ``theta``."""
        raw = self.logits(theta)
        per_output = np.zeros(raw.shape[1])
        for start in range(0, raw.shape[0], 4096):  # in blocks: no n x K temporary
            rows = slice(start, start + 4096)
            per_output += hessian_weights(raw[rows], self.A[rows]).sum(axis=0, dtype=np.float64)
        return per_output

    def diagonal_scale(self, theta):
        """Return ``1 / sqrt(diag H)`` for the linear model (``None`` for an MLP).

        The diagonal of the Hessian at ``theta`` is estimated as
        ``c_k m_j + lambda`` for the weight of feature ``j`` and output ``k``
        and ``c_k`` for its intercept, with ``c_k`` the summed curvature
        ``A sigmoid'(Z)`` of output ``k`` and ``m_j`` the weighted mean of
        ``x_j^2``: exact when the curvature does not vary across samples,
        and it costs one pass over ``X`` with no copy.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)

        Returns
        -------
        ndarray of shape (n_params,) or None
        """
        if self.layout.n_layers != 1:
            return None
        per_output = self._curvature_per_output(theta)
        return diagonal_scale(self.layout, self._weighted_second_moment(), per_output, self.l2)

    def preconditioner(self, theta):
        """Return the change of variables L-BFGS should work in (``None`` for an MLP).

        The linear model gets a
        :class:`~skbce._preconditioner.CovariancePreconditioner` when building
        it costs no more than about twenty evaluations (see
        :func:`~skbce._preconditioner.covariance_is_affordable`); otherwise
        the diagonal one.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            The starting point, where the curvature is measured.

        Returns
        -------
        DiagonalPreconditioner, CovariancePreconditioner or None
        """
        if self.layout.n_layers != 1:
            return None
        if not covariance_is_affordable(*self.X.shape, self.layout.layer_sizes[-1]):
            return DiagonalPreconditioner(self.diagonal_scale(theta))
        mean, covariance = weighted_covariance(self.X, self._row_weight())
        return covariance_preconditioner(
            self.layout, mean, covariance, self._curvature_per_output(theta), self.l2
        )

    def parameter_units(self):
        """Return the unit of each parameter for the stopping test and scaling.

        The first layer's weights of feature ``j`` get the power of two
        nearest to ``sqrt(m_j + 4 lambda K)``, with ``m_j`` the weighted mean
        of ``x_j^2`` (``lambda K`` is the penalty per unit of sample weight):
        a weight measured in this unit moves the logits like a weight on a
        standardized feature, so ``tol`` means the same for features of scale
        1e-8 or 1e8. Units within a factor 4 of 1 are left at 1, so ordinary
        data are fitted as without units. Every other parameter gets 1.

        Returns
        -------
        ndarray of shape (n_params,)
        """
        second_moment = self._weighted_second_moment()
        if second_moment is None:
            return np.ones(self.layout.n_params)
        return units_from_moments(self.layout, second_moment, self.l2)

    def _hessian_weights(self, theta):
        """``A sigmoid'(Z)`` at ``theta``, kept while the solver probes one point."""
        cached_theta, weights = getattr(self, "_hessian_cache", (None, None))
        if cached_theta is None or not np.array_equal(cached_theta, theta):
            weights = hessian_weights(self.logits(theta), self.A)
            self._hessian_cache = (np.array(theta, copy=True), weights)
        return weights

    def hessp(self, theta, vector):
        """Return the Hessian-vector product ``H(theta) @ vector`` (linear model only).

        For ``Z = X W + b`` the Hessian is ``[X 1]^T D [X 1]`` per output with
        ``D = A sigmoid(Z) (1 - sigmoid(Z))``, plus ``lambda`` on the weights.

        Parameters
        ----------
        theta, vector : ndarray of shape (n_params,)

        Returns
        -------
        ndarray of shape (n_params,), float64
        """
        if self.layout.n_layers != 1:
            raise NotImplementedError("Hessian products are for the linear model only.")
        weights = self._hessian_weights(theta)
        (direction_coef,), (direction_intercept,) = self._parameters(vector)
        direction_logits = self.X @ direction_coef
        if sparse.issparse(direction_logits):
            direction_logits = direction_logits.toarray()
        direction_logits += direction_intercept
        direction_logits *= weights
        out = np.empty(self.layout.n_params, dtype=self.dtype)
        (out_coef,), (out_intercept,) = self.layout.unpack(out)
        out_coef[...] = self.X.T @ direction_logits
        np.sum(direction_logits, axis=0, out=out_intercept)
        out_coef += self.l2 * direction_coef
        return out.astype(np.float64)
