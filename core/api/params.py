"""The query parameters every list or filtered route shares: the global filters, named and read as in the app's
URL (``core.ui.filters.from_url``), and pagination.

The filters are completed the way the sidebar completes them (``core.ui.filters.sidebar``): the source's data
version from ``core.data.cache.source_version``, and for a parameter left out the sidebar's default for that
source. Where the sidebar quietly drops a value it cannot use, the API answers 422 and names the parameter.
"""
from __future__ import annotations

from typing import NamedTuple

from fastapi import Query
from fastapi.exceptions import RequestValidationError

from core import config
from core.data import cache as data_cache
from core.data.features import Filters
from core.ui import filters as ui_filters

MAX_LIMIT = 500
UNREADABLE = {"source": "source must be embedded, tmdb, up:<name> or syn:<name>",
              "years": "years must be two years joined by '-', e.g. 1990-2005",
              "min_votes": "min_votes must be a whole number"}


class Pagination(NamedTuple):
    limit: int
    offset: int


def pagination(limit: int = Query(50, ge=1, le=MAX_LIMIT, description="Rows per page."),
               offset: int = Query(0, ge=0, description="Rows to skip.")) -> Pagination:
    """``limit`` and ``offset`` of a list."""
    return Pagination(limit, offset)


def invalid(field: str, message: str, where: str = "query") -> RequestValidationError:
    """A 422 naming ``field``, in the shape FastAPI gives its own validation errors."""
    return RequestValidationError([{"loc": (where, field), "msg": message, "type": "value_error"}])


def available_sources() -> list[str]:
    """The sources the app's source picker offers."""
    tmdb = ["tmdb"] if data_cache.tmdb_status(data_cache.tmdb_store_path()) else []
    return ["embedded", *tmdb, *data_cache.uploaded_sources(), *data_cache.platform_sources()]


_SOURCE = Query(None, description="embedded (default), tmdb, up:<name> or syn:<name>; see /api/v1/sources.")


def title_filters(source: str | None = _SOURCE,
                  media: str | None = Query(None, description="movie,tv (default: the source's types)."),
                  genres: str | None = Query(None, description="Comma-separated, e.g. Drama,Comedy (default: all)."),
                  years: str | None = Query(None, description="e.g. 1990-2005 (default: 1970 to the latest year)."),
                  min_votes: str | None = Query(None, description="Minimum votes (default: the source's).")) -> Filters:
    """The global filters of a title page, with the source's data version."""
    return build_filters({"source": source, "media": media, "genres": genres, "years": years,
                          "min_votes": min_votes})


def source_filter(source: str | None = _SOURCE) -> Filters:
    """The filters of an audience page: the source alone, with its data version (the sidebar's ``source_only``)."""
    return build_filters({"source": source}, source_only=True)


def build_filters(raw: dict[str, str | None], source_only: bool = False) -> Filters:
    """``Filters`` from URL-style values (None or "" = left out), completed with the source's defaults.

    Raises:
        RequestValidationError: a value cannot be read, or names a source, content type or genre the source
            does not have.
    """
    given = {k: v for k, v in raw.items() if v}
    parsed = ui_filters.from_url(given)
    for name in given:
        if name not in parsed:
            raise invalid(name, UNREADABLE.get(name, f"{name} cannot be read"))
    source = parsed.get("source", "embedded")
    if source not in available_sources():
        raise invalid("source", "unknown source; GET /api/v1/sources lists them")
    version = data_cache.source_version(source)
    if source_only:
        return Filters(source, version=version)
    facets = data_cache.source_facets(source, version)
    return Filters(source, _media(parsed, facets), _genres(parsed, facets), _years(parsed, facets),
                   int(parsed.get("min_votes", facets.get("min_votes", config.DEFAULT_MIN_VOTES))), version)


def _media(parsed: dict, facets: dict) -> tuple[str, ...]:
    known = facets["media_types"] or ["movie"]
    if "media" not in parsed:
        return tuple(known)
    if not parsed["media"] or set(parsed["media"]) - set(known):
        raise invalid("media", f"media must list content types this source has: {', '.join(known)}")
    return tuple(parsed["media"])


def _genres(parsed: dict, facets: dict) -> tuple[str, ...]:
    unknown = [g for g in parsed.get("genres", []) if g not in facets["genres"]]
    if unknown:
        raise invalid("genres", f"this source has no genre {', '.join(unknown)}; GET /api/v1/sources lists them")
    return tuple(parsed.get("genres", ()))


def _years(parsed: dict, facets: dict) -> tuple[int, int]:
    """The asked years within the source's span (as the sidebar's slider clamps them)."""
    first, last = int(facets["year_min"]), int(facets["year_max"])
    if "years" not in parsed:
        lo, hi = max(first, 1970), last
        return (lo, hi) if lo <= hi else (first, last)
    lo, hi = max(parsed["years"][0], first), min(parsed["years"][1], last)
    if lo > hi:
        raise invalid("years", f"years must overlap this source's {first}-{last}")
    return lo, hi


def applied(flt: Filters) -> dict:
    """The filters as a response states them (``schemas.AppliedFilters``)."""
    return {"source": flt.source, "media": list(flt.media_types), "genres": list(flt.genres), "years": flt.years,
            "min_votes": flt.min_votes, "version": flt.version}


def require_titles(flt: Filters, minimum: int = 1, purpose: str = "for this") -> int:
    """The number of titles in view; a 422 on the filters when fewer than ``minimum`` (the pages' guards).

    Raises:
        RequestValidationError: the filters leave too few titles.
    """
    n = len(data_cache.strategy_frame(flt))
    if n < minimum:
        raise invalid("filters", f"these filters leave {n} titles: too few {purpose} (at least {minimum}); "
                                 "widen them")
    return n
