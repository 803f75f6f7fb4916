"""
Music tagging: emotions and CAL500
==================================

Tag songs with every label that applies. Two benchmark sets of audio
features extracted from songs:

* **emotions**: 593 songs, 72 rhythm and timbre features, 6 emotions
  (amazed-surprised, happy-pleased, relaxing-calm, quiet-still, sad-lonely,
  angry-aggressive); a song has about 1.9 of them.
* **CAL500**: 502 songs, 68 features, 174 semantic tags (emotions,
  instruments, genres, usages, vocal styles); a song has about 26 of them,
  and many tags are rare.

A linear :class:`~skbce.BCEMultiLabelClassifier` is fit on each, then every
label is evaluated on held-out songs with its ROC and precision-recall
curves and its F1 score at the default threshold of 0.5.
"""

# %%
# Emotions: fit
# -------------
# :func:`skbce.datasets.load_benchmark` reads a local ARFF copy of the data
# set when there is one and downloads it from OpenML otherwise. Audio
# features have very different scales, so the model is preceded by a
# :class:`~sklearn.preprocessing.StandardScaler`.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import (
    PrecisionRecallDisplay,
    RocCurveDisplay,
    f1_score,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbce import BCEMultiLabelClassifier, binary_cross_entropy
from skbce.datasets import load_benchmark

X, Y, feature_names, label_names = load_benchmark("emotions")
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.3, random_state=0)
model = make_pipeline(StandardScaler(), BCEMultiLabelClassifier(alpha=30.0))
model.fit(X_train, Y_train)
proba = model.predict_proba(X_test)
# A baseline that ignores the audio: every song gets the training label frequencies.
constant = np.tile(Y_train.mean(axis=0), (len(Y_test), 1))
print(f"{X.shape[0]} songs, {X.shape[1]} features, {Y.shape[1]} labels")
print(f"test BCE {binary_cross_entropy(Y_test, proba):.3f}, "
      f"label frequencies alone {binary_cross_entropy(Y_test, constant):.3f}")

# %%
# Emotions: one ROC and one precision-recall curve per label
# ----------------------------------------------------------
# Each sigmoid output is a score for its own label, so each label gets its
# own curves. On this split, quiet songs are the easiest to recognize from
# audio features and happy ones the hardest.
fig, (ax_roc, ax_pr) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
for k, name in enumerate(label_names):
    RocCurveDisplay.from_predictions(Y_test[:, k], proba[:, k], name=name, ax=ax_roc)
    PrecisionRecallDisplay.from_predictions(Y_test[:, k], proba[:, k], name=name, ax=ax_pr)
ax_roc.plot([0, 1], [0, 1], color="gray", ls=":", lw=1)
ax_roc.set_title("ROC, per label")
ax_pr.set_title("Precision-recall, per label")
ax_roc.legend(fontsize="small", loc="lower right")
ax_pr.legend(fontsize="small", loc="lower left")
plt.show()

# %%
# Emotions: F1 per label
# ----------------------
# ``predict`` thresholds each probability at 0.5 (strictly above means the
# label is given). The bar chart shows each label's F1 on the test songs,
# next to how often the label occurs.
predicted = model.predict(X_test)
f1 = f1_score(Y_test, predicted, average=None, zero_division=0)
fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
bars = ax.bar(label_names, f1, color="C0")
ax.bar_label(bars, fmt="%.2f")
ax.plot(label_names, Y_test.mean(axis=0), "ko", label="label frequency (test)")
ax.set(ylabel="F1 at threshold 0.5", ylim=(0, 1), title="emotions: F1 per label")
ax.tick_params(axis="x", rotation=20)
ax.legend(loc="upper left")
plt.show()
print(f"micro F1 {f1_score(Y_test, predicted, average='micro'):.3f}, "
      f"macro F1 {f1_score(Y_test, predicted, average='macro'):.3f}")

# %%
# CAL500: 174 tags
# ----------------
# The same model on CAL500. CAL500 is not on OpenML: without a local copy
# (``CAL500.arff`` from the Mulan or MEKA data sets in ``SKBCE_DATA_HOME``)
# this part is skipped. The rarest tags have only a handful of positive
# songs, so a random split can leave one with no positive test song, where
# its ROC AUC is undefined; the summary keeps the tags with positives and
# negatives in both splits.
try:
    X, Y, feature_names, label_names = load_benchmark("CAL500")
except FileNotFoundError as error:
    print(f"CAL500 skipped: {error}")
    X = None

if X is not None:
    X_train, X_test, Y_train, Y_test = train_test_split(
        X, Y, test_size=0.3, random_state=0
    )
    model = make_pipeline(StandardScaler(), BCEMultiLabelClassifier(alpha=30.0))
    model.fit(X_train, Y_train)
    proba = model.predict_proba(X_test)
    predicted = model.predict(X_test)
    label_names = np.asarray(label_names)
    both = [
        k for k in range(Y.shape[1])
        if 0 < Y_test[:, k].sum() < len(Y_test) and 0 < Y_train[:, k].sum() < len(Y_train)
    ]
    auc = np.array([roc_auc_score(Y_test[:, k], proba[:, k]) for k in both])
    print(f"{Y.shape[1]} tags, {len(both)} with both classes in train and test; "
          f"median ROC AUC {np.median(auc):.3f}, "
          f"test BCE {binary_cross_entropy(Y_test, proba):.3f}")

# %%
# CAL500: curves of the six most frequent tags, and the spread of ROC AUC
# -----------------------------------------------------------------------
if X is not None:
    frequent = np.argsort(-Y_train.mean(axis=0))[:6]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.5), layout="constrained")
    for k in frequent:
        RocCurveDisplay.from_predictions(
            Y_test[:, k], proba[:, k], name=label_names[k], ax=axes[0]
        )
        PrecisionRecallDisplay.from_predictions(
            Y_test[:, k], proba[:, k], name=label_names[k], ax=axes[1]
        )
    axes[0].set_title("ROC, six most frequent tags")
    axes[1].set_title("Precision-recall, six most frequent tags")
    for ax in axes[:2]:
        ax.legend(fontsize="x-small")
    axes[2].hist(auc, bins=20, color="C2")
    axes[2].axvline(0.5, color="gray", ls=":")
    axes[2].set(xlabel="ROC AUC", ylabel="number of tags",
                title=f"ROC AUC of the {len(both)} evaluable tags")
    plt.show()

# %%
# CAL500: F1 per tag
# ------------------
# The 30 most frequent tags, by F1 at the default threshold. CAL500 is a
# hard task for audio features (the ROC AUC of most tags is between 0.5 and
# 0.7). A tag carried by most songs gets a high F1 largely because it is
# frequent; a tag carried by a third of the songs or fewer rarely gets a
# probability above 0.5, so its F1 at that threshold is low. A lower
# per-label ``threshold`` trades precision for recall on those tags.
if X is not None:
    top = np.argsort(-Y_train.mean(axis=0))[:30]
    f1 = f1_score(Y_test[:, top], predicted[:, top], average=None, zero_division=0)
    fig, ax = plt.subplots(figsize=(8, 7), layout="constrained")
    ax.barh(label_names[top][::-1], f1[::-1], color="C0", label="F1 at threshold 0.5")
    ax.plot(Y_test[:, top].mean(axis=0)[::-1], label_names[top][::-1], "ko", ms=3,
            label="tag frequency (test)")
    ax.set(xlabel="F1", xlim=(0, 1), title="CAL500: the 30 most frequent tags")
    ax.tick_params(axis="y", labelsize="small")
    ax.legend(loc="lower right")
    plt.show()
