"""Live TMDB (v3 API) source: an HTTP client with rate limiting and retries, a concurrent sync into
``TmdbStore`` (DuckDB), and a CLI: ``python -m core.tmdb sync [--target N] [--details] ...``.

The client owns a bounded thread pool whose workers only make requests; the calling thread stores results and
reports progress. One rate limiter is shared by all workers. A page that still fails after the retries is
listed in the ``SyncReport`` (never silently dropped); a bad key raises ``TmdbAuthError`` at once and an
unreachable server ``TmdbUnavailable``. The key never appears in logs, exceptions or reports.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from core import config
from core.tmdb_store import TmdbStore, page_items

__all__ = ["Credentials", "SyncReport", "TmdbAuthError", "TmdbCancelled", "TmdbClient", "TmdbError",
           "TmdbNotFound", "TmdbStore", "TmdbUnavailable", "credentials_from_env", "make_session", "refresh",
           "sync"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
_SECRET_PATTERNS = (re.compile(r"(api_key=)[^&\s'\"]+"), re.compile(r"(Bearer\s+)[^\s'\"]+"))
_URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry")


class TmdbError(Exception):
    """Any TMDB failure. Messages never contain the key."""


class TmdbAuthError(TmdbError):
    """TMDB rejected the credentials (HTTP 401). Not retried."""


class TmdbUnavailable(TmdbError):
    """TMDB could not be reached or kept failing after every retry."""


class TmdbNotFound(TmdbError):
    """The resource does not exist (HTTP 404). Not retried."""


class TmdbCancelled(TmdbError):
    """The caller's cancel event was set."""


def redact(text: object) -> str:
    """``text`` as a string with ``api_key=...`` values and bearer tokens replaced by ``***``."""
    out = str(text)
    for pattern in _SECRET_PATTERNS:
        out = pattern.sub(r"\1***", out)
    return out


class _RedactFilter(logging.Filter):
    """Redacts keys in records of urllib3's loggers, which log request URLs (query string included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "api_key=" in message or "Bearer" in message:
            record.msg, record.args = redact(message), None
        return True


def _install_redaction() -> None:
    """Attach the redacting filter to urllib3's loggers once (idempotent)."""
    for name in _URLLIB3_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactFilter) for f in logger.filters):
            logger.addFilter(_RedactFilter())


@dataclass(frozen=True, repr=False)
class Credentials:
    """TMDB credentials: a v4 read access token (sent as a bearer header) or a v3 API key (query param).

    ``repr``/``str`` never show the secret.
    """

    api_key: str | None = field(default=None, repr=False)
    bearer_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not (self.api_key or self.bearer_token):
            raise ValueError("Credentials need an api_key or a bearer_token")

    @property
    def kind(self) -> str:
        """"bearer" when a token is set (preferred), else "api_key"."""
        return "bearer" if self.bearer_token else "api_key"

    def headers(self) -> dict[str, str]:
        """Headers that authenticate a request."""
        return {"Authorization": f"Bearer {self.bearer_token}"} if self.bearer_token else {}

    def params(self) -> dict[str, str]:
        """Query parameters that authenticate a request."""
        return {} if self.bearer_token else {"api_key": str(self.api_key)}

    def __repr__(self) -> str:
        return f"Credentials(kind={self.kind!r}, secret='***')"

    __str__ = __repr__


def credentials_from_env(env: Mapping[str, str] = os.environ) -> Credentials | None:
    """Credentials from ``TMDB_BEARER_TOKEN`` or ``TMDB_API_KEY`` (the token wins), or None if neither is set."""
    token = (env.get("TMDB_BEARER_TOKEN") or "").strip()
    key = (env.get("TMDB_API_KEY") or "").strip()
    return Credentials(api_key=key or None, bearer_token=token or None) if token or key else None


def make_session(credentials: Credentials | None, pool_size: int = 8) -> requests.Session:
    """A ``requests.Session`` with a connection pool of ``pool_size`` and the credentials applied.

    urllib3's own retries are off: ``TmdbClient`` retries with its rate limiter and backoff.
    """
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(1, pool_size), max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"Accept": "application/json", "User-Agent": "marquee-tmdb/1.0"})
    if credentials is not None:
        session.headers.update(credentials.headers())
        session.params = credentials.params()
    return session


class RateLimiter:
    """Request slots ``1/rps`` apart shared by all workers (thread safe); ``pause`` delays every slot.

    A slot is taken when the request actually goes out, not booked ahead: threads that wake up late (GIL,
    scheduler) cannot then fire together. Up to half an interval of lateness is caught up, so small wake-up
    delays do not lower the rate, and no two requests are ever closer than half an interval.
    """

    def __init__(self, rps: float) -> None:
        self.interval = 1.0 / rps if rps and rps > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self, cancel: threading.Event | None = None) -> None:
        """Wait for the next free slot and take it."""
        while True:
            with self._lock:
                now = time.monotonic()
                if now >= self._next:
                    self._next = max(self._next + self.interval, now + 0.5 * self.interval)
                    return
                wait = self._next - now
            _sleep(wait, cancel)

    def pause(self, seconds: float) -> None:
        """No slot before ``seconds`` from now (server said ``Retry-After``)."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + seconds)


def _sleep(seconds: float, cancel: threading.Event | None) -> None:
    if seconds <= 0:
        return
    if cancel is None:
        time.sleep(seconds)
    elif cancel.wait(seconds):
        raise TmdbCancelled("cancelled")


@dataclass
class _Failure:
    """A retryable failure of one attempt."""

    reason: str
    retry_after: float | None = None
    connect: bool = False  # could not connect at all


class TmdbClient:
    """TMDB v3 client: shared rate limiter, retries with backoff and jitter, a bounded worker pool.

    Args:
        session: HTTP session (see ``make_session``); the test seam together with ``base_url``.
        base_url: API root, e.g. ``config.tmdb_base_url()`` or a fake server's URL.
        credentials: sent with every request (also fine if the session already carries them).
        rps: requests a second for all workers together; default ``config.tmdb_rps()``.
        workers: threads making requests.
        timeout: seconds per request (connect and read).
        max_retries: retries after the first attempt (429, 5xx, timeouts, connection errors, broken JSON).
        backoff: first backoff in seconds, doubled each retry, with jitter, capped at ``max_backoff``.
    """

    def __init__(self, session: requests.Session, base_url: str, credentials: Credentials | None = None, *,
                 rps: float | None = None, workers: int = 8, timeout: float = 10.0, max_retries: int = 5,
                 backoff: float = 0.5, max_backoff: float = 30.0) -> None:
        self.session, self.base_url, self.credentials = session, base_url.rstrip("/"), credentials
        self.rps = config.tmdb_rps() if rps is None else float(rps)
        self.workers, self.timeout, self.max_retries = max(1, int(workers)), timeout, max(0, int(max_retries))
        self.backoff, self.max_backoff = backoff, max_backoff
        self.limiter = RateLimiter(self.rps)
        self._stats = {"requests": 0, "retries": 0, "rate_limited": 0}
        self._stats_lock = threading.Lock()
        _install_redaction()

    def __repr__(self) -> str:
        return (f"TmdbClient({self.host!r}, {self.credentials!r}, rps={self.rps}, workers={self.workers}, "
                f"timeout={self.timeout}, max_retries={self.max_retries})")

    @property
    def host(self) -> str:
        """Host and port of the base URL (for messages)."""
        return urlsplit(self.base_url).netloc

    @property
    def stats(self) -> dict[str, int]:
        """Counters since creation: requests (attempts), retries, rate_limited (429s)."""
        with self._stats_lock:
            return dict(self._stats)

    def _count(self, name: str) -> None:
        with self._stats_lock:
            self._stats[name] += 1

    def check(self) -> None:
        """Validate credentials and reachability with one cheap request (the movie genre list).

        Raises:
            TmdbAuthError: the key or token was rejected.
            TmdbUnavailable: TMDB could not be reached.
        """
        self.get_json("/genre/movie/list", retries=min(self.max_retries, 1))

    def get_json(self, path: str, params: Mapping[str, object] | None = None,
                 cancel: threading.Event | None = None, retries: int | None = None) -> dict:
        """GET ``base_url + path`` and return the JSON object, retrying transient failures.

        Raises:
            TmdbAuthError: HTTP 401 (at once). TmdbNotFound: HTTP 404. TmdbError: other 4xx.
            TmdbUnavailable: still failing after the retries. TmdbCancelled: ``cancel`` was set.
        """
        retries = self.max_retries if retries is None else retries
        what = _describe(path, params)
        for attempt in range(retries + 1):
            if cancel is not None and cancel.is_set():
                raise TmdbCancelled("cancelled")
            self.limiter.acquire(cancel)
            data, failure = self._attempt(path, params, what)
            if failure is None:
                return data
            if attempt == retries:
                break
            self._count("retries")
            delay = self._delay(attempt, failure)
            log.debug("TMDB %s: %s; retry %d/%d in %.2fs", what, failure.reason, attempt + 1, retries, delay)
            _sleep(delay, cancel)
        if failure.connect:
            raise TmdbUnavailable(f"TMDB is unreachable at {self.host}: {failure.reason}")
        raise TmdbUnavailable(f"TMDB {what} failed after {retries + 1} attempts: {failure.reason}")

    def _attempt(self, path: str, params: Mapping[str, object] | None, what: str) -> tuple[dict | None,
                                                                                           _Failure | None]:
        """One request. Returns (data, None) or (None, retryable failure); raises on final answers."""
        query = {**(self.credentials.params() if self.credentials else {}), **(params or {})}
        headers = self.credentials.headers() if self.credentials else {}
        self._count("requests")
        try:
            resp = self.session.get(self.base_url + path, params=query, headers=headers, timeout=self.timeout)
        except requests.ConnectTimeout:
            return None, _Failure("connect timed out", connect=True)
        except requests.Timeout:
            return None, _Failure("timed out")
        except requests.ConnectionError as exc:
            refused = "Failed to establish a new connection" in str(exc) or "NameResolution" in str(exc)
            return None, _Failure(_cause(exc), connect=refused)
        except requests.RequestException as exc:
            return None, _Failure(f"{type(exc).__name__}: {_cause(exc)}")
        if resp.status_code == 200:
            try:
                data = resp.json()
            except ValueError:
                return None, _Failure("broken JSON")
            return (data, None) if isinstance(data, dict) else (None, _Failure("JSON is not an object"))
        return None, self._http_failure(resp, what)

    def _http_failure(self, resp: requests.Response, what: str) -> _Failure:
        """Classify an error status: retryable failure, or raise for final ones."""
        status = resp.status_code
        if status == 429:
            self._count("rate_limited")
            return _Failure("HTTP 429 (rate limited)", retry_after=_retry_after(resp))
        if status >= 500:
            return _Failure(f"HTTP {status}")
        message = _status_message(resp)
        if status == 401:
            raise TmdbAuthError(f"TMDB rejected the credentials (HTTP 401: {message}). "
                                "Check TMDB_API_KEY / TMDB_BEARER_TOKEN.")
        if status == 404:
            raise TmdbNotFound(f"TMDB {what}: not found")
        raise TmdbError(f"TMDB {what}: HTTP {status}: {message}")

    def _delay(self, attempt: int, failure: _Failure) -> float:
        """Seconds to wait before the next attempt: ``Retry-After`` (shared by all workers) or backoff."""
        if failure.retry_after is not None:
            self.limiter.pause(failure.retry_after)
            return failure.retry_after * random.uniform(1.0, 1.1)
        cap = min(self.max_backoff, self.backoff * 2 ** attempt)
        return random.uniform(cap / 2, cap)


def _describe(path: str, params: Mapping[str, object] | None) -> str:
    page = (params or {}).get("page")
    return f"{path} page {page}" if page is not None else path


def _cause(exc: BaseException) -> str:
    """The OS-level reason of a connection error ("Connection refused"), or a short redacted message."""
    match = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", str(exc))
    return match.group(1).strip() if match else redact(exc)[:200]


def _status_message(resp: requests.Response) -> str:
    try:
        return redact(resp.json().get("status_message", ""))[:200]
    except (ValueError, AttributeError):
        return ""


def _retry_after(resp: requests.Response) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or HTTP date), clamped to [0, 120]; None if absent."""
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(120.0, max(0.0, seconds))


# -- sync --------------------------------------------------------------------------------------------------
#: List endpoints walked round-robin, page by page (trending/all covers trending movie and tv).
LIST_ENDPOINTS = ("/movie/popular", "/tv/popular", "/movie/top_rated", "/tv/top_rated", "/discover/movie",
                  "/discover/tv", "/movie/now_playing", "/tv/on_the_air", "/movie/upcoming", "/tv/airing_today",
                  "/trending/all/week", "/trending/all/day")
MAX_PAGES = 500  # TMDB serves no list page beyond 500
PAGE_SIZE = 20
DETAILS_APPEND = "keywords"
_FLUSH_SECONDS = 0.5


@dataclass
class SyncReport:
    """What a sync or refresh did. ``partial`` is True when anything was lost or the run was cancelled."""

    target: int = 0
    pages_requested: int = 0
    pages_ok: int = 0
    pages_lost: int = 0
    pages_cached: int = 0
    lost_pages: list[dict] = field(default_factory=list)  # {"endpoint", "page", "error"}; details: page None
    details_requested: int = 0
    details_ok: int = 0
    details_lost: int = 0
    titles: int = 0
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    exhausted: bool = False  # every list ran out before the target

    @property
    def partial(self) -> bool:
        return bool(self.pages_lost or self.details_lost or self.cancelled)

    def as_dict(self) -> dict:
        """Plain dict (JSON-ready), with ``partial`` and ``requests_per_second``."""
        out = {k: v for k, v in self.__dict__.items()}
        rps = self.requests / self.seconds if self.seconds else 0.0
        return {**out, "seconds": round(self.seconds, 3), "partial": self.partial,
                "requests_per_second": round(rps, 2)}

    def as_json(self) -> str:
        return json.dumps(self.as_dict())


@dataclass
class _Job:
    path: str
    page: int | None = None
    key: str | None = None  # title key for a details job
    seq: int = 0
    params: dict = field(default_factory=dict)


class _Run:
    """One sync's machinery: the worker pool, in-flight futures, buffered writes and counters.

    Workers only run ``client.get_json``; everything else (store writes, progress) happens in the caller thread.
    """

    def __init__(self, client: TmdbClient, store: TmdbStore, report: SyncReport,
                 progress: Progress | None, cancel: threading.Event | None) -> None:
        self.client, self.store, self.report, self.progress, self.cancel = client, store, report, progress, cancel
        self.stop = threading.Event()  # set on cancel or abort; workers watch it
        self.pool = ThreadPoolExecutor(client.workers, thread_name_prefix="tmdb")
        self.pending: dict[Future, _Job] = {}
        self.pages: list = []
        self.details: list = []
        self.genres: list = []
        self.flushed_at = time.monotonic()
        self.failures_in_a_row = 0
        self.start_stats = client.stats

    def submit(self, job: _Job) -> None:
        self.pending[self.pool.submit(self.client.get_json, job.path, job.params, self.stop)] = job

    def outcomes(self) -> list[tuple[_Job, dict | TmdbError]]:
        """Wait for at least one finished request; returns (job, payload or error). Raises TmdbAuthError."""
        if self.cancel is not None and self.cancel.is_set() and not self.stop.is_set():
            self.stop.set()
            self.report.cancelled = True
        done, _ = wait(self.pending, timeout=0.2, return_when=FIRST_COMPLETED)
        out = []
        for future in done:
            job, error = self.pending.pop(future), future.exception()
            if isinstance(error, TmdbAuthError):
                raise error
            if error is not None and not isinstance(error, TmdbError):
                raise error
            out.append((job, error if error is not None else future.result()))
        return out

    def lost(self, job: _Job, error: TmdbError) -> None:
        """Record a job that failed for good; abort if TMDB stopped answering altogether."""
        log.warning("TMDB %s lost: %s", _describe(job.path, {"page": job.page}), error)
        self.report.lost_pages.append({"endpoint": job.path, "page": job.page, "error": str(error)})
        self.failures_in_a_row += 1
        if isinstance(error, TmdbUnavailable) and self.failures_in_a_row >= max(8, 2 * self.client.workers):
            raise TmdbUnavailable(f"TMDB stopped answering ({self.failures_in_a_row} requests in a row failed; "
                                  f"last: {error}). What was fetched is saved; run the sync again to resume.")

    def flush(self, force: bool = False) -> None:
        """Write buffered pages and details (batched: DuckDB statements cost milliseconds each)."""
        if force or time.monotonic() - self.flushed_at >= _FLUSH_SECONDS:
            for media, payload, fetched_at in self.genres:
                self.store.save_genres(media, payload, fetched_at)
            self.store.save_pages(self.pages)
            self.store.save_details(self.details)
            self.pages, self.details, self.genres, self.flushed_at = [], [], [], time.monotonic()

    def tell(self, done: int, total: int, message: str) -> None:
        if self.progress is not None:
            self.progress(done, total, message)

    def close(self, started: float) -> SyncReport:
        """Stop the pool, write what is buffered and fill in the totals."""
        self.stop.set()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.flush(force=True)
        stats = self.client.stats
        for name in ("requests", "retries", "rate_limited"):
            setattr(self.report, name, stats[name] - self.start_stats[name])
        self.report.titles = self.store.count()
        self.report.seconds = time.monotonic() - started
        return self.report


class _PageWalk:
    """Round-robin over the list endpoints, page by page, until ``target`` unique titles are seen.

    Pages are accounted in the order they were planned and each new page is planned from the accounted
    prefix only, so which pages a sync fetches depends on the data, never on timing: runs with and without
    transient faults fetch the same pages.
    """

    def __init__(self, target: int, window: int) -> None:
        self.target, self.window = target, window
        self.next_page = {e: 1 for e in LIST_ENDPOINTS}
        self.total: dict[str, int] = {}
        self.seen: set[str] = set()
        self.ready: dict[int, tuple[_Job, tuple[str, ...], int | None]] = {}
        self.planned = self.accounted = self._turn = 0
        self.finished = target <= 0
        self.exhausted = False

    def plan(self) -> _Job | None:
        """The next page to fetch, or None when the window is full or the walk is over."""
        outstanding = self.planned - self.accounted
        # Stop planning when the pages out would reach the target even if every title on them were new.
        if self.finished or outstanding >= self.window or len(self.seen) + PAGE_SIZE * outstanding >= self.target:
            return None
        for _ in LIST_ENDPOINTS:
            endpoint = LIST_ENDPOINTS[self._turn % len(LIST_ENDPOINTS)]
            self._turn += 1
            page = self.next_page[endpoint]
            if page <= min(self.total.get(endpoint, MAX_PAGES), MAX_PAGES):
                self.next_page[endpoint] = page + 1
                self.planned += 1
                return _Job(endpoint, page, seq=self.planned - 1, params={"page": page})
        self.finished = self.exhausted = True
        return None

    def complete(self, job: _Job, keys: tuple[str, ...], total_pages: int | None) -> None:
        self.ready[job.seq] = (job, keys, total_pages)

    def account(self) -> _Job | None:
        """Account the next planned page if it is back; returns it, or None."""
        if self.accounted not in self.ready:
            return None
        job, keys, total_pages = self.ready.pop(self.accounted)
        self.accounted += 1
        self.seen.update(keys)
        if total_pages is not None:
            self.total[job.path] = total_pages
        self.finished = self.finished or len(self.seen) >= self.target
        return job


def sync(client: TmdbClient, store: TmdbStore, target: int = 10_000, details: bool = False,
         progress: Progress | None = None, cancel: threading.Event | None = None) -> SyncReport:
    """Fetch list pages until ``target`` unique titles are stored (resuming from the store), then details.

    Args:
        client: the TMDB client (its workers, rate limit and retries apply).
        store: where pages, titles and details are persisted; pages already stored are not refetched.
        target: unique (media type, id) titles wanted.
        details: also fetch details (runtime, budget, revenue) for titles that have none.
        progress: ``progress(done, total, message)``, called from this thread only.
        cancel: set it to stop early; the report then says ``cancelled`` and what was fetched is kept.

    Returns:
        The report; ``report.partial`` is True if pages were lost or the sync was cancelled.

    Raises:
        TmdbAuthError: credentials rejected. TmdbUnavailable: TMDB unreachable.
    """
    started = time.monotonic()
    run = _Run(client, store, SyncReport(target=target), progress, cancel)
    try:
        for media in store.stale_genres(datetime.min):  # fetched alongside the first pages
            run.submit(_Job(f"/genre/{media}/list", key=media))
        _walk_pages(run, target)
        if details and not run.stop.is_set():
            _fetch_details(run, store.detail_keys())
    finally:
        report = run.close(started)
    store.mark_synced(datetime.now(timezone.utc).replace(tzinfo=None))
    return report


def refresh(client: TmdbClient, store: TmdbStore, max_age: timedelta, details: bool = False,
            progress: Progress | None = None, cancel: threading.Event | None = None) -> SyncReport:
    """Refetch only what is older than ``max_age``: genre lists, list pages and (with ``details``) details.

    Args and raises as ``sync``.
    """
    started = time.monotonic()
    cutoff = datetime.now(timezone.utc).replace(tzinfo=None) - max_age
    run = _Run(client, store, SyncReport(), progress, cancel)
    try:
        jobs = [_Job(f"/genre/{media}/list", key=media) for media in store.stale_genres(cutoff)]
        jobs += [_Job(e, p, params={"page": p}) for e, p in store.stale_pages(cutoff)]
        _run_unordered(run, jobs)
        if details and not run.stop.is_set():
            _fetch_details(run, store.detail_keys(before=cutoff))
    finally:
        report = run.close(started)
    store.mark_synced(datetime.now(timezone.utc).replace(tzinfo=None))
    return report


def _walk_pages(run: _Run, target: int) -> None:
    """Plan, fetch and account list pages (see ``_PageWalk``); stored pages count without a request."""
    stored = run.store.page_index()
    walk = _PageWalk(target, window=4 * run.client.workers)
    while True:
        while True:  # plan up to the window first, then account one page: keeps planning timing-free
            while not run.stop.is_set() and (job := walk.plan()) is not None:
                if (hit := stored.get((job.path, job.page))) is not None:
                    run.report.pages_cached += 1
                    walk.complete(job, hit.title_keys, hit.total_pages)
                else:
                    run.report.pages_requested += 1
                    run.submit(job)
            if (job := walk.account()) is None:
                break
            run.tell(min(len(walk.seen), target), target, f"{job.path} page {job.page}")
        if not run.pending:
            break
        for job, outcome in run.outcomes():
            _on_outcome(run, job, outcome)
            if job.page is not None:
                walk.complete(job, *_page_keys(job, outcome))
        run.flush()
    run.flush(force=True)
    run.report.exhausted = walk.exhausted and len(walk.seen) < target


def _on_outcome(run: _Run, job: _Job, outcome: dict | TmdbError) -> None:
    """Record one finished request (caller thread): buffer it for the store, or count it as lost.

    Job kinds: list page (``page`` set), genre list (``key`` = media type), details (``key`` = "movie:550").
    """
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    is_details = job.page is None and ":" in (job.key or "")
    if isinstance(outcome, TmdbCancelled):
        return
    if isinstance(outcome, TmdbError) and not (is_details and isinstance(outcome, TmdbNotFound)):
        setattr(run.report, "details_lost" if is_details else "pages_lost",
                getattr(run.report, "details_lost" if is_details else "pages_lost") + 1)
        run.lost(job, outcome)
        return
    run.failures_in_a_row = 0
    if job.page is not None:
        run.report.pages_ok += 1
        run.pages.append((job.path, job.page, outcome, now))
    elif is_details:
        run.report.details_ok += 1
        found = not isinstance(outcome, TmdbNotFound)
        run.details.append((job.key, "ok" if found else "not_found", outcome if found else None, now))
    else:
        run.genres.append((job.key, outcome, now))


def _page_keys(job: _Job, outcome: dict | TmdbError) -> tuple[tuple[str, ...], int | None]:
    if isinstance(outcome, TmdbError):
        return (), None
    items = page_items(job.path, outcome)
    return tuple(f"{m}:{item['id']}" for m, item in items), _int_or_none(outcome.get("total_pages"))


def _fetch_details(run: _Run, keys: list[str]) -> None:
    """Details (``append_to_response``) for the given title keys; 404 is stored as not found."""
    jobs = [_Job(f"/{key.replace(':', '/')}", key=key, params={"append_to_response": DETAILS_APPEND})
            for key in keys]
    run.report.details_requested += len(jobs)
    _run_unordered(run, jobs)


def _run_unordered(run: _Run, jobs: list[_Job]) -> None:
    """Fetch ``jobs`` with at most ``2 * workers`` in flight; outcomes are recorded in this thread."""
    queue, done, limit = iter(jobs), 0, 2 * run.client.workers
    while True:
        while not run.stop.is_set() and len(run.pending) < limit and (job := next(queue, None)) is not None:
            run.submit(job)
        if not run.pending:
            return
        for job, outcome in run.outcomes():
            _on_outcome(run, job, outcome)
            done += 1
            run.tell(done, len(jobs), job.path if job.page is None else f"{job.path} page {job.page}")
        run.flush()


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None


# -- CLI ---------------------------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core.tmdb", description="Sync TMDB titles into the cache.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("sync", "refresh"):
        cmd = commands.add_parser(name)
        cmd.add_argument("--base-url", default=config.tmdb_base_url())
        cmd.add_argument("--workers", type=int, default=8)
        cmd.add_argument("--rps", type=float, default=config.tmdb_rps(), help="client requests/s (all workers)")
        cmd.add_argument("--timeout", type=float, default=10.0)
        cmd.add_argument("--max-retries", type=int, default=5)
        cmd.add_argument("--details", action="store_true", help="also fetch runtime/budget/revenue")
        cmd.add_argument("--cache-dir", default=None, help="directory of tmdb.duckdb (default: config)")
    commands.choices["sync"].add_argument("--target", type=int, default=10_000)
    commands.choices["refresh"].add_argument("--max-age-hours", type=float, default=24.0)
    return parser


def main(argv: list[str] | None = None) -> int:
    """CLI entry point. Progress goes to stderr; the last stdout line is the JSON report.

    Exit codes: 0 complete, 3 partial (pages lost or interrupted), 1 TMDB error, 2 no credentials / usage.
    """
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    credentials = credentials_from_env()
    if credentials is None:
        print(json.dumps({"ok": False, "error": "No TMDB credentials: set TMDB_BEARER_TOKEN or TMDB_API_KEY.",
                          "error_type": "MissingCredentials"}))
        return 2
    path = Path(args.cache_dir or config.cache_dir()) / "tmdb.duckdb"
    client = TmdbClient(make_session(credentials, args.workers), args.base_url, credentials, rps=args.rps,
                        workers=args.workers, timeout=args.timeout, max_retries=args.max_retries)
    cancel = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: cancel.set())  # Ctrl-C: stop cleanly, keep what was fetched
    try:
        with TmdbStore(path) as store:
            if args.command == "sync":
                report = sync(client, store, args.target, args.details, _printer(), cancel)
            else:
                report = refresh(client, store, timedelta(hours=args.max_age_hours), args.details, _printer(),
                                 cancel)
    except (TmdbError, OSError) as exc:  # OSError: the cache file is locked or not writable
        print(json.dumps({"ok": False, "error": redact(exc), "error_type": type(exc).__name__}))
        return 1
    print(json.dumps({"ok": not report.partial, "command": args.command, "db": str(path), **report.as_dict()}))
    return 3 if report.partial else 0


def _printer(every: float = 2.0) -> Progress:
    """A progress callback that prints to stderr at most every ``every`` seconds."""
    last = [0.0]

    def progress(done: int, total: int, message: str) -> None:
        if time.monotonic() - last[0] >= every or done >= total:
            last[0] = time.monotonic()
            print(f"{done}/{total} {message}", file=sys.stderr, flush=True)

    return progress


if __name__ == "__main__":
    sys.exit(main())
