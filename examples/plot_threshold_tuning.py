"""
Tuning one decision threshold per label
=======================================

``predict`` gives a label where its probability is above 0.5. For labels
that occur in a small fraction of the samples that is a poor rule for F1:
their probabilities rarely reach 0.5, so they are rarely predicted.
:class:`~skbce.PerLabelThresholdClassifier` chooses one threshold per label
on out-of-fold probabilities of the training data, then refits the model on
all of it.

The data are the yeast set: 2417 genes, 103 features, 14 functional
classes, from a class held by three genes out of four to classes held by
about one gene in seventy.
"""

# %%
# The same model, four decision rules
# -----------------------------------
# :func:`skbce.datasets.load_benchmark` reads a local ARFF copy of yeast
# when there is one and downloads it from OpenML otherwise. One linear model
# (``alpha=10``) is thresholded at 0.5, and wrapped in
# :class:`~skbce.PerLabelThresholdClassifier` with three scorings: the
# default ``"f1_micro_macro"`` maximizes the mean of the micro-F1 and the
# macro-F1 on 5-fold (shuffled) out-of-fold probabilities, ``"f1"`` each
# label's own F1 (the macro-F1), ``"f1_micro"`` the micro-F1 of all labels
# pooled. ``random_state=0`` fixes the folds.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbce import BCEMultiLabelClassifier, PerLabelThresholdClassifier
from skbce.datasets import load_benchmark

X, Y, feature_names, label_names = load_benchmark("yeast")
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.3, random_state=0)

model = make_pipeline(StandardScaler(), BCEMultiLabelClassifier(alpha=10.0))
fixed = model.fit(X_train, Y_train)
tuned = {
    scoring: PerLabelThresholdClassifier(model, scoring=scoring, random_state=0).fit(
        X_train, Y_train
    )
    for scoring in ("f1_micro_macro", "f1", "f1_micro")
}

print(f"{'threshold':22s} {'micro-F1':>8s} {'macro-F1':>8s}  (test set)")
for rule, clf in {"0.5": fixed, **{f"tuned, {s}": c for s, c in tuned.items()}}.items():
    predicted = clf.predict(X_test)
    micro = f1_score(Y_test, predicted, average="micro", zero_division=0)
    macro = f1_score(Y_test, predicted, average="macro", zero_division=0)
    print(f"{rule:22s} {micro:8.3f} {macro:8.3f}")

# %%
# The thresholds chosen
# ---------------------
# Labels are sorted by their frequency in the training data. Each label's
# own F1 (``"f1"``) asks for thresholds far below 0.5 for the rare classes.
# The micro-F1, where a rare class's false positives count against all the
# others' true positives, lowers them much less, or raises them. For the
# rare classes the default lies between the two, or at the micro-F1's; every
# scoring lowers the thresholds of the frequent classes well below 0.5.
order = np.argsort(-Y_train.mean(axis=0))
names = [label_names[k] for k in order]
positions = np.arange(len(order))
fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
for shift, (scoring, clf) in zip((-0.27, 0.0, 0.27), tuned.items()):
    ax.bar(positions + shift, clf.thresholds_[order], width=0.27, label=scoring)
ax.axhline(0.5, color="k", ls="--", lw=1, label="0.5")
ax.plot(positions, Y_train.mean(axis=0)[order], "ko", ms=4, label="label frequency")
ax.set_xticks(positions, names, rotation=45)
ax.set(ylabel="threshold", ylim=(0, 1), title="yeast: threshold per label")
ax.legend(ncols=3, fontsize="small")
plt.show()

# %%
# F1 per label on the test set
# ----------------------------
# At 0.5 the classes held by fewer than a fifth of the genes are hardly ever
# predicted and their F1 is close to 0. The default thresholds find many of
# their genes; the frequent classes change little.
f1_fixed = f1_score(Y_test, fixed.predict(X_test), average=None, zero_division=0)
default = tuned["f1_micro_macro"]
f1_tuned = f1_score(Y_test, default.predict(X_test), average=None, zero_division=0)
fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
ax.bar(positions - 0.2, f1_fixed[order], width=0.4, label="threshold 0.5")
ax.bar(positions + 0.2, f1_tuned[order], width=0.4, label="tuned, f1_micro_macro")
ax.set_xticks(positions, names, rotation=45)
ax.set(ylabel="F1 (test)", ylim=(0, 1), title="yeast: F1 per label")
ax.legend()
plt.show()

# %%
# Which score to tune for
# -----------------------
# ``"f1"`` gives the best macro-F1 and loses a little micro-F1 against 0.5,
# because the rare labels' low thresholds add false positives to the pooled
# counts; ``"f1_micro"`` gives the best micro-F1 and a smaller gain in
# macro-F1. The default gains on both. Tune for the metric you report;
# choose the thresholds on training data only, as above, never on the test
# set.
