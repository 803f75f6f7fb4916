"""
Quick start: multi-label digits in a pipeline
=============================================

Every handwritten digit answers six independent yes/no questions (is it
even, prime, five or more, ...). A :class:`~skbce.BCEMultiLabelClassifier`
learns one sigmoid output per question, inside a scikit-learn pipeline;
:class:`~skbce.BCEMultiLabelClassifierCV` chooses its penalty ``alpha`` by
cross-validation and refits it.
"""

# %%
# Load the built-in task and fit a scaled linear model, its ``alpha`` chosen
# by 5-fold cross-validation along a regularization path.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbce import BCEMultiLabelClassifierCV, binary_cross_entropy
from skbce.datasets import make_digits_multilabel

X, Y, names = make_digits_multilabel()
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
model = make_pipeline(StandardScaler(), BCEMultiLabelClassifierCV(random_state=0))
model.fit(X_train, Y_train)

proba = model.predict_proba(X_test)
print(f"chosen alpha: {model[-1].alpha_:.3g}")
print(f"test BCE: {binary_cross_entropy(Y_test, proba):.4f}")
print(f"micro F1: {f1_score(Y_test, model.predict(X_test), average='micro'):.3f}")

# %%
# Each output answers its own question: the per-label F1 shows which are hard.
per_label = f1_score(Y_test, model.predict(X_test), average=None)
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(np.arange(len(names)), per_label)
ax.set_yticks(np.arange(len(names)), names)
ax.set_xlabel("test F1")
ax.set_xlim(0, 1)
fig.tight_layout()
plt.show()
