"""Unit tests of the Integrity page's analytics, insights and charts (core.integrity.raters*, core.integrity.charts)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core.data import features
from core.integrity import charts as ci
from core.integrity import display
from core.integrity import insights as ii
from core.integrity import raters as ig
from core.integrity import sentiment as se
from core.integrity import votes as iv

T0 = pd.Timestamp("2010-01-01 12:00:00")


# ---------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def embedded_sample(embedded_data, strategy_frame) -> pd.DataFrame:
    """600 real titles of the default view, re-featured with the embedded-only columns (r1..r10 among them)."""
    ids = strategy_frame["title_id"].sample(600, random_state=0)
    titles = embedded_data.titles
    return features.engineer(titles[titles["title_id"].isin(ids)])


def ratings_frame(rows) -> pd.DataFrame:
    """Ratings from ``(user, title, rating, seconds after T0)`` tuples."""
    df = pd.DataFrame(rows, columns=["user_id", "title_id", "rating", "seconds"])
    return df.assign(timestamp=T0 + pd.to_timedelta(df.pop("seconds"), unit="s"),
                     title_id=df["title_id"].astype("string"), user_id=df["user_id"].astype("int64"))


@pytest.fixture()
def crowd() -> pd.DataFrame:
    """40 ordinary raters (3-4 stars on shared titles, one rating a day) plus user 999, a planted bot: 30 five-star
    ratings within one minute, half of them on titles nobody else rated."""
    rng = np.random.default_rng(0)
    rows = []
    for u in range(1, 41):
        for t in rng.choice(30, size=20, replace=False):
            rows.append((u, f"t{t}", float(rng.choice([3.0, 3.5, 4.0])), int(t) * 86_400 + u))
    rows += [(999, f"t{t}", 5.0, i) for i, t in enumerate(range(15))]
    rows += [(999, f"solo{t}", 5.0, 15 + t) for t in range(15)]
    return ratings_frame(rows)


def vote_titles(n: int = 80) -> pd.DataFrame:
    """``n`` ordinary titles (votes centred on 5-6 stars, rating = plain mean) plus a stuffed, a bombed and a
    genuinely panned one (votes piled at 1 star, rating matching them)."""
    body = np.array([4.5, 4.5, 4.5, 14.5, 24.5, 24.5, 14.5, 4.5, 4.5, 4.5])
    rows = []
    for i in range(n):
        r = body.copy()
        r[3 + i % 4] += 10.0  # a little variety in where the body peaks
        plain = float((r / r.sum()) @ np.arange(1, 11))
        rows.append({"title_id": f"gm:{i}", "title": f"Film {i}", "year": 1985 + i % 20, "vote_count": 200.0 + i,
                     "vote_average": round(plain - 0.1 * (i % 3), 1), "genres": ["Drama"], "primary_genre": "Drama",
                     **{f"r{k + 1}": r[k] for k in range(10)}})
    stuffed = [4.5, 4.5, 4.5, 14.5, 14.5, 14.5, 4.5, 4.5, 4.5, 44.5]
    bombed = [44.5, 4.5, 4.5, 4.5, 4.5, 4.5, 14.5, 14.5, 24.5, 4.5]
    rows.append({"title_id": "gm:stuffed", "title": "Stuffed", "year": 2000, "vote_count": 210.0, "vote_average": 3.0,
                 "genres": ["Comedy"], "primary_genre": "Comedy", **{f"r{k + 1}": v for k, v in enumerate(stuffed)}})
    rows.append({"title_id": "gm:bombed", "title": "Bombed", "year": 2001, "vote_count": 220.0, "vote_average": 8.4,
                 "genres": ["Drama"], "primary_genre": "Drama", **{f"r{k + 1}": v for k, v in enumerate(bombed)}})
    panned = np.array([64.5, 14.5, 4.5, 4.5, 4.5, 0.0, 0.0, 0.0, 0.0, 4.5])  # a famously bad film: votes agree
    rows.append({"title_id": "gm:panned", "title": "Panned", "year": 1995, "vote_count": 230.0,
                 "vote_average": round(float((panned / panned.sum()) @ np.arange(1, 11)), 1), "genres": ["Horror"],
                 "primary_genre": "Horror", **{f"r{k + 1}": v for k, v in enumerate(panned)}})
    return pd.DataFrame(rows).assign(decade=lambda d: d["year"] // 10 * 10)


# ---------------------------------------------------------------- rater features
def test_rater_features_count_bursts_days_and_extremes():
    r = ratings_frame([(1, "a", 5.0, 0), (1, "b", 1.0, 10), (1, "c", 3.0, 20), (1, "d", 4.0, 86_400 * 3),
                       (2, "a", 4.0, 0)])
    f = ig.rater_features(r).loc[1]
    assert f["ratings"] == 4 and f["active_days"] == 2 and f["per_day"] == 2
    assert f["burst"] == 3  # three ratings in the first minute
    assert f["extreme_share"] == 0.5 and f["mean_rating"] == 3.25
    assert f["unique_share"] == 0.75  # b, c and d have no other rater


def test_consensus_gap_uses_other_raters_only_with_enough_of_them():
    rows = [(u, "a", 4.0, u) for u in range(1, ig.MIN_OTHERS + 1)] + [(99, "a", 1.0, 0), (99, "b", 5.0, 1),
                                                                    (1, "b", 1.0, 2)]
    f = ig.rater_features(ratings_frame(rows))
    assert f.loc[99, "consensus_gap"] == pytest.approx(3.0)  # title b has one other rater: not counted
    assert np.isnan(ig.rater_features(ratings_frame([(1, "a", 4.0, 0), (2, "a", 2.0, 0)])).loc[1, "consensus_gap"])


def test_rater_features_of_no_ratings_is_empty():
    empty = ratings_frame([])
    assert ig.rater_features(empty).empty


def test_model_input_logs_the_counts():
    r = ratings_frame([(1, "a", 4.0, 0)] * 1 + [(1, f"t{i}", 3.0, i * 100) for i in range(99)])
    X = ig.model_input(ig.rater_features(r))
    assert list(X.columns) == list(ig.FEATURES) and X.loc[1, "ratings"] == pytest.approx(2.0)


# ---------------------------------------------------------------- flags, reasons, priorities
def test_fit_raters_puts_the_planted_bot_first(crowd):
    fit = ig.fit_raters(crowd, n_estimators=100, seeds=2)
    assert fit["seed_scores"].shape == (2, 41)
    table = ig.flagged_table(fit["features"], fit["scores"], fit["z"], fit["scores"] <= np.sort(fit["scores"])[1])
    assert table["user_id"].iloc[0] == 999 and len(table) == 2
    assert "high largest one-minute burst 30" in table["why"].iloc[0]
    assert ig.review_priority(fit["z"]).loc[999] == "High"


def test_fit_raters_needs_enough_raters():
    assert ig.fit_raters(ratings_frame([(u, "a", 3.0, u) for u in range(5)])) == {}


def test_reasons_list_features_beyond_two_sd_or_the_most_extreme():
    feats = pd.DataFrame({"ratings": [500.0, 30.0], "burst": [90.0, 5.0]})
    z = pd.DataFrame({"z_ratings": [2.5, 0.4], "z_burst": [3.1, -1.2]})
    out = ig.reasons(feats, z)
    assert out[0].startswith("high largest one-minute burst 90") and "high ratings 500" in out[0]
    assert out[1] == "low largest one-minute burst 5 (-1.2 sd)"


def test_review_priority_counts_only_suspicious_directions():
    z = pd.DataFrame({"z_ratings": [3.0, 3.0, -3.0], "z_burst": [3.0, 0.0, 0.0], "z_rating_sd": [0.0, 0.0, 3.0]})
    assert ig.review_priority(z).tolist() == ["High", "Medium", "Low"]


def test_rule_and_agreement():
    z = pd.DataFrame({"z_a": [3.5, 0.1, -3.0], "z_b": [0.0, 1.0, 0.0]})
    assert ig.rule_flags(z).tolist() == [True, False, True]
    assert ig.flag_agreement([np.array([1, 1, 0]), np.array([1, 0, 0])]) == 0.5
    assert np.isnan(ig.flag_agreement([np.zeros(3)])) and np.isnan(ig.flag_agreement([]))


# ---------------------------------------------------------------- effect on title ratings
@pytest.fixture()
def effect_ratings() -> pd.DataFrame:
    rows = [(u, "a", 4.0, u) for u in range(1, 21)] + [(99, "a", 0.5, 0)]
    rows += [(u, "b", 3.0, u) for u in range(1, 25)] + [(99, "b", 3.5, 0), (98, "b", 3.5, 0)]
    return ratings_frame(rows)


TITLES = pd.DataFrame({"title_id": ["a", "b"], "title": ["Alpha", "Beta"], "year": [2000, 2001]})


def test_rating_effect_gives_means_with_and_without_flagged(effect_ratings):
    out = ig.rating_effect(effect_ratings, [98, 99], TITLES)
    assert out["title"].tolist() == ["Beta", "Alpha"]  # Beta has two flagged ratings
    alpha = out.set_index("title").loc["Alpha"]
    assert alpha["mean_without"] == 4.0 and alpha["mean_all"] == pytest.approx((80 + 0.5) / 21)
    moved = ig.rating_effect(effect_ratings, [98, 99], TITLES, order="most_moved")
    assert moved["title"].iloc[0] == "Alpha" and moved["shift"].iloc[0] < 0


def test_rating_effect_without_flagged_users_is_empty(effect_ratings):
    assert ig.rating_effect(effect_ratings, [], TITLES).empty


def test_shift_summary(effect_ratings):
    s = ig.shift_summary(effect_ratings, [99], TITLES)
    assert s["titles"] == 2 and s["touched"] == 2 and s["moved"] == 1 and s["max_title"] == "Alpha"
    assert s["flagged_share"] == pytest.approx(2 / len(effect_ratings))


def test_rater_points_mark_flagged(crowd):
    feats = ig.rater_features(crowd)
    table = pd.DataFrame({"user_id": [999], "priority": ["High"], "why": ["bot"]})
    pts = ig.rater_points(feats, table)
    assert pts["flagged"].sum() == 1 and pts.set_index("user_id").loc[999, "why"] == "bot"
    assert ig.rater_points(feats, table.iloc[0:0])["flagged"].sum() == 0


# ---------------------------------------------------------------- vote patterns
def test_shares_sum_to_one():
    s = iv.shares(vote_titles(5))
    assert np.allclose(s.sum(axis=1), 1.0)


def test_gap_score_flags_the_stuffed_and_the_bombed_title():
    table = iv.suspicious_titles(vote_titles())
    patterns = dict(zip(table["title"], table["pattern"]))
    assert patterns == {"Stuffed": iv.PATTERNS[0], "Bombed": iv.PATTERNS[1]}
    assert "IMDb's rating is 3.0" in table.set_index("title").loc["Stuffed", "why"]


def test_a_higher_threshold_flags_fewer_titles():
    df = vote_titles()
    assert len(iv.suspicious_titles(df, 2.0)) >= len(iv.suspicious_titles(df, 6.0))


def test_vote_bands_are_one_band_for_small_views():
    assert iv.vote_bands(pd.Series([10.0, 20.0, 30.0])).nunique() == 1
    assert iv.vote_bands(pd.Series(np.arange(1000.0))).nunique() == iv.MAX_BANDS


def test_points_and_title_shape():
    df = vote_titles()
    pts = iv.points(df)
    assert len(pts) == len(df) and (pts["pattern"] != iv.NO_FLAG).sum() == 2
    assert pts.set_index("title").loc["Panned", "ends"] == "One-sided: panned"
    shape = iv.title_shape(df, "gm:stuffed")
    assert shape["stars"].tolist() == list(range(1, 11)) and shape["title"].iloc[-1] > shape["typical"].iloc[-1]
    assert iv.title_shape(df, "missing").empty


def test_title_labels():
    assert iv.title_labels(pd.DataFrame({"title_id": ["x"], "title": ["X"], "year": [pd.NA]})) == {"x": "X (n/a)"}


def test_vote_patterns_on_real_titles(embedded_sample):
    table = iv.suspicious_titles(embedded_sample)
    assert set(table["pattern"]) <= set(iv.PATTERNS) and table["gap_score"].abs().is_monotonic_decreasing


def test_vote_patterns_degrade_without_shares(tmdb_like_frame):
    assert not iv.has_shares(tmdb_like_frame)
    assert iv.suspicious_titles(tmdb_like_frame).empty and iv.points(tmdb_like_frame).empty
    assert iv.title_shape(tmdb_like_frame, "tmdb:movie:1001").empty


def test_vote_patterns_of_an_empty_view(small_frame):
    empty = small_frame.iloc[0:0]
    assert iv.suspicious_titles(empty).empty and iv.points(empty).empty


# ---------------------------------------------------------------- sentiment
def test_basis_follows_the_columns(embedded_sample, small_frame, tmdb_like_frame):
    assert se.basis(embedded_sample) == se.SHARES
    assert se.basis(small_frame) == se.AVERAGE  # canonical columns only: no r1..r10
    assert se.basis(tmdb_like_frame) == se.AVERAGE
    assert se.basis(small_frame.iloc[0:0]) == se.NONE


def test_title_sentiment_is_positive_minus_negative_share():
    row = vote_titles(1).iloc[[0]]
    t = se.title_sentiment(row).iloc[0]
    s = iv.shares(row).iloc[0]
    assert t["net"] == pytest.approx(100 * (s["s8"] + s["s9"] + s["s10"] - s["s1"] - s["s2"] - s["s3"]))
    assert t["polarisation"] == 0


def test_genre_sentiment_is_vote_weighted_for_a_single_genre():
    df = vote_titles(10).query("primary_genre == 'Drama'")
    out = se.genre_sentiment(df)
    t = se.title_sentiment(df)
    assert out["genre"].tolist() == ["Drama"] and out["titles"].iloc[0] == len(df)
    assert out["sentiment"].iloc[0] == pytest.approx(np.average(t["net"], weights=t["votes"]))


def test_sentiment_on_real_titles(embedded_sample):
    g = se.genre_sentiment(embedded_sample)
    assert g["sentiment"].is_monotonic_decreasing and g["polarisation"].between(0, 100).all()
    d = se.decade_sentiment(embedded_sample)
    assert se.ALL in set(d["genre"]) and d["genre"].nunique() <= se.TOP_GENRES + 1


def test_sentiment_is_coarse_without_shares(tmdb_like_frame):
    g = se.genre_sentiment(tmdb_like_frame)
    assert g["sentiment"].between(0, 10).all() and g["polarisation"].isna().all()
    h = se.headline(tmdb_like_frame)
    assert h["basis"] == se.AVERAGE and np.isnan(h["positive"])
    assert ii.genre_sentiment_insights(g, se.AVERAGE)[1].startswith("This source has no per-star")


def test_sentiment_of_an_empty_view(small_frame):
    empty = small_frame.iloc[0:0]
    assert se.genre_sentiment(empty).empty and se.decade_sentiment(empty).empty
    assert se.headline(empty)["basis"] == se.NONE


# ---------------------------------------------------------------- insights
def test_rater_insights_fill_in_counts(crowd):
    feats = ig.rater_features(crowd)
    table = pd.DataFrame({"user_id": [999], "priority": ["High"], "why": ["bot"], "consensus_gap": [1.0]})
    out = ii.rater_insights(feats, table, 0.02)
    assert out[0].startswith("1 of 41 raters (2.4%)") and "user 999: bot" in out[-1]
    assert ii.rater_insights(feats.iloc[0:0], table.iloc[0:0], 0.02) == []


def test_reliability_insights_compare_with_the_rule_and_say_there_is_no_ground_truth():
    forest, rule = np.array([1, 1, 0, 0], bool), np.array([1, 0, 1, 1], bool)
    out = ii.reliability_insights(0.9, forest, rule)
    assert "90%" in out[0] and "stable" in out[0] and "no ground-truth" in out[-1]
    assert "flags 3 raters and catches 1 of the 2" in out[1] and "other 1 stand out only by their combination" in out[1]
    assert "the ranking" in ii.reliability_insights(0.5, forest & rule, rule)[1]
    assert len(ii.reliability_insights(float("nan"), np.zeros(3, bool), np.zeros(3, bool))) == 1


def test_effect_insights(effect_ratings):
    summary = ig.shift_summary(effect_ratings, [99], TITLES)
    out = ii.effect_insights(ig.rating_effect(effect_ratings, [99], TITLES), summary)
    assert "Alpha" in out[1] and "lower" in out[1]
    assert ii.effect_insights(pd.DataFrame(), {"touched": 0})[0].startswith("No title")


def test_vote_insights():
    df = vote_titles()
    table, pts = iv.suspicious_titles(df), iv.points(df)
    out = ii.vote_insights(table, pts, 3.0)
    assert out[0].startswith(f"2 of {len(df)} titles") and "1 look inflated" in out[0]
    assert f"against {pts['vote_count'].median():,.0f} for all titles" in out[1]
    # stuffed and bombed are flagged; panned is not
    assert out[-1].startswith("3 titles in view are one-sided extremes") and "2 of them are flagged" in out[-1]
    assert ii.vote_insights(table.iloc[0:0], pts, 3.0)[0].startswith("No title")
    assert ii.vote_insights(table, pts.iloc[0:0], 3.0) == []


def test_decade_and_shape_insights():
    df = vote_titles()
    d = se.decade_sentiment(df)
    assert ii.decade_sentiment_insights(d, se.SHARES)[0].startswith("Across all titles")
    assert d["decade"].nunique() == 3
    assert "one release decade" in ii.decade_sentiment_insights(d[d["decade"] == 1990], se.SHARES)[0]
    shape = iv.title_shape(df, "gm:stuffed")
    assert "at 10 stars" in ii.shape_insights(shape, "Stuffed")[0]
    assert ii.shape_insights(shape.iloc[0:0], "x") == []


def test_priority_counts_has_every_priority():
    assert ii.priority_counts(pd.DataFrame({"priority": ["High", "High"]})) == {"High": 2, "Medium": 0, "Low": 0}


# ---------------------------------------------------------------- display tables
def test_display_tables_have_readable_headers_and_percentages(crowd, tmdb_like_frame):
    fit = ig.fit_raters(crowd, n_estimators=50, seeds=1)
    table = ig.flagged_table(fit["features"], fit["scores"], fit["z"], fit["scores"] <= np.min(fit["scores"]))
    shown = display.raters(table.assign(priority="High"))
    assert list(shown.columns[:3]) == ["User", "Review priority", "Why flagged"]
    assert shown["Extreme ratings (%)"].iloc[0] == 100.0
    votes = display.votes(iv.suspicious_titles(vote_titles()))
    assert votes.columns[0] == "Title" and votes["Votes at 10 stars (%)"].max() == 39  # 44.5 of the 115 band points
    assert display.votes(iv.suspicious_titles(tmdb_like_frame)).empty
    assert list(display.sentiment(se.genre_sentiment(tmdb_like_frame), se.AVERAGE).columns)[-1] == \
        "Vote-weighted mean vote average"
    assert "Polarised titles (%)" in display.sentiment(se.genre_sentiment(vote_titles()), se.SHARES)


# ---------------------------------------------------------------- charts
def test_charts_build_and_handle_empty_input(crowd):
    feats = ig.rater_features(crowd)
    pts = ig.rater_points(feats, pd.DataFrame({"user_id": [999], "priority": ["High"], "why": ["bot"]}))
    df = vote_titles()
    figs = [ci.rater_scatter(pts, "ratings", "consensus_gap"),
            ci.rating_shift(ig.rating_effect(ratings_frame([(1, "a", 3.0, 0)] * 1), [], TITLES)),
            ci.vote_gap(iv.points(df)), ci.vote_shape(iv.title_shape(df, "gm:stuffed"), "Stuffed"),
            ci.genre_sentiment_map(se.genre_sentiment(df)), ci.decade_sentiment(se.decade_sentiment(df), se.SHARES)]
    assert all(isinstance(f, go.Figure) for f in figs)
    assert figs[0].layout.xaxis.type == "log" and len(figs[0].data) == 2
    assert ci.rater_scatter(pts.iloc[0:0], "ratings", "burst").layout.annotations  # empty figure says why


def test_shift_chart_labels_unknown_years():
    effect = pd.DataFrame({"title_id": ["a"], "title": ["Alpha"], "year": [pd.NA], "ratings": [30],
                           "flagged_ratings": [2], "mean_all": [3.5], "mean_without": [3.6], "shift": [-0.1]})
    assert ci.rating_shift(effect).data[-1].y[0] == "Alpha (n/a)"


def test_genre_bars_use_genre_colours(tmdb_like_frame):
    g = se.genre_sentiment(tmdb_like_frame)
    fig = ci.genre_sentiment_bars(g)
    from core.charts import genre_color
    assert set(fig.data[0].marker.color) == {genre_color(x) for x in g["genre"]}


def test_core_integrity_modules_do_not_import_streamlit():
    import subprocess
    import sys

    code = ("import sys; import core.integrity.raters, core.integrity.votes, core.integrity.sentiment, "
            "core.integrity.insights, core.integrity.display, core.integrity.charts; "
            "assert 'streamlit' not in sys.modules")
    assert subprocess.run([sys.executable, "-c", code], cwd=features.config.ROOT).returncode == 0
