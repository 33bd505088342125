"""The Data page's TMDB actions, without Streamlit: read a key, check it, sync, refresh, clear.

Every outcome is a :class:`SyncOutcome` with a level (success, warning, error) and a plain message that never
contains the key; exceptions from the client, the store or the network are turned into such messages here so
the page shows a clear sentence, never a traceback.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import urlsplit

from core import config
from core.tmdb.client import (
    Credentials,
    TmdbAuthError,
    TmdbClient,
    TmdbError,
    TmdbUnavailable,
    clean_secret,
    make_session,
    redact,
)
from core.tmdb.store import TmdbStore, TmdbStoreDamaged, TmdbSyncBusy, move_aside
from core.tmdb.sync import refresh, sync

Progress = Callable[[int, int, str], None]
_V3_KEY = re.compile(r"^[0-9a-fA-F]{32}$")
_V4_TOKEN = re.compile(r"^eyJ[\w-]+\.[\w-]+\.[\w-]+$")


@dataclass
class SyncOutcome:
    """What a TMDB action did, ready to show: ``level`` is "success", "warning" or "error"."""

    level: str
    message: str
    report: dict = field(default_factory=dict)
    lost: list[dict] = field(default_factory=list)
    key_rejected: bool = False  # TMDB answered 401: the key must not be kept for the session
    store_damaged: bool = False  # the DuckDB file cannot be read: offer to move it aside

    @property
    def ok(self) -> bool:
        return self.level == "success"


def parse_secret(secret: str) -> tuple[Credentials | None, str]:
    """Credentials from what a user pasted, and a message when it cannot be a TMDB key or token.

    A v4 read access token (a JWT, ``eyJ...``) is sent as a bearer header; anything else as a v3 ``api_key``.
    Whitespace that came with the paste (spaces, tabs, newlines, also inside a key wrapped over two lines) is
    dropped. Only the shape is checked here; TMDB decides whether it is valid. Messages never repeat the secret.
    """
    value = clean_secret((secret or "").strip().removeprefix("Bearer "))
    if not value:
        return None, "Enter a TMDB API key (v3) or read access token (v4)."
    if _V4_TOKEN.match(value):
        return Credentials(bearer_token=value), ""
    if not _V3_KEY.match(value):
        spaces = " (even without its spaces and line breaks)" if any(c.isspace() for c in secret.strip()) else ""
        return None, (f"This does not look like a TMDB key{spaces}: a v3 API key has 32 hexadecimal characters, "
                      "a v4 read access token starts with 'eyJ'. Find both under Settings > API on themoviedb.org.")
    return Credentials(api_key=value), ""


def credentials_from(settings: Mapping[str, str]) -> Credentials | None:
    """Credentials from a settings mapping (``st.secrets`` or the environment): the token wins over the key."""
    token = clean_secret(settings.get("TMDB_BEARER_TOKEN"))
    key = clean_secret(settings.get("TMDB_API_KEY"))
    return Credentials(api_key=key or None, bearer_token=token or None) if token or key else None


def server_label(base_url: str | None = None) -> str:
    """Host and path of the TMDB base URL, for display (never carries a key)."""
    parts = urlsplit(base_url or config.tmdb_base_url())
    return f"{parts.netloc}{parts.path}"


def make_client(credentials: Credentials, base_url: str | None = None, rps: float | None = None,
                workers: int = 16, timeout: float = 10.0, max_retries: int | None = None) -> TmdbClient:
    """A client with its own pooled session (retries default to ``config.tmdb_max_retries()``)."""
    retries = config.tmdb_max_retries() if max_retries is None else max_retries
    return TmdbClient(make_session(credentials, workers), base_url or config.tmdb_base_url(), credentials,
                      rps=rps, workers=workers, timeout=timeout, max_retries=retries)


def _failure(exc: BaseException, client: TmdbClient) -> SyncOutcome:
    if isinstance(exc, TmdbAuthError):
        return SyncOutcome("error", "TMDB rejected the key (HTTP 401). Check that you pasted the whole v3 API key "
                                    "or v4 read access token; nothing was changed in the cache.", key_rejected=True)
    if isinstance(exc, TmdbUnavailable):
        return SyncOutcome("error", f"Could not reach TMDB at {client.host}: {redact(exc)}. The cached data is "
                                    "unchanged; try again later or check the network or TMDB_BASE_URL.")
    if isinstance(exc, TmdbSyncBusy):
        return SyncOutcome("warning", f"{exc} This one did nothing; the running sync keeps what it fetches.")
    if isinstance(exc, TmdbStoreDamaged):
        return SyncOutcome("error", f"{exc} Move it aside (the button below keeps the damaged file for "
                                    "inspection) and sync again.", store_damaged=True)
    if isinstance(exc, OSError):
        return SyncOutcome("error", "The local TMDB cache could not be written (it may be open in another "
                                    f"process): {type(exc).__name__}. The data already cached is unchanged.")
    return SyncOutcome("error", f"TMDB sync failed: {redact(exc)}. The data already cached is unchanged.")


def _outcome(report, verb: str) -> SyncOutcome:
    data = report.as_dict()
    lost = list(data.pop("lost_pages", []))
    done = (f"{verb} {report.titles:,} titles with {report.requests:,} requests in {report.seconds:.1f} s "
            f"({report.retries:,} retries).")
    if report.cancelled:
        return SyncOutcome("warning", f"Stopped early: {done} What was fetched is kept; run the sync again to "
                                      "resume.", data, lost)
    reviews = f" {report.reviews:,} reviews stored." if report.review_titles else ""
    if report.partial:
        review_pages = f", {report.review_pages_lost} review pages" if report.review_pages_lost else ""
        return SyncOutcome("warning", f"Partial sync: {done}{reviews} {report.pages_lost} list pages, "
                                      f"{report.details_lost} detail requests{review_pages} still failed after "
                                      "retries (listed below). Run the sync again to fetch only what is missing.",
                           data, lost)
    extra = reviews + (" Every list ran out before the target." if report.exhausted else "")
    return SyncOutcome("success", f"{done}{extra}", data, lost)


def run_sync(credentials: Credentials, store_path: str | Path, target: int, details: bool = False,
             progress: Progress | None = None, base_url: str | None = None, rps: float | None = None,
             max_age: timedelta | None = None, reviews: bool = False) -> SyncOutcome:
    """Check the key with one request, then sync ``target`` titles (or refresh what is older than ``max_age``),
    with their reviews when ``reviews`` is set."""
    client = make_client(credentials, base_url, rps)
    try:
        client.check()
        with TmdbStore(store_path) as store:
            if max_age is not None:
                return _outcome(refresh(client, store, max_age, details, progress, reviews=reviews), "Refreshed")
            return _outcome(sync(client, store, int(target), details, progress, reviews=reviews), "Synced")
    except (TmdbError, OSError) as exc:
        return _failure(exc, client)
    except Exception as exc:  # duckdb errors and the like: a message, not a traceback
        return _failure(exc, client)
    finally:
        client.session.close()


def move_damaged(store_path: str | Path) -> SyncOutcome:
    """Move a damaged store aside (kept next to it for inspection) so the next sync starts a new one."""
    try:
        moved = move_aside(store_path)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return SyncOutcome("error", f"Could not move the damaged TMDB cache aside ({reason}). Close other Marquee "
                                    "processes, or delete the file by hand.")
    return SyncOutcome("success", f"Moved the damaged TMDB cache to {moved.name} next to it; the next sync starts a "
                                  "new cache. Until then the app uses the embedded data.")


def clear_cache(store_path: str | Path) -> SyncOutcome:
    """Delete every synced TMDB title, page and detail."""
    try:
        with TmdbStore(store_path) as store:
            store.clear()
    except Exception as exc:
        return SyncOutcome("error", f"Could not clear the TMDB cache: {type(exc).__name__}. Close other Marquee "
                                    "processes and try again.")
    return SyncOutcome("success", "The TMDB cache is empty; the app uses the embedded data until the next sync.")
