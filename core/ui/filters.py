"""The global filters: read from a shared link, kept in session state, drawn in the sidebar, written back.

Filters live in ``st.session_state`` under permanent keys (``flt_*``) that survive page switches, and in the URL
query string so a filtered view can be shared. Widgets use separate keys (``w_flt_*``) initialised from the
permanent ones, because Streamlit drops a widget's state when a page that does not draw it runs.
"""
from __future__ import annotations

import re

import streamlit as st

import core.ui.usage as usage
from core import config
from core.data import cache as data_cache
from core.data.features import Filters

SOURCE_LABELS = {"embedded": "Embedded (IMDb, MovieLens, Telco)", "tmdb": "Live TMDB"}
_NAMED = re.compile(r"up:[a-z0-9_]{1,40}|syn:[a-z0-9][a-z0-9_-]{0,39}")


def source_label(source: str) -> str:
    """How a source is named on screen (an uploaded one by the name it was stored under, a platform as
    synthetic unless its manifest says otherwise)."""
    if source.startswith("up:"):
        return f"Uploaded: {source[3:]}"
    if source.startswith("syn:"):
        kind = "Synthetic" if data_cache.platform_manifest(source).get("synthetic", True) else "Platform"
        return f"{kind}: {source[4:]}"
    return SOURCE_LABELS.get(source, source)
FILTER_KEYS = ("source", "media", "genres", "years", "min_votes")
MAX_MIN_VOTES = 1_000_000


def _parse(name: str, raw: str):
    """One filter value from its URL text; ValueError when it cannot be one."""
    if name == "source":
        if raw not in SOURCE_LABELS and not _NAMED.fullmatch(raw):
            raise ValueError(name)
        return raw
    if name == "media":
        return [m for m in raw.split(",") if m in ("movie", "tv")]
    if name == "genres":
        return [g for g in raw.split(",") if g]
    if name == "years":
        lo, hi = (int(v) for v in raw.split("-", 1))
        return (min(lo, hi), max(lo, hi))
    return min(max(0, int(raw)), MAX_MIN_VOTES)  # min_votes, clamped to the widget's range


def from_url(qp) -> dict:
    """Filter values from a query string mapping; each bad value is ignored on its own (the others still
    apply), numbers are clamped to the widgets' range."""
    out = {}
    for name in FILTER_KEYS:
        raw = qp.get(name)
        if not raw:
            continue
        try:
            out[name] = _parse(name, str(raw))
        except ValueError:
            continue
    return out


def _keep(name: str) -> None:
    st.session_state[f"flt_{name}"] = st.session_state[f"w_flt_{name}"]
    usage.filter_changed(name, st.session_state[f"flt_{name}"])


def _init_from_url() -> None:
    """On a session's first run, take the filters from the URL (a shared link)."""
    ss = st.session_state
    if "flt_init" not in ss:
        ss.update({f"flt_{k}": v for k, v in from_url(st.query_params).items()})
        ss["flt_init"] = True


def _init_state(facets: dict) -> None:
    """Defaults for filters not set yet; after a source switch, the new source's content types, years and
    minimum votes."""
    ss = st.session_state
    if ss.get("flt_source_seen", ss["flt_source"]) != ss["flt_source"]:
        for name in ("media", "years", "min_votes"):
            ss.pop(f"flt_{name}", None)
    ss["flt_source_seen"] = ss["flt_source"]
    ss.setdefault("flt_media", facets["media_types"] or ["movie"])
    ss.setdefault("flt_genres", [])
    ss.setdefault("flt_years", (max(facets["year_min"], 1970), facets["year_max"]))
    ss.setdefault("flt_min_votes", facets.get("min_votes", config.DEFAULT_MIN_VOTES))


def _clamp_state(facets: dict) -> None:
    """Keep stored filters valid for the active source (e.g. after switching source)."""
    ss = st.session_state
    ss["flt_genres"] = [g for g in ss["flt_genres"] if g in facets["genres"]]
    ss["flt_media"] = [m for m in ss["flt_media"] if m in facets["media_types"]] or facets["media_types"]
    lo, hi = ss["flt_years"]
    lo, hi = max(lo, facets["year_min"]), min(hi, facets["year_max"])
    ss["flt_years"] = (lo, hi) if lo <= hi else (facets["year_min"], facets["year_max"])
    ss["flt_min_votes"] = min(max(0, int(ss["flt_min_votes"])), MAX_MIN_VOTES)


def sidebar(source_only: bool = False) -> Filters:
    """Draw the filters in the sidebar and return them, carrying the active source's data version.

    ``source_only``: the audience pages, which the title filters do not apply to, draw the source picker alone
    (and leave the stored title filters as they are)."""
    ss = st.session_state
    _init_from_url()
    tmdb_ready = bool(data_cache.tmdb_status(data_cache.tmdb_store_path()))
    sources = ((["embedded", "tmdb"] if tmdb_ready else ["embedded"]) + data_cache.uploaded_sources()
               + data_cache.platform_sources())
    if ss.get("flt_source") not in sources:
        ss["flt_source"] = "embedded"
    version = data_cache.source_version(ss["flt_source"])
    facets = data_cache.source_facets(ss["flt_source"], version)
    _init_state(facets)
    _clamp_state(facets)
    with st.sidebar:
        st.caption("SOURCE" if source_only else "FILTERS")
        for name in FILTER_KEYS:
            ss[f"w_flt_{name}"] = ss[f"flt_{name}"]
        st.selectbox("Source", sources, format_func=source_label, key="w_flt_source",
                     on_change=_keep, args=("source",),
                     help="Add a source on the Data page: sync TMDB titles, upload your own files "
                          "or generate a synthetic platform.")
    if source_only:
        if st.query_params.get("source") != ss["flt_source"]:
            st.query_params["source"] = ss["flt_source"]
        return Filters(ss["flt_source"], version=version)
    with st.sidebar:
        st.multiselect("Content type", facets["media_types"], key="w_flt_media", on_change=_keep,
                       args=("media",), help="Movies, TV or both, where the source has both.")
        st.multiselect("Genres", facets["genres"], key="w_flt_genres", on_change=_keep, args=("genres",),
                       placeholder="All genres")
        # one release year only (a small upload): a slider needs min < max, so it spans that year and the next
        st.slider("Release years", facets["year_min"], max(facets["year_max"], facets["year_min"] + 1),
                  key="w_flt_years",
                  on_change=_keep, args=("years",))
        st.number_input("Minimum votes", 0, MAX_MIN_VOTES, step=50, key="w_flt_min_votes", on_change=_keep,
                        args=("min_votes",), help="Titles with fewer votes are mostly obscure films and shorts.")
    flt = Filters(ss["flt_source"], tuple(ss["flt_media"]), tuple(ss["flt_genres"]),
                  tuple(int(y) for y in ss["flt_years"]), int(ss["flt_min_votes"]), version)
    _to_url(flt)
    return flt


def _to_url(flt: Filters) -> None:
    """Write the filters into the query string, keeping any page-specific parameters."""
    params = {"source": flt.source, "media": ",".join(flt.media_types), "genres": ",".join(flt.genres),
              "years": f"{flt.years[0]}-{flt.years[1]}", "min_votes": str(flt.min_votes)}
    for key, value in params.items():
        if value and st.query_params.get(key) != value:
            st.query_params[key] = value
        elif not value and key in st.query_params:
            del st.query_params[key]


def summary(flt: Filters, n: int) -> str:
    """One line that says what the current view holds."""
    from core.ui.widgets import escape

    genres = ", ".join(escape(g, 60) for g in flt.genres) if flt.genres else "all genres"
    label = escape(source_label(flt.source), 60) if ":" in flt.source else source_label(flt.source)
    return (f"{n:,} titles · {label} · {genres} · {flt.years[0]}-{flt.years[1]} · "
            f"{flt.min_votes:,}+ votes")
