"""The engine-neutral platform queries on DuckDB, checked against the same aggregates computed in pandas."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from core.data import engine, queries

AS_OF = dt.datetime(2024, 12, 1)


def write_platform(folder, n_events: int = 3000, seed: int = 0) -> dict[str, pd.DataFrame]:
    """A small platform with awkward values on purpose: titles with no genre, "|" and "," separators, a
    genre list with spaces, viewers with events after ``AS_OF``."""
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
    tables = {"watch_events": events, "titles": titles, "ratings": ratings}
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
    assert set(tables) == {"watch_events", "titles", "ratings"}


def test_title_stats_match_pandas(platform):
    frames, tables = platform
    recent_from = dt.datetime(2024, 10, 1)
    out = queries.collect(queries.title_stats(tables["watch_events"], recent_from)).set_index("title_id")
    ev = frames["watch_events"]
    want = ev.groupby("title_id").agg(sessions=("user_id", "size"), viewers=("user_id", "nunique"),
                                      minutes=("minutes_watched", "sum"), completion=("completed", "mean"))
    want["recent_sessions"] = ev[ev["started_at"] >= recent_from].groupby("title_id").size()
    pd.testing.assert_frame_equal(out.sort_index()[want.columns], want.sort_index(), check_names=False)


def test_monthly_sessions_use_the_first_genre_with_either_separator(platform):
    frames, tables = platform
    out = queries.collect(queries.monthly_sessions(tables["watch_events"], tables["titles"]))
    assert set(out["primary_genre"]) == {"Drama", "Action", "Comedy", "Sci-Fi", "Unclassified"}
    assert out["sessions"].sum() == len(frames["watch_events"])
    ev = frames["watch_events"]
    january = ev[ev["started_at"] < "2024-02-01"]
    assert out.loc[out["month"] == pd.Timestamp("2024-01-01"), "sessions"].sum() == len(january)


def test_viewer_features_stop_at_the_snapshot(platform):
    frames, tables = platform
    out = queries.collect(queries.viewer_features(tables["watch_events"], AS_OF)).set_index("user_id")
    ev = frames["watch_events"]
    seen = ev[ev["started_at"] <= AS_OF]
    one = seen.groupby("user_id")
    assert (out["sessions"].sort_index() == one.size().sort_index()).all()
    assert np.allclose(out["minutes"].sort_index(), one["minutes_watched"].sum().sort_index())
    assert (out["active_days"].sort_index() == one["started_at"].apply(lambda s: s.dt.date.nunique())
            .sort_index()).all()
    recent = seen[seen["started_at"] >= AS_OF - dt.timedelta(days=queries.ACTIVE_DAYS)]
    want_recent = recent.groupby("user_id")["minutes_watched"].sum().reindex(out.index, fill_value=0.0)
    assert np.allclose(out["recent_minutes"], want_recent)
    want_days = (pd.Timestamp(AS_OF.date()) - one["started_at"].max().dt.normalize()).dt.days
    assert (out["days_since_last"].sort_index() == want_days.sort_index()).all()
    assert out["last_seen"].max() <= AS_OF


def test_rater_features_match_pandas(platform):
    frames, tables = platform
    out = queries.collect(queries.rater_features(tables["ratings"])).set_index("user_id").sort_index()
    r = frames["ratings"].groupby("user_id")
    assert (out["ratings"] == r.size().sort_index()).all()
    assert np.allclose(out["mean"], r["rating"].mean().sort_index())
    assert np.allclose(out["spread"].fillna(-1), r["rating"].std().sort_index().fillna(-1))
    extreme = frames["ratings"].assign(x=lambda d: (d["rating"] <= 1) | (d["rating"] >= 5)).groupby("user_id")["x"]
    assert np.allclose(out["extreme"], extreme.mean().sort_index())
    assert (out["hours"] >= 0).all()


def test_hour_weekday_profile_counts_every_session(platform):
    frames, tables = platform
    out = queries.collect(queries.hour_weekday(tables["watch_events"]))
    ev = frames["watch_events"]
    assert out["sessions"].sum() == len(ev)
    monday_9 = ((ev["started_at"].dt.day_of_week == 0) & (ev["started_at"].dt.hour == 9)).sum()
    assert out.query("weekday == 0 and hour == 9")["sessions"].sum() == monday_9


def test_event_span(platform):
    frames, tables = platform
    row = queries.collect(queries.event_span(tables["watch_events"])).iloc[0]
    ev = frames["watch_events"]
    assert row["sessions"] == len(ev) and row["viewers"] == ev["user_id"].nunique()
    assert row["last"] == ev["started_at"].max()


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
