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
# memory. A float64 block (8192 values) also stays below the size at which
# OpenBLAS splits a dot product across threads (10,000), whose wake-ups would
# cost more than the product (measurements in benchmarks/README.md).
BLOCK_BYTES = 65536

# Block size when BLAS runs on one thread (small problems, see
# ``skbce._threads``): fewer, larger blocks save Python's per-call cost, which
# is most of the kernel's time on a few thousand values.
SINGLE_THREAD_BLOCK_BYTES = 524288


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


def _weighted_sum(coef, values):
    """``sum(coef * values)`` where ``coef`` may be one column broadcast."""
    if coef.shape[1] == 1:
        return float(np.dot(coef[:, 0], values).sum())
    return float(np.vdot(coef, values))


def loss_gradient(raw, A, B, gradient_out=None, block_bytes=BLOCK_BYTES):
    """Return ``L(Z)`` and write ``dL/dZ`` into ``gradient_out``.

    Parameters
    ----------
    raw : ndarray of shape (n_samples, n_outputs)
        The logits ``Z``, C-contiguous.
    A, B : ndarray
        Coefficients from :func:`bce_coefficients`, in the dtype of ``raw``.
    gradient_out : ndarray of shape (n_samples, n_outputs), default=None
        Where to write the derivative; allocated when ``None``.
    block_bytes : int, default=65536
        Size of the row blocks the kernel works through (float32 logits use
        at least ``SINGLE_THREAD_BLOCK_BYTES``).

    Returns
    -------
    value : float
        The loss ``L(Z)``.
    gradient : ndarray of shape (n_samples, n_outputs)
        ``A * sigmoid(Z) - B`` (``gradient_out`` when it was given).
    """
    n_outputs = raw.shape[1]
    if gradient_out is None:
        gradient_out = np.empty_like(raw)
    if raw.dtype == np.float32:
        # Its loss is summed by NumPy, not BLAS: no thread threshold to stay under.
        block_bytes = max(block_bytes, SINGLE_THREAD_BLOCK_BYTES)
    block = max(1, block_bytes // (raw.itemsize * max(n_outputs, 1)))
    return _blocked_kernel(raw, A, B, gradient_out, block), gradient_out


def _blocked_kernel(raw, A, B, gradient_out, block):
    """The loss, cache block by cache block of rows; writes the gradient."""
    n_samples = raw.shape[0]
    shape = (min(block, n_samples), raw.shape[1])
    t = np.empty(shape, dtype=raw.dtype)
    s = np.empty(shape, dtype=raw.dtype)
    value = 0.0
    # Single-precision dot products accumulate in single precision: their
    # rounding (1e-6 of the loss) would hide the decreases L-BFGS's line search
    # must see near the optimum. In float32 the loss is formed elementwise and
    # summed in float64 instead.
    elementwise_value = raw.dtype == np.float32
    # One exp per element: w = exp(-z). For z < -709 (float64) w = inf, so
    # 1 / w = 0 = exp(-|z|) and a / (1 + w) = 0, their exact limits; for z > 745
    # w = 0 and 1 / w = inf, with min(w, 1 / w) = 0 again.
    with np.errstate(under="ignore", over="ignore", divide="ignore"):
        for start in range(0, n_samples, block):
            stop = min(start + block, n_samples)
            z, a, b, g = raw[start:stop], A[start:stop], B[start:stop], gradient_out[start:stop]
            w, u = t[: stop - start], s[: stop - start]
            # softplus(z) = max(z, 0) + log1p(exp(-|z|)) with max(z, 0) = (z + |z|) / 2.
            np.abs(z, out=w)
            if elementwise_value:
                # a max(z, 0) - b z = (a / 2)(z + |z|) - b z, into g (scratch until
                # the gradient): exactly 0 where a 0/1 label is on the right side.
                np.add(z, w, out=g)
                g *= 0.5 * a
                np.multiply(b, z, out=u)
                g -= u
            else:
                # The max becomes two dot products instead of elementwise passes.
                sum_abs = _weighted_sum(a, w)
            np.negative(z, out=w)
            np.exp(w, out=w)
            np.reciprocal(w, out=u)
            np.minimum(w, u, out=u)  # exp(-|z|), in [0, 1]
            np.log1p(u, out=u)
            if elementwise_value:
                u *= a
                g += u
                value += float(np.sum(g, dtype=np.float64))
            else:
                value += (_weighted_sum(a, u) + 0.5 * (sum_abs + _weighted_sum(a, z))
                          - float(np.vdot(b, z)))
            # a sigmoid(z) = a / (1 + exp(-z)): relative precision for both signs,
            # and the division folds in the multiplication by a.
            w += 1
            np.divide(a, w, out=g)
            g -= b
    return value


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
