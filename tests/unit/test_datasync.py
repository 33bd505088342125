"""The Data page's TMDB actions against a fake TMDB server on 127.0.0.1: messages, never tracebacks or keys."""
from __future__ import annotations

import socket

import pandas as pd
import pytest

from core.data import docs as datadoc
from core.tmdb import service as datasync
from core.tmdb.store import TmdbStore
from tests.fake_tmdb import FakeTmdb

KEY = "0123456789abcdef0123456789abcdef"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl"


@pytest.fixture()
def server():
    with FakeTmdb(api_key=KEY, bearer_token=TOKEN, titles_per_list=200) as fake:
        yield fake


def test_parse_secret_tells_a_v3_key_from_a_v4_token():
    key, _ = datasync.parse_secret(f"  {KEY} ")
    token, _ = datasync.parse_secret(f"Bearer {TOKEN}")
    assert key.kind == "api_key" and token.kind == "bearer"


@pytest.mark.parametrize("bad", ["", "   ", "not a key", "abc123", KEY + "ff"])
def test_parse_secret_rejects_what_cannot_be_a_key_with_a_message(bad):
    credentials, message = datasync.parse_secret(bad)
    assert credentials is None and message
    assert bad.strip() == "" or bad.strip() not in message


def test_credentials_from_settings_prefers_the_token():
    assert datasync.credentials_from({"TMDB_API_KEY": KEY, "TMDB_BEARER_TOKEN": TOKEN}).kind == "bearer"
    assert datasync.credentials_from({"TMDB_API_KEY": KEY}).kind == "api_key"
    assert datasync.credentials_from({"TMDB_API_KEY": " "}) is None


@pytest.mark.timeout(60)
def test_sync_succeeds_and_stores_titles(server, tmp_path):
    credentials, _ = datasync.parse_secret(KEY)
    seen = []
    outcome = datasync.run_sync(credentials, tmp_path / "t.duckdb", 100, progress=lambda d, t, m: seen.append(d),
                                base_url=server.base_url, rps=500)
    assert outcome.level == "success", outcome.message
    assert outcome.report["titles"] >= 100 and seen
    with TmdbStore(tmp_path / "t.duckdb") as store:
        assert store.count() == outcome.report["titles"]


@pytest.mark.timeout(60)
def test_wrong_key_is_a_clear_401_message_without_the_key(server, tmp_path):
    wrong = "f" * 32
    outcome = datasync.run_sync(datasync.parse_secret(wrong)[0], tmp_path / "t.duckdb", 100,
                                base_url=server.base_url)
    assert outcome.level == "error" and "401" in outcome.message and wrong not in outcome.message


@pytest.mark.timeout(60)
def test_unreachable_server_is_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("TMDB_MAX_RETRIES", "0")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome = datasync.run_sync(datasync.parse_secret(KEY)[0], tmp_path / "t.duckdb", 100,
                                base_url=f"http://127.0.0.1:{port}/3")
    assert outcome.level == "error" and "Could not reach TMDB" in outcome.message and KEY not in outcome.message


@pytest.mark.timeout(60)
def test_a_page_that_keeps_failing_makes_a_partial_warning_that_lists_it(server, tmp_path, monkeypatch):
    monkeypatch.setenv("TMDB_MAX_RETRIES", "1")
    server.broken.add(("/movie/popular", 1))
    outcome = datasync.run_sync(datasync.parse_secret(KEY)[0], tmp_path / "t.duckdb", 60,
                                base_url=server.base_url, rps=500)
    assert outcome.level == "warning" and "Partial" in outcome.message
    assert {"endpoint": "/movie/popular", "page": 1} .items() <= outcome.lost[0].items()


def test_clear_cache_empties_the_store(server, tmp_path):
    path = tmp_path / "t.duckdb"
    datasync.run_sync(datasync.parse_secret(KEY)[0], path, 40, base_url=server.base_url, rps=500)
    assert datasync.clear_cache(path).ok
    with TmdbStore(path) as store:
        assert store.count() == 0


def test_source_inventory_counts_rows_and_says_when_tmdb_is_empty():
    tables = {"titles": pd.DataFrame({"a": range(3)}), "ratings": pd.DataFrame({"a": range(5), "b": 1})}
    inv = datadoc.source_inventory(tables, pd.Timestamp("2026-01-02 03:04"), {})
    assert inv[inv["table"] == "ratings"]["rows"].tolist() == [5]
    assert "not synced" in inv.iloc[-1]["data as of"]
    lines = datadoc.freshness_insights(inv)
    assert "8 rows in 2 tables" in lines[0] and "'ratings'" in lines[0] and "No TMDB titles" in lines[1]


def test_coverage_table_has_one_column_per_source_with_titles():
    a = pd.DataFrame({"year": [2000, None], "budget": [None, None]})
    table = datadoc.coverage_table({"A": a, "B": a.iloc[0:0]})
    assert list(table.columns) == ["field", "A"]
    assert table.set_index("field").loc["year", "A"] == "50.0%"


def test_rating_span_and_snapshot_note_come_from_the_ratings():
    ratings = pd.DataFrame({"timestamp": pd.to_datetime(["2001-03-04", "1999-12-31", "2003-07-01"])})
    assert datadoc.rating_span(ratings) == "1999-12 to 2003-07"
    assert "1999-12 to 2003-07" in datadoc.snapshot_note(ratings)
    assert datadoc.rating_span(pd.DataFrame({"timestamp": pd.Series([], dtype="int64")})) == "no ratings"


def test_budget_share_in_the_derivations_is_computed_from_the_titles():
    titles = pd.DataFrame({"title_id": ["gm:1", "gm:2", "gm:3", "gm:4", "ml:9"],
                           "budget": [1e6, None, None, None, None]})
    text = datadoc.derivations(titles).set_index("field").loc["budget", "definition"]
    assert "(25% of films)" in text  # MovieLens-only titles are not IMDb films
    assert "(n/a of films)" in datadoc.derivations().set_index("field").loc["budget", "definition"]


def test_tmdb_freshness_names_a_later_partial_run_and_what_it_lost():
    assert datadoc.tmdb_freshness({}) == "not synced"
    done = {"titles": 10, "last_sync": "2026-11-01T10:00:00+00:00",
            "last_attempt": {"at": "2026-11-01T10:00:00+00:00", "complete": True}}
    assert datadoc.tmdb_freshness(done) == "last complete sync 2026-11-01 10:00 UTC"
    partial = {**done, "last_attempt": {"at": "2026-11-02T09:30:00+00:00", "complete": False, "pages_lost": 3,
                                        "details_lost": 0}}
    text = datadoc.tmdb_freshness(partial)
    assert "last complete sync 2026-11-01 10:00" in text and "2026-11-02 09:30" in text and "3 list pages" in text
    only_partial = {"titles": 5, "last_sync": "", "last_attempt": {**partial["last_attempt"], "cancelled": True}}
    assert datadoc.tmdb_freshness(only_partial).startswith("no complete sync yet") and \
        "stopped early" in datadoc.tmdb_freshness(only_partial)
