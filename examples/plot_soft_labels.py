"""
Soft labels: training on annotator agreement
============================================

Labels often come from people, and people disagree. When five annotators
tag each sample, the fraction who said "yes" is a **soft label**: a target
probability in [0, 1]. Binary cross-entropy accepts such targets directly,
because :math:`-[y \\log p + (1 - y) \\log(1 - p)]` is minimized at
:math:`p = y` for any :math:`y` in [0, 1], so
:class:`~skbce.BCEMultiLabelClassifier` fits them with no change of API.

The usual alternative is to turn the votes into a hard 0/1 label by majority
vote. This example simulates annotators whose votes follow a known
probability, trains one model on the soft labels and one on the majority
votes, and compares how well each model's probabilities match reality.
"""

# %%
# Simulated annotators
# --------------------
# Three labels, each a logistic function of ten features: the probability
# that an annotator says "yes" to label :math:`k` for sample :math:`x` is
# :math:`\pi_k(x) = \sigma(x^\top w_k + b_k)`. Each of five annotators votes
# independently with that probability. The soft label is the mean vote; the
# hard label is the majority. The majority vote is more extreme than the
# truth: with :math:`\pi = 0.7`, five voters produce a majority "yes" 84 % of
# the time.
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit
from sklearn.calibration import calibration_curve

from skbce import BCEMultiLabelClassifier, binary_cross_entropy

rng = np.random.default_rng(0)
n_train, n_test, n_features, n_labels, n_annotators = 1000, 20000, 10, 3, 5
W = rng.normal(scale=0.5, size=(n_features, n_labels))
b = np.array([0.0, -0.5, 0.5])


def sample(n):
    X = rng.normal(size=(n, n_features))
    return X, expit(X @ W + b)


X_train, pi_train = sample(n_train)
votes = rng.random((n_annotators, *pi_train.shape)) < pi_train  # (annotator, n, label)
Y_soft = votes.mean(axis=0)
Y_hard = (Y_soft > 0.5).astype(int)
print("soft targets of the first sample:", Y_soft[0], "  hard:", Y_hard[0])

# %%
# Two models, same settings
# -------------------------
soft_model = BCEMultiLabelClassifier(alpha=1.0).fit(X_train, Y_soft)
hard_model = BCEMultiLabelClassifier(alpha=1.0).fit(X_train, Y_hard)

# %%
# Test on fresh samples
# ---------------------
# On new samples the true probability :math:`\pi` is known, so each model's
# probabilities can be compared with it directly, and with a fresh vote of
# a single annotator (what a new label would look like).
X_test, pi_test = sample(n_test)
fresh_vote = (rng.random(pi_test.shape) < pi_test).astype(int)
for name, model in [("soft labels", soft_model), ("majority vote", hard_model)]:
    proba = model.predict_proba(X_test)
    print(f"{name:>13}: BCE against a fresh vote {binary_cross_entropy(fresh_vote, proba):.4f}, "
          f"mean |p - pi| {np.abs(proba - pi_test).mean():.4f}")
print(f"{'truth':>13}: BCE against a fresh vote "
      f"{binary_cross_entropy(fresh_vote, pi_test):.4f}")

# %%
# Calibration curves
# ------------------
# A calibration curve bins the test samples by predicted probability and
# plots, per bin, the fraction of fresh votes that said "yes". A calibrated
# model follows the diagonal. The model trained on soft labels does; the
# majority-vote model is overconfident: its probabilities are pushed
# towards 0 and 1, because it learned to predict the majority, not the vote.
fig, axes = plt.subplots(1, n_labels, figsize=(13, 4.2), layout="constrained",
                         sharey=True)
for k, ax in enumerate(axes):
    for name, model, color in [("soft labels", soft_model, "C0"),
                               ("majority vote", hard_model, "C3")]:
        proba = model.predict_proba(X_test)[:, k]
        frac, mean_pred = calibration_curve(fresh_vote[:, k], proba, n_bins=12,
                                            strategy="quantile")
        ax.plot(mean_pred, frac, "o-", color=color, ms=4, label=f"trained on {name}")
    ax.plot([0, 1], [0, 1], color="gray", ls=":", label="perfectly calibrated")
    ax.set(title=f"label {k}", xlabel="predicted probability", xlim=(0, 1), ylim=(0, 1))
axes[0].set_ylabel("fraction of fresh votes = 1")
axes[0].legend(loc="upper left", fontsize="small")
plt.show()

# %%
# Predicted against true probability
# ----------------------------------
# The same story without binning: each point is a test sample, its true
# probability against the model's. The soft-label model scatters around the
# diagonal; the majority-vote model bends into an S, too sure on both sides.
fig, ax = plt.subplots(figsize=(5.5, 5), layout="constrained")
subset = slice(0, 1500)
ax.scatter(pi_test[subset, 0], soft_model.predict_proba(X_test)[subset, 0], s=4,
           alpha=0.5, color="C0", label="trained on soft labels")
ax.scatter(pi_test[subset, 0], hard_model.predict_proba(X_test)[subset, 0], s=4,
           alpha=0.5, color="C3", label="trained on majority vote")
ax.plot([0, 1], [0, 1], color="gray", ls=":")
ax.set(xlabel="true probability $\\pi$ (label 0)", ylabel="predicted probability",
       title="Soft targets keep the model's probabilities honest")
ax.legend(loc="upper left", markerscale=3)
plt.show()

# %%
# When annotators disagree, the disagreement is information: it says how
# sure a label can be. Training on the mean vote with binary cross-entropy
# keeps it; a majority vote throws it away and teaches the model to be more
# certain than the data allow. ``label_smoothing`` is a blunter version of
# the same idea when no votes are available: it pulls every target towards
# 0.5 by the same amount.
