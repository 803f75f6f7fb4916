"""Binary cross-entropy on logits: value and derivative, for the solver.

Every option of the training loss (sample weights, the mean over labels and
over samples, missing labels, per-label positive weights, label smoothing)
folds into two coefficient arrays ``A`` and ``B`` fixed for a whole fit, so
that one kernel serves them all. With the per-element BCE with a positive
weight ``p`` written from the logit ``z``,

.. math::

    -[p\\, y \\log \\sigma(z) + (1 - y) \\log(1 - \\sigma(z))]
    = (1 + (p - 1) y)\\, \\mathrm{softplus}(z) - p\\, y\\, z,

the summed, weighted loss and its derivative with respect to the logits are

.. math::

    L(Z) = \\sum_{nk} A_{nk}\\, \\mathrm{softplus}(Z_{nk}) - B_{nk} Z_{nk},
    \\qquad \\frac{\\partial L}{\\partial Z} = A \\odot \\sigma(Z) - B,

with ``A = c (1 + (p - 1) y)`` and ``B = c p y`` where ``c`` is the weight of an
element in the mean. Both come from one ``w = exp(-z)``: the derivative is
``A / (1 + w)``, and the value uses ``softplus(z) = max(z, 0) + log1p(min(w,
1 / w))``, as ``min(w, 1 / w) = exp(-|z|)`` in (0, 1]. Where ``w`` overflows
(very negative ``z``) or underflows (very positive ``z``), both give their
exact limits (the warnings are silenced): no sign select, which costs more
than an ``exp`` in NumPy. Pure functions: no scikit-learn here.
"""

import numpy as np

# Size of a block of the elementwise kernel: the half-dozen arrays of a block
# stay in the CPU cache, so the dozen elementwise passes do not stream main
# memory, and blocks are few enough that Python's per-call cost stays small.
# The kernel calls no BLAS, so no BLAS thread threshold bounds the size
# (measurements in benchmarks/README.md).
BLOCK_BYTES = 262144


def smooth_targets(y, label_smoothing):
    """Return targets pulled towards 0.5: ``y (1 - s) + 0.5 s``.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
        Targets in [0, 1], NaN for a missing label (kept as NaN).
    label_smoothing : float in [0, 1)
        The smoothing ``s``; 0 returns ``y`` itself.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
    """
    if label_smoothing == 0:
        return y
    return y * (1.0 - label_smoothing) + 0.5 * label_smoothing


def bce_coefficients(y, sample_weight=None, pos_weight=None, dtype=np.float64,
                     weight_sum=None):
    """Fold weights, masks and positive weights into the ``A``, ``B`` arrays.

    The loss they define is the weighted mean over samples of the per-sample
    mean over its observed labels (NaN entries of ``y`` are left out; a
    sample with no observed label contributes nothing).

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
        Targets in [0, 1], NaN where a label is missing.
    sample_weight : ndarray of shape (n_samples,), default=None
        Non-negative sample weights; ``None`` means all ones.
    pos_weight : ndarray of shape (n_outputs,), default=None
        Weight of the positive term of each label; ``None`` means all ones.
    dtype : numpy dtype, default=np.float64
        Dtype of the returned arrays.
    weight_sum : float, default=None
        The normalization of the mean; ``None`` computes it from these rows.
        A row chunk of a larger data set passes the total over all chunks, so
        that the chunks' losses add up to the loss of the whole.

    Returns
    -------
    A : ndarray of shape (n_samples, 1) or (n_samples, n_outputs)
        Coefficient of ``softplus(z)``; one column when it is the same for
        every label of a sample.
    B : ndarray of shape (n_samples, n_outputs)
        Coefficient of ``-z``.
    weight_sum : float
        Sum of the sample weights of the samples with an observed label: the
        normalization of the mean, which the L2 penalty shares.
    """
    n_samples, n_outputs = y.shape
    weight = (
        np.ones(n_samples) if sample_weight is None else np.asarray(sample_weight)
    ).astype(np.float64)
    missing = np.isnan(y)
    if not missing.any():
        if weight_sum is None:
            weight_sum = weight.sum()
        scale = (weight / (weight_sum * n_outputs)).astype(dtype)[:, None]
        y_filled = y
    else:
        observed = ~missing
        n_observed = observed.sum(axis=1)
        has_label = n_observed > 0
        if weight_sum is None:
            weight_sum = weight[has_label].sum()
        per_sample = np.zeros(n_samples)
        per_sample[has_label] = weight[has_label] / (
            weight_sum * n_observed[has_label]
        )
        scale = np.multiply(per_sample[:, None], observed, dtype=dtype)
        y_filled = np.where(missing, 0, y)
    if weight_sum <= 0:
        raise ValueError(
            "The loss has no weight: every sample has a zero weight or no "
            "observed label."
        )
    # Each coefficient array is allocated once, in the final dtype.
    if pos_weight is None:
        A = scale
        B = np.multiply(y_filled, scale, dtype=dtype)
    else:
        pos_weight = np.asarray(pos_weight, dtype=np.float64)
        A = np.multiply(y_filled, pos_weight - 1.0, dtype=dtype)
        A += 1.0
        A *= scale
        B = np.multiply(y_filled, pos_weight, dtype=dtype)
        B *= scale
    return np.ascontiguousarray(A), np.ascontiguousarray(B), float(weight_sum)


def uniform_coefficient(A):
    """Return ``A`` as a scalar of its dtype when it is one column of a single value.

    The usual fit (no sample weights, no missing labels, no positive weights)
    weighs every element alike; the kernel then multiplies by a scalar, which
    NumPy does faster than by a broadcast column.

    Parameters
    ----------
    A : ndarray of shape (n_samples, 1) or (n_samples, n_outputs)

    Returns
    -------
    numpy scalar or ndarray
    """
    if A.shape[1] == 1 and A.size and np.all(A == A.flat[0]):
        return A.dtype.type(A.flat[0])
    return A


def block_rows(n_outputs, itemsize, block_bytes=BLOCK_BYTES):
    """Rows of ``n_outputs`` values of ``itemsize`` bytes in a block of about ``block_bytes``."""
    return max(1, block_bytes // (itemsize * max(n_outputs, 1)))


def loss_gradient(raw, A, B, gradient_out=None, offset=None, offset_gradient=None,
                  block_bytes=BLOCK_BYTES, per_output=False):
    """Return ``L(Z)`` and write ``dL/dZ`` into ``gradient_out``.

    Parameters
    ----------
    raw : ndarray of shape (n_samples, n_outputs)
        The logits ``Z``, C-contiguous; without the ``offset`` when one is given.
    A, B : ndarray
        Coefficients from :func:`bce_coefficients`, in the dtype of ``raw``;
        ``A`` may be a scalar (see :func:`uniform_coefficient`).
    gradient_out : ndarray of shape (n_samples, n_outputs), default=None
        Where to write the derivative; allocated when ``None``.
    offset : ndarray of shape (n_outputs,), default=None
        Added to every row of ``raw``, in place, block by block: the output
        layer's intercept, added while the block is in cache instead of in a
        pass of its own. ``raw`` holds the logits ``Z`` on return.
    offset_gradient : ndarray of shape (n_outputs,), default=None
        Receives the column sums of ``dL/dZ`` (the intercept's gradient),
        likewise formed block by block.
    block_bytes : int, default=262144
        Size of the row blocks the kernel works through.
    per_output : bool, default=False
        Return the loss of each output (column) instead of their sum: the
        linear model's solver drops solved labels without evaluating the
        others again.

    Returns
    -------
    value : float, or ndarray of shape (n_outputs,) with ``per_output``
        The loss ``L(Z)`` (float64).
    gradient : ndarray of shape (n_samples, n_outputs)
        ``A * sigmoid(Z) - B`` (``gradient_out`` when it was given).
    """
    if gradient_out is None:
        gradient_out = np.empty_like(raw)
    block = block_rows(raw.shape[1], raw.itemsize, block_bytes)
    value = _blocked_kernel(raw, A, B, gradient_out, block, offset, offset_gradient)
    return (value if per_output else float(value.sum())), gradient_out


def _blocked_kernel(raw, A, B, gradient_out, block, offset, offset_gradient):
    """The loss of each output, cache block by cache block of rows; writes the gradient."""
    n_samples = raw.shape[0]
    shape = (min(block, n_samples), raw.shape[1])
    w = np.empty(shape, dtype=raw.dtype)
    u = np.empty(shape, dtype=raw.dtype)
    # Running sums of the loss (and of the gradient), element by element of
    # a block; each is summed once at the end in float64. Every loss term is
    # non-negative, so the float32 running sums lose no more than their
    # terms' rounding, where float32 dot products (sequential over millions
    # of terms) would hide the decreases L-BFGS's line search must see.
    loss_sum = np.zeros(shape, dtype=raw.dtype)
    gradient_sum = None if offset_gradient is None else np.zeros(shape, dtype=raw.dtype)
    scalar = np.ndim(A) == 0
    # In-place operations where there is a choice: NumPy runs them at about
    # twice the speed of the same operation into a third array.
    with np.errstate(under="ignore", over="ignore", divide="ignore"):
        for start in range(0, n_samples, block):
            stop = min(start + block, n_samples)
            m = stop - start
            z, b, g = raw[start:stop], B[start:stop], gradient_out[start:stop]
            a = A if scalar else A[start:stop]
            wb, ub = w[:m], u[:m]
            if offset is not None:
                z += offset
            # a softplus(z) - b z = (a max(z, 0) - b z) + a log1p(exp(-|z|)), the
            # first part formed first, into g (scratch until the gradient): it
            # is exactly 0 where a 0/1 label is on the right side, so the tiny
            # losses of confident right answers keep their precision.
            np.maximum(z, 0, out=g)
            g *= a
            np.multiply(b, z, out=ub)
            g -= ub
            # One exp per element: w = exp(-z). For z < -709 (float64) w = inf,
            # so 1 / w = 0 = exp(-|z|) and a / (1 + w) = 0, their exact limits;
            # for z > 745 w = 0 and 1 / w = inf, with min(w, 1 / w) = 0 again.
            np.negative(z, out=wb)
            np.exp(wb, out=wb)
            # 1 / w as a division: NumPy's reciprocal gives the same values at
            # about half the speed (float64, NumPy 2.x).
            np.divide(1.0, wb, out=ub)
            np.minimum(ub, wb, out=ub)  # exp(-|z|), in [0, 1]
            np.log1p(ub, out=ub)
            ub *= a
            g += ub
            loss_sum[:m] += g
            # a sigmoid(z) = a / (1 + exp(-z)): relative precision for both signs,
            # and the division folds in the multiplication by a.
            wb += 1
            np.divide(a, wb, out=g)
            g -= b
            if gradient_sum is not None:
                gradient_sum[:m] += g
    if gradient_sum is not None:
        offset_gradient[...] = gradient_sum.sum(axis=0, dtype=np.float64)
    return loss_sum.sum(axis=0, dtype=np.float64)


def curvature_sums(raw, A, block_bytes=BLOCK_BYTES):
    """Return ``sum_n A sigmoid'(Z)`` of each output, cache block by cache block of rows.

    The column sums of :func:`hessian_weights`, in place in two block-sized
    buffers: no ``n x K`` temporary.

    Parameters
    ----------
    raw : ndarray of shape (n_samples, n_outputs)
        The logits.
    A : ndarray or scalar
        Coefficient from :func:`bce_coefficients` (or :func:`uniform_coefficient`).
    block_bytes : int, default=262144

    Returns
    -------
    ndarray of shape (n_outputs,), float64
    """
    n_samples = raw.shape[0]
    block = block_rows(raw.shape[1], raw.itemsize, block_bytes)
    shape = (min(block, n_samples), raw.shape[1])
    e, t = np.empty(shape, dtype=raw.dtype), np.empty(shape, dtype=raw.dtype)
    running = np.zeros(shape, dtype=raw.dtype)  # non-negative terms, as the loss's
    scalar = np.ndim(A) == 0
    with np.errstate(under="ignore"):
        for start in range(0, n_samples, block):
            stop = min(start + block, n_samples)
            eb, tb = e[: stop - start], t[: stop - start]
            # sigmoid'(z) = e / (1 + e)^2 with e = exp(-|z|): symmetric in z.
            np.abs(raw[start:stop], out=eb)
            np.negative(eb, out=eb)
            np.exp(eb, out=eb)
            np.add(eb, 1, out=tb)
            tb *= tb
            eb /= tb
            eb *= A if scalar else A[start:stop]
            running[: stop - start] += eb
    return running.sum(axis=0, dtype=np.float64)


def hessian_weights(raw, A):
    """Return ``d^2 L / dZ^2``, the diagonal ``A * sigmoid(Z) * (1 - sigmoid(Z))``.

    Parameters
    ----------
    raw : ndarray of shape (n_samples, n_outputs)
        The logits.
    A : ndarray
        Coefficient from :func:`bce_coefficients`.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
    """
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(raw))
    # sigmoid(z) (1 - sigmoid(z)) = e / (1 + e)^2 with e = exp(-|z|): symmetric in z.
    out = e / (1.0 + e) ** 2
    out *= A
    return out
