"""scikit-learn's estimator checks, all of them, for a linear and an MLP model."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skbce import BCEMultiLabelClassifier


@parametrize_with_checks(
    [
        BCEMultiLabelClassifier(),
        BCEMultiLabelClassifier(hidden_layer_sizes=(8,), activation="tanh", random_state=0),
    ]
)
def test_sklearn_compatible_estimator(estimator, check, monkeypatch):
    # scikit-learn skips its array API check (NumPy namespace) unless this
    # variable is set; set it so that no check is left out.
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)
