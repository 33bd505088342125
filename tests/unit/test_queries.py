"""The engine-neutral platform queries on DuckDB, checked against the same aggregates computed in pandas."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from core.data import engine, queries


def write_platform(folder, n_events: int = 3000, seed: int = 0) -> dict[str, pd.DataFrame]:
    """A small platform with awkward values on purpose: titles with no genre, "|" and "," separators, a
    genre list with spaces."""
    rng = np.random.default_rng(seed)
    events = pd.DataFrame({
        "user_id": [f"s{i}" for i in rng.integers(0, 60, n_events)],
        "title_id": [f"t{i}" for i in rng.integers(0, 24, n_events)],
        "started_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24 * 60, n_events),
                                                                   unit="min"),
        "minutes_watched": rng.uniform(1, 100, n_events).round(2),
        "device": rng.choice(["tv", "mobile"], n_events), "completed": rng.random(n_events) > 0.5})
    titles = pd.DataFrame({"title_id": [f"t{i}" for i in range(24)], "title": [f"Title {i}" for i in range(24)],
                           "kind": "movie", "release_date": pd.date_range("2015-01-01", periods=24, freq="90D"),
                           "genres": ["Drama|Comedy", "Action", None, "Comedy, Drama", "", "Sci-Fi|Action"] * 4})
    n = 400
    ratings = pd.DataFrame({
        "user_id": [f"s{i}" for i in rng.integers(0, 60, n)], "title_id": [f"t{i}" for i in rng.integers(0, 24, n)],
        "rating": rng.integers(1, 11, n) / 2,
        "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), unit="min")})
    text_rng, k = np.random.default_rng(seed + 1), 300  # reviews drawn apart: the other tables stay as they were
    reviews = pd.DataFrame({
        "review_id": [f"r{i:04d}" for i in range(k)], "title_id": [f"t{i}" for i in text_rng.integers(0, 24, k)],
        "user_id": [f"s{i}" for i in text_rng.integers(0, 60, k)],
        "text": text_rng.choice(["Loved it.", "Dull and slow.", "Fine, I suppose."], k),
        "created_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(text_rng.integers(0, 10**6, k), unit="min"),
        "rating": text_rng.integers(1, 11, k).astype(float)})
    tables = {"watch_events": events, "titles": titles, "ratings": ratings, "reviews": reviews}
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet")
    return tables


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    folder = tmp_path_factory.mktemp("platform")
    frames = write_platform(folder)
    con = engine.connect(engine.setting("duckdb"))
    return frames, engine.open_platform(con, folder)


def test_setting_parses_every_documented_form():
    assert engine.setting("").kind == "duckdb"
    assert engine.setting("spark") == engine.EngineSetting("spark", "local[2]")
    assert engine.setting("spark://master:7077").target == "spark://master:7077"
    assert engine.setting("local[4]").kind == "spark"
    assert engine.setting("trino://user@host/catalog").kind == "ibis"
    with pytest.raises(engine.EngineError, match="MARQUEE_ENGINE"):
        engine.setting("oracle")


def test_engine_label_never_shows_a_url_with_credentials():
    label = engine.setting("clickhouse://user:secret@host:9000/db").label
    assert "secret" not in label and label.startswith("clickhouse")


def test_open_platform_leaves_out_missing_tables(platform):
    _, tables = platform
    assert set(tables) == {"watch_events", "titles", "ratings", "reviews"}  # no subscribers file


def test_title_stats_match_pandas(platform):
    frames, tables = platform
    recent_from = dt.datetime(2024, 10, 1)
    out = queries.collect(queries.title_stats(tables["watch_events"], recent_from)).set_index("title_id")
    ev = frames["watch_events"]
    want = ev.groupby("title_id").agg(sessions=("user_id", "size"), viewers=("user_id", "nunique"),
                                      minutes=("minutes_watched", "sum"), completion=("completed", "mean"))
    want["recent_sessions"] = ev[ev["started_at"] >= recent_from].groupby("title_id").size()
    pd.testing.assert_frame_equal(out.sort_index()[want.columns], want.sort_index(), check_names=False)


def test_event_window(platform):
    frames, tables = platform
    row = queries.collect(queries.event_window(tables["watch_events"])).iloc[0]
    ev = frames["watch_events"]
    assert row["first"] == ev["started_at"].min() and row["last"] == ev["started_at"].max()


def test_monthly_genre_sessions_count_a_session_in_every_genre_of_its_title(platform):
    import ibis

    frames, tables = platform
    pairs = pd.DataFrame({"title_id": ["t0", "t0", "t1"], "genre": ["Drama", "Comedy", "Action"]})
    out = queries.collect(queries.monthly_genre_sessions(tables["watch_events"], ibis.memtable(pairs)))
    ev = frames["watch_events"]
    assert out.loc[out["genre"] == "Drama", "sessions"].sum() == (ev["title_id"] == "t0").sum()
    assert out.loc[out["genre"] == "Comedy", "sessions"].sum() == (ev["title_id"] == "t0").sum()
    assert out.loc[out["genre"] == "Action", "sessions"].sum() == (ev["title_id"] == "t1").sum()
    march = ev[(ev["title_id"] == "t1") & (ev["started_at"].dt.month == 3)]
    action_march = (out["genre"] == "Action") & (out["month"] == pd.Timestamp("2024-03-01"))
    assert out.loc[action_march, "sessions"].sum() == len(march)


def test_title_high_peaks_find_each_titles_busiest_top_rated_day(platform):
    frames, tables = platform
    out = queries.collect(queries.title_high_peaks(tables["ratings"])).set_index("title_id").sort_index()
    top = frames["ratings"][frames["ratings"]["rating"] >= 4.5]
    daily = top.groupby(["title_id", top["timestamp"].dt.date]).size()
    assert (out["peak_day"] == daily.groupby(level=0).max().sort_index()).all()
    assert (out["high_ratings"] == top.groupby("title_id").size().sort_index()).all()
    assert (out["high_days"] == daily.groupby(level=0).size().sort_index()).all()


def test_rating_totals_and_whole_rater_samples(platform):
    frames, tables = platform
    totals = queries.collect(queries.rating_totals(tables["ratings"])).iloc[0]
    assert totals["n"] == len(frames["ratings"]) and totals["users"] == frames["ratings"]["user_id"].nunique()
    kept = queries.collect(queries.sample_raters(tables["ratings"], 3))
    per_user = frames["ratings"].groupby("user_id").size()
    assert 0 < kept["user_id"].nunique() < per_user.size
    assert (kept.groupby("user_id").size() == per_user.loc[kept["user_id"].unique()].sort_index()).all()


def test_review_queries_count_sample_and_pick_in_the_engine(platform):
    frames, tables = platform
    reviews = frames["reviews"]
    totals = queries.collect(queries.review_totals(tables["reviews"])).iloc[0]
    assert totals["n"] == len(reviews) and totals["titles"] == reviews["title_id"].nunique()
    assert totals["chars"] == pytest.approx(reviews["text"].str.len().mean())
    kept = queries.collect(queries.sample_reviews(tables["reviews"], 3))
    assert 0 < len(kept) < len(reviews) and set(kept["review_id"]) <= set(reviews["review_id"])
    days = queries.collect(queries.review_days(tables["reviews"]))
    assert days["n"].sum() == len(reviews)
    newest = queries.collect(queries.title_reviews(tables["reviews"], "t3", 4))
    expected = reviews[reviews["title_id"] == "t3"].sort_values("created_at", ascending=False).head(4)
    assert list(newest["review_id"]) == list(expected["review_id"])
    some = queries.collect(queries.reviews_of(tables["reviews"], ["t1", "t2"]))
    assert len(some) == reviews["title_id"].isin(["t1", "t2"]).sum()
