"""Head-to-Head: options, URL pair resolution, normalised differences, winner scoring, trends, insights."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.decide import h2h


def _table(diffs: dict[str, float], a: str = "A", b: str = "B", kind: str = "score") -> pd.DataFrame:
    stats_a = {m: (100 + d / 2, kind) for m, d in diffs.items()}
    stats_b = {m: (100 - d / 2, kind) for m, d in diffs.items()}
    return h2h.compare(stats_a, stats_b, a, b)


# ------------------------------------------------------------------ options and URL pairs
def test_genre_options_largest_first(small_frame):
    opts = h2h.genre_options(small_frame)
    counts = {g: int(small_frame["genres"].map(lambda gs, g=g: g in gs).sum()) for g in opts if g != "Unclassified"}
    assert opts[0] == max(counts, key=counts.get) and opts[:2] == ["Drama", "Comedy"]


def test_options_of_an_empty_view_are_empty(small_frame):
    assert h2h.genre_options(small_frame.iloc[0:0]) == []
    assert h2h.title_labels(small_frame.iloc[0:0]).empty


def test_single_genre_view_has_no_default_pair(small_frame):
    only = small_frame[small_frame["genres"].map(lambda g: list(g) == ["Drama"])]
    assert h2h.genre_options(only) == ["Drama"]
    assert h2h.default_pair(h2h.genre_options(only)) is None
    assert h2h.resolve_pair(["Drama"], "Drama", "Comedy") == (None, "")


def test_title_labels_are_unique_and_best_first(small_frame):
    dup = pd.concat([small_frame.head(3), small_frame.head(1).assign(title_id="gm:dup")], ignore_index=True)
    labels = h2h.title_labels(dup)
    assert labels["label"].is_unique and labels["label"].str.contains(r"\[gm:dup\]").any()
    best = h2h.title_labels(small_frame).iloc[0]
    assert best["title_id"] == small_frame.loc[small_frame["engagement_score"].idxmax(), "title_id"]


def test_title_options_keep_a_requested_title_outside_the_top(small_frame):
    labels = h2h.title_labels(small_frame)
    last = labels["label"].iloc[-1]
    opts = h2h.title_options(labels, (last, "Not A Title (1900)"), limit=10)
    assert len(opts) == 11 and opts[-1] == last


@pytest.mark.parametrize("a,b,pair,noted", [
    ("", "", ("Drama", "Comedy"), False), ("Action", "Romance", ("Action", "Romance"), False),
    ("Action", "Nope", ("Drama", "Comedy"), True), ("Action", "Action", ("Drama", "Comedy"), True)])
def test_resolve_pair(a, b, pair, noted):
    got, note = h2h.resolve_pair(["Drama", "Comedy", "Action", "Romance"], a, b)
    assert got == pair and bool(note) == noted


# ------------------------------------------------------------------ differences and verdict
def test_normalised_diff_is_symmetric_and_uses_points_for_percentiles():
    assert h2h.normalised_diff(150, 50, "score") == 100.0
    assert h2h.normalised_diff(50, 150, "score") == -100.0
    assert h2h.normalised_diff(80, 60, "pct") == 20.0
    assert h2h.normalised_diff(0, 0, "score") == 0.0
    assert np.isnan(h2h.normalised_diff(np.nan, 1, "score"))


def test_verdict_counts_wins_and_names_the_deciding_metric():
    v = h2h.verdict(_table({"m1": 10, "m2": 40, "m3": -5}), "A", "B")
    assert (v["wins_a"], v["wins_b"], v["winner"]) == (2, 1, "A")
    assert v["text"] == "A wins 2-1" and v["decided_by"] == "m2" and "40%" in v["why"]


def test_verdict_tie_on_equal_wins():
    v = h2h.verdict(_table({"m1": 10, "m2": -30}), "A", "B")
    assert v["winner"] is None and v["text"] == "Level at 1-1"
    assert "m2" in v["why"] and "for B" in v["why"]


def test_small_differences_are_ties():
    v = h2h.verdict(_table({"m1": 0.5, "m2": 20, "m3": -0.2}), "A", "B")
    assert (v["wins_a"], v["wins_b"], v["ties"]) == (1, 0, 2) and v["text"] == "A wins 1-0 (2 tied)"


def test_info_metrics_are_not_scored():
    table = _table({"count": 80}, kind="info")
    assert table["favours"].tolist() == [""]
    v = h2h.verdict(table, "A", "B")
    assert v["winner"] is None and v["text"] == "No comparable metrics"


def test_genre_table_scores_drama_against_comedy(small_frame):
    table = h2h.genre_table(small_frame, "Drama", "Comedy")
    assert table.set_index("metric").loc["Titles", "a"] == small_frame["genres"].map(lambda g: "Drama" in g).sum()
    hit = table.set_index("metric").loc["Hit rate"]
    drama = small_frame[small_frame["genres"].map(lambda g: "Drama" in g)]["hit"].mean()
    assert hit["a"] == pytest.approx(drama) and hit["kind"] == "score"


def test_title_table_on_tmdb_like_frame(tmdb_like_frame):
    labels = h2h.title_labels(tmdb_like_frame)
    a, b = labels["label"].iloc[:2]
    out = h2h.comparison(tmdb_like_frame, "title", a, b)
    assert out["verdict"]["wins_a"] >= out["verdict"]["wins_b"]  # a has the higher engagement
    assert out["trend"].empty and out["trend_insights"] == []
    assert np.isnan(out["table"].set_index("metric").loc["MovieLens mean rating (0.5-5)", "a"])


def test_genre_comparison_on_tmdb_like_frame(tmdb_like_frame):
    out = h2h.comparison(tmdb_like_frame, "genre", "Drama", "Action")
    assert set(out["trend"]["genre"]) == {"Drama", "Action"} and out["verdict"]["text"]
    assert len(out["diff_insights"]) == 2


def test_unclassified_genre_compares_titles_without_genres(small_frame):
    table = h2h.genre_table(small_frame, "Unclassified", "Drama")
    assert table.set_index("metric").loc["Titles", "a"] == (small_frame["genres"].map(len) == 0).sum()


# ------------------------------------------------------------------ trends and insights
def test_rating_trend_per_title_and_year():
    ratings = pd.DataFrame({"title_id": ["x", "x", "x", "y", "z"], "rating": [4.0, 2.0, 5.0, 3.0, 1.0],
                            "timestamp": pd.to_datetime(["2000-01-01", "2000-06-01", "2001-01-01", "2001-01-01",
                                                         "2001-01-01"])})
    trend = h2h.rating_trend(ratings, {"X (1999)": "x", "Y (1998)": "y"})
    assert trend[trend["title"] == "X (1999)"][["year", "mean_rating", "ratings"]].values.tolist() == [
        [2000, 3.0, 2], [2001, 5.0, 1]]
    lines = h2h.rating_trend_insights(trend, ("X (1999)", "Y (1998)"))
    assert "3 MovieLens ratings from 2000 to 2001, averaging 3.67" in lines[0]
    assert h2h.rating_trend(ratings, {"Q": "q"}).empty


def test_genre_trend_counts_titles_per_year(small_frame):
    trend = h2h.genre_trend(small_frame, "Drama", "Comedy")
    assert trend["titles"].sum() == sum(small_frame["genres"].map(lambda g, x=x: x in g).sum()
                                        for x in ("Drama", "Comedy"))
    assert len(h2h.genre_trend_insights(trend, "Drama", "Comedy")) == 2


def test_diff_insights_name_each_sides_edge():
    lines = h2h.diff_insights(_table({"m1": 10, "m2": 40}), "A", "B")
    assert "A's biggest edge is m2 (40%)" in lines[0] and lines[1] == "B leads on no scored metric."


def test_display_table_formats_by_metric(small_frame):
    shown = h2h.display_table(h2h.genre_table(small_frame, "Drama", "Comedy"), "Drama", "Comedy")
    assert list(shown.columns) == ["Metric", "Drama", "Comedy", "Difference", "Favours"]
    row = shown.set_index("Metric").loc["Hit rate"]
    assert row["Drama"].endswith("%") and row["Difference"].endswith("%")
    assert shown.set_index("Metric").loc["Titles", "Favours"] == "not scored"


def test_genre_trend_lists_option_a_first(small_frame):
    trend = h2h.genre_trend(small_frame, "Romance", "Action")
    assert trend["genre"].iloc[0] == "Romance" and trend["genre"].iloc[-1] == "Action"
    assert h2h.genre_trend(small_frame.iloc[0:0], "Drama", "Comedy").empty


def test_h2h_chart_builders_draw_data_and_empty_frames(small_frame):
    from core.decide import charts as cd

    table = h2h.genre_table(small_frame, "Drama", "Comedy")
    fig = cd.diff_bars(table, "Drama", "Comedy")
    assert len(fig.data[0].y) == table["diff"].notna().sum()
    assert len(cd.genre_trend(h2h.genre_trend(small_frame, "Drama", "Comedy")).data) == 4
    assert cd.genre_trend(h2h.genre_trend(small_frame.iloc[0:0], "Drama", "Comedy")).layout.annotations
    assert cd.rating_trend(h2h.rating_trend(pd.DataFrame(columns=["title_id", "rating", "timestamp"]), {}),
                           ("A", "B")).layout.annotations
