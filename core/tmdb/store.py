"""Persistence for the live TMDB source: raw pages, title records, details and genres in one DuckDB file.

Every row carries its fetch time (naive UTC), so a restarted sync skips what it already has, an interrupted one
resumes, and a refresh refetches only stale rows. ``TmdbStore.titles()`` maps the stored records to the
canonical titles frame (``schema.TITLE_COLUMNS``).

DuckDB connections are not thread safe: the store opens one database handle and gives each call its own
cursor; writes come from the sync's caller thread only. A DuckDB file takes one writer process at a time.
"""
from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

try:
    import fcntl
except ImportError:  # Windows: DuckDB's own file lock still keeps a second process out
    fcntl = None

from core import config
from core.data import schema
from core.tmdb.records import canonical_title, title_genres
from core.tmdb.reviews import REVIEW_DDL, ReviewPages

_DDL = """
CREATE TABLE IF NOT EXISTS pages (endpoint VARCHAR, page INTEGER, total_pages INTEGER, total_results BIGINT,
    title_keys VARCHAR[], payload VARCHAR, fetched_at TIMESTAMP, PRIMARY KEY (endpoint, page));
ALTER TABLE pages ADD COLUMN IF NOT EXISTS malformed INTEGER DEFAULT 0;
CREATE TABLE IF NOT EXISTS titles (title_key VARCHAR PRIMARY KEY, media_type VARCHAR, tmdb_id BIGINT,
    record VARCHAR, fetched_at TIMESTAMP, seq BIGINT);
CREATE TABLE IF NOT EXISTS details (title_key VARCHAR PRIMARY KEY, status VARCHAR, record VARCHAR,
    fetched_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS genres (media_type VARCHAR, genre_id INTEGER, name VARCHAR, fetched_at TIMESTAMP,
    PRIMARY KEY (media_type, genre_id));
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
"""
_TABLES = ("pages", "titles", "details", "genres", "meta", "review_pages")


def utcnow() -> datetime:
    """Current time as naive UTC (the store's timestamp convention)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class StoredPage:
    """What the sync needs to know about a stored list page."""

    total_pages: int
    title_keys: tuple[str, ...]
    fetched_at: datetime


@dataclass(frozen=True)
class PageItems:
    """A list page's results split into titles, people (trending/all lists people too) and malformed results
    (not an object, no integer id or an unknown media type), which are counted, never silently dropped."""

    titles: list[tuple[str, dict]]
    people: int = 0
    malformed: int = 0


def split_page(endpoint: str, payload: dict) -> PageItems:
    """The (media_type, result) pairs of a list page, and how many results are people or malformed."""
    default = "tv" if "/tv" in endpoint else "movie"
    out, people, malformed = [], 0, 0
    results = payload.get("results")
    for item in results if isinstance(results, list) else []:
        media = (item.get("media_type") or default) if isinstance(item, dict) else None
        if media in schema.MEDIA_TYPES and isinstance(item.get("id"), int) and not isinstance(item["id"], bool):
            out.append((media, item))
        elif media == "person":
            people += 1
        else:
            malformed += 1
    return PageItems(out, people, malformed)


def page_items(endpoint: str, payload: dict) -> list[tuple[str, dict]]:
    """(media_type, result) pairs of a list page (see ``split_page`` for what is left out and counted)."""
    return split_page(endpoint, payload).titles


class TmdbSyncBusy(OSError):
    """Another sync or refresh is writing to this store (this process or another one)."""


class TmdbStoreDamaged(OSError):
    """The DuckDB file exists but cannot be read as a database (cut short, overwritten, not DuckDB)."""


_DAMAGE = (duckdb.IOException, duckdb.SerializationException, duckdb.InternalException)


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def move_aside(path: str | Path) -> Path:
    """Rename a damaged store to ``<name>.damaged-<UTC time>`` next to it (kept for inspection); the next sync
    starts a new one. Returns the new path."""
    path = Path(path)
    target = path.with_name(f"{path.name}.damaged-{utcnow():%Y%m%dT%H%M%SZ}")
    path.rename(target)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        wal.rename(target.with_name(target.name + ".wal"))
    return target


def problem(path: str | Path) -> str:
    """Why the store at ``path`` cannot be used ("" when it is usable or absent)."""
    if not Path(path).exists():
        return ""
    try:
        with TmdbStore(path) as store:  # read what the app reads, so a file cut short is found too
            store.count(), store.titles(), store.page_index(), store.last_attempt()
    except OSError as exc:  # damaged (TmdbStoreDamaged) or in use by another process
        return str(exc)
    except duckdb.Error as exc:  # the header opened, a table did not
        return f"The TMDB cache file {Path(path).name} is damaged and cannot be read ({type(exc).__name__})."
    return ""


class TmdbStore(ReviewPages):
    """TMDB cache in a DuckDB file.

    Args:
        path: database file; default ``config.cache_dir() / "tmdb.duckdb"``. Created on first use.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else config.cache_dir() / "tmdb.duckdb"
        self._db: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TmdbStore({str(self.path)!r})"

    def __enter__(self) -> "TmdbStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release the database file (another process can then write to it)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """Open the file and create the tables; a locked file and a damaged one raise different errors."""
        db = None
        try:
            db = duckdb.connect(str(self.path))
            db.execute(_DDL + REVIEW_DDL)
            return db
        except duckdb.Error as exc:
            if db is not None:
                db.close()
            first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            if _is_lock_error(exc):
                raise OSError(f"The TMDB cache {self.path.name} is in use by another process (one writer at a "
                              f"time): {first}") from exc
            raise TmdbStoreDamaged(f"The TMDB cache file {self.path.name} is damaged and cannot be read "
                                   f"({type(exc).__name__}).") from exc

    @contextmanager
    def sync_lock(self) -> Iterator[None]:
        """Held for the whole of a sync or refresh, so that two at once (two sessions of the app, the app and the
        CLI) cannot both write the store: the second raises ``TmdbSyncBusy`` at once instead of waiting. An
        ``flock`` on ``<store>.lock``: per open file, so it also works between threads, and a killed process
        releases it."""
        if fcntl is None:
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise TmdbSyncBusy(f"Another TMDB sync is already running on {self.path.name}; wait for it to "
                                   "finish.") from None
            yield
        finally:
            os.close(fd)  # closing the file releases the lock

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            if self._db is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = self._connect()
            cur = self._db.cursor()
        try:
            yield cur
        except _DAMAGE as exc:  # a block that cannot be read: the file is damaged, not busy
            if _is_lock_error(exc):
                raise
            raise TmdbStoreDamaged(f"The TMDB cache file {self.path.name} is damaged and cannot be read "
                                   f"({type(exc).__name__}).") from exc
        finally:
            cur.close()

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._cursor() as cur:
            cur.begin()
            try:
                yield cur
            except BaseException:
                cur.rollback()
                raise
            cur.commit()

    # -- reads ------------------------------------------------------------------------------------
    def count(self) -> int:
        """Number of unique titles stored."""
        with self._cursor() as cur:
            return cur.execute("SELECT count(*) FROM titles").fetchall()[0][0]

    def last_sync(self) -> datetime | None:
        """When the last *complete* sync or refresh finished (aware UTC), or None if never.

        A partial or cancelled run does not move it: see ``last_attempt`` for that run and what it lost.
        """
        with self._cursor() as cur:
            rows = cur.execute("SELECT value FROM meta WHERE key = 'last_sync'").fetchall()
        return datetime.fromisoformat(rows[0][0]).replace(tzinfo=timezone.utc) if rows else None

    def last_attempt(self) -> dict:
        """The last sync or refresh, complete or not: ``{"at": iso UTC, "complete", "pages_lost",
        "details_lost", "cancelled", "aborted"}``, or {} if none was recorded."""
        with self._cursor() as cur:
            rows = cur.execute("SELECT value FROM meta WHERE key = 'last_attempt'").fetchall()
        return json.loads(rows[0][0]) if rows else {}

    def findings(self) -> list[schema.Finding]:
        """What the stored pages held that could not become titles: malformed results, per list page."""
        with self._cursor() as cur:
            rows = cur.execute("SELECT endpoint, page, malformed FROM pages WHERE malformed > 0 "
                               "ORDER BY endpoint, page").fetchall()
        if not rows:
            return []
        return [schema.Finding("titles", "results", "malformed list result left out (not an object, no integer "
                               "id or unknown media type)", count=sum(n for _, _, n in rows),
                               examples=tuple(f"{e} page {p}" for e, p, _ in rows[:20]))]

    def unnamed_genre_titles(self) -> int:
        """Titles with a genre id missing from the stored genre list (shown as 'Genre <id>').

        Reads only the genre fields (a sync calls it at its end: building ``titles()`` would cost 10x more)."""
        with self._cursor() as cur:
            rows = cur.execute("SELECT t.media_type, json_extract(t.record, '$.genre_ids'), "
                               "json_extract(d.record, '$.genres') FROM titles t "
                               "LEFT JOIN details d USING (title_key)").fetchall()
        names = self.genre_names()
        return sum(schema.has_unnamed_genre(title_genres(m, {"genre_ids": json.loads(i) if i else None},
                                                         {"genres": json.loads(g)} if g else None, names))
                   for m, i, g in rows)

    def page_index(self) -> dict[tuple[str, int], StoredPage]:
        """Every stored list page: (endpoint, page) -> total pages, title keys, fetch time."""
        with self._cursor() as cur:
            rows = cur.execute("SELECT endpoint, page, total_pages, title_keys, fetched_at FROM pages").fetchall()
        return {(e, p): StoredPage(t, tuple(k), f) for e, p, t, k, f in rows}

    def genre_names(self) -> dict[tuple[str, int], str]:
        """(media_type, genre id) -> genre name."""
        with self._cursor() as cur:
            rows = cur.execute("SELECT media_type, genre_id, name FROM genres").fetchall()
        return {(m, i): n for m, i, n in rows}

    def stale_genres(self, before: datetime) -> list[str]:
        """Media types whose genre list is missing or was fetched before ``before``."""
        with self._cursor() as cur:
            fresh = {m for (m,) in cur.execute("SELECT DISTINCT media_type FROM genres WHERE fetched_at >= ?",
                                               [before]).fetchall()}
        return [m for m in schema.MEDIA_TYPES if m not in fresh]

    def stale_pages(self, before: datetime) -> list[tuple[str, int]]:
        """List pages fetched before ``before``, in endpoint/page order."""
        with self._cursor() as cur:
            return [tuple(r) for r in cur.execute("SELECT endpoint, page FROM pages WHERE fetched_at < ? "
                                                  "ORDER BY endpoint, page", [before]).fetchall()]

    def detail_keys(self, before: datetime | None = None) -> list[str]:
        """Title keys ("movie:550") without details, or (with ``before``) with details older than that."""
        sql = ("SELECT t.title_key FROM titles t LEFT JOIN details d USING (title_key) "
               "WHERE d.title_key IS NULL" + (" OR d.fetched_at < ?" if before else "") + " ORDER BY t.seq")
        with self._cursor() as cur:
            return [k for (k,) in cur.execute(sql, [before] if before else []).fetchall()]

    def titles(self) -> pd.DataFrame:
        """All stored titles as the canonical titles frame, in first-seen order."""
        with self._cursor() as cur:
            rows = cur.execute("SELECT t.media_type, t.record, d.record FROM titles t "
                               "LEFT JOIN details d USING (title_key) ORDER BY t.seq").fetchall()
        names = self.genre_names()
        records = [canonical_title(m, json.loads(r), json.loads(d) if d else None, names) for m, r, d in rows]
        frame = schema.conform(pd.DataFrame(records, columns=list(schema.TITLE_COLUMNS)), schema.TITLE_COLUMNS)
        return schema.add_findings(frame, self.findings())

    # -- writes -----------------------------------------------------------------------------------
    def save_genres(self, media_type: str, payload: dict, fetched_at: datetime) -> None:
        """Replace the genre list of one media type."""
        rows = [(media_type, g["id"], g["name"], fetched_at) for g in payload.get("genres") or []
                if isinstance(g, dict) and "id" in g and "name" in g]
        with self._transaction() as cur:
            cur.execute("DELETE FROM genres WHERE media_type = ?", [media_type])
            if rows:
                cur.executemany("INSERT INTO genres VALUES (?, ?, ?, ?)", rows)

    def save_pages(self, pages: list[tuple[str, int, dict, datetime]]) -> None:
        """Store raw list pages (endpoint, page, payload, fetch time) and upsert their titles, in one transaction."""
        if not pages:
            return
        page_rows, title_rows = [], {}
        for endpoint, page, payload, fetched_at in pages:
            split = split_page(endpoint, payload)
            items = split.titles
            keys = [f"{m}:{item['id']}" for m, item in items]
            page_rows.append((endpoint, page, int(payload.get("total_pages") or 0),
                              int(payload.get("total_results") or 0), keys, json.dumps(payload), fetched_at,
                              split.malformed))
            title_rows.update({k: (k, m, item["id"], json.dumps(item), fetched_at) for k, (m, item) in
                               zip(keys, items)})
        pages_df = pd.DataFrame(page_rows, columns=["endpoint", "page", "total_pages", "total_results",
                                                    "title_keys", "payload", "fetched_at", "malformed"])
        titles_df = pd.DataFrame(list(title_rows.values()),
                                 columns=["title_key", "media_type", "tmdb_id", "record", "fetched_at"])
        with self._transaction() as cur:
            start = cur.execute("SELECT coalesce(max(seq), 0) FROM titles").fetchall()[0][0]
            titles_df["seq"] = range(start + 1, start + 1 + len(titles_df))
            cur.register("pages_batch", pages_df)
            cur.register("titles_batch", titles_df)
            cur.execute("INSERT OR REPLACE INTO pages BY NAME SELECT * FROM pages_batch")
            cur.execute("INSERT INTO titles SELECT * FROM titles_batch ON CONFLICT (title_key) DO UPDATE "
                        "SET record = excluded.record, fetched_at = excluded.fetched_at")

    def save_details(self, rows: list[tuple[str, str, dict | None, datetime]]) -> None:
        """Upsert details: (title key, status "ok" or "not_found", payload or None, fetch time)."""
        if not rows:
            return
        df = pd.DataFrame([(k, s, json.dumps(p) if p is not None else None, t) for k, s, p, t in rows],
                          columns=["title_key", "status", "record", "fetched_at"]).drop_duplicates(
                              "title_key", keep="last")
        with self._transaction() as cur:
            cur.register("details_batch", df)
            cur.execute("INSERT OR REPLACE INTO details SELECT * FROM details_batch")

    def mark_synced(self, when: datetime, pages_lost: int = 0, details_lost: int = 0, cancelled: bool = False,
                    aborted: bool = False, review_pages_lost: int = 0) -> None:
        """Record the end of a sync or refresh. Only a complete one (nothing lost, not cancelled or aborted by
        an error) moves ``last_sync``; every one is kept as ``last_attempt`` with what it lost."""
        complete = not (pages_lost or details_lost or review_pages_lost or cancelled or aborted)
        attempt = {"at": when.replace(tzinfo=timezone.utc).isoformat(), "complete": complete,
                   "pages_lost": int(pages_lost), "details_lost": int(details_lost), "cancelled": bool(cancelled),
                   "aborted": bool(aborted), "review_pages_lost": int(review_pages_lost)}
        with self._transaction() as cur:
            if complete:
                cur.execute("INSERT OR REPLACE INTO meta VALUES ('last_sync', ?)", [when.isoformat()])
            cur.execute("INSERT OR REPLACE INTO meta VALUES ('last_attempt', ?)", [json.dumps(attempt)])

    def clear(self) -> None:
        """Delete everything stored (the file stays)."""
        with self._transaction() as cur:
            for table in _TABLES:
                cur.execute(f"DELETE FROM {table}")
