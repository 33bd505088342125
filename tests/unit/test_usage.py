"""The usage store and its figures: events batched off the caller's thread, the store bounded, every failure (full
queue, locked file, read-only folder, full disk, damaged file) dropped and counted, and the figures the Usage page
shows computed from a store the test writes."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from core.usage import insights, store
from tests.readonly import read_only

NOW = datetime(2026, 3, 10, 12, 0, 0)


@pytest.fixture()
def usage_db(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "cache" / "usage.duckdb"
    monkeypatch.delenv("MARQUEE_USAGE_DB", raising=False)
    monkeypatch.setenv("MARQUEE_CACHE_DIR", str(path.parent))
    monkeypatch.delenv("MARQUEE_USAGE", raising=False)
    return path


def rows_in(path: Path) -> list[tuple]:
    with store.reading(path) as con:
        return [] if con is None else con.execute("SELECT session, page, kind, name, value FROM events "
                                                  "ORDER BY ts, rowid").fetchall()


class FakeWriter:
    """A stand-in for ``store.write`` that keeps each batch (and can be held back, or made to fail)."""

    def __init__(self, fail: Exception | None = None):
        self.batches: list[list] = []
        self.threads: set[str] = set()
        self.fail, self.release, self.entered = fail, threading.Event(), threading.Event()
        self.release.set()

    def __call__(self, path, rows, max_rows):
        self.entered.set()
        self.release.wait(10)
        self.threads.add(threading.current_thread().name)
        if self.fail is not None:
            raise self.fail
        self.batches.append(list(rows))


# ------------------------------------------------------------------ the recorder: batches, off the caller's thread
def test_the_default_store_lives_in_the_cache_folder(usage_db):
    from core import config

    assert config.usage_store_path() == usage_db


def test_events_are_written_in_batches_by_a_daemon_thread(tmp_path):
    writer = FakeWriter()
    rec = store.Recorder(writer, batch_size=3, interval=30, max_batch=3)
    for i in range(7):
        assert rec.record(tmp_path / "u.duckdb", store.event("s", "Home", "view", value=str(i)))
    assert rec.flush(5)
    assert [len(b) for b in writer.batches] == [3, 3, 1]  # full batches first, the rest on flush
    assert [r[5] for b in writer.batches for r in b] == [str(i) for i in range(7)]  # in order
    assert writer.threads == {"marquee-usage-writer"} and rec._thread.daemon  # never the caller's, never blocks exit
    assert rec.counts()["written"] == 7


def test_a_backlog_goes_in_larger_batches(tmp_path):
    writer = FakeWriter()
    writer.release.clear()
    rec = store.Recorder(writer, batch_size=1, interval=30, max_batch=50)
    rec.record(tmp_path / "u.duckdb", store.event("s", "Home", "view"))
    assert writer.entered.wait(5)  # a write is under way while a burst of events comes in
    for _ in range(101):
        rec.record(tmp_path / "u.duckdb", store.event("s", "Home", "view"))
    writer.release.set()
    assert rec.flush(5)
    assert [len(b) for b in writer.batches] == [1, 50, 50, 1]  # the backlog goes 50 at a time


def test_a_batch_is_written_after_the_interval_without_a_flush(tmp_path):
    writer = FakeWriter()
    rec = store.Recorder(writer, batch_size=1000, interval=0.2)
    for _ in range(5):
        rec.record(tmp_path / "u.duckdb", store.event("s", "Home", "view"))
    deadline = time.monotonic() + 5
    while not writer.batches and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [len(b) for b in writer.batches] == [5]


def test_a_full_queue_drops_and_counts_without_blocking(tmp_path):
    writer = FakeWriter()
    writer.release.clear()  # the writer is stuck (a slow disk): the queue fills up
    rec = store.Recorder(writer, maxsize=5, batch_size=1, interval=0.01)
    started = time.perf_counter()
    accepted = [rec.record(tmp_path / "u.duckdb", store.event("s", "Home", "view")) for _ in range(50)]
    assert time.perf_counter() - started < 0.5  # the caller never waits for the writer
    assert accepted.count(True) <= 6 and accepted.count(False) >= 44
    assert rec.counts()["queue_full"] == accepted.count(False)
    writer.release.set()
    assert rec.flush(5) and rec.counts()["written"] == accepted.count(True)


def test_events_land_in_duckdb_with_only_the_recorded_fields(usage_db):
    rec = store.Recorder()
    rec.record(usage_db, store.event("abc123", "Home", "search", "hh_a_title", "  The   Godfather  " + "x" * 200))
    assert rec.flush(10)
    with store.reading(usage_db) as con:
        columns = [c[0] for c in con.execute("DESCRIBE events").fetchall()]
        (row,) = con.execute("SELECT * FROM events").fetchall()
    assert tuple(columns) == store.COLUMNS  # no IP, no user agent, nothing else
    assert row[1:5] == ("abc123", "Home", "search", "hh_a_title")
    assert row[5].startswith("The Godfather x") and len(row[5]) == store.MAX_VALUE  # trimmed, length-capped


def test_the_store_is_bounded_and_keeps_the_newest_rows(usage_db, monkeypatch):
    monkeypatch.setenv("MARQUEE_USAGE_MAX_ROWS", "100")
    rec = store.Recorder(batch_size=40)
    for i in range(250):
        rec.record(usage_db, store.event("s", "Home", "view", value=str(i)))
    assert rec.flush(10)
    values = [int(r[4]) for r in rows_in(usage_db)]
    assert int(100 * store.TRIM_TO) <= len(values) <= 100
    assert values == list(range(250 - len(values), 250))  # the oldest went first


def test_recording_off_records_nothing(usage_db, monkeypatch):
    monkeypatch.setenv("MARQUEE_USAGE", "off")
    store.record("s", "Home", "view")
    assert store.flush(5)
    assert not usage_db.exists()


# ------------------------------------------------------------------ failure paths: dropped and counted, never raised
@contextmanager
def lock_held(path: Path):
    """Another process holds the store's DuckDB lock until the block ends."""
    store.write(path, [store.event("other", "Home", "view")], 1000)
    code = f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}); print('held', flush=True); sys.stdin.read()"
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        yield
    finally:
        proc.stdin.close()
        proc.wait(10)


def test_a_store_locked_by_another_process_drops_and_counts(usage_db):
    rec = store.Recorder()
    with lock_held(usage_db):
        started = time.perf_counter()
        for _ in range(3):
            assert rec.record(usage_db, store.event("s", "Home", "view"))
        assert time.perf_counter() - started < 0.1
        assert rec.flush(10)
        assert rec.counts()["locked"] == 3 and rec.counts()["written"] == 0
        with pytest.raises(store.StoreUnavailable) as err:
            with store.reading(usage_db, attempts=2):
                pass
        assert err.value.reason == "locked"
    rec.record(usage_db, store.event("s", "Home", "view"))  # the lock is gone: recording resumes
    assert rec.flush(10) and rec.counts()["written"] == 1 and len(rows_in(usage_db)) == 2


def test_a_read_only_folder_drops_and_counts_and_old_events_stay_readable(usage_db):
    store.write(usage_db, [store.event("old", "Home", "view")], 1000)
    rec = store.Recorder()
    with read_only(usage_db.parent):
        rec.record(usage_db, store.event("s", "Home", "view"))
        rec.record(usage_db.parent / "new" / "usage.duckdb", store.event("s", "Home", "view"))
        assert rec.flush(10)
        assert rec.counts()["read_only"] == 2
        assert rows_in(usage_db) == [("old", "Home", "view", "", "")]


@contextmanager
def full_disk(folder: Path):
    """A tiny tmpfs at ``folder``, filled up; where mounts are refused, a writer that fails as a full disk does."""
    folder.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        yield None
        return
    try:
        fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(fd)
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_a_full_disk_drops_and_counts(tmp_path):
    with full_disk(tmp_path / "full") as folder:
        if folder is None:
            rec = store.Recorder(FakeWriter(OSError(28, "No space left on device")))
        else:
            rec = store.Recorder()
        rec.record((folder or tmp_path) / "usage.duckdb", store.event("s", "Home", "view"))
        assert rec.flush(10)
        assert rec.counts()["disk_full"] == 1 and rec.counts()["written"] == 0


def test_a_damaged_store_drops_and_counts_and_says_so_when_read(usage_db):
    usage_db.parent.mkdir(parents=True)
    usage_db.write_bytes(b"not a database" * 100)
    rec = store.Recorder()
    rec.record(usage_db, store.event("s", "Home", "view"))
    assert rec.flush(10) and rec.counts()["error"] == 1
    with pytest.raises(store.StoreUnavailable) as err:
        insights.from_store(usage_db, 30)
    assert err.value.reason == "damaged"


@pytest.mark.parametrize("message, reason", [
    ('IO Error: Could not set lock on file "x": Conflicting lock is held in python (PID 1)', "locked"),
    ('IO Error: Cannot open file "x": Read-only file system', "read_only"),
    ('IO Error: Could not write file "x": No space left on device', "disk_full"),
    ("Catalog Error: something else", "error"),
])
def test_failures_are_told_apart(message, reason):
    assert store.failure_reason(duckdb.IOException(message)) == reason


# ------------------------------------------------------------------ the figures, from a store the test writes
def _ev(rows, session, minutes, page, kind, name="", value="", ms=None):
    rows.append((NOW - timedelta(minutes=minutes), session, page, kind, name, value, ms))


@pytest.fixture()
def written_store(tmp_path) -> Path:
    """Three sessions over two days, and one session 40 days ago (outside a 30-day window)."""
    rows = []
    # session a, yesterday: Home -> Churn -> Home, 10 minutes
    _ev(rows, "a", 24 * 60 + 10, "Home", "view")
    _ev(rows, "a", 24 * 60 + 9, "Home", "filter", "genres", "Drama,Comedy")
    _ev(rows, "a", 24 * 60 + 8, "Churn", "view")
    _ev(rows, "a", 24 * 60 + 7, "Churn", "widget", "ch_threshold")
    _ev(rows, "a", 24 * 60 + 1, "Churn", "export", "ch_dl")
    _ev(rows, "a", 24 * 60, "Home", "view")
    # session b, today: Home -> Head-to-Head, 4 minutes, two searches
    _ev(rows, "b", 30, "Home", "view")
    _ev(rows, "b", 29, "Home", "filter", "genres", "Drama")
    _ev(rows, "b", 28, "Home", "filter", "source", "tmdb")
    _ev(rows, "b", 27, "Head-to-Head", "view")
    _ev(rows, "b", 27, "Head-to-Head", "search", "hh_a_title", "Godfather, The (1972)")
    _ev(rows, "b", 26, "Head-to-Head", "search", "hh_b_title", "Godfather, The (1972)")
    # session c, today: one page
    _ev(rows, "c", 5, "Data", "view")
    for i, ms in enumerate([100, 200, 300, 400, 5000]):
        _ev(rows, "a", 24 * 60 + 10 - i * 0.1, "Home", "render", "ok", "", ms)
    _ev(rows, "b", 27, "Head-to-Head", "render", "stopped", "", 800)
    _ev(rows, "b", 26, "Head-to-Head", "render", "error", "", 1200)
    # an old session, 40 days ago
    _ev(rows, "old", 40 * 24 * 60, "Integrity", "view")
    path = tmp_path / "usage.duckdb"
    store.write(path, rows, 1000)
    return path


def test_views_sessions_and_their_median_length(written_store):
    figs = insights.from_store(written_store, 30, now=NOW)
    views = figs["views_by_page"].set_index("page")
    assert views["views"].to_dict() == {"Home": 3, "Churn": 1, "Head-to-Head": 1, "Data": 1}
    assert views.loc["Home", "sessions"] == 2
    assert figs["sessions_n"] == 3 and figs["views"] == 6
    assert figs["median_session_s"] == pytest.approx(4 * 60)  # sessions of 10 min, 4 min and 0 s
    assert figs["one_page_share"] == pytest.approx(1 / 3)
    by_day = figs["views_by_day"].groupby("day")["views"].sum()
    assert by_day.to_dict() == {datetime(2026, 3, 9): 3, datetime(2026, 3, 10): 3}


def test_the_period_leaves_older_events_out(written_store):
    assert "Integrity" not in set(insights.from_store(written_store, 30, now=NOW)["views_by_page"]["page"])
    assert "Integrity" in set(insights.from_store(written_store, 0, now=NOW)["views_by_page"]["page"])
    assert insights.from_store(written_store, 0, now=NOW)["sessions_n"] == 4


def test_filters_values_and_search_terms(written_store):
    figs = insights.from_store(written_store, 30, now=NOW)
    assert figs["filters"].set_index("filter")["changes"].to_dict() == {"genres": 2, "source": 1}
    values = {(r.filter, r.value): r.uses for r in figs["filter_values"].itertuples()}
    assert values == {("genres", "Drama"): 2, ("genres", "Comedy"): 1, ("source", "tmdb"): 1}
    assert figs["searches"].to_dict("records") == [{"term": "Godfather, The (1972)", "searches": 2, "sessions": 1}]
    assert figs["widgets"].to_dict("records") == [{"page": "Churn", "widget": "ch_threshold", "interactions": 1}]
    assert figs["exports"].to_dict("records") == [{"page": "Churn", "download": "ch_dl", "downloads": 1}]


def test_the_page_to_page_flow(written_store):
    moves = {(r["from"], r["to"]): r["moves"] for r in insights.from_store(written_store, 30, now=NOW)[
        "transitions"].to_dict("records")}
    assert moves == {("(start)", "Home"): 2, ("(start)", "Data"): 1, ("Home", "Churn"): 1, ("Churn", "Home"): 1,
                     ("Home", "Head-to-Head"): 1}


def test_render_time_percentiles_per_page(written_store):
    render = insights.from_store(written_store, 30, now=NOW)["render"].set_index("page")
    home = [100, 200, 300, 400, 5000]
    assert render.loc["Home", "runs"] == 5
    assert render.loc["Home", "p50_ms"] == pytest.approx(np.percentile(home, 50))
    assert render.loc["Home", "p95_ms"] == pytest.approx(np.percentile(home, 95))
    assert render.loc["Head-to-Head", "errors"] == 1 and render.index[0] == "Home"  # slowest p95 first


def test_the_sentences_come_from_the_figures(written_store):
    figs = insights.with_insights(insights.from_store(written_store, 30, now=NOW), ["Home", "Churn", "Head-to-Head",
                                                                                     "Data", "Usage"])
    said = figs["insights"]
    assert said["pages"][0].startswith("**Home** draws 50% of page views (3 of 6)")
    assert "Not opened in this period: Usage." in said["pages"]
    assert "4 min 00 s" in said["sessions"][0] and "33% of them saw one page only" in said["sessions"][0]
    assert "**genres** is the most changed filter" in said["filters"][0] and "**Drama**" in said["filters"][1]
    assert "Most searched: **Godfather, The (1972)** (2 times in 1 session)" in said["filters"][2]
    assert "**Home**, 4.08 s" in said["render"][0] and "1 of 2 pages take over 2 s" in said["render"][1]
    assert "67% of sessions start on **Home**" in said["flow"][1]


def test_an_unwritten_store_has_empty_figures(tmp_path):
    figs = insights.from_store(tmp_path / "none.duckdb", 30)
    assert figs["events"] == 0 and figs["sessions_n"] == 0 and figs["views_by_page"].empty
    assert not (tmp_path / "none.duckdb").exists()  # reading never creates the store


_REPLICA_WRITER = """
import sys
from pathlib import Path
from core.usage import store
path = Path(sys.argv[1])
for batch in range(25):
    store.write(path, [store.event(sys.argv[2], "Home", "view") for _ in range(8)], 1_000_000)
"""


def test_replicas_writing_one_store_take_turns_and_lose_nothing(tmp_path):
    """Two processes (replicas of one deployment) flushing to the same file at once: every event lands."""
    path = tmp_path / "usage.duckdb"
    root = Path(__file__).resolve().parents[2]
    procs = [subprocess.Popen([sys.executable, "-c", _REPLICA_WRITER, str(path), f"s{i}"], cwd=root,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT session, count(*) FROM events GROUP BY 1 ORDER BY 1").fetchall() == [
            ("s0", 200), ("s1", 200)]
