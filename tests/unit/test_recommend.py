"""Recommender, love model and evaluation protocols on small crafted frames."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from core.recommend import evaluation as ev
from models.love import LoveModel
from models.recommend import HybridRecommender, UnknownTitleError, UnknownUserError
from models.recommend_algos import als_baselines, als_mf, ease_weights, knn_residual_mean, pearson_baseline

SMALL = dict(knn_min_support=1, ease_min_count=1, mf_factors=3, mf_epochs=5, ease_lambda=1.0)


@pytest.fixture(scope="module")
def titles() -> pd.DataFrame:
    rows = [(f"ml:{k}", f"Blast Zone {k}", ["Action"], 1990 + k) for k in range(1, 6)]
    rows += [(f"ml:{k}", f"Love Letter {k}", ["Romance"], 1990 + k) for k in range(6, 11)]
    rows += [("ml:99", "Blast Zone Returns", ["Action", "Thriller"], 2001)]  # nobody rated it
    return pd.DataFrame(rows, columns=["title_id", "title", "genres", "year"]).assign(overview="")


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    """Users 1-4 love action and dislike romance; users 5-8 the reverse. Each rated 6-8 titles."""
    rng = np.random.default_rng(0)
    rows, clock = [], 0
    for user in range(1, 9):
        action_fan = user <= 4
        for k in rng.permutation(10)[: 6 + user % 3] + 1:
            good = (k <= 5) == action_fan
            clock += 60
            when = pd.Timestamp("2020-01-01") + pd.Timedelta(seconds=clock)
            rows.append((user, f"ml:{k}", 4.5 if good else 1.5, when))
    return pd.DataFrame(rows, columns=["user_id", "title_id", "rating", "timestamp"])


@pytest.fixture(scope="module")
def model(ratings, titles) -> HybridRecommender:
    return HybridRecommender(**SMALL).fit(ratings, titles)


def test_fit_and_predict_are_deterministic(ratings, titles):
    pairs = ratings[["user_id", "title_id"]]
    a = HybridRecommender(**SMALL).fit(ratings, titles).predict_ratings(pairs)
    b = HybridRecommender(**SMALL).fit(ratings, titles).predict_ratings(pairs)
    np.testing.assert_allclose(a, b)


def test_predictions_stay_on_the_rating_scale_and_follow_taste(model, titles):
    preds = [model.predict(u, t) for u in range(1, 9) for t in titles["title_id"]]
    assert all(0.5 <= p <= 5 for p in preds)
    assert model.predict(1, "ml:2") > model.predict(1, "ml:7")


def test_recommend_respects_k_and_excludes_seen(model, ratings):
    seen = set(ratings.loc[ratings["user_id"] == 2, "title_id"])
    recs = model.recommend(2, k=3)
    assert len(recs) == 3 and not seen & set(recs)
    assert len(model.recommend(2, k=3, exclude_seen=False)) == 3


def test_genre_filter_for_a_known_user(model):
    recs = model.recommend(1, k=3, genres=["romance"], exclude_seen=False)
    assert recs and all(6 <= int(t.split(":")[1]) <= 10 for t in recs)
    assert model.recommend(1, k=3, genres=["Western"]) == []


def test_cold_start_user_gets_popular_titles_in_genre(model):
    assert model.recommend(12345, k=3) == model.popular_titles(3)
    romance = model.recommend(12345, k=3, genres=["Romance"])
    assert len(romance) == 3 and all(int(t.split(":")[1]) >= 6 for t in romance)
    explained = model.recommend_explained(12345, k=2)
    assert list(explained["because_title"]) == ["", ""]


def test_cold_start_title_reached_through_content(model):
    similar = model.similar_titles("ml:99", k=3)
    assert list(similar.columns) == ["title_id", "title", "similarity"]
    assert all(int(t.split(":")[1]) <= 5 for t in similar["title_id"])  # the action titles
    assert 0.5 <= model.predict(1, "ml:99") <= 5
    assert "ml:99" in model.recommend(1, k=5, content_weight=1.0)


def test_unknown_ids_raise_clear_key_errors(model):
    with pytest.raises(UnknownTitleError, match="ml:404"):
        model.predict(1, "ml:404")
    with pytest.raises(KeyError):
        model.similar_titles("nope")
    assert issubclass(UnknownUserError, KeyError)
    assert 0.5 <= model.predict(777, "ml:1") <= 5  # unknown user: documented baseline fallback
    with pytest.raises(ValueError):
        model.recommend(1, content_weight=2.0)


def test_blend_weight_changes_the_list_without_refitting(model):
    collaborative = model.recommend_explained(1, k=4, content_weight=0.0)
    content = model.recommend_explained(1, k=4, content_weight=1.0)
    assert list(collaborative["title_id"]) != list(content["title_id"])
    np.testing.assert_allclose(content["score"], content["content_score"])


def test_recommend_explained_names_a_rated_title(model, ratings):
    out = model.recommend_explained(5, k=3)
    assert list(out.columns) == ["title_id", "title", "score", "content_score", "collaborative_score",
                                 "because_title_id", "because_title"]
    assert set(out["because_title_id"]) <= set(ratings.loc[ratings["user_id"] == 5, "title_id"])
    assert out["score"].is_monotonic_decreasing


def test_rating_only_fit_refuses_to_rank(ratings, titles):
    model = HybridRecommender(parts="rating", **SMALL).fit(ratings, titles)
    with pytest.raises(RuntimeError):
        model.recommend(1)


def test_ranking_metrics_on_a_hand_computed_example():
    recs, relevant = ["a", "b", "c", "d"], {"b", "d", "z"}
    assert ev.precision_at_k(recs, relevant, k=4) == pytest.approx(0.5)
    assert ev.recall_at_k(recs, relevant, k=4) == pytest.approx(2 / 3)
    dcg = 1 / np.log2(3) + 1 / np.log2(5)
    idcg = 1 + 1 / np.log2(3) + 1 / np.log2(4)
    assert ev.ndcg_at_k(recs, relevant, k=4) == pytest.approx(dcg / idcg)
    assert ev.ndcg_at_k(["b"], {"b"}, k=10) == pytest.approx(1.0)
    assert ev.ndcg_at_k(recs, set(), k=4) == 0.0


def test_temporal_split_holds_out_each_users_latest_fifth():
    stamps = pd.date_range("2020-01-01", periods=10, freq="D")
    ratings = pd.DataFrame({"user_id": [1] * 10 + [2] * 5, "title_id": [f"t{k}" for k in range(15)],
                            "rating": 3.0, "timestamp": list(stamps[::-1]) + list(stamps[:5])})
    train, test = ev.temporal_split(ratings, frac=0.2)
    assert set(test["title_id"]) == {"t0", "t1", "t14"}
    assert len(train) + len(test) == len(ratings)
    for user, held in test.groupby("user_id"):
        assert held["timestamp"].min() >= train.loc[train["user_id"] == user, "timestamp"].max()


def test_ranking_eval_with_a_scorer():
    train = pd.DataFrame({"user_id": [1, 2], "title_id": ["a", "a"], "rating": 4.0})
    test = pd.DataFrame({"user_id": [1, 1, 2], "title_id": ["b", "c", "b"], "rating": [5.0, 2.0, 4.5]})
    titles = pd.DataFrame({"title_id": list("abcd")})
    out = ev.ranking_eval(lambda user, k: ["a", "b", "d"], train, test, titles, k=2, min_heldout=2)
    assert out["users"] == 1  # user 2 has a single held-out rating
    assert out["precision"] == pytest.approx(0.5) and out["recall"] == pytest.approx(1.0)
    assert out["ndcg"] == pytest.approx(1.0) and out["coverage"] == pytest.approx(0.5)  # "a" was filtered


def test_rating_cv_and_baselines(ratings, titles):
    out = ev.rating_cv(ratings, titles, ev.GlobalMean, n_splits=3)
    assert set(out) >= {"rmse", "mae", "fit_seconds"} and out["rmse"] >= out["mae"] > 0
    hybrid = ev.rating_cv(ratings, titles, lambda: HybridRecommender(parts="rating", **SMALL), n_splits=3)
    assert hybrid["rmse"] < out["rmse"]



def test_most_popular_baseline_ranks_by_count_and_skips_seen():
    train = pd.DataFrame({"user_id": [1, 2, 3, 3, 2], "title_id": ["a", "a", "a", "b", "c"], "rating": 3.0})
    scorer = ev.most_popular_baseline(train)
    assert scorer(99, 3) == ["a", "b", "c"]
    assert scorer(3, 2) == ["c"]


def test_love_model_probabilities_and_out_of_fold_training_features(ratings, titles):
    model = LoveModel(n_estimators=20).fit(ratings, titles)
    pairs = pd.DataFrame({"user_id": [1, 1, 999], "title_id": ["ml:1", "ml:7", "ml:99"]})
    proba = model.predict_proba(pairs)
    assert proba.shape == (3, 2) and np.allclose(proba.sum(1), 1)
    assert proba[0, 1] > proba[1, 1]
    oof = model.out_of_fold_features(ratings, titles)
    full = model.features(ratings[["user_id", "title_id"]])
    assert oof.index.equals(ratings.index)
    assert (oof["user_count"] < full["user_count"]).all()  # a row's own fold never feeds its statistics


def _taste_ratings(n_users: int = 40, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A separable set: 6 Horror and 14 Comedy titles; 3 in 4 users love Horror and hate Comedy, the rest the
    reverse (5 vs 1 stars). Every user rates every title in a random order, so both kinds are held out."""
    rng = np.random.default_rng(seed)
    titles = pd.DataFrame({"title_id": [f"t{k}" for k in range(20)], "title": [f"Title {k}" for k in range(20)],
                           "genres": [["Horror"] if k < 6 else ["Comedy"] for k in range(20)], "year": 2000})
    rows = []
    for user in range(n_users):
        horror_fan = user % 4 != 0
        for n, k in enumerate(rng.permutation(20)):
            rows.append((user, f"t{k}", 5.0 if (k < 6) == horror_fan else 1.0, pd.Timestamp("2020-01-01")
                         + pd.Timedelta(minutes=n)))
    return pd.DataFrame(rows, columns=["user_id", "title_id", "rating", "timestamp"]), titles


def test_evaluate_love_beats_the_majority_class_on_a_separable_set():
    ratings, titles = _taste_ratings()
    out = ev.evaluate_love(ratings, titles, make_model=lambda: LoveModel(n_estimators=50))
    _, test = ev.temporal_split(ratings)
    loves = (test["rating"] >= 4).mean()
    assert loves < 0.5 and out["majority_accuracy"] == pytest.approx(1 - loves)  # majority: not love
    assert out["best_constant_accuracy"] == pytest.approx(max(loves, 1 - loves))
    assert out["positive_rate"] == pytest.approx(loves) and out["n_test"] == len(test)
    assert out["accuracy"] >= out["majority_accuracy"] + 0.2 and out["roc_auc"] > 0.95


def test_evaluate_love_majority_is_the_training_majority():
    """When the held-out labels lean the other way, the deployed (training) majority is what is scored."""
    ratings, titles = _taste_ratings()
    late = ratings["timestamp"] >= pd.Timestamp("2020-01-01") + pd.Timedelta(minutes=16)
    flipped = ratings.assign(rating=np.where(late, 5.0, ratings["rating"]))  # held-out part: all loves
    out = ev.evaluate_love(flipped, titles, make_model=lambda: LoveModel(n_estimators=5))
    assert out["positive_rate"] == 1.0 and out["majority_accuracy"] == 0.0 and out["best_constant_accuracy"] == 1.0


def test_recommender_report_has_every_figure_the_page_shows(ratings, titles):
    report = ev.recommender_report(ratings, titles, n_splits=2)
    assert set(report["rating"]) == {"hybrid", "item_knn", "mf", "global_mean"}
    assert set(report["ranking"]) == {"hybrid", "collaborative", "content", "most_popular"}
    assert all(0 <= row["coverage"] <= 1 for row in report["ranking"].values())
    assert "roc_auc" in report["love"]


def test_rated_neighbours_follow_co_ratings(ratings, titles):
    model = HybridRecommender(parts="rating", **SMALL).fit(ratings, titles)
    near = model.rated_neighbours("ml:1", k=4)
    assert list(near.columns) == ["title_id", "title", "similarity", "co_raters"]
    assert "ml:1" not in set(near["title_id"]) and (near["similarity"] > 0).all()
    assert near["similarity"].is_monotonic_decreasing and (near["co_raters"] >= 1).all()
    assert model.rated_neighbours("ml:99").empty  # nobody rated it: content neighbours only
    with pytest.raises(UnknownTitleError):
        model.rated_neighbours("ml:404")


def test_content_index_works_without_ratings_and_merges_ml_genres(tmdb_like_frame):
    from models.recommend_content import ContentIndex, merged_genres

    none = pd.DataFrame({"user_id": [], "title_id": [], "rating": []})
    index = ContentIndex().fit(none, tmdb_like_frame)
    first = tmdb_like_frame["title_id"].iloc[0]
    assert len(index.similar_titles(first, 5)) == 5
    assert index.popular_titles(5) == []  # nobody rated anything: no title is "popular"
    frame = pd.DataFrame({"genres": [["Drama"], []], "ml_genres": [["Drama", "War"], ["(no genres listed)"]]})
    assert merged_genres(frame).tolist() == [["Drama", "War"], []]
    assert merged_genres(tmdb_like_frame).iloc[0] == list(tmdb_like_frame["genres"].iloc[0])


def test_recommend_blends_match_one_recommend_per_weight(model):
    lists = model.recommend_blends(1, [None, 0.0, 1.0], k=4)
    assert set(lists) == {model.content_weight, 0.0, 1.0}
    for w in (0.0, 1.0, model.content_weight):
        assert lists[w] == model.recommend(1, 4, content_weight=w)
    assert model.recommend_blends(999, [0.0], k=3)[0.0] == model.popular_titles(3)  # unknown user


def test_ranking_evals_score_several_lists_in_one_pass():
    train = pd.DataFrame({"user_id": [1, 2], "title_id": ["a", "a"], "rating": 4.0})
    test = pd.DataFrame({"user_id": [1, 1, 2], "title_id": ["b", "c", "b"], "rating": [5.0, 2.0, 4.5]})
    titles = pd.DataFrame({"title_id": list("abcd")})
    out = ev.ranking_evals(lambda user, k: {"good": ["b", "d"], "bad": ["c", "d"]}, ["good", "bad"], train, test,
                           titles, k=2, min_heldout=2)
    assert out["good"]["ndcg"] == pytest.approx(1.0) and out["bad"]["ndcg"] == 0.0
    assert out["good"]["users"] == out["bad"]["users"] == 1
    assert out["good"] == {**ev.ranking_eval(lambda u, k: ["b", "d"], train, test, titles, 2, 2),
                           "seconds": out["good"]["seconds"]}


def test_rating_folds_combine_into_rating_cv(ratings, titles):
    folds = [ev.rating_fold(ratings, titles, ev.GlobalMean, f, n_splits=3) for f in range(3)]
    combined, direct = ev.combine_rating_folds(folds), ev.rating_cv(ratings, titles, ev.GlobalMean, n_splits=3)
    assert combined["rmse"] == pytest.approx(direct["rmse"]) and combined["fold_rmse"] == direct["fold_rmse"]
    assert sum(f["n"] for f in folds) == len(ratings)


# --- numerical building blocks (models.recommend_algos) ---------------------------------------------------------

def test_ease_weights_match_the_closed_form():
    """Two items: B[0, 1] = c / (a + lam), B[1, 0] = c / (b + lam), with a, b the item counts, c co-counts."""
    X = sp.csr_matrix(np.array([[1, 1], [1, 0], [1, 1]], float))  # a = 3, b = 2, c = 2
    B = ease_weights(X, lam=1.0)
    assert B == pytest.approx(np.array([[0.0, 2 / 4], [2 / 3, 0.0]]), abs=1e-6)
    rng = np.random.default_rng(0)
    X = sp.csr_matrix((rng.random((30, 6)) < 0.4).astype(float))
    P = np.linalg.inv((X.T @ X).toarray() + 5.0 * np.eye(6))
    expected = np.eye(6) - P / np.diag(P)[None, :]
    assert ease_weights(X, 5.0) == pytest.approx(expected, abs=1e-5)
    assert np.all(np.diag(ease_weights(X, 5.0)) == 0)


def test_ease_weights_refuse_a_matrix_that_is_not_positive_definite():
    with pytest.raises(np.linalg.LinAlgError):
        ease_weights(sp.csr_matrix((3, 2)), lam=-1.0)


def test_als_baselines_one_sweep_by_hand():
    """One user, one item, r = 5, mu = 3, regs 1: b_i = (5 - 3) / 2 = 1, then b_u = (5 - 3 - 1) / 2 = 0.5."""
    bu, bi = als_baselines(np.array([0]), np.array([0]), np.array([5.0]), 3.0, 1, 1, reg_u=1.0, reg_i=1.0, sweeps=1)
    assert bi == pytest.approx([1.0]) and bu == pytest.approx([0.5])


def test_als_baselines_recover_additive_effects_without_penalty():
    a, c = np.array([0.5, -0.5]), np.array([1.0, 0.0, -1.0])  # zero-mean user and item effects
    u, i = (x.ravel() for x in np.meshgrid(np.arange(2), np.arange(3), indexing="ij"))
    bu, bi = als_baselines(u, i, 3.0 + a[u] + c[i], 3.0, 2, 3, reg_u=0.0, reg_i=0.0, sweeps=3)
    assert bu == pytest.approx(a) and bi == pytest.approx(c)


def test_als_mf_reconstructs_a_rank_one_matrix_with_biases():
    rng = np.random.default_rng(1)
    p, q, bu0, bi0 = rng.normal(size=6), rng.normal(size=5), rng.normal(size=6), rng.normal(size=5)
    u, i = (x.ravel() for x in np.meshgrid(np.arange(6), np.arange(5), indexing="ij"))
    t = bu0[u] + bi0[i] + p[u] * q[i]
    P, Q, bu, bi = als_mf(u, i, t, 6, 5, factors=1, reg=1e-6, epochs=50, seed=0)
    assert bu[u] + bi[i] + np.einsum("nf,nf->n", P[u], Q[i]) == pytest.approx(t, abs=1e-3)
    assert np.array_equal(P, als_mf(u, i, t, 6, 5, 1, 1e-6, 50, 0)[0])  # deterministic for a seed
    P, Q, bu, bi = als_mf(u, i, t, 6, 5, factors=1, reg=1e6, epochs=5, seed=0)
    assert np.abs(P).max() < 1e-6 and np.abs(bu).max() < 1e-5  # a huge penalty shrinks everything to 0


def test_pearson_baseline_by_hand():
    """Items 0 and 1 share users 0 and 1: num = 1*2 + (-1)(-1) = 3; item 0's squares over item 1's raters
    = 2, item 1's over item 0's raters = 5; so sim = 3 / sqrt(10), shrunk by (n - 1) / (n - 1 + s), n = 2."""
    resid = np.array([[1.0, 2.0], [-1.0, -1.0], [0.5, 0.0]])
    mask = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 0.0]])
    sim = pearson_baseline(resid, mask, shrinkage=0.0)
    assert sim[0, 1] == pytest.approx(3 / np.sqrt(10), rel=1e-6) and sim[1, 0] == pytest.approx(sim[0, 1])
    assert np.all(np.diag(sim) == 0) and sim.dtype == np.float32
    assert pearson_baseline(resid, mask, shrinkage=1.0)[0, 1] == pytest.approx(3 / np.sqrt(10) / 2, rel=1e-6)
    apart = np.array([[1.0, 0], [0, 1.0], [1.0, 0]])  # no co-raters; one co-rater is no correlation either
    assert pearson_baseline(resid * apart, apart, 0.0)[0, 1] == 0
    one = np.array([[1.0, 1.0], [1.0, 0], [1.0, 0]])
    assert pearson_baseline(resid * one, one, 0.0)[0, 1] == 0


def test_knn_residual_mean_by_hand():
    sim = np.array([[0.0, 0.5, 0.25, -0.9], [0.5, 0, 0, 0], [0.25, 0, 0, 0], [-0.9, 0, 0, 0]], np.float32)
    resid = np.array([[0.0, 1.0, -2.0, 3.0]], np.float32)  # user 0 rated items 1, 2, 3
    mask = np.array([[0.0, 1.0, 1.0, 1.0]], np.float32)
    u, cols = np.array([0, 0]), np.array([0, -1])
    out = knn_residual_mean(sim, resid, mask, u, cols, k=3)
    assert out[0] == pytest.approx((0.5 * 1 - 0.25 * 2) / 0.75) and out[1] == 0.0  # negative sim ignored
    assert knn_residual_mean(sim, resid, mask, u[:1], cols[:1], k=1)[0] == pytest.approx(1.0)  # best neighbour
    only_negative = np.array([[0.0, 0, 0, 1.0]], np.float32)
    assert knn_residual_mean(sim, resid, only_negative, u[:1], cols[:1], k=3)[0] == 0.0
