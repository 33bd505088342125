"""The TMDB sync's plan of list pages: which page to fetch next, in an order that depends on the data only.

``PageWalk`` goes round-robin over the list endpoints, page by page, until a target of unique titles is seen;
``Job`` is one request the sync's workers make (a list page, a genre list, details or a page of reviews).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

#: List endpoints walked round-robin, page by page (trending/all covers trending movie and tv).
LIST_ENDPOINTS = ("/movie/popular", "/tv/popular", "/movie/top_rated", "/tv/top_rated", "/discover/movie",
                  "/discover/tv", "/movie/now_playing", "/tv/on_the_air", "/movie/upcoming", "/tv/airing_today",
                  "/trending/all/week", "/trending/all/day")
MAX_PAGES = 500  # TMDB serves no list page beyond 500
PAGE_SIZE = 20
#: Accounted pages whose new titles estimate what a page still out will add (two rounds of the endpoints).
YIELD_PAGES = 2 * len(LIST_ENDPOINTS)


@dataclass
class Job:
    path: str
    page: int | None = None
    key: str | None = None  # title key of a details or reviews job
    seq: int = 0
    params: dict = field(default_factory=dict)
    kind: str = ""  # "reviews" for a page of a title's reviews; list pages, genres and details are told by path


class PageWalk:
    """Round-robin over the list endpoints, page by page, until ``target`` unique titles are seen.

    Pages are accounted in the order they were planned and each new page is planned from the accounted
    prefix only, so which pages a sync fetches depends on the data, never on timing: runs with and without
    transient faults fetch the same pages. Near the target, a page still out is expected to add as many new
    titles as the last ``YIELD_PAGES`` accounted pages did on average (lists overlap, so far fewer than 20):
    planning stops when that would reach the target, so the last pages go out together instead of in a
    trickle of small rounds, each waiting a whole round trip.
    """

    def __init__(self, target: int, window: int) -> None:
        self.target, self.window = target, window
        self.next_page = {e: 1 for e in LIST_ENDPOINTS}
        self.total: dict[str, int] = {}
        self.seen: set[str] = set()
        self.ready: dict[int, tuple[Job, tuple[str, ...], int | None]] = {}
        self.planned = self.accounted = self._turn = 0
        self._yields: deque[int] = deque(maxlen=YIELD_PAGES)
        self.finished = target <= 0
        self.exhausted = False

    def plan(self) -> Job | None:
        """The next page to fetch, or None when the window is full or the walk is over."""
        outstanding = self.planned - self.accounted
        # Stop planning when the pages out are expected to reach the target.
        if self.finished or outstanding >= self.window or len(self.seen) + self.expected_yield() * outstanding \
                >= self.target:
            return None
        for _ in LIST_ENDPOINTS:
            endpoint = LIST_ENDPOINTS[self._turn % len(LIST_ENDPOINTS)]
            self._turn += 1
            page = self.next_page[endpoint]
            if page <= min(self.total.get(endpoint, MAX_PAGES), MAX_PAGES):
                self.next_page[endpoint] = page + 1
                self.planned += 1
                return Job(endpoint, page, seq=self.planned - 1, params={"page": page})
        self.finished = self.exhausted = True
        return None

    def complete(self, job: Job, keys: tuple[str, ...], total_pages: int | None) -> None:
        self.ready[job.seq] = (job, keys, total_pages)

    def account(self) -> Job | None:
        """Account the next planned page if it is back; returns it, or None."""
        if self.accounted not in self.ready:
            return None
        job, keys, total_pages = self.ready.pop(self.accounted)
        self.accounted += 1
        before = len(self.seen)
        self.seen.update(keys)
        self._yields.append(len(self.seen) - before)
        if total_pages is not None:
            self.total[job.path] = total_pages
        self.finished = self.finished or len(self.seen) >= self.target
        return job

    def expected_yield(self) -> float:
        """New titles a page still out is expected to add: the recent average, at least 1 (a page), at most 20."""
        if not self._yields:
            return float(PAGE_SIZE)
        return min(float(PAGE_SIZE), max(1.0, sum(self._yields) / len(self._yields)))
