"""Recommender page helpers, insights and charts on small crafted frames (plus the TMDB-shaped fixture)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core.recommend import charts as cr
from core.recommend import evaluation as ev
from core.recommend import insights as ri
from core.recommend import report as rr
from core.recommend import tables as rp
from models.love import LoveModel
from models.recommend import HybridRecommender
from models.recommend_content import ContentIndex

SMALL = dict(knn_min_support=1, ease_min_count=1, mf_factors=3, mf_epochs=5, ease_lambda=1.0)


@pytest.fixture(scope="module")
def titles() -> pd.DataFrame:
    rows = [(f"ml:{k}", f"Blast Zone {k}", ["Action"], 1990 + k, 0) for k in range(1, 6)]
    rows += [(f"ml:{k}", f"Love Letter {k}", ["Romance"], 1990 + k, 0) for k in range(6, 11)]
    rows += [("gm:99", "Blast Zone Returns", ["Action"], 2001, 5000), ("gm:98", "Obscure Short", ["Short"], 1950, 12)]
    frame = pd.DataFrame(rows, columns=["title_id", "title", "genres", "year", "vote_count"])
    return frame.assign(overview="", ml_genres=[["Thriller"] if k == 2 else [] for k in range(len(frame))])  # ml:3


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    """Users 1-4 love action and dislike romance; users 5-8 the reverse; one rating a minute."""
    rng, rows, clock = np.random.default_rng(0), [], 0
    for user in range(1, 9):
        for k in rng.permutation(10)[: 6 + user % 3] + 1:
            clock += 60
            good = (k <= 5) == (user <= 4)
            when = pd.Timestamp("2020-01-01") + pd.Timedelta(seconds=clock)
            rows.append((user, f"ml:{k}", 4.5 if good else 1.5, when))
    return pd.DataFrame(rows, columns=["user_id", "title_id", "rating", "timestamp"])


@pytest.fixture(scope="module")
def model(ratings, titles) -> HybridRecommender:
    return HybridRecommender(**SMALL).fit(ratings, rp.rated_titles(ratings, titles))


@pytest.fixture(scope="module")
def options(ratings, titles) -> pd.DataFrame:
    return rp.title_options(rp.content_catalogue(ratings, titles), ratings)


@pytest.fixture(scope="module")
def report(ratings, titles) -> dict:
    return ev.recommender_report(ratings, titles, n_splits=2)


# --- data helpers -----------------------------------------------------------------------------------------------

def test_content_catalogue_adds_well_known_unrated_titles_only(ratings, titles):
    ids = set(rp.content_catalogue(ratings, titles, min_votes=1000)["title_id"])
    assert "gm:99" in ids and "gm:98" not in ids and len(ids) == 11
    assert set(rp.content_catalogue(ratings, titles.drop(columns="vote_count"))["title_id"]) == set(
        ratings["title_id"])


def test_title_options_labels_are_unique_and_mark_cold_titles(options):
    assert options["label"].is_unique
    assert options.loc[options["title_id"] == "gm:99", "label"].item() == "Blast Zone Returns (2001) · no ratings yet"
    assert options["ratings"].is_monotonic_decreasing
    assert options.loc[options["title_id"] == "ml:3", "genres"].item() == "Action, Thriller"  # ml_genres merged


def test_title_options_on_a_tmdb_shaped_frame_without_ratings(tmdb_like_frame):
    empty = pd.DataFrame({"user_id": [], "title_id": [], "rating": [], "timestamp": []})
    out = rp.title_options(rp.content_catalogue(empty, tmdb_like_frame), empty)
    assert len(out) > 0 and (out["ratings"] == 0).all() and out["label"].is_unique


def test_user_table_labels_and_default_user(ratings, titles):
    users = rp.user_table(ratings, titles)
    assert list(users["user_id"]) == list(range(1, 9))
    assert users["label"].str.match(r"User \d+ · \d+ ratings · leans \w+").all()
    counts = users.set_index("user_id")["ratings"]
    target = counts.quantile(0.8)
    assert abs(counts[rp.default_user(users)] - target) == (counts - target).abs().min()
    assert rp.default_user(users.iloc[0:0]) == rp.NEW_USER


@pytest.mark.parametrize("raw, expected, noted", [("", 1, False), ("3", 3, False), ("x", 1, True), ("404", 1, True)])
def test_resolve_pick_explains_unknown_ids(raw, expected, noted):
    value, note = rp.resolve_pick(raw, [0, 1, 2, 3], 1, "User", int)
    assert value == expected and bool(note) == noted
    if noted:
        assert "user" in note and raw not in note  # says what is wrong without echoing the link's value


def test_rating_history_is_newest_first_and_profiles_genres(ratings, titles):
    history = rp.rating_history(ratings, titles, 1)
    assert len(history) == (ratings["user_id"] == 1).sum()
    assert pd.Series(history["rated_on"]).is_monotonic_decreasing
    profile = rp.genre_profile(history)
    assert set(profile["genre"]) <= {"Action", "Romance", "Thriller"}
    action = profile.set_index("genre").loc["Action"]
    assert action["mean_rating"] == 4.5 and action["affinity"] > 0
    assert rp.rating_history(ratings, titles, 999).empty and rp.genre_profile(rp.rating_history(
        ratings, titles, 999)).empty


def test_top_table_parts_add_up_to_the_match(model, options):
    explained = model.recommend_explained(1, k=4, content_weight=0.3)
    top = rp.top_table(explained, options, 0.3, predicted=np.full(len(explained), 4.0),
                       love=np.full(len(explained), 0.6))
    np.testing.assert_allclose(top["content_part"] + top["collaborative_part"], top["match"], atol=1e-9)
    assert list(top["rank"]) == list(range(1, len(top) + 1))
    assert list(rp.display_top(top).columns)[:2] == ["Rank", "Title"]


def test_blend_ranks_and_list_changes(model):
    ranks = rp.blend_ranks(model, 1, (0.0, 0.4, 1.0), k=3)
    assert sorted(ranks["weight"].unique()) == [0.0, 0.4, 1.0] and ranks.groupby("weight").size().max() <= 3
    a = pd.DataFrame({"title_id": ["a", "b", "c"], "title": ["A", "B", "C"]})
    b = pd.DataFrame({"title_id": ["b", "a", "d"], "title": ["B", "A", "D"]})
    assert rp.list_changes(a, b) == {"entered": ["D"], "left": ["C"], "kept": 2, "moved": 2}
    assert rp.list_changes(a, a)["entered"] == [] and rp.list_changes(a, a)["moved"] == 0


def test_cold_start_tables(ratings, titles, options):
    content = ContentIndex().fit(ratings, rp.content_catalogue(ratings, titles))
    popular = rp.popular_table(content, ["Romance"], options)
    assert len(popular) == 5 and popular["genres"].str.contains("Romance").all()
    near = rp.neighbour_table(content.similar_titles("gm:99", 3), options)
    assert list(near.columns)[:5] == ["title_id", "title", "year", "genres", "similarity"]
    assert near["genres"].str.contains("Action").all()


def test_fit_timed_reports_the_fit_duration_and_when_it_ran(ratings, titles):
    import time

    class SlowIndex(ContentIndex):
        def fit(self, *args, **kwargs):
            time.sleep(0.2)
            return super().fit(*args, **kwargs)

    before = pd.Timestamp.now(tz="UTC").floor("min")
    fit = rp.fit_timed(SlowIndex, ratings, titles)
    assert isinstance(fit["model"], SlowIndex)
    assert 0.2 <= fit["seconds"] < 30  # the time of the fit itself
    trained = pd.Timestamp(fit["trained_at"].removesuffix(" UTC"), tz="UTC")
    assert fit["trained_at"].endswith(" UTC") and before <= trained <= pd.Timestamp.now(tz="UTC")


def test_report_steps_name_every_fold_then_ranking_and_love():
    assert list(rr.report_steps(3)) == ["rating_fold_1", "rating_fold_2", "rating_fold_3", "ranking", "love"]
    assert all(label for label in rr.report_steps().values()) and len(rr.report_steps()) == 7


def test_report_tables(report):
    assert set(rr.rating_table(report)["model"]) == set(rr.RATING_LABELS.values())
    assert list(rr.ranking_table(report).columns) == ["model", "precision", "recall", "ndcg", "coverage", "users"]


def _with(report: dict, rmse: float, ndcg: float, coverage: float) -> dict:
    """``report`` with the hybrid's RMSE, NDCG@10 and coverage replaced."""
    ranking = {**report["ranking"], "hybrid": {**report["ranking"]["hybrid"], "ndcg": ndcg, "coverage": coverage}}
    rating = {**report["rating"], "hybrid": {**report["rating"]["hybrid"], "rmse": rmse}}
    return {**report, "rating": rating, "ranking": ranking}


@pytest.mark.parametrize("rmse, word", [(0.5, "below"), (5.0, "above")])
def test_rating_insight_says_which_side_of_the_baseline_the_hybrid_is(report, rmse, word):
    text = ri.rating_insights(_with(report, rmse, 0.1, 0.1))[0]
    assert f"{word} the global-mean baseline" in text and "target" not in text


def test_ranking_insight_compares_with_most_popular_and_names_no_target(report):
    text = ri.ranking_insights(_with(report, rmse=0.9, ndcg=0.3, coverage=0.2))[0]
    pop = report["ranking"]["most_popular"]["ndcg"]
    assert "0.3000" in text and f"({pop:.4f})" in text and "target" not in text


def test_the_hybrid_label_states_the_models_own_content_weight():
    from models.recommend import HybridRecommender

    assert rp.DEFAULT_WEIGHT == HybridRecommender().content_weight
    assert f"{rp.DEFAULT_WEIGHT:.0%} content" in rr.RANKING_LABELS["hybrid"]


def test_steps_assemble_into_the_same_report(ratings, titles, report):
    parts = {step: ev.report_step(ratings, titles, step, n_splits=2) for step in rr.report_steps(2)}
    assembled = ev.assemble_report(parts)
    assert assembled["rating"]["hybrid"]["rmse"] == pytest.approx(report["rating"]["hybrid"]["rmse"])
    assert assembled["ranking"]["hybrid"]["ndcg"] == pytest.approx(report["ranking"]["hybrid"]["ndcg"])
    assert assembled["love"]["accuracy"] == pytest.approx(report["love"]["accuracy"])
    assert set(assembled["step_seconds"]) == set(rr.report_steps(2))
    with pytest.raises(ValueError, match="unknown evaluation step"):
        ev.report_step(ratings, titles, "nope")


def test_data_summary_and_models_summary(ratings, titles):
    summary = rp.data_summary(ratings, rp.content_catalogue(ratings, titles))
    assert summary["rated"] == 10 and summary["cold"] == 1 and summary["first"] == summary["last"] == 2020
    line = rp.models_summary({"ranking": {"seconds": 1.23, "trained_at": "2020-01-01 00:00 UTC"}})
    assert "ranking 1.2 s" in line


# --- insights -----------------------------------------------------------------------------------------------------

def test_history_insights_fill_in_the_numbers(ratings, titles):
    history = rp.rating_history(ratings, titles, 1)
    lines = ri.history_insights(history, rp.genre_profile(history))
    assert f"{len(history):,} ratings" in lines[0] and "Jan 2020" in lines[0]
    assert ri.history_insights(history.iloc[0:0], rp.genre_profile(history.iloc[0:0])) == []


def test_single_genre_history_has_a_profile_but_no_extremes():
    history = pd.DataFrame({"rated_on": pd.to_datetime(["2020-01-01", "2020-02-01"]).date, "title_id": ["a", "b"],
                            "title": ["A", "B"], "year": [2000, 2001], "genres": [["Drama"], ["Drama"]],
                            "rating": [4.0, 2.0]})
    profile = rp.genre_profile(history)
    assert profile[["genre", "ratings", "share"]].values.tolist() == [["Drama", 2, 1.0]]
    lines = ri.history_insights(history, profile)
    assert len(lines) == 2 and "Drama (100% of the ratings)" in lines[1]


def test_top_and_blend_insights(model, options):
    explained = model.recommend_explained(1, k=4)
    top = rp.top_table(explained, options, 0.4, love=np.array([0.9, 0.4, 0.7, 0.2])[: len(explained)])
    lines = ri.top_insights(top)
    assert any("love model" in line for line in lines) and 2 <= len(lines) <= 4
    ranks = rp.blend_ranks(model, 1, (0.0, 0.4, 1.0), k=3)
    default, current = ranks[ranks["weight"] == 0.4], ranks[ranks["weight"] == 1.0]
    changes = rp.list_changes(default, current)
    assert "default blend" in ri.blend_insights(ranks, rp.list_changes(default, default), 0.4, 0.4)[0]
    assert "100% content" in ri.blend_insights(ranks, changes, 1.0, 0.4)[0]
    assert ri.blend_insights(ranks.iloc[0:0], changes, 1.0, 0.4) == []


def test_neighbour_insights_cover_the_cold_start_title(options, model):
    content = rp.neighbour_table(model.similar_titles("ml:1", 3), options)
    assert "cold-start" in ri.content_neighbour_insights("New Film", content, 0)[-1]
    assert "no rating-based neighbours" in ri.collaborative_neighbour_insights("New Film", content, content, 0)[0]
    empty = content.iloc[0:0]
    assert "too few" in ri.collaborative_neighbour_insights("Rare", content, empty, 2)[0]
    collab = rp.neighbour_table(model.rated_neighbours("ml:1", 3), options)
    assert "users rated both" in ri.collaborative_neighbour_insights("Blast Zone 1", content, collab, 4)[0]


def test_evaluation_insights_compare_with_baselines(report):
    rating = ri.rating_insights(report)
    assert f"{report['rating']['hybrid']['rmse']:.4f}" in rating[0] and "global-mean" in rating[0]
    ranking = ri.ranking_insights(report)
    assert "most-popular" in ranking[0] and len(ranking) == 3
    assert f"{report['love']['accuracy']:.3f}" in ri.love_insights(report["love"])[0]


# --- charts -------------------------------------------------------------------------------------------------------

def test_charts_draw_data_and_say_when_empty(ratings, titles, model, options, report):
    history = rp.rating_history(ratings, titles, 1)
    top = rp.top_table(model.recommend_explained(1, k=4), options, 0.4)
    figures = [cr.genre_taste(rp.genre_profile(history), 3.0), cr.neighbours(model.similar_titles("ml:1", 3)),
               cr.score_mix(top), cr.blend_map(rp.blend_ranks(model, 1, (0.0, 0.4, 1.0), k=3), 0.4),
               cr.rating_errors(rr.rating_table(report)), cr.ranking_metrics(rr.ranking_table(report))]
    assert all(isinstance(f, go.Figure) and len(f.data) > 0 for f in figures)
    assert len(figures[2].data) == 2  # content and collaborative parts
    empty = [cr.genre_taste(pd.DataFrame(), 3.0), cr.neighbours(pd.DataFrame()), cr.score_mix(pd.DataFrame()),
             cr.blend_map(pd.DataFrame(), 0.4), cr.rating_errors(pd.DataFrame()),
             cr.ranking_metrics(pd.DataFrame())]
    assert all(len(f.data) == 0 and f.layout.annotations for f in empty)
    assert set(cr.HOW_TO_READ) == {"genre_taste", "neighbours", "score_mix", "blend_map", "rating_errors",
                                   "ranking_metrics"}


def test_love_probabilities_for_a_top_list(model, ratings, titles):
    love = LoveModel(n_estimators=10).fit(ratings, titles)
    pairs = model.recommend_explained(1, k=3)[["title_id"]].assign(user_id=1)
    proba = love.predict_proba(pairs)[:, 1]
    assert proba.shape == (len(pairs),) and ((0 <= proba) & (proba <= 1)).all()
