"""The optional reviews step of the TMDB sync against the fake TMDB server on 127.0.0.1: every page of every
title, faults that lose nothing, a page that keeps failing reported and fetched on resume, titles already
fetched skipped, and the canonical reviews the Integrity page reads."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from core.tmdb import reviews as rv
from core.tmdb import service as datasync
from core.tmdb.store import TmdbStore, utcnow
from core.tmdb.sync import refresh, sync
from tests.fake_tmdb import JUNK_RESULTS, PAGE_SIZE, FakeTmdb
from tests.unit import test_tmdb
from tests.unit.test_tmdb import SECRET, make_client

ROOT = Path(__file__).resolve().parents[2]
server, store = test_tmdb.server, test_tmdb.store  # the same fake TMDB (1,000 titles a list) and empty store


def _expected(server: FakeTmdb, keys: list[str]) -> dict[str, list[dict]]:
    return {k: server.reviews(k.split(":")[0], int(k.split(":")[1])) for k in keys}


def _multi_page_title(server: FakeTmdb, store: TmdbStore) -> tuple[str, int]:
    """A stored title with more than one page of reviews, and its page count."""
    for key, every in _expected(server, store.review_title_keys()).items():
        if len(every) > PAGE_SIZE:
            return key, -(-len(every) // PAGE_SIZE)
    raise AssertionError("no stored title has two pages of reviews")


@pytest.mark.timeout(60)
def test_every_page_of_every_titles_reviews_is_stored_as_contract_reviews(server, store):
    report = sync(make_client(server), store, target=120, reviews=True)
    keys = store.review_title_keys()
    expected = _expected(server, keys)
    assert not report.partial and report.review_titles == len(keys) == report.titles
    assert report.reviews == sum(map(len, expected.values())) == len(store.reviews())
    pages = sum(max(1, -(-len(v) // PAGE_SIZE)) for v in expected.values())
    assert report.review_pages_requested == report.review_pages_ok == pages
    key, n_pages = _multi_page_title(server, store)
    assert [server.hits(rv.path(key), p) for p in range(1, n_pages + 2)] == [1] * n_pages + [0]
    reviews = store.reviews()
    assert list(reviews.columns) == list(rv.COLUMNS) and reviews["review_id"].is_unique
    mine = reviews[reviews["title_id"] == f"tmdb:{key}"]
    first = expected[key][0]
    row = mine.set_index("review_id").loc[first["id"]]
    assert row["text"] == first["content"] and row["user_id"] == first["author_details"]["username"]
    assert row["created_at"] == pd.Timestamp(first["created_at"]).tz_localize(None)
    rated = [r["author_details"]["rating"] for r in expected[key]]
    assert mine["rating"].isna().sum() == sum(r is None for r in rated)


@pytest.mark.timeout(60)
def test_a_review_page_failing_every_retry_is_reported_then_fetched_on_resume(server, store):
    sync(make_client(server), store, target=120)
    key, _ = _multi_page_title(server, store)
    server.broken.add((rv.path(key), 2))
    report = sync(make_client(server, max_retries=2), store, target=120, reviews=True)
    assert report.partial and report.review_pages_lost == 1
    assert [(p["endpoint"], p["page"]) for p in report.lost_pages] == [(rv.path(key), 2)]
    assert "HTTP 503" in report.lost_pages[0]["error"]
    attempt = store.last_attempt()
    assert not attempt["complete"] and attempt["review_pages_lost"] == 1
    expected = _expected(server, store.review_title_keys())
    every, page_two = sum(map(len, expected.values())), len(expected[key][PAGE_SIZE: 2 * PAGE_SIZE])
    assert len(store.reviews()) == every - page_two  # all but the lost page, which stays missing
    server.broken.clear()
    server.reset_counters()
    again = sync(make_client(server), store, target=120, reviews=True)
    assert not again.partial and again.review_pages_requested == again.review_pages_ok == 1
    assert server.hit_keys() == {(rv.path(key), 2): 1} and len(store.reviews()) == every
    assert store.last_attempt()["complete"]


@pytest.mark.timeout(60)
def test_titles_whose_reviews_are_complete_are_skipped_and_new_titles_fetched(server, store):
    sync(make_client(server), store, target=60, reviews=True)
    done = set(store.review_index())
    server.reset_counters()
    again = sync(make_client(server), store, target=60, reviews=True)
    assert again.requests == 0 and again.review_pages_requested == 0
    more = sync(make_client(server), store, target=140, reviews=True)
    asked = {k[0] for k in server.hit_keys() if k[0].endswith("/reviews")}
    new = set(store.review_title_keys()) - done
    assert asked == {rv.path(k) for k in new} and more.review_titles == len(new) and not more.partial


@pytest.mark.timeout(90)
def test_transient_faults_lose_no_review_page(tmp_path):
    with FakeTmdb(api_key=SECRET, titles_per_list=1000) as clean, TmdbStore(tmp_path / "a.duckdb") as a:
        sync(make_client(clean), a, target=100, reviews=True)
        expected = a.reviews().sort_values("review_id", ignore_index=True)
    with FakeTmdb(api_key=SECRET, titles_per_list=1000, error_rate=0.15, truncate_rate=0.1) as faulty, \
            TmdbStore(tmp_path / "b.duckdb") as b:
        report = sync(make_client(faulty, max_retries=8), b, target=100, reviews=True)
        got = b.reviews().sort_values("review_id", ignore_index=True)
        assert faulty.counters["server_errors"] and faulty.counters["truncated"]
    assert not report.partial and report.retries > 0
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.timeout(60)
def test_malformed_review_results_are_counted_and_left_out(server, store):
    sync(make_client(server), store, target=60)
    key = store.review_title_keys()[0]
    server.junk.add((rv.path(key), 1))
    report = sync(make_client(server), store, target=60, reviews=True)
    assert report.reviews_malformed == len(JUNK_RESULTS) and not report.partial
    assert len(store.reviews()) == sum(map(len, _expected(server, store.review_title_keys()).values()))


@pytest.mark.timeout(60)
def test_a_title_tmdb_does_not_know_is_stored_without_reviews_and_not_asked_again(server, store):
    sync(make_client(server), store, target=40)
    store.save_pages([("/movie/popular", 499, {"results": [{"id": 1, "title": "Gone"}], "total_pages": 500},
                       utcnow())])  # id 1 is in no list of the fake server: its reviews answer 404
    report = sync(make_client(server), store, target=40, reviews=True)
    assert not report.partial and store.review_index()["movie:1"].total_pages == 0
    server.reset_counters()
    assert sync(make_client(server), store, target=40, reviews=True).requests == 0


@pytest.mark.timeout(60)
def test_refresh_with_reviews_refetches_only_stale_review_pages(server, store):
    sync(make_client(server), store, target=60, reviews=True)
    key, n_pages = _multi_page_title(server, store)
    with store._cursor() as cur:  # age one title's pages
        cur.execute("UPDATE review_pages SET fetched_at = fetched_at - INTERVAL 3 DAY WHERE title_key = ?", [key])
    server.reset_counters()
    report = refresh(make_client(server), store, timedelta(days=1), reviews=True)
    asked = {k: n for k, n in server.hit_keys().items() if k[0].endswith("/reviews")}
    assert asked == {(rv.path(key), p): 1 for p in range(1, n_pages + 1)} and not report.partial


@pytest.mark.timeout(60)
def test_the_data_page_sync_says_how_many_reviews_it_stored(server, tmp_path):
    from core.tmdb.client import Credentials

    outcome = datasync.run_sync(Credentials(api_key=SECRET), tmp_path / "t.duckdb", 60, base_url=server.base_url,
                                rps=500, reviews=True)
    assert outcome.ok and f"{outcome.report['reviews']:,} reviews stored" in outcome.message
    assert outcome.report["reviews"] > 0


@pytest.mark.timeout(60)
def test_cli_sync_with_reviews_reports_them_last(server, tmp_path):
    env = {**os.environ, "TMDB_API_KEY": SECRET, "TMDB_BEARER_TOKEN": ""}
    cmd = [sys.executable, "-m", "core", "sync", "--base-url", server.base_url, "--target", "60", "--workers", "4",
           "--rps", "300", "--reviews", "--cache-dir", str(tmp_path)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=50)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["ok"] and report["reviews"] > 0 and report["review_pages_lost"] == 0
    with TmdbStore(tmp_path / "tmdb.duckdb") as store:
        assert len(store.reviews()) == report["reviews"]
