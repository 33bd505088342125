"""Recommender, love model and evaluation protocols on small crafted frames."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core import recommend_eval as ev
from models.love import LoveModel
from models.recommend import HybridRecommender, UnknownTitleError, UnknownUserError

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


def test_evaluate_love_reports_against_majority(ratings, titles):
    out = ev.evaluate_love(ratings, titles, make_model=lambda: LoveModel(n_estimators=20))
    assert {"accuracy", "roc_auc", "majority_accuracy"} <= set(out) and 0 <= out["accuracy"] <= 1


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
