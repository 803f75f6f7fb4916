"""scikit-learn's estimator checks, all of them, for a linear and an MLP model,
the per-label threshold meta-estimator and the cross-validated model."""

import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    parametrize_with_checks,
)

from skbce import BCEMultiLabelClassifier, BCEMultiLabelClassifierCV, PerLabelThresholdClassifier

# The checks compare predict with predict_proba(X).round() and with
# decision_function(X) > 0: they assume the threshold 0.5, which is what the
# meta-estimator replaces (tests/test_thresholds.py checks predict instead).
EXPECTED_FAILED = {
    # Its default estimator is the CV estimator (below).
    PerLabelThresholdClassifier: {
        "check_classifier_multioutput": "predict applies the tuned thresholds, not 0.5",
        "check_classifiers_train": "predict applies the tuned threshold, not decision > 0",
        "check_sample_weight_equivalence_on_dense_data": "folds differ from repeated rows",
        "check_sample_weight_equivalence_on_sparse_data": "folds differ from repeated rows",
    },
    # Repeated rows fall into other folds than one row of twice the weight, so
    # the chosen alpha differs (as for scikit-learn's LogisticRegressionCV).
    BCEMultiLabelClassifierCV: {
        "check_sample_weight_equivalence_on_dense_data": "folds differ from repeated rows",
        "check_sample_weight_equivalence_on_sparse_data": "folds differ from repeated rows",
    },
}


ESTIMATORS = [
    BCEMultiLabelClassifier(),
    BCEMultiLabelClassifier(hidden_layer_sizes=(8,), activation="tanh", random_state=0),
    PerLabelThresholdClassifier(cv=2, random_state=0),
    BCEMultiLabelClassifierCV(alphas=5, cv=3),
]


@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda estimator: EXPECTED_FAILED.get(type(estimator), {}),
)
def test_sklearn_compatible_estimator(estimator, check, monkeypatch):
    # scikit-learn skips its array API check (NumPy namespace) unless this
    # variable is set; set it so that no check is left out.
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_dataframe_column_names_are_kept_and_checked(estimator):
    # A check scikit-learn runs on its own estimators beside check_estimator:
    # feature_names_in_ after a fit on a DataFrame, and a warning or an error
    # when the prediction's columns differ.
    pytest.importorskip("pandas")
    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)
