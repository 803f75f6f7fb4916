"""The model's parametrization: flat parameter vector, forward pass, backprop.

A network with layer sizes ``(n_features, h_1, ..., h_L, n_outputs)`` maps
``X`` to logits ``Z = H_L W_{L+1} + b_{L+1}`` with hidden layers
``H_l = f(H_{l-1} W_l + b_l)`` and ``H_0 = X``. No hidden layer is the linear
model ``Z = X W + b``. All parameters live in one flat vector, laid out by a
precomputed index table (each layer's weights, row-major, then its
intercepts), so a solver sees a single vector and the layers are views of it.
Pure functions: nothing here keeps state between calls.
"""

import numpy as np
from scipy import sparse
from scipy.special import expit


class ParameterLayout:
    """Where each layer's weights and intercepts sit in the flat vector.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_features, *hidden_layer_sizes, n_outputs)``.

    Attributes
    ----------
    n_params : int
        Length of the flat parameter vector.
    """

    def __init__(self, layer_sizes):
        self.layer_sizes = tuple(int(s) for s in layer_sizes)
        self._table = []
        start = 0
        for fan_in, fan_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            coef_stop = start + fan_in * fan_out
            self._table.append((start, coef_stop, (fan_in, fan_out), coef_stop + fan_out))
            start = coef_stop + fan_out
        self.n_params = start

    @property
    def n_layers(self):
        """Number of weight layers (hidden layers + 1)."""
        return len(self._table)

    def unpack(self, theta):
        """Return ``(coefs, intercepts)``: lists of views into ``theta``.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Flat parameter vector.

        Returns
        -------
        coefs : list of ndarray of shape (fan_in, fan_out)
        intercepts : list of ndarray of shape (fan_out,)
        """
        coefs = [theta[a:b].reshape(shape) for a, b, shape, _ in self._table]
        intercepts = [theta[b:c] for _, b, _, c in self._table]
        return coefs, intercepts

    def pack(self, coefs, intercepts, dtype=np.float64):
        """Return the flat vector holding ``coefs`` and ``intercepts``.

        Parameters
        ----------
        coefs : list of ndarray of shape (fan_in, fan_out)
        intercepts : list of ndarray of shape (fan_out,)
        dtype : numpy dtype, default=np.float64

        Returns
        -------
        ndarray of shape (n_params,)
        """
        theta = np.empty(self.n_params, dtype=dtype)
        theta_coefs, theta_intercepts = self.unpack(theta)
        for dst, src in zip(theta_coefs + theta_intercepts, list(coefs) + list(intercepts)):
            dst[...] = src
        return theta


def initial_parameters(layout, activation, random_state, dtype=np.float64):
    """Return a starting parameter vector.

    The linear model starts at zero (its problem is convex). An MLP starts from
    Glorot-uniform weights and intercepts drawn in the same order as
    scikit-learn's ``MLPClassifier``, so the same ``random_state`` gives the
    same starting point.

    Parameters
    ----------
    layout : ParameterLayout
    activation : str
        Hidden activation (the bound is narrower for "logistic").
    random_state : numpy.random.RandomState
    dtype : numpy dtype, default=np.float64

    Returns
    -------
    ndarray of shape (layout.n_params,)
    """
    if layout.n_layers == 1:
        return np.zeros(layout.n_params, dtype=dtype)
    factor = 2.0 if activation == "logistic" else 6.0
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(layout.layer_sizes[:-1], layout.layer_sizes[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(random_state.uniform(-bound, bound, (fan_in, fan_out)))
        intercepts.append(random_state.uniform(-bound, bound, fan_out))
    return layout.pack(coefs, intercepts, dtype=dtype)


def _matmul_into(left, right, out):
    """``out[...] = left @ right`` for a dense or sparse ``left``, without a copy when dense."""
    if sparse.issparse(left):
        out[...] = left @ right
    else:
        np.matmul(left, right, out=out)
    return out


def _relu(values):
    np.maximum(values, 0, out=values)


def _relu_derivative(activated):
    # Outputs are >= 0, so the step is "> 0"; np.greater is vectorized where
    # np.sign is not.
    np.greater(activated, 0, out=activated)


def _tanh(values):
    np.tanh(values, out=values)


def _tanh_derivative(activated):
    np.square(activated, out=activated)
    np.subtract(1, activated, out=activated)


def _logistic(values):
    expit(values, out=values)


def _logistic_derivative(activated):
    # s (1 - s) = 1/4 - (s - 1/2)^2
    activated -= 0.5
    np.square(activated, out=activated)
    np.subtract(0.25, activated, out=activated)


def _identity(values):
    pass


def _identity_derivative(activated):
    activated.fill(1)


# Each hidden activation, applied in place, and its derivative written over
# the activation's output f(x) (arithmetic only: masked assignments cost
# several times more than a plain ufunc pass).
_ACTIVATIONS = {
    "identity": (_identity, _identity_derivative),
    "logistic": (_logistic, _logistic_derivative),
    "tanh": (_tanh, _tanh_derivative),
    "relu": (_relu, _relu_derivative),
}
ACTIVATIONS = tuple(_ACTIVATIONS)


def _activation_pair(activation):
    """The (function, derivative) of a hidden activation; an unknown name is an error."""
    try:
        return _ACTIVATIONS[activation]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown activation {activation!r}; expected one of {ACTIVATIONS}."
        ) from None


def allocate_activations(layout, n_samples, dtype):
    """Return the buffers a forward pass writes: each hidden layer, then the logits.

    Parameters
    ----------
    layout : ParameterLayout
    n_samples : int
    dtype : numpy dtype

    Returns
    -------
    list of ndarray of shape (n_samples, size)
    """
    return [np.empty((n_samples, size), dtype=dtype) for size in layout.layer_sizes[1:]]


def forward(X, coefs, intercepts, activation, activations, output_intercept=True):
    """Run the network on ``X``; write each layer's output into ``activations``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    coefs, intercepts : list of ndarray
        From :meth:`ParameterLayout.unpack`.
    activation : str
        Hidden activation, one of ``ACTIVATIONS``.
    activations : list of ndarray
        Buffers from :func:`allocate_activations`; the last receives the logits.
        With a sparse ``X`` the first layer's buffer is replaced (in the
        list) by the array SciPy's product wrote.
    output_intercept : bool, default=True
        Whether to add the output layer's intercept; ``False`` leaves it to
        the loss kernel (:func:`skbce._loss.loss_gradient`'s ``offset``).

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
        The logits (``activations[-1]``).
    """
    activate, _ = _activation_pair(activation)
    layer_input = X
    last = len(coefs) - 1
    for i, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        out = activations[i]
        if not coef.any():
            # The linear model's usual start (all weights zero): every row's
            # output is the intercept, and the product is skipped.
            out.fill(0)
        elif sparse.issparse(layer_input):
            # SciPy writes a sparse product into a new array: that array
            # becomes the layer's buffer, saving a copy of n x width values.
            product = np.asarray(layer_input @ coef)
            if product.dtype == out.dtype and product.flags.c_contiguous:
                activations[i] = out = product
            else:
                out[...] = product
        else:
            np.matmul(layer_input, coef, out=out)
        if i < last or output_intercept:
            out += intercept
        if i < last:
            activate(out)
        layer_input = out
    return activations[-1]


def backward(X, coefs, activation, activations, grad_logits, grad_coefs, grad_intercepts,
             scratch=None, output_intercept=True, X_transpose=None):
    """Backpropagate ``dL/dZ`` to the parameters; write into the gradient views.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    coefs : list of ndarray
        The weights used in :func:`forward`.
    activation : str
        Hidden activation.
    activations : list of ndarray
        The layer outputs :func:`forward` wrote. The hidden ones are
        overwritten with the back-propagated deltas.
    grad_logits : ndarray of shape (n_samples, n_outputs)
        ``dL/dZ``.
    grad_coefs, grad_intercepts : list of ndarray
        Views (from :meth:`ParameterLayout.unpack` of the gradient vector)
        receiving ``dL/dW`` and ``dL/db``.
    scratch : list of ndarray, default=None
        One buffer shaped like each hidden layer (allocated when ``None``).
    output_intercept : bool, default=True
        Whether to form the output intercept's gradient; ``False`` when the
        loss kernel already wrote it (``offset_gradient``).
    X_transpose : {ndarray, sparse matrix}, default=None
        ``X.T``, built once by the caller: a sparse matrix's transpose is a
        new object on every call (about 0.1 ms, a tenth of a small sparse
        problem's evaluation).
    """
    _, derivative_in_place = _activation_pair(activation)
    delta = grad_logits
    for i in range(len(coefs) - 1, -1, -1):
        if i == 0:
            left = X.T if X_transpose is None else X_transpose
        else:
            left = activations[i - 1].T
        _matmul_into(left, delta, grad_coefs[i])
        if i < len(coefs) - 1 or output_intercept:
            np.sum(delta, axis=0, out=grad_intercepts[i])
        if i > 0:
            # The hidden output is not needed after this: it becomes f', then the delta.
            hidden = activations[i - 1]
            back = np.empty_like(hidden) if scratch is None else scratch[i - 1]
            np.matmul(delta, coefs[i].T, out=back)
            derivative_in_place(hidden)
            hidden *= back
            delta = hidden
