"""A fake TMDB v3 HTTP server on 127.0.0.1 for tests and benchmarks.

Runs a stdlib ``ThreadingHTTPServer`` in a background thread on a free port and serves TMDB-shaped JSON
generated from a seeded RNG (synthetic fixture data, not real titles or reviews: review texts are stock phrases
whose tone follows the review's rating). It can misbehave on purpose: latency,
a server-side token-bucket rate limit (429 with ``Retry-After``), and random 5xx answers, truncated JSON and
hung requests (``hang_seconds`` without an answer, then the connection is closed), drawn from an RNG seeded with
``seed`` so a run's fault sequence is reproducible. Counters record what it served: every request, the useful
ones (a complete 200 body) and which (path, page) pairs were never answered usefully (``never_useful``).

Example:
    with FakeTmdb(latency=0.05, rate_limit=40) as server:
        client = TmdbClient(make_session(Credentials(api_key=server.api_key), 8), server.base_url, ...)
"""
from __future__ import annotations

import json
import math
import random
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PAGE_SIZE = 20
MAX_PAGES = 500

MOVIE_GENRES = {28: "Action", 12: "Adventure", 16: "Animation", 35: "Comedy", 80: "Crime", 99: "Documentary",
                18: "Drama", 10751: "Family", 14: "Fantasy", 36: "History", 27: "Horror", 10402: "Music",
                9648: "Mystery", 10749: "Romance", 878: "Science Fiction", 10770: "TV Movie", 53: "Thriller",
                10752: "War", 37: "Western"}
TV_GENRES = {10759: "Action & Adventure", 16: "Animation", 35: "Comedy", 80: "Crime", 99: "Documentary",
             18: "Drama", 10751: "Family", 10762: "Kids", 9648: "Mystery", 10763: "News", 10764: "Reality",
             10765: "Sci-Fi & Fantasy", 10766: "Soap", 10767: "Talk", 10768: "War & Politics", 37: "Western"}
GENRES = {"movie": MOVIE_GENRES, "tv": TV_GENRES}

#: List endpoint -> (media universe, big list?). Big lists get ``titles_per_list`` titles, small ones fewer.
LISTS = {
    "/movie/popular": ("movie", True), "/movie/top_rated": ("movie", True), "/discover/movie": ("movie", True),
    "/movie/now_playing": ("movie", False), "/movie/upcoming": ("movie", False),
    "/tv/popular": ("tv", True), "/tv/top_rated": ("tv", True), "/discover/tv": ("tv", True),
    "/tv/on_the_air": ("tv", False), "/tv/airing_today": ("tv", False),
    **{f"/trending/{m}/{w}": (m, False) for m in ("movie", "tv", "all") for w in ("day", "week")},
}

_WORDS_A = ("Silent", "Crimson", "Last", "Hidden", "Broken", "Golden", "Midnight", "Distant", "Savage", "Quiet",
            "Electric", "Frozen", "Secret", "Wild", "Lost", "Burning", "Hollow", "Iron", "Paper", "Velvet")
_WORDS_B = ("Harbor", "Kingdom", "Signal", "Garden", "Empire", "River", "Witness", "Orchard", "Frontier",
            "Machine", "Summer", "Letters", "Circus", "Island", "Verdict", "Horizon", "Station", "Dynasty")
#: Malformed results a ``junk`` page carries besides its titles: no id, a string id, a bare number.
JUNK_RESULTS = ({"title": "No id"}, {"id": "12", "title": "String id"}, 7)
_LANGS = ("en",) * 12 + ("fr", "es", "ja", "ko", "de", "hi", "it", "zh", "pt")
_DETAIL = re.compile(r"^/(movie|tv)/(\d+)$")
_REVIEWS = re.compile(r"^/(movie|tv)/(\d+)/reviews$")
#: Stock review phrases by tone (synthetic: written for these tests, not taken from real reviews).
REVIEW_PHRASES = {
    "positive": ("A wonderful, moving film with superb acting.", "Loved every minute, brilliant and funny.",
                 "Beautifully made and genuinely gripping. Highly recommended."),
    "negative": ("A boring, badly written mess. Awful.", "Terrible pacing and wooden acting; a waste of time.",
                 "Dull and disappointing from start to finish."),
    "mixed": ("Some good scenes, some slow ones.", "The cast is fine, the script less so.",
              "Watchable once, forgettable after."),
}
_GENRE_LIST = re.compile(r"^/genre/(movie|tv)/list$")


class TokenBucket:
    """Thread-safe token bucket: ``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._tokens, self._last = burst, time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take a token. Returns 0.0 on success, else the seconds until one is available."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        self.server.fake.handle(self)

    def log_message(self, *args) -> None:  # silence the per-request stderr line
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request, client_address) -> None:
        pass  # clients hang up on hung requests on purpose; nothing to report


class FakeTmdb:
    """Fake TMDB server, started on construction. Use as a context manager or call ``stop()``.

    Args:
        api_key: the valid v3 key (``api_key`` query parameter).
        bearer_token: the valid v4 token (``Authorization: Bearer``).
        latency: seconds each request waits before it is answered.
        rate_limit: requests a second allowed (token bucket), None = unlimited.
        burst: bucket size; default max(1, rate_limit / 10).
        retry_after: fixed ``Retry-After`` seconds; default the time to the next token, rounded up (>= 1).
        error_rate, truncate_rate, hang_rate: fractions of requests answered 5xx, with truncated JSON,
            or not answered for ``hang_seconds`` (then closed without an answer, so a hang is never counted as
            answered even when the client has long given up on it). Drawn after the rate limit: a fault uses a
            token, as it would on a real server.
        titles_per_list: titles in each big list (popular, top rated, discover); small lists get 1/25.
        omit_genres: genre ids left out of the genre lists (titles still carry them, as when TMDB adds a genre).
        max_reviews: most reviews a title has (``/movie/{id}/reviews``, 20 a page); about 40% of titles have none.
        seed: RNG seed for the data and the faults.

    Attributes such as ``error_rate``, ``broken`` and ``junk`` may be changed while the server runs. Counters
    include ``rate_limited`` (the 429s served), ``ok`` (200s, truncated ones included) and ``useful`` (200s with
    a complete body).
    """

    def __init__(self, *, api_key: str = "fake-api-key", bearer_token: str = "fake-bearer-token",
                 latency: float = 0.0, rate_limit: float | None = None, burst: float | None = None,
                 retry_after: int | None = None, error_rate: float = 0.0, truncate_rate: float = 0.0,
                 hang_rate: float = 0.0, hang_seconds: float = 3.0, titles_per_list: int = 10_000,
                 omit_genres: tuple[int, ...] = (), max_reviews: int = 45, seed: int = 0) -> None:
        self.api_key, self.bearer_token = api_key, bearer_token
        self.latency, self.retry_after, self.hang_seconds = latency, retry_after, hang_seconds
        self.error_rate, self.truncate_rate, self.hang_rate = error_rate, truncate_rate, hang_rate
        self.seed, self.max_reviews = seed, max_reviews
        #: (path, page) pairs that always answer 503 (page None for details); tests may edit it.
        self.broken: set[tuple[str, int | None]] = set()
        #: (path, page) list pages that also carry malformed results (JUNK_RESULTS); tests may edit it.
        self.junk: set[tuple[str, int]] = set()
        self.omit_genres = set(omit_genres)
        self.bucket = TokenBucket(rate_limit, burst or max(1.0, rate_limit / 10)) if rate_limit else None
        self._lock = threading.Lock()
        self._counters: Counter = Counter()
        self._hits: Counter = Counter()
        self._useful: set[tuple[str, int | None]] = set()  # (path, page) answered at least once with a full 200
        self._stopped = threading.Event()
        self.lists = _build_lists(seed, titles_per_list)
        self._known = {m: set().union(*(ids for p, ids in self.lists.items() if LISTS[p][0] == m))
                       for m in ("movie", "tv")}
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="fake-tmdb",
                                        daemon=True)
        self._thread.start()

    # -- lifecycle and inspection -------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """Base URL in the shape of the real one (``.../3``)."""
        return f"http://127.0.0.1:{self.port}/3"

    @property
    def counters(self) -> dict[str, int]:
        """Snapshot: requests, ok, useful, rate_limited, server_errors, truncated, hung, unauthorized, not_found."""
        with self._lock:
            return dict(self._counters)

    def hits(self, path: str, page: int | None = None) -> int:
        """How many requests arrived for ``path`` (and ``page`` for list endpoints)."""
        with self._lock:
            return self._hits[(path, page)]

    def hit_keys(self) -> dict[tuple[str, int | None], int]:
        """Every (path, page) requested so far with its request count."""
        with self._lock:
            return dict(self._hits)

    def never_useful(self) -> list[tuple[str, int | None]]:
        """(path, page) pairs requested but never answered with a complete 200 (404s and other final answers
        included: a client must report those it gave up on)."""
        with self._lock:
            return sorted((k for k in self._hits if k not in self._useful), key=lambda k: (k[0], k[1] or 0))

    def reset_counters(self) -> None:
        with self._lock:
            self._counters.clear()
            self._hits.clear()
            self._useful.clear()

    def stop(self) -> None:
        """Stop serving (idempotent); hung requests are released."""
        if not self._stopped.is_set():
            self._stopped.set()
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(5)

    def __enter__(self) -> "FakeTmdb":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- request handling ---------------------------------------------------------------------------
    def handle(self, req: BaseHTTPRequestHandler) -> None:
        """Answer one GET: auth, rate limit, injected faults, then the route."""
        url = urlsplit(req.path)
        path = url.path[2:] if url.path.startswith("/3/") else url.path
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        page = _int(query.get("page"), 1) if path in LISTS or _REVIEWS.match(path) else None
        attempt = self._count("requests", (path, page))
        if self.latency:
            time.sleep(self.latency)
        if not self._authorized(query, req.headers.get("Authorization", "")):
            self._count("unauthorized")
            return _send(req, 401, {"status_code": 7, "status_message": "Invalid API key", "success": False})
        if self.bucket and (wait := self.bucket.take()):
            self._count("rate_limited")
            seconds = self.retry_after if self.retry_after is not None else max(1, math.ceil(wait))
            return _send(req, 429, {"status_code": 25, "status_message": "Your request count is over the "
                                    "allowed limit.", "success": False}, {"Retry-After": str(seconds)})
        broken = (path, page) in self.broken
        fault = "error" if broken else self._draw_fault(path, page, attempt)
        if fault == "hang":
            self._count("hung")
            self._stopped.wait(self.hang_seconds)
            req.close_connection = True
            return None
        if fault == "error":
            self._count("server_errors")
            return _send(req, 503 if broken else random.choice((500, 502, 503, 504)),
                         {"status_code": 11, "status_message": "Internal error.", "success": False})
        status, payload = self.route(path, query)
        self._count("ok" if status == 200 else "not_found" if status == 404 else "bad_request")
        if fault == "truncate" and status == 200:
            self._count("truncated")
            return _send(req, status, payload, truncate=True)
        if _send(req, status, payload) and status == 200:
            with self._lock:
                self._counters["useful"] += 1
                self._useful.add((path, page))
        return None

    def route(self, path: str, query: dict[str, str]) -> tuple[int, dict]:
        """Status and JSON body for a path (no faults)."""
        if path in LISTS:
            return self._list_page(path, _int(query.get("page"), 1))
        if m := _GENRE_LIST.match(path):
            return 200, {"genres": [{"id": i, "name": n} for i, n in GENRES[m.group(1)].items()
                                    if i not in self.omit_genres]}
        if (m := _REVIEWS.match(path)) and int(m.group(2)) in self._known[m.group(1)]:
            return self._review_page(path, m.group(1), int(m.group(2)), _int(query.get("page"), 1))
        if (m := _DETAIL.match(path)) and int(m.group(2)) in self._known[m.group(1)]:
            appended = [a for a in query.get("append_to_response", "").split(",") if a]
            return 200, self.details(m.group(1), int(m.group(2)), appended)
        return 404, {"status_code": 34, "status_message": "The resource you requested could not be found.",
                     "success": False}

    def _list_page(self, path: str, page: int) -> tuple[int, dict]:
        if not 1 <= page <= MAX_PAGES:
            return 400, {"status_code": 22, "status_message": "Invalid page: Pages start at 1 and max at 500.",
                         "success": False}
        media, ids = LISTS[path][0], self.lists[path]
        chunk = ids[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        results = [self.item(m, i, media == "all" or path.startswith("/trending")) for m, i in
                   (x if isinstance(x, tuple) else (media, x) for x in chunk)]
        if (path, page) in self.junk:
            results = results + [dict(r) if isinstance(r, dict) else r for r in JUNK_RESULTS]
        return 200, {"page": page, "results": results, "total_results": len(ids),
                     "total_pages": min(MAX_PAGES, math.ceil(len(ids) / PAGE_SIZE))}

    def reviews(self, media: str, tid: int) -> list[dict]:
        """Every review of a title, oldest first, deterministic from (seed, media, id)."""
        rng = random.Random(f"{self.seed}:{media}:{tid}:reviews")
        n = 0 if rng.random() < 0.4 else min(self.max_reviews, 1 + int(rng.expovariate(1 / 8)))
        out = []
        for i in range(n):
            rating = None if rng.random() < 0.25 else float(rng.randint(1, 10))
            stars = rating or rng.randint(1, 10)  # the tone of an unrated review still follows a hidden score
            tone = "positive" if stars >= 7 else "negative" if stars <= 4 else "mixed"
            day = f"20{rng.randint(15, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            author = f"critic{rng.randint(1, 500)}"
            out.append({"author": author, "author_details": {"name": "", "username": author, "avatar_path": None,
                                                             "rating": rating},
                        "content": rng.choice(REVIEW_PHRASES[tone]), "created_at": f"{day}T12:{i % 60:02d}:00.000Z",
                        "id": f"{rng.getrandbits(96):024x}", "updated_at": f"{day}T12:00:00.000Z",
                        "url": f"https://example.invalid/review/{tid}/{i}"})
        return sorted(out, key=lambda r: r["created_at"])

    def _review_page(self, path: str, media: str, tid: int, page: int) -> tuple[int, dict]:
        if page < 1:
            return 400, {"status_code": 22, "status_message": "Invalid page.", "success": False}
        every = self.reviews(media, tid)
        results = every[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        if (path, page) in self.junk:
            results = results + [dict(r) if isinstance(r, dict) else r for r in JUNK_RESULTS]
        return 200, {"id": tid, "page": page, "results": results, "total_results": len(every),
                     "total_pages": math.ceil(len(every) / PAGE_SIZE)}

    def item(self, media: str, tid: int, with_media_type: bool = False) -> dict:
        """A list result for a title, deterministic from (seed, media, id)."""
        rng = random.Random(f"{self.seed}:{media}:{tid}")
        name = f"{rng.choice(('The ', '', ''))}{rng.choice(_WORDS_A)} {rng.choice(_WORDS_B)}"
        votes = 0 if rng.random() < 0.05 else int(rng.lognormvariate(4, 2))
        year = max(1920, 2025 - int(rng.expovariate(1 / 15)))
        date = "" if rng.random() < 0.03 else f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        item = {
            "adult": False, "id": tid, "original_language": rng.choice(_LANGS),
            "overview": f"A synthetic {media} about the {name.lower()}.",
            "popularity": round(rng.lognormvariate(2, 1.2), 3),
            "vote_average": 0.0 if votes == 0 else round(min(10.0, max(1.0, rng.normalvariate(6.3, 1.1))), 3),
            "vote_count": votes,
            "genre_ids": rng.sample(list(GENRES[media]), rng.randint(0 if rng.random() < 0.03 else 1, 3)),
            "poster_path": None if rng.random() < 0.05 else f"/{rng.getrandbits(64):016x}.jpg",
            "backdrop_path": None,
        }
        key_title, key_date = ("title", "release_date") if media == "movie" else ("name", "first_air_date")
        item.update({key_title: name, f"original_{key_title}": name, key_date: date})
        if with_media_type:
            item["media_type"] = media
        return item

    def details(self, media: str, tid: int, appended: list[str]) -> dict:
        """Details for a title: list fields plus genres, runtime, budget and revenue (0 = unknown)."""
        out = self.item(media, tid)
        rng = random.Random(f"{self.seed}:{media}:{tid}:details")
        out["genres"] = [{"id": g, "name": GENRES[media][g]} for g in out.pop("genre_ids")]
        if media == "movie":
            out.update(runtime=0 if rng.random() < 0.05 else max(40, int(rng.normalvariate(105, 20))),
                       budget=0 if rng.random() < 0.45 else int(rng.lognormvariate(16.5, 1.2)) // 1000 * 1000,
                       revenue=0 if rng.random() < 0.55 else int(rng.lognormvariate(17, 1.5)),
                       status="Released", imdb_id=f"tt{tid:07d}")
        else:
            out.update(episode_run_time=[] if rng.random() < 0.3 else [rng.choice((22, 30, 45, 60))],
                       number_of_seasons=rng.randint(1, 8), status="Returning Series")
        extras = {"keywords": {"keywords" if media == "movie" else "results": [{"id": 1, "name": "synthetic"}]},
                  "credits": {"cast": [], "crew": []}, "external_ids": {"imdb_id": None},
                  "release_dates": {"results": []}, "content_ratings": {"results": []},
                  "videos": {"results": []}}
        out.update({a: extras[a] for a in appended if a in extras})
        return out

    def _authorized(self, query: dict[str, str], authorization: str) -> bool:
        if self.api_key and query.get("api_key") == self.api_key:
            return True
        return bool(self.bearer_token) and authorization == f"Bearer {self.bearer_token}"

    def _draw_fault(self, path: str, page: int | None, attempt: int) -> str | None:
        """The fault of the ``attempt``-th request for (path, page): drawn from (seed, path, page, attempt), so
        a run's faults do not depend on the order in which concurrent requests arrive."""
        r = random.Random(f"{self.seed}:fault:{path}:{page}:{attempt}").random()
        for name, rate in (("error", self.error_rate), ("truncate", self.truncate_rate), ("hang", self.hang_rate)):
            if r < rate:
                return name
            r -= rate
        return None

    def _count(self, name: str, hit: tuple | None = None) -> int:
        """Count ``name`` (and a request for ``hit``); returns how many requests ``hit`` has had."""
        with self._lock:
            self._counters[name] += 1
            if hit is not None:
                self._hits[hit] += 1
            return self._hits[hit] if hit is not None else 0


def _build_lists(seed: int, titles_per_list: int) -> dict[str, list]:
    """Overlapping lists drawn from one id universe per media type (tv shares some ids with movies)."""
    rng = random.Random(seed)
    size = 2 * titles_per_list
    movies = rng.sample(range(2, 2_000_000), size)
    tv = movies[: size // 4] + rng.sample(range(2_000_000, 3_000_000), size - size // 4)
    universe = {"movie": movies, "tv": tv}
    small = max(PAGE_SIZE, titles_per_list // 25)
    lists: dict[str, list] = {}
    for path, (media, big) in LISTS.items():
        if media != "all":
            lists[path] = rng.sample(universe[media], min(size, titles_per_list if big else small))
    for window in ("day", "week"):
        mixed = [("movie", i) for i in lists[f"/trending/movie/{window}"]]
        mixed += [("tv", i) for i in lists[f"/trending/tv/{window}"]]
        rng.shuffle(mixed)
        lists[f"/trending/all/{window}"] = mixed
    return lists


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return -1


def _send(req: BaseHTTPRequestHandler, status: int, payload: dict, headers: dict | None = None,
          truncate: bool = False) -> bool:
    """Write the answer; False when the client had already hung up."""
    body = json.dumps(payload).encode()
    if truncate:
        body = body[: len(body) // 2]
    try:
        req.send_response(status)
        req.send_header("Content-Type", "application/json;charset=utf-8")
        req.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            req.send_header(name, value)
        req.end_headers()
        req.wfile.write(body)
        req.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        req.close_connection = True
        return False
    return True
