"""BCEMultiLabelClassifierCV: the path's choice, per-label strengths, folds, refit, API."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbce import BCEMultiLabelClassifier, BCEMultiLabelClassifierCV, bce_score
from skbce.metrics import make_bce_scorer

ALPHAS = np.logspace(3, -2, 8)


@pytest.fixture(scope="module")
def data():
    """Three labels: one driven by a feature, one weakly, one pure noise."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 6))
    logits = np.column_stack([2.0 * X[:, 0], 0.4 * X[:, 1], np.zeros(240)])
    Y = (rng.random(logits.shape) < 1 / (1 + np.exp(-logits))).astype(int)
    return X, Y


def quiet(model, X, Y, **kwargs):
    """Fit without the edge warning (small data put some labels' best at an end)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The best alpha")
        return model.fit(X, Y, **kwargs)


def test_choice_equals_a_brute_force_grid(data):
    X, Y = data
    folds = KFold(4, shuffle=True, random_state=1)
    grid = GridSearchCV(
        BCEMultiLabelClassifier(tol=1e-8), {"alpha": list(ALPHAS)}, cv=folds, scoring=bce_score
    ).fit(X, Y)
    cv = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds), X, Y)
    assert cv.alpha_ == grid.best_params_["alpha"]
    # The grid's scores, fold by fold, where the path went (strong to weak):
    # to the path's tolerance (90 tol), and closely at a tight one.
    expected = np.column_stack(
        [grid.cv_results_[f"split{i}_test_score"] for i in range(4)]
    ).T
    reached = ~np.isnan(cv.scores_)
    assert reached[:, : list(ALPHAS).index(cv.alpha_) + 1].all()
    np.testing.assert_allclose(cv.scores_[reached], expected[reached], atol=5e-4)
    tight = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds, tol=1e-8), X, Y)
    reached = ~np.isnan(tight.scores_)
    np.testing.assert_allclose(tight.scores_[reached], expected[reached], atol=1e-6)


@pytest.mark.parametrize("stacked", [True, False])
def test_labels_a_path_leaves_at_their_last_solution_change_neither_scores_nor_choice(
        data, monkeypatch, stacked):
    # Large problems keep, at the next strength, the labels whose last
    # solution still passes the test there (a rare label, under strong
    # penalties): the scores are still the grid's, the choice the path's
    # that evaluates every label.
    import skbce._path as path
    import skbce._solver as solver

    if not stacked:
        monkeypatch.setattr(path, "_STACK_WORK", 0)
    X, Y = data
    # Its positives are rows near the features' mean: a label with almost
    # no gradient in the weights at its intercept-only fit.
    rare = np.zeros(len(X), dtype=int)
    rare[np.argsort(np.linalg.norm(X - X.mean(axis=0), axis=1))[:5]] = 1
    Y = np.column_stack([Y, rare])
    folds = KFold(4, shuffle=True, random_state=1)
    alphas = np.logspace(3, -2, 30)  # close strengths, as the default's on a large problem
    evaluated = quiet(BCEMultiLabelClassifierCV(alphas=alphas, cv=folds), X, Y)
    settled = []
    settle = solver._PreconditionedObjective.settle
    monkeypatch.setattr(solver._PreconditionedObjective, "settle",
                        lambda self, u, mask, *args: settled.append(mask.sum())
                        or settle(self, u, mask, *args))
    monkeypatch.setattr(solver, "_NARROW_PRODUCT", 0)  # this small problem counts as large
    cv = quiet(BCEMultiLabelClassifierCV(alphas=alphas, cv=folds), X, Y)
    assert settled
    grid = GridSearchCV(
        BCEMultiLabelClassifier(tol=1e-8), {"alpha": list(alphas)}, cv=folds, scoring=bce_score
    ).fit(X, Y)
    expected = np.column_stack(
        [grid.cv_results_[f"split{i}_test_score"] for i in range(4)]
    ).T
    reached = ~np.isnan(cv.scores_)
    # The path's accuracy (see skbce._path.LINEAR_PATH_TOL_FACTOR).
    np.testing.assert_allclose(cv.scores_[reached], expected[reached], atol=1e-3)
    # The same choice, or one the exact scores cannot tell from it: the
    # 30 close strengths' best two differ by 1e-4 of BCE, within the
    # path's accuracy.
    mean = grid.cv_results_["mean_test_score"]
    for choice in (cv.alpha_, evaluated.alpha_):
        assert mean[list(alphas).index(choice)] >= mean.max() - 2e-4
    assert abs(np.log(cv.alpha_ / evaluated.alpha_)) <= 1.01 * np.log(alphas[0] / alphas[1])


@pytest.mark.parametrize("hidden, factor", [((), 90.0), ((3,), 10.0)])
def test_path_tolerance_is_looser_for_the_linear_model_than_for_a_network(
        data, monkeypatch, hidden, factor):
    # The linear model's scores are those of its convex optimum whatever
    # the start; a network's looser stop could end in another basin.
    import skbce._cv as cv_module

    seen = []

    def recording(real):
        def path(*args, tol, **kwargs):
            seen.append(tol)
            return real(*args, tol=tol, **kwargs)
        return path

    monkeypatch.setattr(cv_module, "fold_path", recording(cv_module.fold_path))
    monkeypatch.setattr(cv_module, "stacked_fold_paths",
                        recording(cv_module.stacked_fold_paths))
    X, Y = data
    quiet(BCEMultiLabelClassifierCV(hidden, alphas=ALPHAS[:3], cv=3, tol=2e-6,
                                    random_state=0), X, Y)
    assert seen and np.allclose(seen, factor * 2e-6)


def test_path_stops_once_the_score_has_turned(data):
    # Each fold's path ends at the first strength where the rule sees a turn
    # (a fold whose strongest fit stays best runs to the end); most end early.
    from skbce._path import PATIENCE, TURN_SPAN, score_turned

    X, Y = data
    cv = quiet(BCEMultiLabelClassifierCV(alphas=np.logspace(4, -4, 30), cv=3, random_state=0),
               X, Y)
    stopped_early = 0
    for fold in cv.scores_:
        fitted = int((~np.isnan(fold)).sum())
        assert not np.isnan(fold[:fitted]).any()
        turns = [score_turned(fold[: i + 1], PATIENCE, strengths=cv.alphas_, span=TURN_SPAN)
                 for i in range(fitted)]
        assert not any(turns[:-1])
        stopped_early += turns[-1]
        assert turns[-1] or fitted == len(fold)
    assert stopped_early >= 2


def test_the_loose_path_chooses_the_strength_tight_fits_choose(data):
    # The path's fits stop at ninety times the refit's tolerance, nothing
    # refined: its scores differ from those of fits thirty times tighter,
    # by at most about 1e-3, yet the best strength is the same, for fewer
    # iterations.
    import skbce._path as path

    X, Y = data
    train, test = np.arange(180), np.arange(180, 240)
    alphas = 240 * np.logspace(1, -4, 11)

    def walk(tol):
        return path.fold_path(
            X, Y.astype(float), np.ones(240), train, test, alphas=alphas, hidden=(),
            activation="relu", pos_weight=None, label_smoothing=0.0, solver="lbfgs",
            max_iter=500, max_fun=15000, tol=tol, random_state=0, per_label=False,
            score=None, patience=None)

    loose, loose_iter = walk(path.path_tolerance((), 1e-7))
    tight, tight_iter = walk(1e-7 / 3)
    best = int(np.argmax(tight))
    assert 0 < best < len(alphas) - 1
    assert int(np.argmax(loose)) == best
    assert 1e-8 < np.abs(loose - tight).max() < 1e-3
    assert loose_iter.sum() < tight_iter.sum()


def test_folds_and_refit_share_one_covariance_decomposition(data, monkeypatch):
    # Folds solved apart, each choosing the full covariance map: where its
    # build costs several of a fold's iterations, one decomposition of all
    # the training rows serves every fold and the refit, whose model is the
    # one a plain fit at alpha_ gives. A fold whose training rows leave a
    # feature constant (a word seen in one row only) decomposes its own
    # rows' covariance; so does every fold where the build is cheap.
    from scipy import sparse

    import skbce._path as path
    import skbce._solver as solver

    decompositions = []
    decompose = solver.feature_basis
    monkeypatch.setattr(solver, "feature_basis",
                        lambda *args: decompositions.append(1) or decompose(*args))
    X, Y = data
    # Small folds walk as one problem, whose basis is of all the rows: the
    # refit takes it over, however cheap.
    stacked = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, random_state=0), X, Y)
    assert len(decompositions) == 1
    plain = BCEMultiLabelClassifier(alpha=stacked.alpha_).fit(X, Y)
    np.testing.assert_array_equal(stacked.coefs_[0], plain.coefs_[0])
    decompositions.clear()
    monkeypatch.setattr(path, "_STACK_WORK", 0)  # folds solved apart
    quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, random_state=0), X, Y)
    assert len(decompositions) == 6  # a cheap build: five folds and the refit
    decompositions.clear()
    monkeypatch.setattr(path, "_SHARED_BASIS_ITERATIONS", 0)  # shared however cheap
    cv = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, random_state=0), X, Y)
    assert len(decompositions) == 1
    plain = BCEMultiLabelClassifier(alpha=cv.alpha_).fit(X, Y)
    for shared, own in zip([*cv.coefs_, *cv.intercepts_], [*plain.coefs_, *plain.intercepts_]):
        np.testing.assert_array_equal(shared, own)

    rare_word = np.zeros((len(X), 1))
    rare_word[0] = 1.0
    words = sparse.csr_matrix(np.hstack([np.abs(X), rare_word]))
    decompositions.clear()
    quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, random_state=0), words, Y)
    assert len(decompositions) == 2  # all the rows, and the fold without the word


def test_each_label_continues_along_the_curve_that_predicted_its_last_solution():
    # Solutions at equal steps of log(alpha): label 0's weights lie on a
    # parabola in log(alpha), the parabola through its last three solutions
    # predicts the next exactly; label 1's settle geometrically (each step
    # 0.4 times the one before, as where the data outweighs the penalty),
    # where a parabola overshoots and the secant is the closer start.
    from skbce._path import continued_start

    log_alphas = np.log(np.logspace(2, -2, 6))
    t = np.arange(6.0)
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(3, 4))
    parabola = a[:, None] + b[:, None] * t + c[:, None] * t**2
    settling = a[:, None] + b[:, None] * 0.4**t
    path = np.stack([parabola, settling], axis=-1)  # (rows, strengths, labels)
    solutions = [path[:, k].ravel() for k in range(5)]
    start = continued_start(solutions, log_alphas, 2).reshape(4, 2)
    np.testing.assert_allclose(start[:, 0], parabola[:, 5])
    secant = 2 * settling[:, 4] - settling[:, 3]
    np.testing.assert_allclose(start[:, 1], secant)
    assert np.linalg.norm(start[:, 1] - settling[:, 5]) < np.linalg.norm(
        3 * settling[:, 4] - 3 * settling[:, 3] + settling[:, 2] - settling[:, 5])
    # Too few solutions, or unequal steps (a user's grid): the secant, at
    # most one step of its own length.
    three = continued_start(solutions[-3:], log_alphas[-4:], 2).reshape(4, 2)
    np.testing.assert_allclose(three[:, 0], 2 * parabola[:, 4] - parabola[:, 3])
    uneven = log_alphas.copy()
    uneven[-1] -= 1.0
    longer = continued_start(solutions, uneven, 2).reshape(4, 2)
    np.testing.assert_allclose(longer[:, 0], 2 * parabola[:, 4] - parabola[:, 3])


@pytest.mark.parametrize("stacked", [True, False], ids=["stacked", "apart"])
def test_folds_and_refit_share_the_low_rank_maps_directions(monkeypatch, stacked):
    # More features than the covariance map takes, correlated by three
    # factors: every solve whitens the correlation's leading directions, and
    # one search of all the training rows serves every fold and the refit,
    # whose model is the one a plain fit at alpha_ gives. On independent
    # features the shared verdict is the diagonal map, also found once.
    import skbce._path as path
    import skbce._solver as solver

    if not stacked:
        monkeypatch.setattr(path, "_STACK_WORK", 0)
    rng = np.random.default_rng(7)
    latent = rng.normal(size=(1500, 3))
    noise = rng.normal(size=(1500, 1100))
    X = latent @ rng.normal(size=(3, 1100)) + noise
    Y = (latent[:, :2] + rng.normal(size=(1500, 2)) > 0).astype(int)
    searches, maps = [], []
    find, build = solver.leading_directions, solver.low_rank_jacobi_map
    monkeypatch.setattr(solver, "leading_directions",
                        lambda *args: searches.append(1) or find(*args))
    monkeypatch.setattr(solver, "low_rank_jacobi_map",
                        lambda *args: maps.append(1) or build(*args))
    cv = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS), X, Y)
    assert len(searches) == 1
    assert len(maps) > len(ALPHAS)  # the folds' solves and the refit's
    plain = BCEMultiLabelClassifier(alpha=cv.alpha_).fit(X, Y)
    assert len(searches) == 2
    for shared, own in zip([*cv.coefs_, *cv.intercepts_], [*plain.coefs_, *plain.intercepts_]):
        np.testing.assert_array_equal(shared, own)

    searches.clear(), maps.clear()
    quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS), noise, Y)
    assert len(searches) == 1
    assert not maps


def assert_rounding_only(single, double, **tolerance):
    """A path in (partly) float32 against the float64 one: its scores move by
    rounding only, over the same strengths, to the same choices and refit."""
    walked = ~np.isnan(double.scores_)
    np.testing.assert_array_equal(np.isnan(single.scores_), ~walked)
    np.testing.assert_allclose(single.scores_[walked], double.scores_[walked], **tolerance)
    assert not np.array_equal(single.scores_[walked], double.scores_[walked])
    np.testing.assert_array_equal(single.alpha_, double.alpha_)
    np.testing.assert_array_equal(single.coefs_[0], double.coefs_[0])


@pytest.mark.parametrize("stacked", [True, False], ids=["stacked", "apart"])
def test_path_products_in_single_precision_choose_as_double_ones(data, monkeypatch, stacked):
    # On large sparse rows the path's fits and held-out logits form their
    # products in float32; lowered to every size here: each fold's problem
    # gets the float32 copy, the held-out scores move by the products'
    # rounding only, and the choices and the float64 refit are the same.
    from scipy import sparse

    import skbce._path as path
    from skbce._rows import InMemoryRows

    X, Y = data
    words = sparse.csr_matrix(np.where(np.abs(X) > 1.0, np.abs(X), 0.0))
    if not stacked:
        monkeypatch.setattr(path, "_STACK_WORK", 0)
    params = dict(alphas=ALPHAS, per_label=True, random_state=0)
    held_out = []  # the dtype of each held-out forward pass
    logits = path.fold_logits
    monkeypatch.setattr(path, "fold_logits",
                        lambda X, *args: held_out.append(X.dtype) or logits(X, *args))
    double = quiet(BCEMultiLabelClassifierCV(**params), words, Y)
    assert set(held_out) == {np.dtype(np.float64)}
    copies = []
    held_out.clear()
    use = InMemoryRows.use_single_precision_products
    monkeypatch.setattr(path, "SINGLE_PRECISION_PRODUCT", 0)
    monkeypatch.setattr(InMemoryRows, "use_single_precision_products",
                        lambda rows: copies.append(rows.n_samples) or use(rows))
    single = quiet(BCEMultiLabelClassifierCV(**params), words, Y)
    assert len(copies) == (1 if stacked else 5)  # every walked problem, not the refit
    assert set(held_out) == {np.dtype(np.float32)}  # and its held-out logits
    assert_rounding_only(single, double, rtol=1e-5)


@pytest.mark.parametrize("sparse_rows", [True, False], ids=["sparse", "dense"])
def test_large_folds_walk_in_single_precision_and_choose_as_double_ones(
        data, monkeypatch, sparse_rows):
    # A linear model's large folds walk their paths in float32 (rows,
    # targets, products, loss), lowered to every size here: each fold's rows
    # are cast, the held-out scores move by float32's rounding only, the
    # choices and the float64 refit are the same. A tolerance below what
    # float32 fits reach, a network, and a feature float32 would blur keep
    # the float64 path.
    import skbce._path as path
    from skbce._rows import InMemoryRows

    monkeypatch.setattr(path, "_STACK_WORK", 0)  # folds solved apart
    X, Y = data
    if sparse_rows:
        from scipy import sparse

        X = sparse.csr_matrix(np.where(np.abs(X) > 1.0, np.abs(X), 0.0))
    params = dict(alphas=ALPHAS, per_label=True, random_state=0)
    double = quiet(BCEMultiLabelClassifierCV(**params), X, Y)
    cast = []
    in_single = InMemoryRows.in_single_precision
    monkeypatch.setattr(InMemoryRows, "in_single_precision",
                        lambda rows: cast.append(rows.n_samples) or in_single(rows))
    monkeypatch.setattr(path, "SINGLE_PRECISION_PATH", 0)
    single = quiet(BCEMultiLabelClassifierCV(**params), X, Y)
    assert len(cast) == 5  # every fold, not the refit
    assert_rounding_only(single, double, atol=1e-5)
    assert single.coefs_[0].dtype == np.float64

    cast.clear()
    quiet(BCEMultiLabelClassifierCV(tol=1e-6, **params), X, Y)  # path tolerance 9e-5
    quiet(BCEMultiLabelClassifierCV((3,), alphas=ALPHAS[:2], random_state=0), X, Y)
    offset = X.toarray() if sparse_rows else X.copy()
    offset[:, 0] = 1e6 + 1e-3 * offset[:, 0]
    quiet(BCEMultiLabelClassifierCV(**params), offset, Y)
    assert not cast


def test_features_float32_would_blur_keep_the_double_path():
    # Float32's seven digits: a feature whose spread is a tiny fraction of
    # its magnitude (an unscaled offset) or a value near float32's overflow
    # keeps a fold in float64; scaled features, counts and rare 0/1 words pass.
    from scipy import sparse

    from skbce._path import keeps_in_single_precision

    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4))
    assert keeps_in_single_precision(X)
    counts = rng.poisson(3.0, size=(500, 4)).astype(float)
    assert keeps_in_single_precision(counts)
    words = sparse.random(10_000, 50, density=0.01, random_state=0, format="csr")
    words.data[:] = 1.0
    once = sparse.csr_matrix(([1.0], ([0], [0])), shape=(10_000, 1))
    # A word in one row of 10,000: 1 is 100 of its standard deviations.
    assert keeps_in_single_precision(sparse.hstack([words, once], format="csr"))
    offset = X.copy()
    offset[:, 1] = 1e6 + 1e-3 * X[:, 1]
    assert not keeps_in_single_precision(offset)
    assert not keeps_in_single_precision(sparse.csr_matrix(offset))
    huge = X.copy()
    huge[:, 2] = 1e31  # constant, but not castable
    assert not keeps_in_single_precision(huge)
    assert keeps_in_single_precision(np.column_stack([X, np.full(500, 7.0)]))


def test_integer_alphas_span_a_range_relative_to_the_sample_weight(data):
    X, Y = data
    cv = quiet(BCEMultiLabelClassifierCV(alphas=5), X, Y)
    np.testing.assert_allclose(cv.alphas_, X.shape[0] * np.logspace(2, -5, 5))
    heavy = quiet(BCEMultiLabelClassifierCV(alphas=5), X, Y, sample_weight=np.full(240, 2.0))
    np.testing.assert_allclose(heavy.alphas_, 2 * cv.alphas_)


def test_default_folds_are_shuffled_so_a_sorted_file_works(data):
    X, Y = data
    order = np.lexsort(Y.T[::-1])  # rows sorted by their label set
    X_sorted, Y_sorted = X[order], Y[order]
    default = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, random_state=3), X_sorted, Y_sorted)
    shuffled = quiet(
        BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=KFold(5, shuffle=True, random_state=3)),
        X_sorted, Y_sorted,
    )
    np.testing.assert_array_equal(default.scores_, shuffled.scores_)
    unshuffled = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=KFold(5)), X_sorted, Y_sorted)

    def best_mean(scores):  # over the strengths some fold reached
        return np.nanmax(np.nanmean(scores[:, ~np.isnan(scores).all(axis=0)], axis=0))

    # Unshuffled folds of a sorted file hold out whole label sets: far worse scores.
    assert best_mean(unshuffled.scores_) < best_mean(default.scores_) - 0.05


def test_per_label_strengths_follow_each_label_with_shrinkage(data):
    X, Y = data
    folds = KFold(5, shuffle=True, random_state=0)
    per_label = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds, per_label=True), X, Y)
    shared = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds), X, Y)
    assert per_label.scores_.shape == (5, len(ALPHAS), 3)
    assert per_label.alpha_.shape == (3,)
    # The overall score is the mean of the labels' scores: the same shared choice.
    np.testing.assert_allclose(per_label.scores_.mean(axis=2), shared.scores_, atol=1e-12,
                               equal_nan=True)
    scores = per_label.scores_
    reached = ~np.isnan(scores).any(axis=(0, 2))
    mean = np.where(reached[:, None], np.nan_to_num(scores).mean(axis=0), -np.inf)
    shared_index = list(per_label.alphas_).index(shared.alpha_)
    for k in range(3):
        own = int(np.argmax(mean[:, k]))
        gain = scores[:, own, k] - scores[:, shared_index, k]
        moves = gain.mean() > gain.std(ddof=1) / np.sqrt(5)
        assert per_label.alpha_[k] == per_label.alphas_[own if moves else shared_index]
    # The noise label is regularized hardest, the strong one least.
    assert per_label.alpha_[2] >= per_label.alpha_[1] >= per_label.alpha_[0]
    assert per_label.alpha_[2] > per_label.alpha_[0]


def test_per_label_walk_stays_at_the_scouting_tolerance(data):
    # Every strength of a per-label walk is scored as the shared walk scores
    # it (both at the scouting tolerance, nothing refined). Its choice is
    # the one tight fits give.
    X, Y = data
    folds = KFold(5, shuffle=True, random_state=0)
    per_label = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds, per_label=True), X, Y)
    shared = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds), X, Y)
    np.testing.assert_allclose(per_label.scores_.mean(axis=2), shared.scores_, rtol=0,
                               atol=1e-12, equal_nan=True)
    tight = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds, per_label=True, tol=1e-10),
                  X, Y)
    np.testing.assert_array_equal(per_label.alpha_, tight.alpha_)


def test_warns_when_the_best_alpha_is_at_an_edge(data):
    X, Y = data
    with pytest.warns(UserWarning, match="strongest of alphas_"):
        # The noise label: the strongest penalty scores clearly best.
        BCEMultiLabelClassifierCV(alphas=[1e1, 1e0, 1e-1], cv=3, random_state=0).fit(X, Y[:, 2])
    with pytest.warns(UserWarning, match="weakest of alphas_"):
        BCEMultiLabelClassifierCV(alphas=[1e6, 1e5, 1e4], cv=3, random_state=0).fit(X, Y[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=3, random_state=0).fit(X, Y[:, 0])


@pytest.mark.parametrize("per_label", [False, True])
def test_refit_is_the_model_at_the_chosen_alpha(data, per_label):
    X, Y = data
    cv = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, per_label=per_label), X, Y)
    model = BCEMultiLabelClassifier(alpha=cv.alpha_).fit(X, Y)
    for name in ("classes_", "n_outputs_", "n_features_in_", "n_iter_", "loss_", "loss_curve_"):
        np.testing.assert_array_equal(getattr(cv, name), getattr(model, name))
    for ours, theirs in zip(cv.coefs_ + cv.intercepts_, model.coefs_ + model.intercepts_):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(cv.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(cv.predict(X), model.predict(X))
    assert cv.pos_weight_ is None


def test_without_refit_only_the_cross_validation_is_kept(data):
    X, Y = data
    cv = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, refit=False), X, Y)
    assert cv.scores_.shape == (5, len(ALPHAS)) and cv.alpha_ in cv.alphas_
    assert not hasattr(cv, "coefs_")
    with pytest.raises(NotFittedError):
        cv.predict(X)


def test_parallel_folds_equal_serial_folds(data):
    X, Y = data
    params = dict(alphas=ALPHAS, per_label=True, random_state=0)
    serial = quiet(BCEMultiLabelClassifierCV(**params, n_jobs=1), X, Y)
    parallel = quiet(BCEMultiLabelClassifierCV(**params, n_jobs=2), X, Y)
    np.testing.assert_array_equal(serial.scores_, parallel.scores_)
    np.testing.assert_array_equal(serial.alpha_, parallel.alpha_)


def test_a_scorer_scores_every_fold_model(data):
    X, Y = data
    folds = KFold(3, shuffle=True, random_state=0)
    default = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds), X, Y)
    scored = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds, scoring=bce_score), X, Y)
    np.testing.assert_allclose(scored.scores_, default.scores_, rtol=1e-10, equal_nan=True)
    auc = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds, scoring="roc_auc"), X, Y)
    assert np.nanmax(auc.scores_) <= 1 and auc.alpha_ in auc.alphas_


def test_a_scorer_gets_the_held_out_sample_weight(data):
    X, Y = data
    weight = np.random.default_rng(1).random(X.shape[0])
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    default = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds), X, Y,
                    sample_weight=weight)
    scored = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds, scoring=bce_score), X, Y,
                   sample_weight=weight)
    np.testing.assert_allclose(scored.scores_, default.scores_, rtol=1e-10, equal_nan=True)
    with sklearn.config_context(enable_metadata_routing=True):  # bce_score requests it
        routed = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds, scoring=bce_score),
                       X, Y, sample_weight=weight)
        unweighted = quiet(BCEMultiLabelClassifierCV(
            alphas=ALPHAS, cv=folds, scoring=make_bce_scorer().set_score_request(
                sample_weight=False)), X, Y, sample_weight=weight)
    np.testing.assert_allclose(routed.scores_, default.scores_, rtol=1e-10, equal_nan=True)
    assert np.nanmax(np.abs(unweighted.scores_ - default.scores_)) > 1e-3


def test_a_group_splitter_gets_its_groups_through_metadata_routing(data):
    X, Y = data
    groups = np.arange(X.shape[0]) % 8
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        BCEMultiLabelClassifierCV(cv=GroupKFold(4)).fit(X, Y, groups=groups)
    given = quiet(BCEMultiLabelClassifierCV(
        alphas=ALPHAS, cv=list(GroupKFold(4).split(X, Y, groups))), X, Y)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=GroupKFold(4)), X, Y,
                       groups=groups)
        # And through a search, which routes the groups to its own splitter and ours.
        search = GridSearchCV(BCEMultiLabelClassifierCV(alphas=4, cv=GroupKFold(3)),
                              {"per_label": [False, True]}, cv=GroupKFold(2),
                              scoring=bce_score)
        quiet(search, X, Y, groups=groups)
    np.testing.assert_array_equal(routed.scores_, given.scores_)
    assert routed.alpha_ == given.alpha_
    assert np.isfinite(search.best_score_)


def test_mlp_path(data):
    X, Y = data
    cv = quiet(BCEMultiLabelClassifierCV((4,), alphas=5, cv=3, random_state=0, max_iter=100),
               X, Y)
    assert [c.shape for c in cv.coefs_] == [(6, 4), (4, 3)]
    assert np.isfinite(cv.scores_[:, 0]).all()
    assert cv.predict_proba(X).shape == (240, 3)


def test_pipeline_search_clone_and_pickle(data):
    X, Y = data
    pipeline = make_pipeline(StandardScaler(), BCEMultiLabelClassifierCV(alphas=4, cv=3,
                                                                         random_state=0))
    search = GridSearchCV(
        pipeline, {"bcemultilabelclassifiercv__hidden_layer_sizes": [(), (3,)]},
        scoring=bce_score, cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, Y)
    fitted = search.best_estimator_
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))
    unfitted = clone(fitted[-1])
    assert not hasattr(unfitted, "alpha_") and unfitted.get_params()["alphas"] == 4


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"alphas": 0}, "alphas"), ({"alphas": [1.0, -1.0]}, "alphas"),
        ({"alphas": "many"}, "alphas"), ({"alphas": [[1.0]]}, "alphas"),
        ({"cv": 1}, "cv"), ({"cv": "folds"}, "cv"),
        ({"per_label": "yes"}, "per_label"), ({"refit": 1}, "refit"),
        ({"scoring": 3}, "scoring"), ({"scoring": "roc_auc", "per_label": True}, "scoring"),
        ({"n_jobs": 0}, "n_jobs"), ({"tol": -1.0}, "tol"),
    ],
)
def test_bad_parameters_are_named(data, params, name):
    X, Y = data
    with pytest.raises(ValueError, match=f"'{name}'"):
        BCEMultiLabelClassifierCV(**params).fit(X, Y)


def test_folds_without_held_out_weight_are_left_out(data):
    # Unshuffled folds of 60 rows: the first fold's rows all weigh nothing.
    X, Y = data
    weight = np.ones(len(X))
    weight[:60] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        cv = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=KFold(4)), X, Y,
                   sample_weight=weight)
    assert cv.scores_.shape[0] == 3 and np.isfinite(cv.scores_[:, 0]).all()
    only_unweighted = [(np.arange(60, len(X)), np.arange(60))]
    with pytest.raises(ValueError, match="zero total sample_weight"):
        BCEMultiLabelClassifierCV(cv=only_unweighted).fit(X, Y, sample_weight=weight)


def test_alpha_per_label_has_one_value_per_output(data):
    X, Y = data
    with pytest.raises(ValueError, match=r"'alpha'.*2 values.*3 outputs"):
        BCEMultiLabelClassifier(alpha=[1.0, 2.0]).fit(X, Y)
    with pytest.raises(ValueError, match="'alpha'"):
        BCEMultiLabelClassifier(alpha=[1.0, np.inf, 2.0]).fit(X, Y)


def test_joblib_and_skops_round_trip(data, tmp_path):
    import joblib

    X, Y = data
    cv = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, per_label=True, cv=3), X, Y)
    joblib.dump(cv, tmp_path / "model.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "model.joblib").predict_proba(X),
                                  cv.predict_proba(X))
    sio = pytest.importorskip("skops.io")
    sio.dump(cv, tmp_path / "model.skops")
    untrusted = sio.get_untrusted_types(file=tmp_path / "model.skops")
    assert untrusted == ["skbce._cv.BCEMultiLabelClassifierCV"]
    loaded = sio.load(tmp_path / "model.skops", trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict_proba(X), cv.predict_proba(X))
    np.testing.assert_array_equal(loaded.alpha_, cv.alpha_)


def test_folds_run_on_a_dask_cluster_through_joblib(data, monkeypatch):
    distributed = pytest.importorskip("distributed")
    import joblib

    import skbce._path as path

    monkeypatch.setattr(path, "_STACK_WORK", 0)  # small folds would share one problem

    X, Y = data
    serial = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, random_state=0), X, Y)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False) as cluster,
        distributed.Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        on_cluster = quiet(
            BCEMultiLabelClassifierCV(alphas=ALPHAS, random_state=0, n_jobs=2), X, Y
        )
    np.testing.assert_array_equal(on_cluster.scores_, serial.scores_)



def test_stop_rule_waits_for_a_score_that_beats_the_strongest_fit():
    from skbce._path import NETWORK_IMPROVEMENT, score_turned

    # Rare labels (medical) score worse for a few strengths below the
    # strongest before the features pay off: not a turn.
    assert not score_turned(np.array([-0.50, -0.51, -0.52, -0.53]), 3)
    assert not score_turned(np.array([-0.50, -0.50, -0.50, -0.50]), 3)  # all at the prior
    assert score_turned(np.array([-0.50, -0.40, -0.41, -0.42, -0.43]), 3)
    assert not score_turned(np.array([-0.50, -0.40, -0.41, -0.42, -0.39]), 3)
    # A network's fresh fits at strong strengths all end near the label
    # frequencies: their scores' slack (CAL500's, here) is not an improvement.
    plateau = np.array([-0.3329, -0.3327, -0.3329, -0.3328, -0.3329, -0.3330])
    assert score_turned(plateau, 3)  # the linear model's paths are smooth
    assert not score_turned(plateau, 3, improvement=NETWORK_IMPROVEMENT)


def test_stop_rule_waits_for_a_fall_over_a_span_of_strengths():
    from skbce._path import score_turned

    scores = np.array([-0.50, -0.40, -0.41, -0.42])
    # Two falls a factor of 2.3 apart (the default grid) span 5.4: a turn.
    assert score_turned(scores, 2, strengths=2.3 ** -np.arange(4.0), span=5.0)
    # On a grid four times finer they span 1.5: not yet, nor at four falls (2.3).
    assert not score_turned(scores, 2, strengths=1.23 ** -np.arange(4.0), span=5.0)
    fine = np.array([-0.50, -0.40, -0.41, -0.42, -0.43, -0.44])
    assert not score_turned(fine, 2, strengths=1.23 ** -np.arange(6.0), span=5.0)
    # Eight falls span 5.2: a turn.
    finer = np.array([-0.50, -0.40, *(-0.41 - 0.01 * np.arange(8))])
    assert score_turned(finer, 2, strengths=1.23 ** -np.arange(10.0), span=5.0)
    # A penalty of zero is infinitely weaker than any other.
    assert score_turned(scores, 2, strengths=np.array([10.0, 1.0, 0.5, 0.0]), span=5.0)


def test_the_default_path_stops_two_strengths_past_the_best_three_for_a_network(data):
    # On the default grid (a factor of 2.3 apart) a linear fold's walk ends
    # two strengths past its best, a network's three: the span decides.
    X, Y = data
    for hidden, past in [((), 2), ((4,), 3)]:
        cv = quiet(BCEMultiLabelClassifierCV(hidden, cv=3, random_state=0), X, Y)
        stopped = 0
        for fold in cv.scores_:
            fitted = int((~np.isnan(fold)).sum())
            if fitted < len(fold):
                assert fitted - 1 - int(np.nanargmax(fold)) == past
                stopped += 1
        assert stopped >= 2


@pytest.mark.parametrize("block_bytes", [None, 7 * 8 * 3])
@pytest.mark.parametrize("soft", [False, True])
def test_heldout_loss_is_the_metric_of_the_probabilities(soft, block_bytes):
    # The path's score from logits agrees with binary_cross_entropy of the
    # probabilities (overall and label by label), missing labels and weights
    # included, in one row block or several, and stays finite and silent for
    # logits of +-1000.
    from scipy.special import expit

    from skbce import binary_cross_entropy
    from skbce._path import heldout_loss

    rng = np.random.default_rng(3)
    logits = rng.normal(scale=4, size=(50, 3))
    targets = rng.random((50, 3)) if soft else (rng.random((50, 3)) < 0.4) * 1.0
    targets[rng.random(targets.shape) < 0.1] = np.nan
    weight = rng.uniform(0.5, 2.0, 50)
    blocks = {} if block_bytes is None else {"block_bytes": block_bytes}
    expected = binary_cross_entropy(targets, expit(logits), sample_weight=weight)
    value = heldout_loss(logits, targets, weight, False, **blocks)
    assert value == pytest.approx(expected, rel=1e-10)
    complete = np.nan_to_num(targets, nan=1.0)
    value = heldout_loss(logits, complete, weight, False, **blocks)
    assert value == pytest.approx(
        binary_cross_entropy(complete, expit(logits), sample_weight=weight), rel=1e-10)
    complete_per_label = heldout_loss(logits, complete, weight, True, **blocks)
    for k in range(3):
        assert complete_per_label[k] == pytest.approx(binary_cross_entropy(
            complete[:, k], expit(logits[:, k]), sample_weight=weight), rel=1e-10)
    per_label = heldout_loss(logits, targets, weight, True, **blocks)
    for k in range(3):
        kept = ~np.isnan(targets[:, k])
        expected = binary_cross_entropy(targets[kept, k], expit(logits[kept, k]),
                                        sample_weight=weight[kept])
        assert per_label[k] == pytest.approx(expected, rel=1e-10)
    extreme = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    with np.errstate(all="raise"):
        value = heldout_loss(extreme, np.array([[1.0, 0.0], [1.0, 0.0]]), np.ones(2), False)
    assert value == pytest.approx(-np.log(np.finfo(np.float64).eps) / 2)


def test_a_label_missing_from_a_folds_training_rows_scores_alike_at_every_strength(data):
    X, Y = data
    folds = KFold(5, shuffle=True, random_state=0)
    (_, test), *_ = folds.split(X)
    rare = np.zeros(len(X), dtype=int)
    rare[test[:2]] = 1  # both positives held out by the first fold
    Y = np.column_stack([Y, rare])
    model = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds, per_label=True), X, Y)
    scores = model.scores_[0, :, 3]
    scores = scores[~np.isnan(scores)]
    assert len(scores) >= 4
    # Fitted at its clipped prior at every strength: its score does not fall
    # as the penalty weakens (it fell while the intercept drifted).
    np.testing.assert_allclose(scores, scores[0], rtol=1e-9)
    # No other fold sees a positive held out: the label keeps the shared strength.
    shared = quiet(BCEMultiLabelClassifierCV(alphas=ALPHAS, cv=folds), X, Y)
    assert model.alpha_[3] == shared.alpha_


def test_per_label_choice_counts_only_the_folds_informative_for_the_label():
    from skbce._cv import choose_per_label

    # Two labels, five folds, three strengths; the shared strength is index 0.
    scores = np.zeros((5, 3, 2))
    scores[:, 1, :] = [[0.3], [0.2], [0.4], [-0.1], [-0.2]]  # gains at index 1
    scores[:, 2, :] = [[-0.1], [-0.1], [-0.1], [0.9], [1.0]]  # gains at index 2
    everywhere = choose_per_label(scores, 0)
    assert list(everywhere) == [2, 2]  # by the mean over all folds
    informative = np.ones((5, 2), dtype=bool)
    informative[3:, 0] = False  # label 0: the last two folds are no evidence
    informative[1:, 1] = False  # label 1: one fold only
    chosen = choose_per_label(scores, 0, informative)
    assert chosen[0] == 1  # its own best among the folds that count
    assert chosen[1] == 0  # too little evidence: the shared strength


def test_a_network_scores_each_strength_as_a_grid_of_fresh_fits(data):
    # Each strength of a network's path starts from the grid's random start:
    # warm starts from a strong penalty would begin at the zero-weight saddle
    # it shrinks the network to, and every weaker strength would stay there.
    X, Y = data
    alphas = 160 * np.logspace(1, -3, 9)
    folds = KFold(3, shuffle=True, random_state=0)
    cv = quiet(BCEMultiLabelClassifierCV((8,), alphas=alphas, cv=folds, random_state=0,
                                         tol=1e-5), X, Y)
    grid = quiet(GridSearchCV(
        BCEMultiLabelClassifier((8,), random_state=0, early_stopping=False, tol=1e-4),
        {"alpha": list(alphas)}, cv=folds, scoring=bce_score), X, Y)
    split_scores = np.array([grid.cv_results_[f"split{i}_test_score"] for i in range(3)])
    reached = ~np.isnan(cv.scores_)
    np.testing.assert_allclose(cv.scores_[reached], split_scores[reached], rtol=0, atol=1e-6)
    assert cv.alpha_ == grid.best_params_["alpha"]
    # The chosen network beats the label frequencies clearly.
    assert np.nanmax(cv.scores_.mean(axis=0)) > cv.scores_[:, 0].mean() + 0.05
    # The refit fits alpha_ on every row to tol, without early stopping, as
    # the path's fits were scored.
    refit = BCEMultiLabelClassifier((8,), alpha=cv.alpha_, random_state=0,
                                    early_stopping=False, tol=1e-5).fit(X, Y)
    for ours, theirs in zip(cv.coefs_, refit.coefs_):
        np.testing.assert_array_equal(ours, theirs)
    assert not hasattr(cv, "validation_scores_")


def test_a_large_dense_path_carries_its_curvature_pairs_from_strength_to_strength(
        monkeypatch):
    # Each solve of the walk starts from the L-BFGS pairs of the one before
    # (skbce._curvature_pairs): fewer iterations, the same best strength,
    # scores within the scouting walk's accuracy.
    import skbce._path as path
    from skbce._rows import checked_arrays
    from skbce._solver import carries_pairs

    rng = np.random.default_rng(0)
    latent = rng.normal(size=(3000, 4))
    X = latent @ rng.normal(size=(4, 30)) + 0.3 * rng.normal(size=(3000, 30))
    Y = (latent @ rng.normal(size=(4, 5)) + rng.normal(size=(3000, 5)) > 0.5).astype(int)
    X, targets, weight, *_ = checked_arrays(BCEMultiLabelClassifier(), X, Y, None)
    train, test = next(KFold(5, shuffle=True, random_state=0).split(X))
    assert carries_pairs(len(train), X.shape[1])
    options = dict(alphas=len(train) * np.logspace(2, -5, 20), hidden=(), activation="relu",
                   pos_weight=None, label_smoothing=0.0, solver="lbfgs", max_iter=500,
                   max_fun=15000, tol=3e-4, random_state=0, per_label=False, score=None)
    carried, iterations = path.fold_path(X, targets, weight, train, test, **options)
    monkeypatch.setattr(path, "carries_pairs", lambda *shape: False)
    afresh, iterations_afresh = path.fold_path(X, targets, weight, train, test, **options)
    assert iterations.sum() <= 0.9 * iterations_afresh.sum()
    assert np.nanargmax(carried) == np.nanargmax(afresh)
    both = ~np.isnan(carried) & ~np.isnan(afresh)
    assert both[: np.nanargmax(carried) + 2].all()
    np.testing.assert_allclose(carried[both], afresh[both], atol=1e-3)
