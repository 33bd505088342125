"""The TMDB sync when TMDB misbehaves, against the fake TMDB server on 127.0.0.1: the report, the store and the
server agree under heavy faults, a cancel or an outage halfway loses nothing unreported and resumes, a killed
sync restarts without a duplicate or missing title, two syncs at once cannot both write, pasted keys lose their
whitespace and are never echoed."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.tmdb import service
from core.tmdb.client import Credentials, TmdbUnavailable, credentials_from_env
from core.tmdb.store import TmdbStore, TmdbSyncBusy
from core.tmdb.sync import SyncReport, sync
from tests.fake_tmdb import FakeTmdb
from tests.unit import test_tmdb
from tests.unit.test_tmdb import SECRET, make_client

ROOT = Path(__file__).resolve().parents[2]
store = test_tmdb.store  # an empty store in tmp_path
HEAVY = {"error_rate": 0.2, "truncate_rate": 0.1, "hang_rate": 0.05, "hang_seconds": 2.0}


def assert_report_matches(report: SyncReport, store: TmdbStore, server: FakeTmdb) -> None:
    """Every page reported fetched is stored (a fresh store), and every request the server never answered with a
    complete 200 is one the report lists as given up."""
    assert len(store.page_index()) == report.pages_ok + report.pages_cached
    assert report.titles == store.count()
    given_up = {(p["endpoint"], p["page"]) for p in report.lost_pages}
    assert [k for k in server.never_useful() if k not in given_up] == []
    assert report.pages_lost + report.details_lost == len(report.lost_pages)


@pytest.mark.timeout(60)
def test_under_heavy_faults_report_store_and_server_agree(store):
    with FakeTmdb(api_key=SECRET, titles_per_list=1000, latency=0.002, seed=3, **HEAVY) as server:
        report = sync(make_client(server, max_retries=1, timeout=2.0, read_timeout=0.3), store, target=300)
        counters = server.counters
        assert_report_matches(report, store, server)
    assert counters["server_errors"] and counters["truncated"] and counters["hung"]
    assert report.pages_lost > 0 and report.partial  # one retry is not enough at these rates: some are lost
    assert {(p["endpoint"], p["page"]) for p in report.lost_pages} <= set(server.never_useful())


@pytest.mark.timeout(60)
def test_a_cancel_under_faults_reports_every_request_it_gave_up(store):
    cancel = threading.Event()

    def progress(done: int, total: int, message: str) -> None:
        if done >= 150:
            cancel.set()

    with FakeTmdb(api_key=SECRET, titles_per_list=1000, latency=0.01, seed=5, **HEAVY) as server:
        client = make_client(server, rps=300, workers=16, timeout=2.0, read_timeout=0.3)
        report = sync(client, store, target=2000, progress=progress, cancel=cancel)
        assert report.cancelled and report.lost_pages
        assert any(p["error"] == "cancelled" for p in report.lost_pages)
        assert_report_matches(report, store, server)


@pytest.mark.timeout(60)
def test_tmdb_going_down_halfway_aborts_clearly_and_the_rerun_loses_nothing(tmp_path):
    with FakeTmdb(api_key=SECRET, titles_per_list=1000) as server:
        with TmdbStore(tmp_path / "clean.duckdb") as clean:
            sync(make_client(server), clean, target=1000)
            expected = set(clean.titles()["title_id"])
        server.reset_counters()

        def progress(done: int, total: int, message: str) -> None:
            if done >= 400:
                server.error_rate = 1.0  # every request answers 5xx from now on

        with TmdbStore(tmp_path / "t.duckdb") as store:
            with pytest.raises(TmdbUnavailable) as info:
                sync(make_client(server, max_retries=1), store, target=1000, progress=progress)
            assert "stopped answering" in str(info.value) and "run the sync again" in str(info.value)
            assert SECRET not in str(info.value)
            attempt, kept = store.last_attempt(), store.count()
            assert attempt["aborted"] and attempt["pages_lost"] > 0 and 400 <= kept < 1000
            server.error_rate = 0.0
            again = sync(make_client(server), store, target=1000)
            titles = store.titles()["title_id"]
    assert not again.partial and again.pages_cached > 0
    assert titles.is_unique and set(titles) == expected


def _cli(server: FakeTmdb, cache: Path, target: int) -> list[str]:
    return [sys.executable, "-m", "core", "sync", "--base-url", server.base_url, "--target", str(target),
            "--rps", "100", "--cache-dir", str(cache)]


@pytest.mark.timeout(90)
def test_a_sync_killed_mid_run_restarts_without_duplicate_or_missing_titles(tmp_path):
    env = {**os.environ, "TMDB_API_KEY": SECRET, "TMDB_BEARER_TOKEN": ""}
    with FakeTmdb(api_key=SECRET, titles_per_list=2000, latency=0.01) as server:
        with TmdbStore(tmp_path / "clean.duckdb") as clean:  # the CLI's defaults: 16 workers
            sync(make_client(server, workers=16), clean, target=4000)
            expected = set(clean.titles()["title_id"])
        server.reset_counters()
        proc = subprocess.Popen(_cli(server, tmp_path, 4000), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 40
        while server.counters.get("useful", 0) < 150 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the sync finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        done = subprocess.run(_cli(server, tmp_path, 4000), cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["pages_cached"] > 0  # what the killed run committed was kept and not fetched again
    with TmdbStore(tmp_path / "tmdb.duckdb") as store:
        titles = store.titles()["title_id"]
    assert titles.is_unique and set(titles) == expected


@pytest.mark.timeout(60)
def test_two_syncs_at_once_the_second_refuses_with_a_clear_message(tmp_path):
    path = tmp_path / "tmdb.duckdb"
    with FakeTmdb(api_key=SECRET, titles_per_list=1000, latency=0.02) as server:
        started, stop, results = threading.Event(), threading.Event(), {}

        def first() -> None:  # runs until the other attempts are over, then is cancelled
            with TmdbStore(path) as store:
                results["first"] = sync(make_client(server, rps=20), store, target=5000,
                                        progress=lambda *_: started.set(), cancel=stop)
                results["stored"] = store.count()

        thread = threading.Thread(target=first)
        thread.start()
        assert started.wait(20)
        with TmdbStore(path) as other, pytest.raises(TmdbSyncBusy, match="already running"):
            sync(make_client(server), other, target=600)
        outcome = service.run_sync(Credentials(api_key=SECRET), path, 600, base_url=server.base_url)
        env = {**os.environ, "TMDB_API_KEY": SECRET, "TMDB_BEARER_TOKEN": ""}
        cli = subprocess.run(_cli(server, tmp_path, 600), cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=30)
        stop.set()
        thread.join(30)
    assert outcome.level == "warning" and "already running" in outcome.message and SECRET not in outcome.message
    assert cli.returncode == 1 and "already running" in json.loads(cli.stdout.strip().splitlines()[-1])["error"]
    first = results["first"]
    assert first.cancelled and first.titles == results["stored"] > 0  # the first one went on undisturbed


KEY = "0123456789abcdef0123456789abcdef"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl"


@pytest.mark.parametrize("pasted", [f"{KEY}\n", f"\t{KEY} \r\n", f"{KEY[:16]}\n{KEY[16:]}", f"{KEY[:8]} {KEY[8:]}"])
def test_a_pasted_key_with_spaces_or_newlines_is_stripped(pasted):
    credentials, message = service.parse_secret(pasted)
    assert message == "" and credentials.params() == {"api_key": KEY}
    assert credentials_from_env({"TMDB_API_KEY": pasted}).params() == {"api_key": KEY}
    assert service.credentials_from({"TMDB_API_KEY": pasted}).params() == {"api_key": KEY}
    token, _ = service.parse_secret(f"Bearer {TOKEN[:20]}\n{TOKEN[20:]}\n")
    assert token.headers() == {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.timeout(60)
def test_a_pasted_key_with_a_newline_syncs_and_is_never_echoed(tmp_path):
    with FakeTmdb(api_key=KEY, titles_per_list=200) as server:
        ok = service.run_sync(service.parse_secret(f"  {KEY[:10]}\n{KEY[10:]}\r\n")[0], tmp_path / "a.duckdb", 40,
                              base_url=server.base_url, rps=500)
        wrong = "f" * 16 + "\n" + "e" * 16
        bad = service.run_sync(service.parse_secret(wrong)[0], tmp_path / "b.duckdb", 40, base_url=server.base_url)
    assert ok.level == "success", ok.message
    assert bad.level == "error" and "401" in bad.message
    texts = [ok.message, bad.message, json.dumps(ok.report), json.dumps(bad.report)]
    assert not [t for t in texts if KEY in t or "f" * 16 in t or "e" * 16 in t]
