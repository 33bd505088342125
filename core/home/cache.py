"""The home page's cache boundary. On the embedded source its figures come from JSON snapshots
(``core.data.cache.embedded_snapshot``), so a restarted app shows them without loading the tables."""
from __future__ import annotations

import sys

import streamlit as st

from core import config
from core.data import cache as data_cache
from core.data import docs, features
from core.home import insights

_THIS = sys.modules[__name__]


@st.cache_data(max_entries=8, show_spinner=False)
def home_summary(source: str, version: str) -> dict:
    """Headline figures of a source at a data version, plus a note on where it comes from and how fresh it is."""
    if source.startswith("up:"):
        data = data_cache.embedded_data()
        titles = data_cache.source_titles(features.Filters(source, version=version))
        out = insights.portfolio_summary(titles, len(data.ratings), len(data.subscribers))
        out["source_note"] = (f"Your uploaded titles ({source[3:]}, {len(titles):,} rows; only titles with a vote "
                              "count have audience data). Ratings and subscribers come from the embedded MovieLens "
                              "and Telco data.")
        return out
    if source.startswith("syn:"):
        from core.data import platforms, queries

        titles = data_cache.source_titles(features.Filters(source, version=version))
        rows = platforms.row_counts(source)
        out = insights.portfolio_summary(titles, rows.get("ratings", 0), rows.get("subscribers", 0))
        out["source_note"] = (f"{platforms.describe(source)} {rows.get('watch_events', 0):,} viewing sessions; "
                              f"votes are its ratings, popularity its sessions in the last {queries.RECENT_DAYS} days.")
        return out
    if source == "tmdb":
        data = data_cache.embedded_data()
        titles = data_cache.source_titles(features.Filters(source, version=version))
        out = insights.portfolio_summary(titles, len(data.ratings), len(data.subscribers))
        status = data_cache.tmdb_status(data_cache.tmdb_store_path())
        out["source_note"] = (f"Live TMDB titles, {docs.tmdb_freshness(status)}. "
                              "Ratings and subscribers come from the embedded MovieLens and Telco data.")
        return out

    def build() -> dict:
        data = data_cache.embedded_data()
        out = insights.portfolio_summary(data.titles, len(data.ratings), len(data.subscribers))
        out["source_note"] = (f"Embedded offline data: IMDb films (votes counted in {config.IMDB_SNAPSHOT_YEAR}), "
                              f"MovieLens ratings ({docs.rating_span(data.ratings)}), Telco subscribers. Local "
                              f"cache built {data.built_at:%Y-%m-%d %H:%M} UTC. Add a TMDB key on the Data page for "
                              "live data.")
        return out

    return data_cache.embedded_snapshot("home_summary", build, insights, docs, _THIS)


@st.cache_data(max_entries=data_cache.FRAME_ENTRIES, show_spinner=False)
def home_view(flt: features.Filters) -> dict:
    """How many titles the filters leave, and insight sentences about them (``titles``, ``insights``)."""
    def build() -> dict:
        view = data_cache.strategy_frame(flt)
        return {"titles": int(len(view)), "insights": insights.year_insights(view)}

    if flt.source == "embedded":
        return data_cache.embedded_snapshot("home_view", build, insights, _THIS, flt.without_version())
    return build()
