"""
Model selection with ``bce_score``, then save and reload
========================================================

:class:`~skbce.BCEMultiLabelClassifier` is an ordinary scikit-learn
estimator: it goes into a :class:`~sklearn.pipeline.Pipeline`, and
:class:`~sklearn.model_selection.GridSearchCV` tunes it. The scorer
:data:`skbce.bce_score` is the negative mean binary cross-entropy of
``predict_proba`` on the held-out fold (greater is better), the same
quantity the model is trained on, so model selection looks at the quality of
the probabilities rather than at thresholded predictions.

The data are the 593 songs of the emotions set (72 audio features, 6
emotions).
"""

# %%
# The search
# ----------
# The grid crosses the penalty ``alpha`` (nine values from 0.1 to 1000) with
# the architecture: the linear model (``()``) and a 16-unit hidden layer.
# The hidden-layer fits stop at ``max_iter`` before the largest gradient
# entry falls below ``tol``; by then the objective changes only in its fourth
# decimal (see ``loss_curve_``), so the ``ConvergenceWarning`` is silenced.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skbce import BCEMultiLabelClassifier, bce_score, binary_cross_entropy
from skbce.datasets import load_benchmark

X, Y, feature_names, label_names = load_benchmark("emotions")
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.25, random_state=0)

pipeline = Pipeline([
    ("scale", StandardScaler()),
    ("clf", BCEMultiLabelClassifier(max_iter=500, random_state=0)),
])
alphas = [float(a) for a in np.logspace(-1, 3, 9)]
search = GridSearchCV(
    pipeline,
    {"clf__alpha": alphas, "clf__hidden_layer_sizes": [(), (16,)]},
    scoring=bce_score,
    cv=KFold(5, shuffle=True, random_state=0),
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, Y_train)
print("best parameters:", search.best_params_)
print(f"best cross-validated BCE: {-search.best_score_:.4f}")

# %%
# The cross-validation results
# ----------------------------
# ``cv_results_`` holds, for every candidate, the mean and standard
# deviation of the score over the five folds. The score is the negative BCE,
# so the plot shows its negation: lower is better. A small ``alpha`` lets the
# model fit the training folds' noise (the hidden layer more so, having more
# weights); a large ``alpha`` shrinks the weights until every song gets
# nearly the label frequencies.
results = search.cv_results_
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for hidden, label in [((), "linear"), ((16,), "one hidden layer of 16")]:
    rows = np.array([h == hidden for h in results["param_clf__hidden_layer_sizes"]])
    mean = -results["mean_test_score"][rows]
    std = results["std_test_score"][rows]
    a = np.asarray(results["param_clf__alpha"][rows], dtype=float)
    ax.plot(a, mean, "o-", label=label)
    ax.fill_between(a, mean - std, mean + std, alpha=0.2)
ax.axvline(search.best_params_["clf__alpha"], color="gray", ls=":", label="best alpha")
ax.set(xscale="log", xlabel="alpha", ylabel="cross-validated BCE (lower is better)",
       title="GridSearchCV(scoring=bce_score) on emotions")
ax.set_ylim(top=min(ax.get_ylim()[1], 1.2))
ax.legend()
plt.show()

# %%
# The refit best model on the test set
# ------------------------------------
# With ``refit=True`` (the default) the best candidate is refit on the whole
# training set. Its test BCE is close to its cross-validated BCE.
best = search.best_estimator_
test_bce = binary_cross_entropy(Y_test, best.predict_proba(X_test))
print(f"test BCE of the best model: {test_bce:.4f}")
print(f"bce_score on the test set:  {bce_score(best, X_test, Y_test):.4f}")

# %%
# Save and reload
# ---------------
# A fitted pipeline is saved with :func:`joblib.dump` and read back with
# :func:`joblib.load`. Loading a joblib (or pickle) file executes code stored
# in it: only load such files from a trusted source.
import tempfile
from pathlib import Path

import joblib
import skops.io as sio

folder = tempfile.TemporaryDirectory()
path = Path(folder.name) / "emotions_model.joblib"
joblib.dump(best, path)
print(f"saved {path.name}: {path.stat().st_size / 1024:.1f} KiB")
reloaded = joblib.load(path)
same = np.array_equal(reloaded.predict_proba(X_test), best.predict_proba(X_test))
print("reloaded model gives identical probabilities:", same)
print("reloaded model:", reloaded)

# %%
# For files exchanged with others, skops (``skops.io``) stores the model in a
# format that is read without executing code. Before loading,
# :func:`skops.io.get_untrusted_types` lists the types in the file that are
# not trusted by default; for this pipeline that is only the skbce
# estimator. :func:`skops.io.load` creates only the types it trusts by
# default and those passed in ``trusted``, and refuses any other.
skops_path = Path(folder.name) / "emotions_model.skops"
sio.dump(best, skops_path)
untrusted = sio.get_untrusted_types(file=skops_path)
print("types to approve:", untrusted)
assert untrusted == ["skbce._classifier.BCEMultiLabelClassifier"]
from_skops = sio.load(skops_path, trusted=untrusted)
same = np.array_equal(from_skops.predict_proba(X_test), best.predict_proba(X_test))
print("model loaded with skops gives identical probabilities:", same)
folder.cleanup()
