"""Metadata routing of the cross-validating estimators: a splitter's groups, a scorer's weights.

As ``LogisticRegressionCV``: with ``sklearn.set_config(enable_metadata_routing=True)``
each piece of ``fit``'s metadata goes where it is requested (``groups`` to a
``GroupKFold``); without it, metadata beyond ``sample_weight`` is an error.
"""

from __future__ import annotations

import sklearn
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping, process_routing


def routed_fit_params(estimator, sample_weight, params, *, scorer=False):
    """``fit``'s metadata for the splitter's ``split`` and, with ``scorer``, the scorer.

    Returns
    -------
    split_params, score_params : dict
        Without routing, the scorer gets ``sample_weight`` (when given).
    """
    if sklearn.get_config()["enable_metadata_routing"]:
        routed = process_routing(estimator, "fit", sample_weight=sample_weight, **params)
        return routed.splitter.split, routed.scorer.score if scorer else {}
    if params:
        raise ValueError(
            f"{type(estimator).__name__}.fit got unexpected arguments {sorted(params)}: "
            "metadata such as a splitter's 'groups' is passed only with metadata "
            "routing enabled (sklearn.set_config(enable_metadata_routing=True)); "
            "or pass the splits themselves as 'cv', e.g. "
            "cv=list(GroupKFold().split(X, y, groups))."
        )
    weighted = scorer and sample_weight is not None
    return {}, {"sample_weight": sample_weight} if weighted else {}


def cv_router(estimator, splitter, scorer=None):
    """The :class:`MetadataRouter` of ``estimator.fit``: itself, ``splitter``, ``scorer``."""
    router = MetadataRouter(owner=type(estimator).__name__).add_self_request(estimator).add(
        splitter=splitter, method_mapping=MethodMapping().add(caller="fit", callee="split"),
    )
    if scorer is not None:
        router.add(scorer=scorer, method_mapping=MethodMapping().add(caller="fit", callee="score"))
    return router
