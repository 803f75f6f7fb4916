"""skbce: multi-label classification with binary cross-entropy for scikit-learn."""

from ._classifier import BCEMultiLabelClassifier
from ._cv import BCEMultiLabelClassifierCV
from ._thresholds import PerLabelThresholdClassifier
from ._version import __version__
from .metrics import bce_score, binary_cross_entropy, make_bce_scorer

__all__ = [
    "BCEMultiLabelClassifier",
    "BCEMultiLabelClassifierCV",
    "PerLabelThresholdClassifier",
    "__version__",
    "bce_score",
    "binary_cross_entropy",
    "make_bce_scorer",
]
