"""
Why binary cross-entropy, not squared error
============================================

A sigmoid output :math:`p = \\sigma(z)` can be trained with the binary
cross-entropy :math:`-[y \\log p + (1 - y) \\log(1 - p)]` or with the squared
error :math:`(y - p)^2`. Both are smallest when :math:`p = y`, but they behave
very differently away from it. This example shows the two losses and their
gradients as functions of the logit :math:`z`, the shape of the total loss of
a one-weight model, and what that does to gradient descent started from a
confidently wrong model.
"""

# %%
# Loss and gradient as a function of the logit
# --------------------------------------------
# Take a positive target, :math:`y = 1`. The BCE is
# :math:`-\log\sigma(z) = \mathrm{softplus}(-z)`, with derivative
# :math:`\sigma(z) - 1`: when the model is confidently wrong
# (:math:`z \ll 0`) the gradient is close to :math:`-1`, the largest it can
# be. The squared error is :math:`(1 - \sigma(z))^2`, with derivative
# :math:`-2 (1 - \sigma(z))\, \sigma(z) (1 - \sigma(z))`: the factor
# :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))` vanishes when
# :math:`z \ll 0`, so the worst mistakes get almost no gradient.
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit, log_expit

z = np.linspace(-8, 8, 401)
p = expit(z)
bce = -log_expit(z)
mse = (1 - p) ** 2
bce_grad = p - 1
mse_grad = -2 * (1 - p) * p * (1 - p)

fig, (ax_loss, ax_grad) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
ax_loss.plot(z, bce, label="BCE  $-\\log\\sigma(z)$")
ax_loss.plot(z, mse, label="squared error  $(1-\\sigma(z))^2$")
ax_loss.set(xlabel="logit $z$ (target $y = 1$)", ylabel="loss", title="Loss")
ax_loss.legend()
ax_grad.plot(z, bce_grad, label="BCE")
ax_grad.plot(z, mse_grad, label="squared error")
ax_grad.axhline(0, color="gray", lw=0.8)
ax_grad.set(xlabel="logit $z$ (target $y = 1$)", ylabel="d loss / d z",
            title="Gradient with respect to the logit")
ax_grad.legend()
plt.show()

# %%
# At :math:`z = -6` (the model gives the positive label a probability of
# 0.25 %), the gradients are:
at = np.searchsorted(z, -6.0)
print(f"p = {p[at]:.4f}: BCE gradient {bce_grad[at]:.3f}, squared-error gradient "
      f"{mse_grad[at]:.5f} ({bce_grad[at] / mse_grad[at]:.0f} times smaller)")

# %%
# Convex or not: the loss of a one-weight model
# ---------------------------------------------
# Fit :math:`p = \sigma(w x)` to a small one-dimensional data set and plot
# the mean loss as a function of the single weight :math:`w`. The BCE of a
# linear model is convex in its parameters (its Hessian is
# :math:`X^\top \mathrm{diag}(p(1-p)) X`). The squared error through a
# sigmoid is not: it flattens into plateaus where a gradient method stalls.
rng = np.random.default_rng(0)
x = rng.normal(size=200)
y = (x + 0.5 * rng.normal(size=200) > 0).astype(float)
w_grid = np.linspace(-15, 15, 601)
logits = np.outer(w_grid, x)
mean_bce = -(y * log_expit(logits) + (1 - y) * log_expit(-logits)).mean(axis=1)
mean_mse = ((y - expit(logits)) ** 2).mean(axis=1)

fig, (ax_b, ax_m) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
ax_b.plot(w_grid, mean_bce)
ax_b.set(xlabel="weight $w$", ylabel="mean BCE", title="BCE: convex in $w$")
ax_m.plot(w_grid, mean_mse, color="C1")
ax_m.set(xlabel="weight $w$", ylabel="mean squared error",
         title="Squared error: not convex, flat tails")
plt.show()

# %%
# The second differences of the two curves show it numerically: the BCE
# curve bends upwards everywhere, the squared-error curve does not.
print("min second difference, BCE:", f"{np.diff(mean_bce, 2).min():.2e}")
print("min second difference, squared error:", f"{np.diff(mean_mse, 2).min():.2e}")

# %%
# Gradient descent from a confidently wrong start
# -----------------------------------------------
# Start both losses from :math:`w = -10` (nearly every sample confidently
# misclassified) and take plain gradient steps of the same size. The BCE
# model recovers in a few dozen steps; the squared-error model barely moves,
# because its gradient is almost zero out there. The loss curves (right)
# show the same thing as training would: the BCE falls at once, the squared
# error stays on its plateau.


def descend(gradient, w0=-10.0, step=1.0, n_steps=300):
    path = [w0]
    for _ in range(n_steps):
        path.append(path[-1] - step * gradient(path[-1]))
    return np.array(path)


def bce_gradient(w):
    return np.mean((expit(w * x) - y) * x)


def mse_gradient(w):
    q = expit(w * x)
    return np.mean(2 * (q - y) * q * (1 - q) * x)


w_bce = descend(bce_gradient)
w_mse = descend(mse_gradient)


def error_rate(w):
    return np.mean((expit(w * x) > 0.5) != y)


def mean_bce_at(w):
    z = w * x
    return -np.mean(y * log_expit(z) + (1 - y) * log_expit(-z))


def mean_mse_at(w):
    return np.mean((y - expit(w * x)) ** 2)


fig, (ax_w, ax_curve) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
ax_w.plot(w_bce, label="gradient descent on the BCE")
ax_w.plot(w_mse, label="gradient descent on the squared error")
ax_w.axhline(w_grid[np.argmin(mean_bce)], color="gray", ls=":", label="minimum of the BCE")
ax_w.set(xlabel="gradient step", ylabel="weight $w$",
         title="Same start ($w=-10$), same step size")
ax_w.legend()
# Loss curves: each training loss along its own descent, as a fraction of
# its starting value so that the two fit on one axis.
bce_curve = np.array([mean_bce_at(w) for w in w_bce])
mse_curve = np.array([mean_mse_at(w) for w in w_mse])
ax_curve.plot(bce_curve / bce_curve[0], label="BCE")
ax_curve.plot(mse_curve / mse_curve[0], label="squared error")
ax_curve.set(xlabel="gradient step", ylabel="training loss / its value at step 0",
             ylim=(0, 1.05), title="Loss curves")
ax_curve.legend()
plt.show()
print(f"after {len(w_bce) - 1} steps: BCE w = {w_bce[-1]:.2f} "
      f"(training error {error_rate(w_bce[-1]):.0%}), squared-error w = {w_mse[-1]:.2f} "
      f"(training error {error_rate(w_mse[-1]):.0%})")

# %%
# This is why classifiers with sigmoid (or softmax) outputs are trained with
# cross-entropy: the loss is convex for a linear model, so L-BFGS finds the
# global minimum, and a confident mistake produces a strong gradient instead
# of a vanishing one. :class:`skbce.BCEMultiLabelClassifier` minimizes the
# BCE, one sigmoid per label.
