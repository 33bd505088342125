"""The same platform queries on Apache Spark (local mode) and on DuckDB return the same results."""
from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from core.data import engine, queries
from tests.unit.test_queries import write_platform

RECENT_FROM = dt.datetime(2024, 10, 1)
QUERIES = {
    "event_window": lambda t: queries.event_window(t["watch_events"]),
    "title_stats": lambda t: queries.title_stats(t["watch_events"], RECENT_FROM),
    "title_ratings": lambda t: queries.title_ratings(t["ratings"]),
    "title_high_peaks": lambda t: queries.title_high_peaks(t["ratings"]),
    "rating_totals": lambda t: queries.rating_totals(t["ratings"]),
    "review_totals": lambda t: queries.review_totals(t["reviews"]),
    "review_days": lambda t: queries.review_days(t["reviews"]),
    "title_reviews": lambda t: queries.title_reviews(t["reviews"], "t3", 5),
    "monthly_genre_sessions": lambda t: queries.monthly_genre_sessions(t["watch_events"], ibis.memtable(
        pd.DataFrame({"title_id": ["t0", "t0", "t1", "t5"], "genre": ["Drama", "Comedy", "Action", "Sci-Fi"]}))),
}


@pytest.fixture(scope="module")
def both(tmp_path_factory, spark):
    folder = tmp_path_factory.mktemp("platform_spark")
    write_platform(folder, n_events=20_000, seed=3)
    duck = engine.open_platform(engine.connect(engine.setting("duckdb")), folder)
    sparked = engine.open_platform(ibis.pyspark.connect(spark), folder, prefix="t_")
    return duck, sparked


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in frame.columns if frame[c].dtype == object or str(frame[c].dtype) in ("str", "string")
            or c in ("month", "genre", "day")]
    return frame.sort_values(keys or list(frame.columns)).reset_index(drop=True)


@pytest.mark.parametrize("name", list(QUERIES))
def test_spark_equals_duckdb(both, name):
    duck, sparked = both
    on_duckdb = _sorted(queries.collect(QUERIES[name](duck)))
    on_spark = _sorted(queries.collect(QUERIES[name](sparked)))
    assert len(on_duckdb) > 0
    pd.testing.assert_frame_equal(on_spark[on_duckdb.columns], on_duckdb, check_dtype=False, rtol=1e-9)


def test_spark_runs_the_query_itself(both):
    """Not a copy of DuckDB's answer: the expression is bound to the Spark backend."""
    _, sparked = both
    expr = queries.title_ratings(sparked["ratings"])
    assert type(expr._find_backend()).__module__.startswith("ibis.backends.pyspark")
    assert np.isfinite(queries.collect(expr)["rating_mean"]).all()
