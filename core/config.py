"""Paths, constants and environment settings. No side effects at import."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSETS_DIR = ROOT / "assets"

#: Snapshot year of the ggplot2movies IMDb extract (votes were counted in 2005).
IMDB_SNAPSHOT_YEAR = 2005
#: Default minimum IMDb/TMDB vote count for the strategy pages (most titles below it are obscure or shorts).
DEFAULT_MIN_VOTES = 100
#: Default minimum number of ratings on a platform source (its votes are its own ratings).
PLATFORM_MIN_VOTES = 10
#: Share of titles that count as a hit: the top quartile of engagement score.
HIT_QUANTILE = 0.75

TMDB_DEFAULT_BASE_URL = "https://api.themoviedb.org/3"
TMDB_IMAGE_BASE_URL = "https://image.tmdb.org/t/p/w342"
TMDB_DEFAULT_RPS = 35.0


def cache_dir() -> Path:
    """Local cache directory (gitignored). ``MARQUEE_CACHE_DIR`` overrides the default ``<repo>/.cache``."""
    return Path(os.environ.get("MARQUEE_CACHE_DIR") or ROOT / ".cache")


def tmdb_base_url() -> str:
    """TMDB API base URL: ``TMDB_BASE_URL`` (proxies, tests) or the public v3 endpoint."""
    return os.environ.get("TMDB_BASE_URL") or TMDB_DEFAULT_BASE_URL


def tmdb_rps() -> float:
    """Requests per second the TMDB client allows itself (``TMDB_RPS``, default 35)."""
    try:
        return float(os.environ.get("TMDB_RPS", TMDB_DEFAULT_RPS))
    except ValueError:
        return TMDB_DEFAULT_RPS


def tmdb_max_retries() -> int:
    """Retries per TMDB request after the first attempt (``TMDB_MAX_RETRIES``, default 5)."""
    try:
        return max(0, int(os.environ.get("TMDB_MAX_RETRIES", 5)))
    except ValueError:
        return 5


#: Rows the usage store keeps at most (``MARQUEE_USAGE_MAX_ROWS``); the oldest go first.
USAGE_DEFAULT_MAX_ROWS = 1_000_000


def usage_enabled() -> bool:
    """Whether Marquee records its own usage: on unless ``MARQUEE_USAGE`` is off, 0, false or no."""
    return os.environ.get("MARQUEE_USAGE", "on").strip().lower() not in ("off", "0", "false", "no")


def usage_store_path() -> Path:
    """The usage store: ``MARQUEE_USAGE_DB`` (the tests' own file) or ``<cache dir>/usage.duckdb``."""
    return Path(os.environ.get("MARQUEE_USAGE_DB") or cache_dir() / "usage.duckdb")


def usage_max_rows() -> int:
    """Rows the usage store keeps (``MARQUEE_USAGE_MAX_ROWS``, default 1,000,000, at least 100)."""
    try:
        return max(100, int(os.environ.get("MARQUEE_USAGE_MAX_ROWS", USAGE_DEFAULT_MAX_ROWS)))
    except ValueError:
        return USAGE_DEFAULT_MAX_ROWS
