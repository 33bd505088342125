"""The usage store: Marquee's own usage events in DuckDB (``config.usage_store_path()``), written off the render path.

A page only puts an event on a bounded in-process queue (microseconds); one daemon writer thread per process takes
them off in batches (every ``FLUSH_SECONDS`` or ``BATCH_SIZE`` events, whichever comes first), opens the file,
appends, trims the oldest rows beyond ``config.usage_max_rows()`` and closes it again, so the file is locked only
for the few milliseconds of a write. Nothing here can slow or break a page: a full queue, a file another process
holds locked, a read-only folder, a full disk or a damaged file drops the events concerned and counts them by
reason (``dropped``); the page renders either way.

What an event holds (``COLUMNS``): the time (UTC), an anonymous random session id, the page, the kind of event
(``KINDS``), a name (a filter, widget or download key) and a value (a filter's value from its fixed options, or
a search term, trimmed and cut to ``MAX_VALUE``), and a render time in milliseconds. Never an IP address, a user
agent, a key or any other text a user typed.
"""
from __future__ import annotations

import atexit
import contextlib
import errno
import logging
import os
import queue
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from core import config

COLUMNS = ("ts", "session", "page", "kind", "name", "value", "ms")
KINDS = ("view", "render", "filter", "search", "widget", "export")
DDL = ("CREATE TABLE IF NOT EXISTS events (ts TIMESTAMP NOT NULL, session VARCHAR NOT NULL, page VARCHAR, "
       "kind VARCHAR NOT NULL, name VARCHAR, value VARCHAR, ms DOUBLE)")
#: Why events were dropped, as ``dropped()`` counts them.
REASONS = ("queue_full", "locked", "read_only", "disk_full", "error")
QUEUE_SIZE = 10_000
BATCH_SIZE = 200
#: A backlog (a burst of events while a write was under way) goes in batches of up to this many: each write opens
#: the file anew (about 25 ms with DuckDB), so the writer keeps up with bursts without holding the file open.
MAX_BATCH = 5_000
FLUSH_SECONDS = 1.0
MAX_VALUE = 80
#: When the store holds more than its cap, the oldest rows go until it holds this share of it (so the trim runs
#: once in a while, not on every write).
TRIM_TO = 0.9
_FLUSH = object()
log = logging.getLogger("marquee.usage")
Row = tuple


def event(session: str, page: str, kind: str, name: str = "", value: str = "", ms: float | None = None) -> Row:
    """One event row, stamped now (UTC); text fields cut to their caps (a value to ``MAX_VALUE`` characters)."""
    return (datetime.now(timezone.utc).replace(tzinfo=None), session[:32], page[:60], kind, name[:60],
            " ".join(str(value).split())[:MAX_VALUE], ms)


def write(path: Path, rows: list[Row], max_rows: int) -> None:
    """Append ``rows`` to the store at ``path`` (created with its folder when missing), then trim it to its cap.

    Raises:
        duckdb.Error or OSError: the store could not be written (see ``failure_reason``).
    """
    import duckdb
    import pyarrow as pa
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    batch = pa.table({c: [r[i] for r in rows] for i, c in enumerate(COLUMNS)},
                     schema=pa.schema([("ts", pa.timestamp("us")), ("session", pa.string()), ("page", pa.string()),
                                       ("kind", pa.string()), ("name", pa.string()), ("value", pa.string()),
                                       ("ms", pa.float64())]))
    # replicas of one deployment share the file: their writers take turns on a file lock instead of colliding on
    # DuckDB's own (a timeout reads as "locked" and is counted)
    turn = FileLock(path.with_name(path.name + ".lock"), timeout=2) if os.access(path.parent, os.W_OK) \
        else contextlib.nullcontext()  # a read-only folder: DuckDB says so below (counted as read_only)
    with turn:
        con = duckdb.connect(str(path))
        try:
            con.execute(DDL)
            con.register("usage_batch", batch)
            con.execute("INSERT INTO events SELECT * FROM usage_batch")
            trim(con, max_rows)
        finally:
            con.close()


def trim(con, max_rows: int) -> int:
    """Delete the oldest rows when the store holds more than ``max_rows``, down to ``TRIM_TO`` of it; return how
    many went."""
    total = con.execute("SELECT count(*) FROM events").fetchone()[0]
    if total <= max_rows:
        return 0
    excess = total - int(max_rows * TRIM_TO)
    con.execute("DELETE FROM events WHERE rowid IN (SELECT rowid FROM events ORDER BY ts, rowid LIMIT ?)", [excess])
    return excess


def failure_reason(exc: BaseException) -> str:
    """Which of ``REASONS`` a failed write was: locked by another process, read-only, disk full, or other."""
    text, code = str(exc).lower(), getattr(exc, "errno", None)
    if "lock" in text:
        return "locked"
    if code == errno.ENOSPC or "no space left" in text or "disk full" in text or "disk is full" in text:
        return "disk_full"
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or any(
            s in text for s in ("read-only", "read only", "permission denied", "cannot open file")):
        return "read_only"
    return "error"


class Recorder:
    """A bounded queue of events and the daemon thread that writes them in batches.

    Args:
        writer: ``write`` or a stand-in with its signature (the benchmark's and tests' seam).
        maxsize: events the queue holds; more are dropped (``queue_full``) rather than waited for.
        batch_size, interval: a batch is written when it holds ``batch_size`` events or ``interval`` seconds
            after its first event, whichever comes first, with whatever else is queued by then, up to
            ``max_batch`` events.
    """

    def __init__(self, writer: Callable[[Path, list[Row], int], None] = write, maxsize: int = QUEUE_SIZE,
                 batch_size: int = BATCH_SIZE, interval: float = FLUSH_SECONDS, max_batch: int = MAX_BATCH):
        self.writer, self.batch_size, self.interval = writer, batch_size, interval
        self.max_batch = max(max_batch, batch_size)
        self._queue: queue.Queue = queue.Queue(maxsize)
        self._lock = threading.Lock()
        self._counts: Counter = Counter()
        self._thread: threading.Thread | None = None

    def record(self, path: Path, row: Row) -> bool:
        """Queue one event for ``path``; False (and counted) when the queue is full. Never blocks, never raises."""
        self._ensure_thread()
        try:
            self._queue.put_nowait((path, row))
        except queue.Full:
            self._count("queue_full", 1)
            return False
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every event queued before this call is written or dropped; False on timeout."""
        done = threading.Event()
        self._ensure_thread()
        try:
            self._queue.put((_FLUSH, done), timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)

    def counts(self) -> dict[str, int]:
        """Events ``written`` and dropped per reason (``REASONS``) since this recorder started."""
        with self._lock:
            return {"written": self._counts["written"], **{r: self._counts[r] for r in REASONS}}

    def _count(self, what: str, n: int) -> None:
        with self._lock:
            first = not self._counts[what]
            self._counts[what] += n
        if first and what != "written":
            log.warning("Usage events dropped (%s): the page still renders; the Usage page counts them.", what)

    def _ensure_thread(self) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="marquee-usage-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            items, waiters = self._collect()
            self._write(items)
            for waiter in waiters:
                waiter.set()

    def _collect(self) -> tuple[list, list]:
        """The next batch: block for its first event, then take more until it is full, its time is up or a
        flush asks for it; then whatever else is queued already, up to ``max_batch``."""
        items, waiters = [], []
        item = self._queue.get()
        deadline = time.monotonic() + self.interval
        while True:
            if item[0] is _FLUSH:
                waiters.append(item[1])
                return items, waiters
            items.append(item)
            remaining = deadline - time.monotonic()
            if len(items) >= self.batch_size or remaining <= 0:
                break
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
        while len(items) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item[0] is _FLUSH:
                waiters.append(item[1])
                break
            items.append(item)
        return items, waiters

    def _write(self, items: list) -> None:
        by_path: dict[Path, list[Row]] = {}
        for path, row in items:
            by_path.setdefault(path, []).append(row)
        for path, rows in by_path.items():
            reason = self._try_write(path, rows)
            self._count(reason or "written", len(rows))

    def _try_write(self, path: Path, rows: list[Row]) -> str:
        """"" when written, else the reason it was not (one retry when another process holds the lock)."""
        for attempt in range(2):
            try:
                self.writer(path, rows, config.usage_max_rows())
                return ""
            except Exception as exc:  # the store's trouble is counted, never raised into a page
                reason = failure_reason(exc)
                if reason != "locked" or attempt:
                    log.debug("Usage write to %s failed: %s", path, exc)
                    return reason
                time.sleep(0.05)
        return "locked"


_GUARD = threading.Lock()
_SHARED: list[Recorder] = []  # the process's one recorder (the only process-wide state here), made on first use


def recorder() -> Recorder:
    """The process's recorder: created, with a flush at interpreter exit, on first use."""
    if not _SHARED:
        with _GUARD:
            if not _SHARED:
                _SHARED.append(Recorder())
                atexit.register(_SHARED[0].flush, 2.0)
    return _SHARED[0]


def record(session: str, page: str, kind: str, name: str = "", value: str = "", ms: float | None = None) -> None:
    """Queue one event for the configured store, unless ``MARQUEE_USAGE`` is off. Never raises."""
    if not config.usage_enabled():
        return
    try:
        recorder().record(config.usage_store_path(), event(session, page, kind, name, value, ms))
    except Exception:  # building the row failed (a value that cannot be text): count it, carry on
        recorder()._count("error", 1)


def flush(timeout: float = 10.0) -> bool:
    """Write everything queued so far (tests and the benchmark call it; the writer does it on its own)."""
    return recorder().flush(timeout) if _SHARED else True


def dropped() -> dict[str, int]:
    """Events written and dropped per reason in this process (all zero before the first event)."""
    return recorder().counts() if _SHARED else {"written": 0, **{r: 0 for r in REASONS}}


def stamp(path: Path) -> str:
    """Changes whenever the store at ``path`` is written (its file's and its write-ahead log's size and time)."""
    parts = []
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            info = file.stat()
            parts.append(f"{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            parts.append("-")
    return "/".join(parts)


class StoreUnavailable(Exception):
    """The store exists but cannot be read now: ``reason`` is ``locked``, ``read_only``, ``damaged`` or ``error``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@contextmanager
def reading(path: Path, attempts: int = 3) -> Iterator[object | None]:
    """A DuckDB connection to read the store at ``path``, closed afterwards; None when nothing was recorded yet.

    Opened like the writer opens it (one process may hold one file under one configuration only), read-only
    where the folder is; a lock held by another process is retried ``attempts`` times, 0.1 s apart.

    Raises:
        StoreUnavailable: the file is locked, damaged or unreadable.
    """
    import duckdb

    if not path.exists():
        yield None
        return
    con = None
    for attempt in range(attempts):
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.Error as exc:
            reason = failure_reason(exc)
            if reason == "read_only":
                con = _read_only(path)
                break
            if reason != "locked":
                raise StoreUnavailable("damaged" if "not a valid" in str(exc).lower() else reason) from exc
            if attempt == attempts - 1:
                raise StoreUnavailable("locked") from exc
            time.sleep(0.1)
    try:
        has_table = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'events'"
                                ).fetchone()[0]
        yield con if has_table else None
    finally:
        con.close()


def _read_only(path: Path):
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise StoreUnavailable(failure_reason(exc)) from exc
