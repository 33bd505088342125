"""The cache boundary: the ONLY module with ``@st.cache_data`` / ``@st.cache_resource``.

Pages call these functions; each one delegates to pure ``core``/``models`` code. Arguments are small and
hashable (str, int, float, tuple) and include everything that changes the result, the data source included.

Design note: the raw embedded tables (62,801 titles with list columns) are held with ``cache_resource`` and
treated as read-only, because ``cache_data`` would unpickle a 20 MB copy (0.3 s) on every call; every derived
frame (filtered, featured, aggregated) goes through ``cache_data`` and is copied per caller as usual.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import config, embedded, features

MODEL_ENTRIES = 16  # fitted models kept per function
FRAME_ENTRIES = 64


# ---------------------------------------------------------------- sources
@st.cache_resource(max_entries=1, show_spinner="Loading the embedded data (first start builds a local cache)...")
def embedded_data() -> embedded.EmbeddedData:
    """The embedded tables (read-only: never mutate what this returns)."""
    return embedded.load()


def tmdb_store_path() -> str:
    """Where synced TMDB titles live."""
    return str(config.cache_dir() / "tmdb.duckdb")


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def tmdb_titles(path: str, stamp: str) -> pd.DataFrame:
    """Synced TMDB titles; ``stamp`` (the last sync time) changes after a sync so the cache refreshes."""
    from core import tmdb_store

    return tmdb_store.TmdbStore(path).titles()


@st.cache_data(ttl=30, max_entries=4, show_spinner=False)
def tmdb_status(path: str) -> dict:
    """Titles stored and last sync time of the TMDB cache (empty dict when nothing was synced)."""
    from pathlib import Path

    if not Path(path).exists():
        return {}
    try:
        from core import tmdb_store

        store = tmdb_store.TmdbStore(path)
        count, last = store.count(), store.last_sync()
    except Exception:  # a locked or damaged cache file reads as "not synced"; the Data page can clear it
        return {}
    return {"titles": int(count), "last_sync": last.isoformat() if last is not None else ""} if count else {}


def source_titles(source: str) -> pd.DataFrame:
    """Canonical titles of a source ("embedded" or "tmdb")."""
    if source == "tmdb":
        status = tmdb_status(tmdb_store_path())
        if status:
            return tmdb_titles(tmdb_store_path(), status["last_sync"])
        return embedded_data().titles.iloc[0:0]
    return embedded_data().titles


@st.cache_data(max_entries=8, show_spinner=False)
def source_facets(source: str) -> dict:
    """Genres, media types and year span of a source's titles that have audience metrics."""
    titles = source_titles(source)
    rated = titles[titles["vote_count"].notna()]
    genres = sorted({g for gs in rated["genres"] for g in gs} | ({"Unclassified"} if
                    (rated["genres"].map(len) == 0).any() else set()))
    years = rated["year"].dropna()
    return {"genres": genres, "media_types": sorted(rated["media_type"].dropna().unique().tolist()),
            "year_min": int(years.min()) if len(years) else 1900,
            "year_max": int(years.max()) if len(years) else 2030, "titles": int(len(rated))}


# ---------------------------------------------------------------- strategy frames
@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def strategy_frame(source: str, media_types: tuple, genres: tuple, years: tuple, min_votes: int) -> pd.DataFrame:
    """Filtered titles with every derived feature (see ``core.features``)."""
    flt = features.Filters(source, tuple(media_types), tuple(genres), tuple(years), int(min_votes))
    return features.engineer(features.apply_filters(source_titles(source), flt))


def frame(flt: features.Filters) -> pd.DataFrame:
    """Shorthand: the strategy frame for a :class:`features.Filters`."""
    return strategy_frame(flt.source, flt.media_types, flt.genres, flt.years, flt.min_votes)


# ---------------------------------------------------------------- home
@st.cache_data(max_entries=8, show_spinner=False)
def home_summary(source: str) -> dict:
    """Headline figures of a source, plus a note on where it comes from and how fresh it is."""
    from core import overview

    data = embedded_data()
    out = overview.portfolio_summary(source_titles(source), len(data.ratings), len(data.subscribers))
    if source == "tmdb":
        status = tmdb_status(tmdb_store_path())
        out["source_note"] = (f"Live TMDB titles, last synced {status.get('last_sync', 'never')}. Ratings and "
                              "subscribers come from the embedded MovieLens and Telco data.")
    else:
        out["source_note"] = (f"Embedded offline data: IMDb films (votes counted in {config.IMDB_SNAPSHOT_YEAR}), "
                              "MovieLens ratings (1995-2016), Telco subscribers. Local cache built "
                              f"{data.built_at:%Y-%m-%d %H:%M} UTC. Add a TMDB key on the Data page for live data.")
    return out


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def home_insights(source: str, media_types: tuple, genres: tuple, years: tuple, min_votes: int) -> list[str]:
    """Insight sentences for the home chart."""
    from core import overview

    return overview.year_insights(strategy_frame(source, media_types, genres, years, min_votes))
