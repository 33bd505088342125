"""The live TMDB source against a fake TMDB HTTP server on 127.0.0.1 (no mocks of requests)."""
from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from core import config
from core.data import schema
from core.tmdb.cli import _parser
from core.tmdb.client import Credentials, TmdbAuthError, TmdbClient, TmdbUnavailable, credentials_from_env, make_session
from core.tmdb.store import TmdbStore, canonical_title, split_page, utcnow
from core.tmdb.sync import SyncReport, refresh, sync
from tests.fake_tmdb import GENRES, JUNK_RESULTS, FakeTmdb

ROOT = Path(__file__).resolve().parents[2]
SECRET = "sekret-key-5f3a9c"


@pytest.fixture()
def server():
    with FakeTmdb(api_key=SECRET, titles_per_list=1000) as fake:
        yield fake


@pytest.fixture()
def store(tmp_path):
    with TmdbStore(tmp_path / "tmdb.duckdb") as db:
        yield db


def make_client(server: FakeTmdb, credentials: Credentials | None = None, **kwargs) -> TmdbClient:
    credentials = credentials or Credentials(api_key=server.api_key)
    options = {"rps": 1000, "workers": 8, "timeout": 2.0, "max_retries": 4, "backoff": 0.02, **kwargs}
    return TmdbClient(make_session(credentials, options["workers"]), server.base_url, credentials,
                           **options)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/3"


# -- mapping to the canonical schema -----------------------------------------------------------------------
@pytest.mark.timeout(30)
def test_list_pages_map_to_canonical_columns(server, store):
    sync(make_client(server), store, target=200)
    titles = store.titles()
    assert list(titles.columns) == list(schema.TITLE_COLUMNS)
    assert {c: str(t) for c, t in titles.dtypes.items()} == schema.TITLE_COLUMNS
    assert schema.validate_titles(titles) == []
    assert set(titles["media_type"]) == {"movie", "tv"}
    assert (titles["source"] == "tmdb").all()
    row = titles.iloc[0]
    media, tid = row["title_id"].split(":")[1], int(row["title_id"].split(":")[2])
    item = server.item(media, tid)
    assert row["title"] == item.get("title", item.get("name"))
    assert row["genres"] == [GENRES[media][g] for g in item["genre_ids"]]
    assert row["primary_genre"] == (row["genres"][0] if row["genres"] else schema.NO_GENRE)
    assert row["popularity"] == item["popularity"] and row["language"] == item["original_language"]
    assert row["poster_url"] == f"{config.TMDB_IMAGE_BASE_URL}{item['poster_path']}"


@pytest.mark.timeout(30)
def test_details_map_runtime_budget_revenue_and_zero_is_missing(server, store):
    report = sync(make_client(server), store, target=100, details=True)
    assert report.details_ok == report.details_requested == store.count() and not report.partial
    titles = store.titles().set_index("title_id")
    zero_budgets = 0
    for title_id, row in titles.iterrows():
        _, media, tid = title_id.split(":")
        detail = server.details(media, int(tid), [])
        assert row["genres"] == [g["name"] for g in detail["genres"]]
        if media == "movie":
            zero_budgets += detail["budget"] == 0
            assert pd.isna(row["budget"]) if detail["budget"] == 0 else row["budget"] == detail["budget"]
            assert pd.isna(row["revenue"]) if detail["revenue"] == 0 else row["revenue"] == detail["revenue"]
            assert pd.isna(row["runtime"]) if detail["runtime"] == 0 else row["runtime"] == detail["runtime"]
        else:
            assert pd.isna(row["budget"]) and pd.isna(row["revenue"])
            runs = detail["episode_run_time"]
            assert pd.isna(row["runtime"]) if not runs else row["runtime"] == runs[0]
    assert zero_budgets > 0  # the fake does serve unknown budgets


def test_canonical_title_zero_means_missing():
    item = {"id": 7, "title": "X", "vote_count": 0, "vote_average": 0.0, "release_date": "", "genre_ids": [18],
            "poster_path": None, "original_language": "", "overview": ""}
    record = canonical_title("movie", item, {"budget": 0, "revenue": 0, "runtime": 0}, {("movie", 18): "Drama"})
    assert record["budget"] is record["revenue"] is record["runtime"] is None
    assert record["vote_average"] is None and record["vote_count"] == 0
    assert record["release_date"] is record["year"] is record["poster_url"] is record["language"] is None
    assert record["genres"] == ["Drama"] and record["title_id"] == "tmdb:movie:7"


def test_canonical_title_keeps_an_unnamed_genre_id_and_labels_no_genre_unclassified():
    item = {"id": 7, "title": "X", "genre_ids": [18, 424242]}
    record = canonical_title("movie", item, None, {("movie", 18): "Drama"})
    assert record["genres"] == ["Drama", "Genre 424242"] and record["primary_genre"] == "Drama"
    bare = canonical_title("tv", {"id": 8, "name": "Y", "genre_ids": []}, None, {})
    assert bare["genres"] == [] and bare["primary_genre"] == schema.NO_GENRE == "Unclassified"


@pytest.mark.timeout(30)
def test_genre_ids_missing_from_the_genre_list_are_kept_and_reported(store):
    omitted = 18  # Drama: in both the movie and the tv list
    with FakeTmdb(titles_per_list=300, omit_genres=(omitted,)) as server:
        report = sync(make_client(server), store, target=200)
    titles = store.titles()
    unnamed = titles["genres"].map(lambda g: f"Genre {omitted}" in g)
    assert unnamed.sum() > 0 and report.unnamed_genre_titles == unnamed.sum()
    found = [p for p in schema.validate_titles(titles) if p.field == "genres"]
    assert len(found) == 1 and found[0].count == unnamed.sum() and "Genre <id>" in found[0].reason
    assert set(found[0].rows) <= set(titles.loc[unnamed, "title_id"])  # examples are title ids


def test_split_page_counts_people_and_malformed_results():
    payload = {"results": [{"id": 1, "media_type": "movie"}, {"id": 2, "media_type": "person"},
                           {"id": 3, "media_type": "tv"}, *JUNK_RESULTS, {"id": True}]}
    split = split_page("/trending/all/week", payload)
    assert [(m, i["id"]) for m, i in split.titles] == [("movie", 1), ("tv", 3)]
    assert split.people == 1 and split.malformed == len(JUNK_RESULTS) + 1


@pytest.mark.timeout(30)
def test_malformed_results_are_counted_in_the_report_and_validation(server, store):
    server.junk.update({("/movie/popular", 1), ("/tv/popular", 2)})
    report = sync(make_client(server), store, target=300)
    assert report.results_malformed == 2 * len(JUNK_RESULTS) and not report.partial
    found = [p for p in schema.validate_titles(store.titles()) if p.field == "results"]
    assert len(found) == 1 and found[0].count == 2 * len(JUNK_RESULTS)
    assert found[0].rows == ("/movie/popular page 1", "/tv/popular page 2")
    frame = schema.problems_frame(schema.validate_titles(store.titles()))
    assert list(frame.columns) == ["table", "field", "reason", "rows", "examples"]
    assert frame.loc[frame["field"] == "results", "rows"].tolist() == [2 * len(JUNK_RESULTS)]


def test_a_store_from_before_the_malformed_column_still_opens(tmp_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE pages (endpoint VARCHAR, page INTEGER, total_pages INTEGER, total_results "
                    "BIGINT, title_keys VARCHAR[], payload VARCHAR, fetched_at TIMESTAMP, PRIMARY KEY (endpoint, "
                    "page))")
        con.execute("INSERT INTO pages VALUES ('/movie/popular', 1, 1, 1, ['movie:1'], '{}', TIMESTAMP '2024-01-01')")
    with TmdbStore(path) as old:
        old.save_pages([("/movie/popular", 2, {"results": [{"id": 5}, 7], "total_pages": 2}, utcnow())])
        assert set(old.page_index()) == {("/movie/popular", 1), ("/movie/popular", 2)}
        assert [f.count for f in old.findings()] == [1]


@pytest.mark.timeout(30)
def test_titles_are_unique_by_media_type_and_id(server, store):
    sync(make_client(server), store, target=1500)
    titles = store.titles()
    assert titles["title_id"].is_unique and len(titles) == store.count() >= 1500
    ids = titles["title_id"].str.split(":").str[2]
    shared = set(ids[titles["media_type"] == "movie"]) & set(ids[titles["media_type"] == "tv"])
    assert shared  # the same numeric id as a movie and as a show: two titles


# -- auth ------------------------------------------------------------------------------------------------
@pytest.mark.timeout(30)
def test_bad_key_raises_auth_error_at_once_without_the_key(server, store):
    client = make_client(server, Credentials(api_key="wrong-" + SECRET))
    with pytest.raises(TmdbAuthError) as info:
        client.check()
    assert server.counters["unauthorized"] == 1  # no retries
    with pytest.raises(TmdbAuthError):
        sync(client, store, target=100)
    assert client.stats["retries"] == 0 and store.count() == 0
    assert "401" in str(info.value) and SECRET not in str(info.value) and SECRET not in repr(info.value)


@pytest.mark.timeout(30)
def test_bearer_token_and_api_key_both_authenticate(server):
    make_client(server, Credentials(bearer_token=server.bearer_token)).check()
    make_client(server, Credentials(api_key=server.api_key)).check()
    with pytest.raises(TmdbAuthError):
        make_client(server, Credentials(bearer_token="nope")).check()


def test_credentials_from_env_and_repr_hide_the_secret():
    assert credentials_from_env({}) is None
    assert credentials_from_env({"TMDB_API_KEY": " "}) is None
    key = credentials_from_env({"TMDB_API_KEY": SECRET})
    assert key.kind == "api_key" and key.params() == {"api_key": SECRET}
    both = credentials_from_env({"TMDB_API_KEY": "k", "TMDB_BEARER_TOKEN": SECRET})
    assert both.kind == "bearer" and both.headers() == {"Authorization": f"Bearer {SECRET}"}
    for creds in (key, both):
        assert SECRET not in repr(creds) and SECRET not in str(creds) and SECRET not in f"{creds}"


# -- rate limits, faults, lost pages ---------------------------------------------------------------------------
@pytest.mark.timeout(30)
def test_retry_after_is_honoured():
    with FakeTmdb(rate_limit=1, burst=1, retry_after=1, titles_per_list=100) as server:
        client = make_client(server)
        client.get_json("/movie/popular", {"page": 1})
        started = time.monotonic()
        client.get_json("/movie/popular", {"page": 2})  # bucket empty: 429, Retry-After: 1, then a token
        assert time.monotonic() - started >= 1.0
        assert server.counters["rate_limited"] == client.stats["rate_limited"] == client.stats["retries"] == 1


@pytest.mark.timeout(60)
def test_sync_under_a_server_rate_limit_loses_nothing(tmp_path):
    with FakeTmdb(rate_limit=20, burst=2, titles_per_list=500) as server, \
            TmdbStore(tmp_path / "t.duckdb") as store:
        report = sync(make_client(server, rps=40, workers=4, max_retries=8), store, target=200)
        assert not report.partial and report.pages_lost == 0 and store.count() >= 200
        assert report.rate_limited == server.counters["rate_limited"] > 0
        # Retry-After pauses every worker, so 429s stay a fraction of the pages instead of a storm.
        assert report.rate_limited < report.pages_ok


@pytest.mark.timeout(120)
def test_faulty_sync_of_10000_loses_no_page_and_matches_a_clean_run(tmp_path):
    def run(name: str, rps: float, **faults) -> tuple[SyncReport, set[str], dict]:
        with FakeTmdb(latency=0.002, hang_seconds=2.0, **faults) as server, \
                TmdbStore(tmp_path / f"{name}.duckdb") as store:
            client = make_client(server, rps=rps, workers=16, timeout=0.5, max_retries=8, backoff=0.05,
                                 max_backoff=0.5)
            report = sync(client, store, target=10_000)
            return report, set(store.titles()["title_id"]), server.counters

    clean, clean_ids, _ = run("clean", rps=2000)
    # Every fault at once: a server rate limit the client overshoots by 10% (so 429s with Retry-After really
    # happen), 5% 5xx, 2% truncated JSON and 2% hung requests. About 20 s: each 429 pauses every worker 1 s.
    faulty, faulty_ids, counters = run("faulty", rps=66, rate_limit=60, error_rate=0.05, truncate_rate=0.02,
                                       hang_rate=0.02)
    assert counters["server_errors"] and counters["truncated"] and counters["hung"]
    assert counters["rate_limited"] > 0 and faulty.rate_limited == counters["rate_limited"]
    assert faulty.pages_lost == 0 and faulty.lost_pages == [] and not faulty.partial
    assert faulty.pages_ok == clean.pages_ok and faulty.retries > faulty.rate_limited
    assert len(clean_ids) >= 10_000 and faulty_ids == clean_ids


@pytest.mark.timeout(30)
def test_a_page_failing_every_retry_is_reported_then_fetched_on_resume(server, store):
    server.broken.add(("/movie/popular", 2))
    report = sync(make_client(server, max_retries=2), store, target=400)
    assert report.partial and report.pages_lost == 1
    assert [(p["endpoint"], p["page"]) for p in report.lost_pages] == [("/movie/popular", 2)]
    assert "HTTP 503" in report.lost_pages[0]["error"]
    server.broken.clear()
    again = sync(make_client(server), store, target=400)
    assert not again.partial and again.pages_requested == 1 and again.pages_ok == 1


@pytest.mark.timeout(30)
def test_a_partial_sync_is_not_recorded_as_a_complete_last_sync(server, store):
    server.broken.add(("/movie/popular", 2))
    partial = sync(make_client(server, max_retries=1), store, target=400)
    assert partial.partial and store.count() > 0
    assert store.last_sync() is None  # nothing complete yet: no fresh "last synced" time
    attempt = store.last_attempt()
    assert attempt["complete"] is False and attempt["pages_lost"] == 1 and attempt["at"]
    server.broken.clear()
    sync(make_client(server), store, target=400)
    complete = store.last_sync()
    assert complete is not None and store.last_attempt()["complete"] is True
    next_page = max(p for e, p in store.page_index() if e == "/movie/popular") + 1
    server.broken.add(("/movie/popular", next_page))
    again = sync(make_client(server, max_retries=0), store, target=800)
    assert again.partial and store.last_sync() == complete  # the later partial run does not move it
    assert store.last_attempt()["pages_lost"] == again.pages_lost >= 1


@pytest.mark.timeout(30)
def test_an_aborted_sync_is_recorded_as_an_attempt_not_a_sync(server, store):
    sync(make_client(server), store, target=40)
    complete = store.last_sync()
    server.error_rate = 1.0
    with pytest.raises(TmdbUnavailable):
        sync(make_client(server, max_retries=0), store, target=2000)
    assert store.last_sync() == complete
    assert store.last_attempt()["aborted"] is True and store.last_attempt()["pages_lost"] > 0


@pytest.mark.timeout(30)
def test_a_partial_refresh_keeps_the_last_complete_sync_time(server, store):
    sync(make_client(server), store, target=100)
    complete = store.last_sync()
    server.broken.add(("/movie/popular", 1))
    report = refresh(make_client(server, max_retries=0), store, max_age=timedelta(0))
    assert report.partial and store.last_sync() == complete and not store.last_attempt()["complete"]


@pytest.mark.timeout(30)
def test_a_server_that_stops_answering_aborts_with_unavailable(server, store):
    sync(make_client(server), store, target=40)  # genres are cached
    server.error_rate = 1.0
    with pytest.raises(TmdbUnavailable, match="stopped answering"):
        sync(make_client(server, max_retries=0), store, target=2000)


@pytest.mark.timeout(30)
def test_unreachable_server_raises_unavailable_with_a_clear_message(store):
    url = closed_port_url()
    credentials = Credentials(api_key=SECRET)
    client = TmdbClient(make_session(credentials, 2), url, credentials, max_retries=1, backoff=0.01)
    with pytest.raises(TmdbUnavailable) as info:
        client.check()
    message = str(info.value)
    assert "unreachable" in message and url.split("/")[2] in message and "refused" in message.lower()
    assert SECRET not in message
    with pytest.raises(TmdbUnavailable):
        sync(client, store, target=100)


# -- persistence ---------------------------------------------------------------------------------------------
@pytest.mark.timeout(30)
def test_restart_does_not_refetch(server, tmp_path):
    path = tmp_path / "tmdb.duckdb"
    with TmdbStore(path) as first:
        report = sync(make_client(server), first, target=300)
        titles = first.titles()
    served = server.counters["requests"]
    with TmdbStore(path) as second:  # a new process would see the same file
        again = sync(make_client(server), second, target=300)
        pd.testing.assert_frame_equal(second.titles(), titles)
        assert second.last_sync() is not None
    assert server.counters["requests"] == served
    assert again.pages_requested == again.requests == 0 and again.pages_cached == report.pages_ok


@pytest.mark.timeout(30)
def test_larger_target_resumes_without_refetching(server, store):
    sync(make_client(server), store, target=200)
    report = sync(make_client(server), store, target=800)
    assert report.pages_cached > 0 and store.count() >= 800
    assert max(server.hit_keys().values()) == 1  # no page or genre list fetched twice


@pytest.mark.timeout(30)
def test_cancelled_sync_keeps_its_pages_and_resumes(server, store):
    cancel = threading.Event()

    def progress(done: int, total: int, message: str) -> None:
        if done >= 300:
            cancel.set()

    first = sync(make_client(server, rps=200), store, target=1200, progress=progress, cancel=cancel)
    assert first.cancelled and first.partial and 300 <= store.count() < 1200
    assert store.last_sync() is None and store.last_attempt()["cancelled"] is True
    second = sync(make_client(server), store, target=1200)
    assert not second.partial and store.count() >= 1200 and second.pages_cached >= first.pages_ok
    assert max(server.hit_keys().values()) == 1


@pytest.mark.timeout(30)
def test_refresh_fetches_only_stale_entries(server, store):
    sync(make_client(server), store, target=100, details=True)
    first_pages = {k for k in server.hit_keys() if k[1] is not None}
    time.sleep(0.05)
    cutoff = utcnow()
    time.sleep(0.05)
    sync(make_client(server), store, target=300)
    before = server.hit_keys()
    report = refresh(make_client(server), store, max_age=utcnow() - cutoff, details=True)
    after = server.hit_keys()
    refetched = {k for k in after if after[k] > before.get(k, 0)}
    assert {k for k in refetched if k[1] is not None} == first_pages
    assert report.pages_ok == len(first_pages) and not report.partial
    assert 0 < report.details_ok <= len([k for k in refetched if k[1] is None and "/genre/" not in k[0]])
    assert store.count() >= 300


def test_clear_and_empty_store(store):
    assert store.count() == 0 and store.last_sync() is None
    empty = store.titles()
    assert empty.empty and list(empty.columns) == list(schema.TITLE_COLUMNS)
    store.clear()


# -- progress, secrets, CLI ------------------------------------------------------------------------------------
@pytest.mark.timeout(30)
def test_progress_is_reported_from_the_caller_thread(server, store):
    calls = []
    sync(make_client(server), store, target=300, details=True,
              progress=lambda done, total, msg: calls.append((threading.get_ident(), done, total, msg)))
    assert calls and {c[0] for c in calls} == {threading.get_ident()}
    assert all(0 <= done <= total for _, done, total, _ in calls)


@pytest.mark.timeout(30)
def test_the_key_never_appears_in_logs_errors_or_reports(caplog, store):
    caplog.set_level(logging.DEBUG)
    with FakeTmdb(api_key=SECRET, titles_per_list=300, error_rate=0.2) as server:
        server.broken.add(("/tv/popular", 1))
        client = make_client(server, max_retries=1)
        report = sync(client, store, target=200)
        texts = [report.as_json(), repr(client)]
    with pytest.raises(TmdbUnavailable) as info:
        TmdbClient(make_session(client.credentials, 1), closed_port_url(), client.credentials,
                        max_retries=0).check()
    texts += [str(info.value), repr(info.value), caplog.text]
    assert report.lost_pages and "api_key=***" in caplog.text  # urllib3 logged URLs, redacted
    assert not [t for t in texts if SECRET in t]


REPORT_KEYS = {"ok", "target", "pages_requested", "pages_ok", "pages_lost", "lost_pages", "titles", "requests",
               "retries", "seconds", "partial", "requests_per_second", "db"}


@pytest.mark.timeout(60)
def test_cli_sync_prints_a_json_report_last(server, tmp_path):
    env = {**os.environ, "TMDB_API_KEY": SECRET, "TMDB_BEARER_TOKEN": ""}
    cmd = [sys.executable, "-m", "core", "sync", "--base-url", server.base_url, "--target", "100",
           "--workers", "4", "--rps", "200", "--details", "--cache-dir", str(tmp_path)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=50)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert REPORT_KEYS <= set(report) and report["ok"] and report["titles"] >= 100
    assert report["details_ok"] == report["titles"] and (tmp_path / "tmdb.duckdb").exists()
    assert SECRET not in done.stdout + done.stderr


def test_cli_max_retries_defaults_to_the_environment(monkeypatch):
    monkeypatch.setenv("TMDB_MAX_RETRIES", "2")
    assert _parser().parse_args(["sync"]).max_retries == 2
    assert _parser().parse_args(["sync", "--max-retries", "7"]).max_retries == 7
    monkeypatch.delenv("TMDB_MAX_RETRIES")
    assert _parser().parse_args(["refresh"]).max_retries == config.tmdb_max_retries() == 5


@pytest.mark.timeout(60)
def test_cli_sync_retries_as_often_as_tmdb_max_retries_says(server, tmp_path):
    server.broken.add(("/movie/popular", 1))
    env = {**os.environ, "TMDB_API_KEY": SECRET, "TMDB_BEARER_TOKEN": "", "TMDB_MAX_RETRIES": "1"}
    cmd = [sys.executable, "-m", "core", "sync", "--base-url", server.base_url, "--target", "60",
           "--workers", "2", "--rps", "200", "--cache-dir", str(tmp_path)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=50)
    assert done.returncode == 3, done.stderr  # partial: the broken page is lost, after 1 + 1 attempts
    assert server.hits("/movie/popular", 1) == 2
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["pages_lost"] == 1 and not report["ok"]


def test_cli_without_credentials_says_so(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TMDB_")}
    done = subprocess.run([sys.executable, "-m", "core", "sync", "--cache-dir", str(tmp_path)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "TMDB_API_KEY" in json.loads(done.stdout.strip().splitlines()[-1])["error"]
