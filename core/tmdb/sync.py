"""Concurrent TMDB sync into ``TmdbStore``: list pages until a target of unique titles, then details and reviews.

The client's bounded thread pool only makes requests; the calling thread stores results and reports progress.
Every request the sync gives up on (failed after the client's retries, cancelled, or still out when an error
aborts the run) is listed in the ``SyncReport``, never silently dropped, and every page the report counts as
fetched is in the store.
Pages already stored are not refetched, so an interrupted sync resumes; ``refresh`` refetches only stale data.
Reviews (optional) are paged per title (``core.tmdb.reviews``): page 1, then the pages it announces.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from core.tmdb import reviews as rv
from core.tmdb.client import (
    Progress,
    TmdbAuthError,
    TmdbCancelled,
    TmdbClient,
    TmdbError,
    TmdbNotFound,
    TmdbUnavailable,
    describe,
    redact,
)
from core.tmdb.store import TmdbStore, page_items, split_page
from core.tmdb.walk import Job, PageWalk

log = logging.getLogger(__name__)
DETAILS_APPEND = "keywords"
_FLUSH_SECONDS = 0.5
#: Fewest list pages planned ahead: covers a hung page's read timeout at TMDB's rate (independent of the rate,
#: so that which pages a sync fetches stays a function of the data).
_MIN_WINDOW = 64


@dataclass
class SyncReport:
    """What a sync or refresh did. ``partial`` is True when anything was lost or the run was cancelled."""

    target: int = 0
    pages_requested: int = 0
    pages_ok: int = 0
    pages_lost: int = 0
    pages_cached: int = 0
    lost_pages: list[dict] = field(default_factory=list)  # {"endpoint", "page", "error"}: every request given up
    details_requested: int = 0
    details_ok: int = 0
    details_lost: int = 0
    titles: int = 0
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    results_malformed: int = 0  # list results that could not become a title (counted, see TmdbStore.findings)
    results_people: int = 0  # people in trending/all lists: not titles, left out
    unnamed_genre_titles: int = 0  # stored titles with a genre id the genre list does not name ("Genre <id>")
    seconds: float = 0.0
    cancelled: bool = False
    exhausted: bool = False  # every list ran out before the target
    review_titles: int = 0  # titles whose reviews were asked for (complete ones cost no request)
    review_pages_requested: int = 0
    review_pages_ok: int = 0
    review_pages_lost: int = 0  # listed in lost_pages with their /movie/<id>/reviews endpoint
    reviews: int = 0  # reviews stored, over every title
    reviews_malformed: int = 0  # review results without an id or text: counted, not stored as reviews

    @property
    def partial(self) -> bool:
        return bool(self.pages_lost or self.details_lost or self.review_pages_lost or self.cancelled)

    def as_dict(self) -> dict:
        """Plain dict (JSON-ready), with ``partial`` and ``requests_per_second``."""
        out = {k: v for k, v in self.__dict__.items()}
        rps = self.requests / self.seconds if self.seconds else 0.0
        return {**out, "seconds": round(self.seconds, 3), "partial": self.partial,
                "requests_per_second": round(rps, 2)}

    def as_json(self) -> str:
        return json.dumps(self.as_dict())


class _Run:
    """One sync's machinery: the worker pool, in-flight futures, buffered writes and counters.

    Workers only run ``client.get_json``; everything else (store writes, progress) happens in the caller thread.
    """

    def __init__(self, client: TmdbClient, store: TmdbStore, report: SyncReport,
                 progress: Progress | None, cancel: threading.Event | None) -> None:
        self.client, self.store, self.report, self.progress, self.cancel = client, store, report, progress, cancel
        self.stop = threading.Event()  # set on cancel or abort; workers watch it
        self.pool = ThreadPoolExecutor(client.workers, thread_name_prefix="tmdb")
        self.pending: dict[Future, Job] = {}
        self.pages: list = []
        self.details: list = []
        self.genres: list = []
        self.review_pages: list = []
        self.flushed_at = time.monotonic()
        self.failures_in_a_row = 0
        self.closing = False  # set once the run is over: no more aborts, only accounting
        self.start_stats = client.stats

    def submit(self, job: Job) -> None:
        self.pending[self.pool.submit(self.client.get_json, job.path, job.params, self.stop)] = job

    def outcomes(self) -> list[tuple[Job, dict | TmdbError]]:
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

    def lost(self, job: Job, error: TmdbError) -> None:
        """Record a job that failed for good; abort if TMDB stopped answering altogether."""
        log.warning("TMDB %s lost: %s", describe(job.path, {"page": job.page}), error)
        self.report.lost_pages.append({"endpoint": job.path, "page": job.page, "error": str(error)})
        self.failures_in_a_row += not isinstance(error, TmdbCancelled)
        if self.closing:
            return
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
            self.store.save_review_pages(self.review_pages)
            self.pages, self.details, self.genres, self.review_pages = [], [], [], []
            self.flushed_at = time.monotonic()

    def tell(self, done: int, total: int, message: str) -> None:
        if self.progress is not None:
            self.progress(done, total, message)

    def close(self, started: float) -> SyncReport:
        """Stop the pool, account what was still out (an abort leaves requests behind), write what is buffered
        and fill in the totals."""
        self.stop.set()
        self.closing = True
        self.pool.shutdown(wait=True, cancel_futures=True)
        for future, job in list(self.pending.items()):
            error = TmdbCancelled("not sent: the sync stopped") if future.cancelled() else future.exception()
            if error is not None and not isinstance(error, TmdbError):
                error = TmdbError(f"{type(error).__name__}: {redact(error)}")
            _on_outcome(self, job, error if error is not None else future.result())
        self.pending.clear()
        self.flush(force=True)
        stats = self.client.stats
        for name in ("requests", "retries", "rate_limited"):
            setattr(self.report, name, stats[name] - self.start_stats[name])
        self.report.titles = self.store.count()
        self.report.unnamed_genre_titles = self.store.unnamed_genre_titles() if self.report.titles else 0
        self.report.reviews = self.store.review_count()
        self.report.seconds = time.monotonic() - started
        return self.report

    def finish(self, started: float, ok: bool) -> SyncReport:
        """Close, then record the run in the store: only a complete one counts as the last sync."""
        report = self.close(started)
        try:
            self.store.mark_synced(datetime.now(timezone.utc).replace(tzinfo=None), report.pages_lost,
                                   report.details_lost, cancelled=report.cancelled, aborted=not ok,
                                   review_pages_lost=report.review_pages_lost)
        except Exception:  # noqa: BLE001 - an aborted run re-raises its own error; do not mask it
            if ok:
                raise
            log.exception("could not record the aborted TMDB run")
        return report


def sync(client: TmdbClient, store: TmdbStore, target: int = 10_000, details: bool = False,
         progress: Progress | None = None, cancel: threading.Event | None = None,
         reviews: bool = False) -> SyncReport:
    """Fetch list pages until ``target`` unique titles are stored (resuming from the store), then details.

    Args:
        client: the TMDB client (its workers, rate limit and retries apply).
        store: where pages, titles and details are persisted; pages already stored are not refetched.
        target: unique (media type, id) titles wanted.
        details: also fetch details (runtime, budget, revenue) for titles that have none.
        progress: ``progress(done, total, message)``, called from this thread only.
        cancel: set it to stop early; the report then says ``cancelled`` and what was fetched is kept.
        reviews: also fetch every stored title's reviews, skipping titles whose review pages are all stored.

    Returns:
        The report; ``report.partial`` is True if pages were lost or the sync was cancelled. Only a complete
        sync moves the store's ``last_sync``; every run, partial or not, is its ``last_attempt``.

    Raises:
        TmdbAuthError: credentials rejected. TmdbUnavailable: TMDB unreachable or stopped answering.
        TmdbSyncBusy: another sync or refresh is running on this store (nothing was done).
    """
    with store.sync_lock():
        return _sync(client, store, target, details, progress, cancel, reviews)


def _sync(client: TmdbClient, store: TmdbStore, target: int, details: bool, progress: Progress | None,
          cancel: threading.Event | None, reviews: bool) -> SyncReport:
    started, ok = time.monotonic(), False
    run = _Run(client, store, SyncReport(target=target), progress, cancel)
    try:
        for media in store.stale_genres(datetime.min):  # fetched alongside the first pages
            run.submit(Job(f"/genre/{media}/list", key=media))
        _walk_pages(run, target)
        if details and not run.stop.is_set():
            _fetch_details(run, store.detail_keys())
        if reviews and not run.stop.is_set():
            _fetch_reviews(run, store.review_title_keys())
        ok = True
    finally:
        report = run.finish(started, ok)
    return report


def refresh(client: TmdbClient, store: TmdbStore, max_age: timedelta, details: bool = False,
            progress: Progress | None = None, cancel: threading.Event | None = None,
            reviews: bool = False) -> SyncReport:
    """Refetch only what is older than ``max_age``: genre lists, list pages and (with ``details``, ``reviews``)
    details and review pages.

    Args and raises as ``sync``.
    """
    with store.sync_lock():
        return _refresh(client, store, max_age, details, progress, cancel, reviews)


def _refresh(client: TmdbClient, store: TmdbStore, max_age: timedelta, details: bool, progress: Progress | None,
             cancel: threading.Event | None, reviews: bool) -> SyncReport:
    started, ok = time.monotonic(), False
    cutoff = datetime.now(timezone.utc).replace(tzinfo=None) - max_age
    run = _Run(client, store, SyncReport(), progress, cancel)
    try:
        jobs = [Job(f"/genre/{media}/list", key=media) for media in store.stale_genres(cutoff)]
        jobs += [Job(e, p, params={"page": p}) for e, p in store.stale_pages(cutoff)]
        _run_unordered(run, jobs)
        if details and not run.stop.is_set():
            _fetch_details(run, store.detail_keys(before=cutoff))
        if reviews and not run.stop.is_set():
            _fetch_reviews(run, store.review_title_keys(), stale=store.stale_review_pages(cutoff))
        ok = True
    finally:
        report = run.finish(started, ok)
    return report


def _walk_pages(run: _Run, target: int) -> None:
    """Plan, fetch and account list pages (see ``PageWalk``); stored pages count without a request."""
    stored = run.store.page_index()
    walk = PageWalk(target, window=max(_MIN_WINDOW, 4 * run.client.workers))
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


def _on_outcome(run: _Run, job: Job, outcome: dict | TmdbError) -> None:
    """Record one finished request (caller thread): buffer it for the store, or count it as lost.

    Job kinds: list page (``page`` set), genre list (``key`` = media type), details (``key`` = "movie:550"),
    a page of reviews (``kind`` "reviews"; a 404 is stored as a title without reviews).
    """
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    is_details = job.page is None and ":" in (job.key or "")
    if job.kind == "reviews":
        return _on_review_page(run, job, outcome, now)
    if isinstance(outcome, TmdbError) and not (is_details and isinstance(outcome, TmdbNotFound)):
        setattr(run.report, "details_lost" if is_details else "pages_lost",
                getattr(run.report, "details_lost" if is_details else "pages_lost") + 1)
        run.lost(job, outcome)
        return
    run.failures_in_a_row = 0
    if job.page is not None:
        run.report.pages_ok += 1
        split = split_page(job.path, outcome)
        run.report.results_malformed += split.malformed
        run.report.results_people += split.people
        run.pages.append((job.path, job.page, outcome, now))
    elif is_details:
        run.report.details_ok += 1
        found = not isinstance(outcome, TmdbNotFound)
        run.details.append((job.key, "ok" if found else "not_found", outcome if found else None, now))
    else:
        run.genres.append((job.key, outcome, now))


def _on_review_page(run: _Run, job: Job, outcome: dict | TmdbError, now: datetime) -> None:
    if isinstance(outcome, TmdbError) and not isinstance(outcome, TmdbNotFound):
        run.report.review_pages_lost += 1
        run.lost(job, outcome)
        return
    run.failures_in_a_row = 0
    run.report.review_pages_ok += 1
    payload = None if isinstance(outcome, TmdbNotFound) else outcome
    run.report.reviews_malformed += rv.records(job.key, payload)[1]
    run.review_pages.append((job.key, job.page, payload, now))


def _page_keys(job: Job, outcome: dict | TmdbError) -> tuple[tuple[str, ...], int | None]:
    if isinstance(outcome, TmdbError):
        return (), None
    items = page_items(job.path, outcome)
    return tuple(f"{m}:{item['id']}" for m, item in items), _int_or_none(outcome.get("total_pages"))


def _fetch_details(run: _Run, keys: list[str]) -> None:
    """Details (``append_to_response``) for the given title keys; 404 is stored as not found."""
    jobs = [Job(f"/{key.replace(':', '/')}", key=key, params={"append_to_response": DETAILS_APPEND})
            for key in keys]
    run.report.details_requested += len(jobs)
    _run_unordered(run, jobs)


def _fetch_reviews(run: _Run, keys: list[str], stale: list[tuple[str, int]] = ()) -> None:
    """The review pages of ``keys`` not yet stored (``reviews.missing``) and the ``stale`` ones; a first page
    announces the title's other pages, fetched next unless stored. A page lost stays missing for the next run."""
    index = run.store.review_index()
    todo = list(dict.fromkeys([*rv.missing(index, keys), *stale]))
    planned = set(todo)
    run.report.review_titles += len({key for key, _ in todo})

    def follow(job: Job, outcome: dict | TmdbError) -> list[Job]:
        if job.kind != "reviews" or job.page != 1 or isinstance(outcome, TmdbError):
            return []
        have = index[job.key].pages if job.key in index else frozenset()
        more = [(job.key, p) for p in rv.wanted(rv.total_pages(outcome))[1:]
                if p not in have and (job.key, p) not in planned]
        planned.update(more)
        run.report.review_pages_requested += len(more)
        return [_review_job(key, page) for key, page in more]

    run.report.review_pages_requested += len(todo)
    _run_unordered(run, [_review_job(key, page) for key, page in todo], follow)


def _review_job(key: str, page: int) -> Job:
    return Job(rv.path(key), page, key=key, params={"page": page}, kind="reviews")


def _run_unordered(run: _Run, jobs: list[Job], follow=None) -> None:
    """Fetch ``jobs`` with at most ``2 * workers`` in flight; outcomes are recorded in this thread, and
    ``follow(job, outcome)`` may add jobs (a title's further review pages)."""
    queue, done, limit = deque(jobs), 0, 2 * run.client.workers
    total = len(queue)
    while True:
        while not run.stop.is_set() and len(run.pending) < limit and queue:
            run.submit(queue.popleft())
        if not run.pending:
            return
        for job, outcome in run.outcomes():
            _on_outcome(run, job, outcome)
            more = follow(job, outcome) if follow else []
            queue.extend(more)
            total, done = total + len(more), done + 1
            run.tell(done, total, job.path if job.page is None else f"{job.path} page {job.page}")
        run.flush()


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None

