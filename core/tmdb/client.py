"""TMDB (v3 API) HTTP client: credentials, a shared rate limiter, retries, adaptive read timeouts.

A bad key raises ``TmdbAuthError`` at once and an unreachable server ``TmdbUnavailable``; transient failures
(429 with ``Retry-After``, 5xx, timeouts, broken JSON) are retried. A retry takes its turn in the shared rate
limiter like any request instead of sleeping its worker: only a 429 (or any answer with ``Retry-After``) pauses
every worker, and only a 429 without it or a server that refuses connections backs off. A request that hangs is
given up after a read timeout a few times the recent latency (``read_timeout`` at most) and sent again, so one
hung answer costs a fraction of a second instead of the server's whole hang. The key never appears in logs,
exceptions or reprs. The sync that uses this client lives in ``core.tmdb.sync``; ``core.tmdb.cli`` is the CLI.
"""
from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Callable, Mapping
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from core import config

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


def clean_secret(value: object) -> str:
    """A pasted key or token without its whitespace: neither a v3 key (hex) nor a v4 token (a JWT) holds any, so
    spaces, tabs and newlines picked up by copy and paste (a key wrapped over two lines) are dropped."""
    return re.sub(r"\s+", "", str(value or ""))


def credentials_from_env(env: Mapping[str, str] = os.environ) -> Credentials | None:
    """Credentials from ``TMDB_BEARER_TOKEN`` or ``TMDB_API_KEY`` (the token wins; whitespace dropped, see
    ``clean_secret``), or None if neither is set."""
    token = clean_secret(env.get("TMDB_BEARER_TOKEN"))
    key = clean_secret(env.get("TMDB_API_KEY"))
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
    timed_out: bool = False  # no answer within the read timeout
    rate_limited: bool = False  # HTTP 429


class TmdbClient:
    """TMDB v3 client: shared rate limiter, retries through that limiter, adaptive read timeouts, a worker pool.

    Args:
        session: HTTP session (see ``make_session``); the test seam together with ``base_url``.
        base_url: API root, e.g. ``config.tmdb_base_url()`` or a fake server's URL.
        credentials: sent with every request (also fine if the session already carries them).
        rps: requests a second for all workers together; default ``config.tmdb_rps()``.
        workers: threads making requests (enough to cover latency and the odd hung request at ``rps``).
        timeout: connect timeout in seconds, and the longest a request may wait for its answer.
        read_timeout: the longest an attempt waits for an answer before it is sent again; the timeout actually
            used is ``LATENCY_FACTOR`` times the recent 95th-percentile latency (``MIN_READ_TIMEOUT`` at least),
            doubled for each timeout of the same request, never above ``read_timeout`` or ``timeout``.
        max_retries: retries after the first attempt (429, 5xx, timeouts, connection errors, broken JSON).
        backoff: first backoff in seconds (429 without ``Retry-After``, refused connections, a request failing
            twice in a row), doubled each retry, with jitter, capped at ``max_backoff``.
    """

    LATENCY_FACTOR = 4.0
    MIN_READ_TIMEOUT = 0.25
    _LATENCY_SAMPLES = 200

    def __init__(self, session: requests.Session, base_url: str, credentials: Credentials | None = None, *,
                 rps: float | None = None, workers: int = 16, timeout: float = 10.0, read_timeout: float = 2.0,
                 max_retries: int = 5, backoff: float = 0.5, max_backoff: float = 30.0) -> None:
        self.session, self.base_url, self.credentials = session, base_url.rstrip("/"), credentials
        self.rps = config.tmdb_rps() if rps is None else float(rps)
        self.workers, self.timeout, self.max_retries = max(1, int(workers)), timeout, max(0, int(max_retries))
        self.read_timeout = min(read_timeout, timeout)
        self.backoff, self.max_backoff = backoff, max_backoff
        self.limiter = RateLimiter(self.rps)
        self._stats = {"requests": 0, "retries": 0, "rate_limited": 0, "timeouts": 0}
        self._stats_lock = threading.Lock()
        self._latencies: deque[float] = deque(maxlen=self._LATENCY_SAMPLES)
        self._timeout_cache = (0, self.read_timeout)  # (samples when computed, timeout)
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
        """Counters since creation: requests (attempts), retries, rate_limited (429s), timeouts."""
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
        what, timeouts, failure = describe(path, params), 0, None
        for attempt in range(retries + 1):
            if cancel is not None and cancel.is_set():
                raise TmdbCancelled("cancelled")
            self.limiter.acquire(cancel)
            data, failure = self._attempt(path, params, what, self._read_timeout(timeouts))
            if failure is None:
                return data
            timeouts += failure.timed_out
            if attempt == retries:
                break
            self._count("retries")
            delay = self._delay(attempt, failure)
            log.debug("TMDB %s: %s; retry %d/%d in %.2fs", what, failure.reason, attempt + 1, retries, delay)
            _sleep(delay, cancel)
        if failure.connect:
            raise TmdbUnavailable(f"TMDB is unreachable at {self.host}: {failure.reason}")
        raise TmdbUnavailable(f"TMDB {what} failed after {retries + 1} attempts: {failure.reason}")

    def _read_timeout(self, timeouts: int) -> float:
        """Read timeout of an attempt after ``timeouts`` timeouts of the same request (see the class doc)."""
        with self._stats_lock:
            samples, cached = self._timeout_cache
            if len(self._latencies) >= 20 and self._stats["requests"] - samples >= 20:
                ordered = sorted(self._latencies)
                p95 = ordered[int(0.95 * (len(ordered) - 1))]
                cached = min(self.read_timeout, max(self.MIN_READ_TIMEOUT, self.LATENCY_FACTOR * p95))
                self._timeout_cache = (self._stats["requests"], cached)
        return min(self.read_timeout, cached * 2 ** timeouts)

    def _attempt(self, path: str, params: Mapping[str, object] | None, what: str,
                 read_timeout: float) -> tuple[dict | None, _Failure | None]:
        """One request. Returns (data, None) or (None, retryable failure); raises on final answers."""
        query = {**(self.credentials.params() if self.credentials else {}), **(params or {})}
        headers = self.credentials.headers() if self.credentials else {}
        self._count("requests")
        started = time.monotonic()
        try:
            resp = self.session.get(self.base_url + path, params=query, headers=headers,
                                    timeout=(self.timeout, read_timeout))
        except requests.ConnectTimeout:
            return None, _Failure("connect timed out", connect=True)
        except requests.Timeout:
            self._count("timeouts")
            return None, _Failure(f"no answer within {read_timeout:.2f} s", timed_out=True)
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
            with self._stats_lock:
                self._latencies.append(time.monotonic() - started)
            return (data, None) if isinstance(data, dict) else (None, _Failure("JSON is not an object"))
        return None, self._http_failure(resp, what)

    def _http_failure(self, resp: requests.Response, what: str) -> _Failure:
        """Classify an error status: retryable failure, or raise for final ones."""
        status = resp.status_code
        if status == 429:
            self._count("rate_limited")
            return _Failure("HTTP 429 (rate limited)", retry_after=_retry_after(resp), rate_limited=True)
        if status >= 500:
            return _Failure(f"HTTP {status}", retry_after=_retry_after(resp))
        message = _status_message(resp)
        if status == 401:
            raise TmdbAuthError(f"TMDB rejected the credentials (HTTP 401: {message}). "
                                "Check TMDB_API_KEY / TMDB_BEARER_TOKEN.")
        if status == 404:
            raise TmdbNotFound(f"TMDB {what}: not found")
        raise TmdbError(f"TMDB {what}: HTTP {status}: {message}")

    def _delay(self, attempt: int, failure: _Failure) -> float:
        """Seconds this worker sleeps before its next attempt (which then waits for a slot in the limiter).

        ``Retry-After`` pauses the shared limiter, so every worker waits and this one needs no sleep of its own.
        Only a 429 without it and a refused connection back off; any other failure (5xx, a timeout, a cut-off
        body) is retried at once, in the limiter's next slot, so it costs one slot and never an idle worker.
        """
        if failure.retry_after is not None:
            self.limiter.pause(failure.retry_after * random.uniform(1.0, 1.1))
            return 0.0
        if not (failure.rate_limited or failure.connect):
            return 0.0
        cap = min(self.max_backoff, self.backoff * 2 ** attempt)
        return random.uniform(cap / 2, cap)


def describe(path: str, params: Mapping[str, object] | None) -> str:
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

