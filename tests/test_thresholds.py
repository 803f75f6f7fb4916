"""PerLabelThresholdClassifier: per-label thresholds tuned on out-of-fold predictions."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from scipy import sparse
from sklearn.base import clone
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    jaccard_score,
)
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    StratifiedKFold,
    cross_val_predict,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler

from skbce import (
    BCEMultiLabelClassifier,
    BCEMultiLabelClassifierCV,
    PerLabelThresholdClassifier,
    bce_score,
)

from .conftest import DATASETS, load_benchmark


def _imbalanced(n_samples, seed=0, n_features=10, n_labels=4):
    """Noisy linear labels with prevalences from about 3% to 25%."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    W = rng.standard_normal((n_features, n_labels)) / np.sqrt(n_features)
    bias = np.linspace(-3.5, -1.0, n_labels)
    logits = 2.0 * X @ W + bias + rng.logistic(size=(n_samples, n_labels))
    return X, (logits > 0).astype(int)


def test_a_group_splitter_gets_its_groups_through_metadata_routing():
    X, Y = _imbalanced(300, seed=2)
    groups = np.arange(300) % 10
    base = BCEMultiLabelClassifier(alpha=1.0)
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        PerLabelThresholdClassifier(base, cv=GroupKFold(3)).fit(X, Y, groups=groups)
    given = PerLabelThresholdClassifier(base, cv=list(GroupKFold(3).split(X, Y, groups)))
    given.fit(X, Y)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = PerLabelThresholdClassifier(base, cv=GroupKFold(3)).fit(X, Y, groups=groups)
    np.testing.assert_array_equal(routed.thresholds_, given.thresholds_)
    # Other folds choose other thresholds: the groups did decide the folds.
    shuffled = PerLabelThresholdClassifier(base, cv=3, random_state=0).fit(X, Y)
    assert not np.array_equal(shuffled.thresholds_, given.thresholds_)


def test_thresholds_maximize_out_of_fold_f1():
    X, Y = _imbalanced(200, seed=1)
    base = BCEMultiLabelClassifier(alpha=1.0)
    clf = PerLabelThresholdClassifier(base, scoring="f1", cv=KFold(3), smooth=0).fit(X, Y)
    proba = cross_val_predict(base, X, Y, cv=KFold(3), method="predict_proba")
    for k in range(Y.shape[1]):
        p = proba[:, k]
        # Brute force: every distinct decision on these samples.
        candidates = np.concatenate([[0.0], np.unique(p)])
        best = max(f1_score(Y[:, k], p > t, zero_division=0) for t in candidates)
        chosen = f1_score(Y[:, k], p > clf.thresholds_[k], zero_division=0)
        assert chosen == pytest.approx(best, abs=1e-12)
        assert clf.best_scores_[k] == pytest.approx(best, abs=1e-12)
    assert clf.thresholds_.shape == (Y.shape[1],)
    assert np.all((clf.thresholds_ >= 0) & (clf.thresholds_ <= 1))


@pytest.mark.parametrize(("scoring", "macro_weight"), [("f1_micro", 0.0), ("f1_micro_macro", 0.5)])
def test_coupled_scorings_are_coordinatewise_optima_above_one_half(scoring, macro_weight):
    X, Y = _imbalanced(200, seed=14, n_labels=5)
    base = BCEMultiLabelClassifier()
    clf = PerLabelThresholdClassifier(base, cv=KFold(3), scoring=scoring, smooth=0).fit(X, Y)
    proba = cross_val_predict(base, X, Y, cv=KFold(3), method="predict_proba")

    def objective(thresholds):
        predicted = proba > thresholds
        micro = f1_score(Y, predicted, average="micro", zero_division=0)
        macro = f1_score(Y, predicted, average="macro", zero_division=0)
        return (1 - macro_weight) * micro + macro_weight * macro

    chosen = objective(clf.thresholds_)
    assert chosen > objective(np.full(Y.shape[1], 0.5))
    for k in range(Y.shape[1]):  # no single label's threshold can do better
        for t in np.concatenate([[0.0], np.unique(proba[:, k])]):
            moved = clf.thresholds_.copy()
            moved[k] = t
            assert objective(moved) <= chosen + 1e-12
    for k in range(Y.shape[1]):
        own = f1_score(Y[:, k], proba[:, k] > clf.thresholds_[k], zero_division=0)
        assert clf.best_scores_[k] == pytest.approx(own)


def test_callable_scoring_gives_the_named_scoring_result():
    X, Y = _imbalanced(150, seed=2)

    def f1(y_true, y_pred):
        return f1_score(y_true, y_pred, zero_division=0)

    # Smoothing mixes in the other labels' counts, which a callable cannot see.
    named = PerLabelThresholdClassifier(cv=3, scoring="f1", smooth=0, random_state=0).fit(X, Y)
    custom = PerLabelThresholdClassifier(cv=3, scoring=f1, random_state=0).fit(X, Y)
    np.testing.assert_allclose(custom.thresholds_, named.thresholds_)
    np.testing.assert_allclose(custom.best_scores_, named.best_scores_)


@pytest.mark.parametrize("scoring", ["f1_micro", "jaccard", "balanced_accuracy", "accuracy"])
def test_other_scorings_and_grid(scoring):
    X, Y = _imbalanced(150, seed=3)
    clf = PerLabelThresholdClassifier(cv=3, scoring=scoring, thresholds=21).fit(X, Y)
    grid = np.linspace(0, 1, 21)
    assert np.all(np.isin(clf.thresholds_, grid) | (clf.thresholds_ == 0.5))
    assert np.all(np.isfinite(clf.best_scores_))


@pytest.mark.parametrize(
    "scoring, metric",
    [("jaccard", jaccard_score), ("balanced_accuracy", balanced_accuracy_score),
     ("accuracy", accuracy_score)],
)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_named_scorings_are_scikit_learns_metrics(scoring, metric, weighted):
    X, Y = _imbalanced(200, seed=4)
    weight = np.linspace(0.2, 2.0, len(X)) if weighted else None
    base = BCEMultiLabelClassifier()
    clf = PerLabelThresholdClassifier(base, cv=KFold(3), scoring=scoring, smooth=0)
    clf.fit(X, Y, sample_weight=weight)
    proba = cross_val_predict(
        base, X, Y, cv=KFold(3), method="predict_proba", params={"sample_weight": weight}
    )

    def score(k, t):
        extra = {"zero_division": 0} if metric is jaccard_score else {}
        return metric(Y[:, k], proba[:, k] > t, sample_weight=weight, **extra)

    for k in range(Y.shape[1]):
        # Brute force: every distinct decision on these samples.
        best = max(score(k, t) for t in np.concatenate([[0.0], np.unique(proba[:, k])]))
        assert score(k, clf.thresholds_[k]) == pytest.approx(best, abs=1e-12)
        assert clf.best_scores_[k] == pytest.approx(best, abs=1e-12)


def test_tuned_thresholds_beat_one_half_on_held_out_data():
    X, Y = _imbalanced(3000, seed=0)
    X_train, X_test, Y_train, Y_test = X[:1500], X[1500:], Y[:1500], Y[1500:]
    fixed = BCEMultiLabelClassifier().fit(X_train, Y_train)
    tuned = PerLabelThresholdClassifier(BCEMultiLabelClassifier()).fit(X_train, Y_train)
    # Same model, only the decision rule differs.
    np.testing.assert_allclose(tuned.predict_proba(X_test), fixed.predict_proba(X_test))
    micro = PerLabelThresholdClassifier(BCEMultiLabelClassifier(), scoring="f1_micro")
    micro.fit(X_train, Y_train)
    for model in (tuned, micro):
        for average in ("micro", "macro"):
            f1_fixed = f1_score(Y_test, fixed.predict(X_test), average=average, zero_division=0)
            f1_tuned = f1_score(Y_test, model.predict(X_test), average=average, zero_division=0)
            assert f1_tuned > f1_fixed + 0.02, (model.scoring, average, f1_fixed, f1_tuned)
    assert np.all(tuned.thresholds_ < 0.5)  # rare labels want a lower threshold


def test_default_cv_shuffles_with_random_state():
    X, Y = _imbalanced(200, seed=15)
    default = PerLabelThresholdClassifier(random_state=0).fit(X, Y)
    # With a splitter given, random_state seeds the default estimator's own folds only.
    shuffled = PerLabelThresholdClassifier(cv=KFold(5, shuffle=True, random_state=0),
                                           random_state=0)
    np.testing.assert_array_equal(default.thresholds_, shuffled.fit(X, Y).thresholds_)
    y = Y[:, -1]
    default = PerLabelThresholdClassifier(random_state=0).fit(X, y)
    stratified = PerLabelThresholdClassifier(
        cv=StratifiedKFold(5, shuffle=True, random_state=0), random_state=0
    )
    np.testing.assert_array_equal(default.thresholds_, stratified.fit(X, y).thresholds_)


def test_default_cv_survives_a_training_file_sorted_by_label():
    X, Y = _imbalanced(2000, seed=3, n_labels=3)
    X_test, Y_test = X[1000:], Y[1000:]
    # Positives of the first label first, as in files sorted by label set: an
    # unshuffled first fold holds out every positive of that label.
    order = np.lexsort((-Y[:1000, 2], -Y[:1000, 1], -Y[:1000, 0]))
    X_sorted, Y_sorted = X[:1000][order], Y[:1000][order]
    default = PerLabelThresholdClassifier(random_state=0).fit(X_sorted, Y_sorted)
    unshuffled = PerLabelThresholdClassifier(cv=KFold(5)).fit(X_sorted, Y_sorted)

    def f1_first_label(clf):
        return f1_score(Y_test[:, 0], clf.predict(X_test)[:, 0])

    assert np.all((default.thresholds_ > 0.05) & (default.thresholds_ < 0.95))
    assert f1_first_label(default) > f1_first_label(unshuffled) + 0.1


def _rare(n_samples, seed, n_features=20, n_labels=30):
    """Noisy linear labels, most of them on a few percent of the samples or less."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    W = rng.standard_normal((n_features, n_labels)) / np.sqrt(n_features)
    bias = np.linspace(-6.0, -2.5, n_labels)
    logits = 2.0 * X @ W + bias + rng.logistic(size=(n_samples, n_labels))
    return X, (logits > 0).astype(int)


def test_labels_with_few_positives_get_no_degenerate_thresholds():
    X, Y = _rare(2200, seed=1)
    X_train, Y_train, X_test, Y_test = X[:200], Y[:200], X[200:], Y[200:]
    assert np.median(Y_train.sum(axis=0)) < 16  # a handful of positives per label

    def fit(**params):
        return PerLabelThresholdClassifier(random_state=0, **params).fit(X_train, Y_train)

    def report(clf):
        predicted = clf.predict(X_test)
        always = int(np.sum(predicted.mean(axis=0) > 0.9))
        return f1_score(Y_test, predicted, average="micro"), always

    # Each label's own F1 on its few out-of-fold positives: some label is
    # then given to (almost) every sample.
    raw_micro, raw_always = report(fit(scoring="f1", smooth=0))
    assert raw_always >= 1
    # The same scoring, smoothed toward the pooled counts of all labels.
    micro, always = report(fit(scoring="f1"))
    assert always == 0 and micro > raw_micro + 0.02
    # A callable is not smoothed, but a degenerate threshold still needs
    # ``smooth`` positives.
    def own_f1(y_true, y_pred):
        return f1_score(y_true, y_pred, zero_division=0)

    assert report(fit(scoring=own_f1, thresholds=11, smooth=0))[1] >= 1
    guarded = fit(scoring=own_f1, thresholds=11)
    few = Y_train.sum(axis=0) < guarded.smooth
    assert np.all(guarded.thresholds_[few] > 0) and report(guarded)[1] == 0


def test_defaults_beat_one_half_on_micro_and_macro_f1_with_rare_labels():
    X, Y = _rare(2200, seed=1)
    X_train, Y_train, X_test, Y_test = X[:200], Y[:200], X[200:], Y[200:]
    # The default estimator at 0.5 against the same estimator's tuned thresholds.
    at_half = BCEMultiLabelClassifierCV(random_state=0).fit(X_train, Y_train).predict(X_test)
    tuned = PerLabelThresholdClassifier(random_state=0).fit(X_train, Y_train).predict(X_test)
    for average in ("micro", "macro"):
        assert f1_score(Y_test, tuned, average=average, zero_division=0) > f1_score(
            Y_test, at_half, average=average, zero_division=0
        ) + 0.01


def test_smoothing_leaves_a_single_label_unchanged():
    X, Y = _imbalanced(300, seed=16, n_labels=1)
    y = Y[:, 0]
    assert y.sum() >= 10
    thresholds = [
        PerLabelThresholdClassifier(scoring="f1", smooth=smooth, random_state=0)
        .fit(X, y).thresholds_
        for smooth in (0.0, 10.0, 1000.0)
    ]
    np.testing.assert_array_equal(thresholds[0], thresholds[1])
    assert thresholds[0] != 0.5
    # With fewer positives than ``smooth``, a degenerate threshold is excluded.
    assert 0 < thresholds[2][0] < 1


def test_predict_is_proba_strictly_above_thresholds():
    X, Y = _imbalanced(200, seed=4)
    clf = PerLabelThresholdClassifier(cv=3).fit(X, Y)
    proba = clf.predict_proba(X)
    prediction = clf.predict(X)
    assert prediction.dtype.kind == "i"
    np.testing.assert_array_equal(prediction, (proba > clf.thresholds_).astype(int))
    # Same convention as BCEMultiLabelClassifier: a probability equal to the
    # threshold is not a label.
    clf.thresholds_ = proba[0].astype(np.float64)
    assert not clf.predict(X)[0].any()
    clf.estimator_.set_params(threshold=proba[0].astype(np.float64))
    assert not clf.estimator_.predict(X)[0].any()
    np.testing.assert_array_equal(clf.decision_function(X), clf.estimator_.decision_function(X))
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-10)


def test_binary_y_is_one_label():
    X, Y = _imbalanced(300, seed=5, n_labels=1)
    y = np.where(Y[:, 0] == 1, "yes", "no")
    clf = PerLabelThresholdClassifier(cv=3).fit(X, y)
    assert clf.thresholds_.shape == (1,)
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    proba = clf.predict_proba(X)
    expected = np.where(proba[:, 1] > clf.thresholds_[0], "yes", "no")
    np.testing.assert_array_equal(clf.predict(X), expected)


def test_constant_label_columns_keep_one_half_quietly():
    X, Y = _imbalanced(120, seed=6, n_labels=2)
    Y = np.column_stack([Y, np.zeros(len(Y), int), np.ones(len(Y), int)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = PerLabelThresholdClassifier(cv=3).fit(X, Y)
    assert clf.thresholds_[2] == 0.5 and clf.thresholds_[3] == 0.5
    assert np.all(np.isfinite(clf.best_scores_))
    prediction = clf.predict(X)
    assert not prediction[:, 2].any() and prediction[:, 3].all()


def test_pipeline_and_grid_search():
    X, Y = _imbalanced(240, seed=7)
    X = X * 50.0 + 3.0
    pipe = make_pipeline(
        StandardScaler(), PerLabelThresholdClassifier(BCEMultiLabelClassifier(), cv=2)
    )
    for scoring in (bce_score, "f1_micro"):
        search = GridSearchCV(
            pipe, {"perlabelthresholdclassifier__estimator__alpha": [0.1, 10.0]},
            scoring=scoring, cv=2,
        ).fit(X, Y)
        assert search.best_params_["perlabelthresholdclassifier__estimator__alpha"] in (0.1, 10.0)
        assert search.predict(X).shape == Y.shape
    # The meta-estimator around a pipeline, searched directly.
    outer = PerLabelThresholdClassifier(make_pipeline(StandardScaler(), BCEMultiLabelClassifier()))
    search = GridSearchCV(
        outer, {"estimator__bcemultilabelclassifier__alpha": [0.1, 10.0]},
        scoring="f1_micro", cv=2,
    ).fit(X, Y)
    assert search.best_estimator_.n_features_in_ == X.shape[1]


def test_clone_and_pickle_round_trip():
    X, Y = _imbalanced(150, seed=8)
    clf = PerLabelThresholdClassifier(cv=3, scoring="jaccard").fit(X, Y)
    assert clone(clf).get_params()["scoring"] == "jaccard"
    assert not hasattr(clone(clf), "thresholds_")
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.thresholds_, clf.thresholds_)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_sample_weight_is_passed_on():
    X, Y = _imbalanced(150, seed=9)
    weight = np.linspace(0.1, 2.0, len(X))
    weighted = PerLabelThresholdClassifier(cv=3, scoring="f1", smooth=0, random_state=0)
    weighted.fit(X, Y, sample_weight=weight)
    # The default estimator's refit gets the weights (its alpha chosen with them).
    reference = BCEMultiLabelClassifierCV(random_state=0).fit(X, Y, sample_weight=weight)
    np.testing.assert_allclose(weighted.estimator_.coefs_[0], reference.coefs_[0])
    plain = PerLabelThresholdClassifier(cv=3, scoring="f1", smooth=0, random_state=0).fit(X, Y)
    assert not np.allclose(weighted.thresholds_, plain.thresholds_)

    # The scores are weighted too: the named "f1" agrees with sklearn's weighted F1.
    def weighted_f1(y_true, y_pred, sample_weight=None):
        return f1_score(y_true, y_pred, sample_weight=sample_weight, zero_division=0)

    custom = PerLabelThresholdClassifier(cv=3, scoring=weighted_f1, random_state=0)
    custom.fit(X, Y, sample_weight=weight)
    np.testing.assert_allclose(custom.thresholds_, weighted.thresholds_)
    np.testing.assert_allclose(custom.best_scores_, weighted.best_scores_)


def test_smoothed_counts_are_weighted():
    X, Y = _rare(400, seed=2)
    # A fixed alpha: the default estimator's own folds differ between weights and repetition.
    clf = PerLabelThresholdClassifier(BCEMultiLabelClassifier(), random_state=0)
    plain = clf.fit(X, Y).thresholds_
    np.testing.assert_array_equal(clf.fit(X, Y, sample_weight=np.ones(len(X))).thresholds_, plain)
    # Weights 2 count each sample twice: in the labels' and the pooled counts alike.
    doubled = clf.fit(X, Y, sample_weight=np.full(len(X), 2.0)).thresholds_
    repeated = clf.set_params(cv=[(np.r_[train, train + 400], np.r_[test, test + 400])
                                  for train, test in KFold(5, shuffle=True, random_state=0)
                                  .split(X)]).fit(np.vstack([X, X]), np.vstack([Y, Y]))
    np.testing.assert_allclose(doubled, repeated.thresholds_)


def test_float_cv_and_refit_false():
    X, Y = _imbalanced(200, seed=10)
    clf = PerLabelThresholdClassifier(cv=0.3, refit=False, random_state=0).fit(X, Y)
    refit = PerLabelThresholdClassifier(cv=0.3, random_state=0).fit(X, Y)
    np.testing.assert_array_equal(clf.thresholds_, refit.thresholds_)
    # refit=False keeps the model of the 70% training part.
    assert not np.allclose(clf.estimator_.coefs_[0], refit.estimator_.coefs_[0])
    with pytest.raises(ValueError, match="'refit'"):
        PerLabelThresholdClassifier(cv=3, refit=False).fit(X, Y)


def test_dataframe_feature_names():
    pd = pytest.importorskip("pandas")
    X, Y = _imbalanced(100, seed=11)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = PerLabelThresholdClassifier(cv=2).fit(frame, Y)
    assert list(clf.feature_names_in_) == list(frame.columns)
    assert clf.n_features_in_ == X.shape[1]
    labels = pd.DataFrame(Y, columns=[f"label{k}" for k in range(Y.shape[1])])
    clf = PerLabelThresholdClassifier(cv=2).fit(frame, labels)
    assert list(clf.classes_) == list(labels.columns)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("scoring", "roc_auc"),
        ("scoring", 3),
        ("cv", 1),
        ("cv", 1.5),
        ("cv", True),
        ("thresholds", "grid"),
        ("thresholds", 1),
        ("thresholds", [0.2, 1.5]),
        ("thresholds", []),
        ("smooth", -1.0),
        ("smooth", "auto"),
        ("smooth", np.inf),
        ("refit", "yes"),
        ("n_jobs", 1.5),
        ("estimator", StandardScaler()),
    ],
)
def test_bad_parameters_raise_naming_them(name, value):
    X, Y = _imbalanced(60, seed=12)
    with pytest.raises(ValueError, match=f"'{name}'"):
        PerLabelThresholdClassifier(**{name: value}).fit(X, Y)


def test_multiclass_and_soft_targets_are_rejected():
    X, _ = _imbalanced(60, seed=13)
    with pytest.raises(ValueError, match="Only binary"):
        PerLabelThresholdClassifier(cv=2).fit(X, np.arange(60) % 3)
    with pytest.raises(ValueError, match="Only binary"):
        PerLabelThresholdClassifier(cv=2).fit(X, np.full((60, 2), 0.3))


def test_missing_labels_are_left_out_of_each_labels_threshold():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((240, 4))
    Y = (X[:, :3] + 0.8 * rng.standard_normal((240, 3)) > [0.0, 1.0, 1.5]).astype(float)
    Y_missing = Y.copy()
    Y_missing[rng.random(Y.shape) < 0.2] = np.nan
    Y_missing[:, 2] = np.nan  # a label never observed keeps 0.5
    base = BCEMultiLabelClassifier(missing_labels="ignore")
    splits = list(KFold(3).split(X))
    clf = PerLabelThresholdClassifier(base, scoring="f1", cv=splits, smooth=0).fit(X, Y_missing)
    assert clf.thresholds_[2] == 0.5
    assert np.all(np.isfinite(clf.best_scores_))

    # Each label's threshold is the best F1 on its observed out-of-fold entries.
    proba = np.empty_like(Y)
    for train, test in splits:
        proba[test] = clone(base).fit(X[train], Y_missing[train]).predict_proba(X[test])
    for k in range(2):
        known = ~np.isnan(Y_missing[:, k])
        y, p = Y_missing[known, k], proba[known, k]
        best = max(f1_score(y, p > t) for t in np.r_[0.0, np.unique(p)])
        assert f1_score(y, p > clf.thresholds_[k]) == pytest.approx(best)

    # Without missing-label support in the estimator, its own error is raised.
    with pytest.raises(ValueError, match="missing_labels"):
        PerLabelThresholdClassifier(cv=2).fit(X, Y_missing)
    with pytest.raises(ValueError, match="2-D"):
        PerLabelThresholdClassifier(cv=2).fit(X, np.r_[np.nan, Y[1:, 0]])


def _standard_split(name, n_labels):
    """A Mulan train/test pair as shipped (unshuffled), labels last."""
    from skbce.datasets import load_arff

    paths = [DATASETS / f"{name}-{part}.arff" for part in ("train", "test")]
    if not all(path.exists() for path in paths):
        pytest.skip(f"{paths[0]} is not available")
    (X_train, Y_train, _, _), (X_test, Y_test, _, _) = (
        load_arff(path, n_labels, labels_first=False) for path in paths
    )
    return X_train, X_test, Y_train, Y_test


def _seeded_split(name, n_labels):
    X, Y, _, _ = load_benchmark(name, n_labels)
    return train_test_split(X, Y, test_size=0.3, random_state=0)


@pytest.mark.parametrize(
    ("name", "n_labels", "split"),
    [
        ("scene", 6, _standard_split),
        ("medical", 45, _standard_split),
        ("yeast", 14, _seeded_split),
        ("CAL500", 174, _seeded_split),
    ],
)
def test_defaults_beat_one_half_on_real_data(name, n_labels, split):
    # The user guide's claim, with the model of benchmarks/thresholds.py.
    X_train, X_test, Y_train, Y_test = split(name, n_labels)
    scaler = MaxAbsScaler() if sparse.issparse(X_train) else StandardScaler()
    model = make_pipeline(scaler, BCEMultiLabelClassifier(alpha=10.0))
    at_half = clone(model).fit(X_train, Y_train).predict(X_test)
    tuned = PerLabelThresholdClassifier(model, random_state=0).fit(X_train, Y_train)
    predicted = tuned.predict(X_test)
    for average in ("micro", "macro"):
        assert f1_score(Y_test, predicted, average=average, zero_division=0) > f1_score(
            Y_test, at_half, average=average, zero_division=0
        )
    # A label given to every test sample has the support to be.
    always = predicted.all(axis=0)
    assert np.all(Y_train.sum(axis=0)[always] >= tuned.smooth)


@pytest.mark.parametrize(("name", "split"), [("scene", _standard_split),
                                             ("emotions", _seeded_split)])
def test_the_default_estimator_chooses_its_alpha(name, split):
    # With no estimator the wrapper fits BCEMultiLabelClassifierCV: on scene's
    # sorted standard file and on emotions, both F1s beat the wrapper around
    # a fixed alpha=1 (scene micro-F1 0.70 against 0.63).
    X_train, X_test, Y_train, Y_test = split(name, 6)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    default = PerLabelThresholdClassifier(random_state=0).fit(X_train, Y_train)
    assert isinstance(default.estimator_, BCEMultiLabelClassifierCV)
    fixed = PerLabelThresholdClassifier(BCEMultiLabelClassifier(), random_state=0)
    fixed.fit(X_train, Y_train)
    for average in ("micro", "macro"):
        assert f1_score(Y_test, default.predict(X_test), average=average) > f1_score(
            Y_test, fixed.predict(X_test), average=average) + 0.02
