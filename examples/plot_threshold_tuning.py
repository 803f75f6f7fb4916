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
# The same model, two decision rules
# ----------------------------------
# :func:`skbce.datasets.load_benchmark` reads a local ARFF copy of yeast
# when there is one and downloads it from OpenML otherwise. One linear model
# (``alpha=100``) is thresholded at 0.5, and wrapped in
# :class:`~skbce.PerLabelThresholdClassifier` twice: ``scoring="f1"`` gives
# every label the threshold of highest F1 on 5-fold out-of-fold
# probabilities (that maximizes the macro-F1), ``scoring="f1_micro"``
# maximizes the micro-F1 of all labels pooled.
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

model = make_pipeline(StandardScaler(), BCEMultiLabelClassifier(alpha=100.0))
fixed = model.fit(X_train, Y_train)
tuned = PerLabelThresholdClassifier(model, scoring="f1").fit(X_train, Y_train)
tuned_micro = PerLabelThresholdClassifier(model, scoring="f1_micro").fit(X_train, Y_train)

rules = {"0.5": fixed, "tuned, f1": tuned, "tuned, f1_micro": tuned_micro}
print(f"{'threshold':16s} {'micro-F1':>8s} {'macro-F1':>8s}  (test set)")
for rule, clf in rules.items():
    predicted = clf.predict(X_test)
    micro = f1_score(Y_test, predicted, average="micro", zero_division=0)
    macro = f1_score(Y_test, predicted, average="macro", zero_division=0)
    print(f"{rule:16s} {micro:8.3f} {macro:8.3f}")

# %%
# The thresholds chosen
# ---------------------
# Labels are sorted by their frequency in the training data. Per-label F1
# asks for thresholds far below 0.5 for the rare classes. For the two
# classes held by three genes out of four both scorings choose 0 (no bar):
# predicting them for every gene is best. Micro-F1, where a rare class's false
# positives count against all the others' true positives, lowers the rare
# classes' thresholds less, or not at all.
order = np.argsort(-Y_train.mean(axis=0))
names = [label_names[k] for k in order]
positions = np.arange(len(order))
fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
ax.bar(positions - 0.2, tuned.thresholds_[order], width=0.4, label="tuned, f1")
ax.bar(positions + 0.2, tuned_micro.thresholds_[order], width=0.4, label="tuned, f1_micro")
ax.axhline(0.5, color="k", ls="--", lw=1, label="0.5")
ax.plot(positions, Y_train.mean(axis=0)[order], "ko", ms=4, label="label frequency")
ax.set_xticks(positions, names, rotation=45)
ax.set(ylabel="threshold", ylim=(0, 1), title="yeast: threshold per label")
ax.legend(ncols=2, fontsize="small")
plt.show()

# %%
# F1 per label on the test set
# ----------------------------
# At 0.5 the classes held by fewer than a fifth of the genes are hardly ever
# predicted and their F1 is close to 0. Their tuned thresholds find many of
# their genes; the frequent classes change little.
f1_fixed = f1_score(Y_test, fixed.predict(X_test), average=None, zero_division=0)
f1_tuned = f1_score(Y_test, tuned.predict(X_test), average=None, zero_division=0)
fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
ax.bar(positions - 0.2, f1_fixed[order], width=0.4, label="threshold 0.5")
ax.bar(positions + 0.2, f1_tuned[order], width=0.4, label="tuned, f1")
ax.set_xticks(positions, names, rotation=45)
ax.set(ylabel="F1 (test)", ylim=(0, 1), title="yeast: F1 per label")
ax.legend()
plt.show()

# %%
# Which score to tune for
# -----------------------
# The per-label thresholds maximize the mean of the labels' F1 (macro-F1)
# and lose a little micro-F1, because the rare labels' low thresholds add
# false positives to the pooled counts. The micro-F1 thresholds gain on both
# metrics here. Tune for the metric you report; choose the thresholds on
# training data only, as above, never on the test set.
