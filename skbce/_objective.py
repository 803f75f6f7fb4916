"""Loss plus penalty as one function of the flat parameter vector, over any backend.

``BCEObjective(theta) -> (value, gradient)`` is what
``scipy.optimize.minimize(jac=True)`` calls. The loss is a sum over rows,
computed by the backend's ``map_reduce`` of the kernels below on each block
of rows (:mod:`skbce._rows`); the penalty (:mod:`skbce._penalty`) is added
once, on the whole. The objective never writes into an estimator.

What a solver may ask of an objective is the :class:`Objective` protocol.
"""

from __future__ import annotations

import itertools
from typing import Protocol

import numpy as np
from scipy import sparse

from ._loss import curvature_sums, hessian_weights, loss_gradient, uniform_coefficient
from ._moments import (
    weighted_centred_product,
    weighted_centred_squares,
    weighted_scatter,
    weighted_sum,
)
from ._network import ParameterLayout, allocate_activations, backward, forward
from ._penalty import L2Penalty


class Objective(Protocol):
    """What the solver requires of an objective.

    Attributes
    ----------
    layout : ParameterLayout
        The flat parameter vector's layout (the model's shape).
    penalty : L2Penalty
        The penalty included in the value; its strengths shape the solver's
        changes of variables.
    dtype : numpy dtype
        The dtype the model computes in (that of ``X``).
    n_samples, n_features : int
        The training rows' shape.
    stored_values : int or None
        The stored values of a sparse ``X`` (its ``nnz``); ``None`` for dense.
    largest_product : int
        Multiply-adds of the largest matrix product of one evaluation (the
        solver's BLAS-thread policy reads it).
    last_output_losses : ndarray of shape (n_outputs,) or None
        The loss of each output (penalty excluded) at the last
        ``loss_gradient``; ``None`` before one. The linear model's solver
        reads it to drop solved labels without evaluating the others again.
    """

    layout: ParameterLayout
    penalty: L2Penalty
    dtype: np.dtype
    n_samples: int
    n_features: int
    stored_values: int | None
    largest_product: int
    last_output_losses: np.ndarray | None

    def loss_gradient(self, theta):
        """Return the value (float) and the gradient (float64 ndarray) at ``theta``."""

    def hessp(self, theta, vector):
        """Return the Hessian at ``theta`` times ``vector`` (linear model only)."""

    def curvature_per_output(self, theta):
        """Return the summed loss curvature ``sum_n A sigmoid'(Z)`` of each output."""

    def loss_gradient_curvature(self, theta):
        """Return ``loss_gradient(theta)`` and ``curvature_per_output(theta)`` in one pass.

        Optional: without it the solver calls the two.
        """

    def prior_curvature(self):
        """Return each output's curvature at its intercept-only optimum."""

    def feature_moments(self):
        """Return the loss-weighted mean and variance of each feature (``None``: no weight)."""

    def feature_covariance(self, stride):
        """Return the loss-weighted mean and covariance of every ``stride``-th row."""

    def correlation_operator(self, stride):
        """Return ``vectors -> C vectors`` for the feature correlation of the strided rows."""

    def for_outputs(self, outputs):
        """Return the linear model's objective of the outputs ``outputs`` alone."""


class BlockLoss:
    r"""The unpenalized BCE of one block of rows, with scratch buffers reused across calls.

    .. math::

        L(\theta) = \sum_{nk} A_{nk}\, \mathrm{softplus}(Z_{nk}) - B_{nk} Z_{nk}

    where ``Z`` are the network's logits on the block's rows ``X`` and
    ``A``, ``B`` come from :func:`skbce._loss.bce_coefficients`.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_rows, n_features)
        Float32 or float64; never copied.
    A, B : ndarray
        Loss coefficients, in the dtype of ``X``.
    layout : ParameterLayout
    activation : str
        Hidden activation.
    product_X : sparse matrix, default=None
        A float32 copy of a sparse float64 ``X`` (the block's ``product_X``):
        the linear model's two products of :meth:`logits` and
        :meth:`loss_gradient` are then formed from it, in float32, and the
        rest in float64.
    """

    def __init__(self, X, A, B, layout, activation, product_X=None):
        self.X, self.A, self.B = X, A, B
        self._X_transpose = X.T  # a view; for sparse X, built once here (see backward)
        self.layout = layout
        self.activation = activation
        self.dtype = X.dtype
        n_rows = X.shape[0]
        self._activations = allocate_activations(layout, n_rows, self.dtype)
        self._scratch = [np.empty_like(h) for h in self._activations[:-1]]
        self._grad_logits = np.empty((n_rows, layout.layer_sizes[-1]), dtype=self.dtype)
        self._grad = np.empty(layout.n_params, dtype=self.dtype)
        # The kernel's form of A: a scalar when every element weighs the same.
        self._kernel_A = uniform_coefficient(A)
        self._hessian_cache = (None, None)
        self._single = None
        if product_X is not None and layout.n_layers == 1:
            # float32 operands of the two products, and their transposed matrix.
            self._single = (product_X, product_X.T,
                            np.empty((layout.layer_sizes[0], layout.layer_sizes[1]), np.float32),
                            np.empty(self._grad_logits.shape, np.float32))

    def _parameters(self, theta):
        return self.layout.unpack(np.asarray(theta, dtype=self.dtype))

    def _forward(self, coefs, intercepts, output_intercept=True):
        """The logits into the last activation buffer (without the intercept if not asked)."""
        if self._single is None:
            return forward(self.X, coefs, intercepts, self.activation, self._activations,
                           output_intercept=output_intercept)
        X, _, coef, _ = self._single
        np.copyto(coef, coefs[0])
        raw = self._activations[-1]
        raw[...] = X @ coef
        if output_intercept:
            raw += intercepts[0]
        return raw

    def _backward(self, coefs, grad_logits, grad_coefs, grad_intercepts):
        """``dL/dW`` (and hidden layers' ``dL/db``) into the gradient views."""
        if self._single is None:
            backward(
                self.X, coefs, self.activation, self._activations, grad_logits,
                grad_coefs, grad_intercepts, self._scratch, output_intercept=False,
                X_transpose=self._X_transpose,
            )
            return
        _, X_transpose, _, delta = self._single
        np.copyto(delta, grad_logits)
        grad_coefs[0][...] = X_transpose @ delta

    def logits(self, theta):
        """Return the logits at ``theta`` (a scratch buffer: copy to keep it)."""
        coefs, intercepts = self._parameters(theta)
        return self._forward(coefs, intercepts)

    def loss_gradient(self, theta):
        """Return ``L(theta)`` per output (float64) and a fresh float64 gradient."""
        coefs, intercepts = self._parameters(theta)
        grad_coefs, grad_intercepts = self.layout.unpack(self._grad)
        # The output intercept is added, and its gradient summed, inside the
        # kernel's cache blocks: two passes over the logits fewer.
        raw = self._forward(coefs, intercepts, output_intercept=False)
        value, grad_logits = loss_gradient(
            raw, self._kernel_A, self.B, self._grad_logits,
            offset=intercepts[-1], offset_gradient=grad_intercepts[-1], per_output=True,
        )
        self._backward(coefs, grad_logits, grad_coefs, grad_intercepts)
        # The solver may keep the array it is given: a fresh float64 one.
        return value, self._grad.astype(np.float64)

    def loss_gradient_curvature(self, theta):
        """:meth:`loss_gradient` and :meth:`curvature_per_output` from one product."""
        value, gradient = self.loss_gradient(theta)
        # The logits stay in the last buffer (backward overwrites the hidden ones only).
        return value, gradient, curvature_sums(self._activations[-1], self._kernel_A)

    def loss(self, theta):
        """Return ``L(theta)`` alone: the forward pass, no backprop."""
        value, _ = loss_gradient(self.logits(theta), self._kernel_A, self.B,
                                 self._grad_logits)
        return value

    def curvature_per_output(self, theta):
        """Summed curvature ``A sigmoid'(Z)`` of each output at ``theta``."""
        coefs, intercepts = self._parameters(theta)
        if self.layout.n_layers == 1 and not coefs[0].any():
            # The linear model's usual start: every row's logits are the
            # intercepts, so each output's curvature is sigma'(b) sum_n A_n.
            at_intercepts = hessian_weights(intercepts[0].astype(np.float64)[None, :], 1.0)[0]
            return at_intercepts * self.A.sum(axis=0, dtype=np.float64)
        return curvature_sums(self.logits(theta), self._kernel_A)

    def _hessian_weights(self, theta):
        """``A sigmoid'(Z)`` at ``theta``, kept while the solver probes one point."""
        cached_theta, weights = self._hessian_cache
        if cached_theta is None or not np.array_equal(cached_theta, theta):
            weights = hessian_weights(self.logits(theta), self.A)
            self._hessian_cache = (np.array(theta, copy=True), weights)
        return weights

    def hessp(self, theta, vector):
        """Return the loss's Hessian at ``theta`` times ``vector`` (linear model), float64.

        For ``Z = X W + b`` the Hessian is ``[X 1]^T D [X 1]`` per output with
        ``D = A sigmoid(Z) (1 - sigmoid(Z))``.
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
        out_coef[...] = self._X_transpose @ direction_logits
        np.sum(direction_logits, axis=0, out=out_intercept)
        return out.astype(np.float64)


def largest_product(X, layout):
    """Multiply-adds of the largest matrix product of one evaluation on the rows ``X``.

    The first layer's product reads each stored value of ``X`` once per
    output column: ``nnz`` of them for sparse ``X``, not ``n d``.
    """
    n_rows = X.shape[0]
    stored = X.nnz if sparse.issparse(X) else n_rows * X.shape[1]
    sizes = layout.layer_sizes
    later = [n_rows * a * b for a, b in itertools.pairwise(sizes[1:])]
    return max([stored * sizes[1], *later])


def _row_weight(block):
    """Weight of each row in the loss: the row sums of ``A`` (float64)."""
    return block.A.sum(axis=1, dtype=np.float64)


def _block_loss(block, layout, activation, outputs=None):
    """The block's :class:`BlockLoss`, kept in its cache while the model shape is the same.

    With ``outputs`` (indices), the loss of those outputs alone, kept beside
    the whole one: its coefficients are copies of those columns.
    """
    key = "loss" if outputs is None else "output_subset_loss"
    loss = block.cache.get(key)
    if (
        loss is None or loss.layout is not layout or loss.activation != activation
        or (outputs is not None and not np.array_equal(loss.outputs, outputs))
    ):
        A, B = block.A, block.B
        if outputs is not None:
            A, B = _output_columns(A, outputs), _output_columns(B, outputs)
        loss = BlockLoss(block.X, A, B, layout, activation, block.product_X)
        loss.outputs = outputs
        block.cache[key] = loss
    return loss


def _output_columns(coefficients, outputs):
    """The columns ``outputs`` of loss coefficients (a single column broadcasts: kept)."""
    if coefficients.shape[1] == 1:
        return coefficients
    # ``take`` gives C order at once (see skbce._lbfgs.keep_columns): a tenth of the time.
    return np.take(coefficients, outputs, axis=1)


# Kernels: functions of a block of rows (see skbce._rows), summed over blocks.


def largest_product_kernel(block, layout):
    return largest_product(block.X, layout)


def loss_gradient_kernel(block, layout, activation, theta, outputs=None):
    return _block_loss(block, layout, activation, outputs).loss_gradient(theta)


def loss_gradient_curvature_kernel(block, layout, activation, theta, outputs=None):
    return _block_loss(block, layout, activation, outputs).loss_gradient_curvature(theta)


def loss_kernel(block, layout, activation, theta):
    return _block_loss(block, layout, activation).loss(theta)


def curvature_kernel(block, layout, activation, theta):
    return _block_loss(block, layout, activation).curvature_per_output(theta)


def coefficient_sums_kernel(block, n_outputs):
    """``sum_n A_nk`` and ``sum_n B_nk`` of each output (float64)."""
    # A single column of A (one weight per row) is summed once, not per output.
    A_sums = np.broadcast_to(block.A.sum(axis=0, dtype=np.float64), (n_outputs,))
    return A_sums.copy(), block.B.sum(axis=0, dtype=np.float64)


def hessp_kernel(block, layout, activation, theta, vector):
    return _block_loss(block, layout, activation).hessp(theta, vector)


def centred_squares_kernel(block, mean):
    """``sum_n a_n (x_nj - mean_j)^2`` per feature, ``a_n`` the loss weight of a row."""
    return weighted_centred_squares(block.X, _row_weight(block), mean)


def _strided_rows(block, stride):
    """The block's rows of global index ``0 mod stride``, and their loss weights."""
    rows = slice((-block.offset) % stride, None, stride)
    return block.X[rows], _row_weight(block)[rows]


def weighted_sum_kernel(block, stride):
    """``sum_n a_n x_n`` and ``sum_n a_n`` over the strided rows."""
    rows, row_weight = _strided_rows(block, stride)
    return weighted_sum(rows, row_weight), float(row_weight.sum())


def correlation_product_kernel(block, stride, mean, scale, vectors):
    """``sum_n a_n z_n z_n^T vectors`` over the strided rows, ``z_n = (x_n - mean) / scale``."""
    rows, row_weight = _strided_rows(block, stride)
    return weighted_centred_product(rows, row_weight, mean, scale, vectors)


def scatter_kernel(block, stride, mean):
    """``sum_n a_n (x_n - mean)(x_n - mean)^T`` over the strided rows."""
    rows, row_weight = _strided_rows(block, stride)
    return weighted_scatter(rows, row_weight, mean)


def _penalized_loss_gradient(rows, penalty, theta, kernel, *args):
    """The loss summed over the blocks of ``rows`` plus the penalty, and its float64 gradient.

    ``kernel(block, *args)`` returns the loss of each output, the gradient
    and possibly more (the curvature), passed on after them. Returns the
    value, the gradient, the loss of each output (without the penalty) and
    the rest.
    """
    losses, gradient, *more = rows.map_reduce(kernel, *args)
    value = penalty.loss_gradient(theta, float(losses.sum()), gradient)
    return float(value), gradient, losses, *more


class BCEObjective:
    r"""Regularized BCE of a linear model or MLP, as a function of ``theta``.

    .. math::

        J(\theta) = \sum_{nk} A_{nk}\, \mathrm{softplus}(Z_{nk}) - B_{nk} Z_{nk}
        + P(\theta)

    with the loss summed over the backend's blocks of rows and the penalty
    ``P`` added once. Implements the :class:`Objective` protocol.

    Parameters
    ----------
    rows : Rows
        Folded training rows (each block has its ``A``, ``B``).
    layout : ParameterLayout
        The network's parametrization.
    activation : str
        Hidden activation.
    penalty : L2Penalty
    """

    def __init__(self, rows, layout, activation, penalty):
        self.rows = rows
        self.layout = layout
        self.activation = activation
        self.penalty = penalty
        self.dtype = rows.dtype
        self.n_samples, self.n_features = rows.n_samples, rows.n_features
        self.stored_values = rows.stored_values
        self.largest_product = rows.map_reduce(largest_product_kernel, layout)
        self._moments = None
        self._prior_curvature = None
        self.last_output_losses = None

    def _theta(self, theta):
        return np.asarray(theta, dtype=self.dtype)

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
        theta = self._theta(theta)
        value, gradient, self.last_output_losses = _penalized_loss_gradient(
            self.rows, self.penalty, theta, loss_gradient_kernel, self.layout, self.activation,
            theta)
        return value, gradient

    __call__ = loss_gradient

    def loss_gradient_curvature(self, theta):
        """Return ``J(theta)``, its gradient and :meth:`curvature_per_output` at ``theta``.

        One pass over the rows: the curvature comes from the logits the
        evaluation computed, not from a product of its own.
        """
        theta = self._theta(theta)
        value, gradient, self.last_output_losses, curvature = _penalized_loss_gradient(
            self.rows, self.penalty, theta, loss_gradient_curvature_kernel, self.layout,
            self.activation, theta)
        return value, gradient, curvature

    def correlation_operator(self, stride):
        """Return ``vectors -> C vectors``, ``C`` the feature correlation of the strided rows.

        ``C`` is the loss-weighted correlation of every ``stride``-th row
        (all rows when those have no weight), the features standardized by
        their moments over all rows (:meth:`feature_moments`; a constant
        feature counts as one of unit scale). Each product is two products
        with the rows: no ``d x d`` matrix is formed.

        Parameters
        ----------
        stride : int

        Returns
        -------
        callable
            ``ndarray of shape (n_features, p) -> ndarray of shape (n_features, p)``.
        """
        mean, variance = self.feature_moments()
        scale = np.sqrt(variance)
        scale[~(scale > 0)] = 1.0
        stride, _, total = self._strided_sums(stride)

        def product(vectors):
            return self.rows.map_reduce(
                correlation_product_kernel, stride, mean, scale, vectors) / total

        return product

    def for_outputs(self, outputs):
        """The linear model's objective of the outputs ``outputs`` (indices) alone.

        The linear model's outputs are independent problems: ``J`` is the
        sum of each output's loss and penalty, so a solver may go on with
        the outputs it has not solved yet. The result gives ``loss_gradient``
        on the restricted layout's parameters.
        """
        return OutputSubsetObjective(self, np.asarray(outputs, dtype=np.intp))

    def loss(self, theta):
        """Return ``J(theta)`` alone (a forward pass per block, no gradient)."""
        theta = self._theta(theta)
        value = self.rows.map_reduce(loss_kernel, self.layout, self.activation, theta)
        coefs, _ = self.layout.unpack(theta)
        return float(value) + (0.0 if self.penalty.is_zero else self.penalty.value(coefs))

    def hessp(self, theta, vector):
        """Return the Hessian-vector product ``H(theta) @ vector`` (linear model only).

        Parameters
        ----------
        theta, vector : ndarray of shape (n_params,)

        Returns
        -------
        ndarray of shape (n_params,), float64
        """
        product = self.rows.map_reduce(
            hessp_kernel, self.layout, self.activation, self._theta(theta), self._theta(vector)
        )
        return self.penalty.hessp(np.asarray(vector, dtype=np.float64), product)

    def curvature_per_output(self, theta):
        """Return ``sum_n A_nk sigmoid'(Z_nk)`` for each output ``k`` at ``theta``."""
        return self.rows.map_reduce(curvature_kernel, self.layout, self.activation,
                                    self._theta(theta))

    def prior_curvature(self):
        """Return each output's curvature at its intercept-only optimum, ``p (1 - p) sum_n A``.

        ``p = sum_n B / sum_n A`` is the output's loss-weighted mean target,
        at which the intercept-only model's logit sits. One pass over the
        loss coefficients, kept.

        Returns
        -------
        ndarray of shape (n_outputs,)
        """
        if self._prior_curvature is None:
            A_sums, B_sums = self.rows.map_reduce(coefficient_sums_kernel,
                                                  self.layout.layer_sizes[-1])
            mean = np.divide(B_sums, A_sums, out=np.zeros_like(A_sums), where=A_sums > 0)
            self._prior_curvature = mean * (1.0 - mean) * A_sums
        return self._prior_curvature

    def feature_moments(self):
        """Return the loss-weighted mean and variance of each feature.

        Two passes over the rows: the mean, then the centred squares (so an
        offset of the features does not cancel their variance).

        Returns
        -------
        tuple of ndarray of shape (n_features,), or None
            ``None`` when no row has weight.
        """
        if self._moments is None:
            sums, total = self.rows.map_reduce(weighted_sum_kernel, 1)
            if total > 0:
                mean = sums / total
                variance = self.rows.map_reduce(centred_squares_kernel, mean) / total
                self._moments = (mean, variance)
        return self._moments

    def feature_covariance(self, stride):
        """Return the loss-weighted mean and covariance of every ``stride``-th row.

        When those rows have no weight, all rows are used.

        Returns
        -------
        mean : ndarray of shape (n_features,)
        covariance : ndarray of shape (n_features, n_features)
        """
        stride, sums, total = self._strided_sums(stride)
        mean = sums / total
        return mean, self.rows.map_reduce(scatter_kernel, stride, mean) / total

    def _strided_sums(self, stride):
        """``stride, sum_n a_n x_n, sum_n a_n`` over every ``stride``-th row.

        When those rows have no weight, over all rows (``stride = 1``).
        """
        sums, total = self.rows.map_reduce(weighted_sum_kernel, stride)
        if total <= 0:  # the stride missed every weighted row: use them all
            stride = 1
            sums, total = self.rows.map_reduce(weighted_sum_kernel, stride)
        return stride, sums, total


class OutputSubsetObjective:
    """:class:`BCEObjective` of the linear model on a subset of its outputs.

    Parameters
    ----------
    whole : BCEObjective
        The objective of every output (a linear model).
    outputs : ndarray of int
        The outputs kept, in order.
    """

    def __init__(self, whole, outputs):
        if whole.layout.n_layers != 1:
            raise ValueError("Only the linear model's outputs are independent problems.")
        self.whole = whole
        self.outputs = outputs
        self.layout = ParameterLayout((whole.n_features, len(outputs)))
        self.penalty = whole.penalty.for_outputs(self.layout, outputs)
        self.dtype = whole.dtype
        self.last_output_losses = None

    def _evaluate(self, kernel, theta):
        theta = np.asarray(theta, dtype=self.dtype)
        value, gradient, self.last_output_losses, *more = _penalized_loss_gradient(
            self.whole.rows, self.penalty, theta, kernel, self.layout, self.whole.activation,
            theta, self.outputs,
        )
        return value, gradient, *more

    def loss_gradient(self, theta):
        """Return the outputs' part of ``J(theta)`` and its gradient (float64)."""
        return self._evaluate(loss_gradient_kernel, theta)

    def loss_gradient_curvature(self, theta):
        """As :meth:`loss_gradient`, and each output's curvature (one pass over the rows)."""
        return self._evaluate(loss_gradient_curvature_kernel, theta)
