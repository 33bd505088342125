"""Shared Streamlit pieces: page setup (config, grouped nav, global filters), states, banners, chart frames.

Global filters live in ``st.session_state`` under permanent keys (``flt_*``) that survive page switches, and in
the URL query string so a filtered view can be shared. Widgets use separate keys (``w_flt_*``) initialised from
the permanent ones, because Streamlit drops a widget's state when a page that does not draw it runs.
"""
from __future__ import annotations

import os

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from core import cached, config
from core.data import features

if TYPE_CHECKING:  # plotly is imported by the pages that draw charts, not on the home page's cold path
    import plotly.graph_objects as go

PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("app.py", "Home", ":material/home:", ""),
    ("pages/1_Content_Universe.py", "Content Universe", ":material/public:", "Strategy"),
    ("pages/2_Performance_Deep_Dive.py", "Performance Deep Dive", ":material/insights:", "Strategy"),
    ("pages/3_Market_Opportunities.py", "Market Opportunities", ":material/travel_explore:", "Strategy"),
    ("pages/4_Investment_Copilot.py", "Investment Copilot", ":material/savings:", "Strategy"),
    ("pages/5_Forecasting.py", "Forecasting", ":material/trending_up:", "Strategy"),
    ("pages/6_Head_to_Head.py", "Head-to-Head", ":material/compare_arrows:", "Strategy"),
    ("pages/7_Churn.py", "Churn", ":material/person_remove:", "Audience"),
    ("pages/8_Recommender.py", "Recommender", ":material/recommend:", "Audience"),
    ("pages/10_Integrity.py", "Integrity", ":material/verified_user:", "Audience"),
    ("pages/9_Data.py", "Data", ":material/database:", "Data"),
)
SOURCE_LABELS = {"embedded": "Embedded (IMDb, MovieLens, Telco)", "tmdb": "Live TMDB"}
_FILTER_KEYS = ("source", "media", "genres", "years", "min_votes")


def page_exists(path: str) -> bool:
    return os.path.exists(config.ROOT / path)


def _nav() -> None:
    with st.sidebar:
        st.markdown("### :material/movie_filter: Marquee")
        group = None
        for path, label, icon, grp in PAGES:
            if not page_exists(path):
                continue
            if grp and grp != group:
                st.caption(grp.upper())
                group = grp
            try:
                st.page_link(path, label=label, icon=icon)
            except Exception:  # AppTest runs a page file on its own, without the app's page registry
                st.caption(label)


def _from_url() -> dict:
    """Filter values from the query string (first run of a session only); bad values are ignored."""
    qp, out = st.query_params, {}
    try:
        if qp.get("source") in SOURCE_LABELS:
            out["source"] = qp["source"]
        if qp.get("media"):
            out["media"] = [m for m in qp["media"].split(",") if m in ("movie", "tv")]
        if qp.get("genres"):
            out["genres"] = [g for g in qp["genres"].split(",") if g]
        if qp.get("years") and "-" in qp["years"]:
            lo, hi = (int(v) for v in qp["years"].split("-", 1))
            out["years"] = (min(lo, hi), max(lo, hi))
        if qp.get("min_votes"):
            out["min_votes"] = max(0, int(qp["min_votes"]))
    except ValueError:
        pass
    return out


def _keep(name: str) -> None:
    st.session_state[f"flt_{name}"] = st.session_state[f"w_flt_{name}"]


def _init_from_url() -> None:
    """On a session's first run, take the filters from the URL (a shared link)."""
    ss = st.session_state
    if "flt_init" not in ss:
        ss.update({f"flt_{k}": v for k, v in _from_url().items()})
        ss["flt_init"] = True


def _init_state(facets: dict) -> None:
    """Defaults for filters not set yet; after a source switch, the new source's content types and years."""
    ss = st.session_state
    if ss.get("flt_source_seen", ss["flt_source"]) != ss["flt_source"]:
        for name in ("media", "years"):
            ss.pop(f"flt_{name}", None)
    ss["flt_source_seen"] = ss["flt_source"]
    ss.setdefault("flt_media", facets["media_types"] or ["movie"])
    ss.setdefault("flt_genres", [])
    ss.setdefault("flt_years", (max(facets["year_min"], 1970), facets["year_max"]))
    ss.setdefault("flt_min_votes", config.DEFAULT_MIN_VOTES)


def _clamp_state(facets: dict) -> None:
    """Keep stored filters valid for the active source (e.g. after switching source)."""
    ss = st.session_state
    ss["flt_genres"] = [g for g in ss["flt_genres"] if g in facets["genres"]]
    ss["flt_media"] = [m for m in ss["flt_media"] if m in facets["media_types"]] or facets["media_types"]
    lo, hi = ss["flt_years"]
    lo, hi = max(lo, facets["year_min"]), min(hi, facets["year_max"])
    ss["flt_years"] = (lo, hi) if lo <= hi else (facets["year_min"], facets["year_max"])


def _filters_sidebar() -> features.Filters:
    ss = st.session_state
    _init_from_url()
    cached.refresh_if_tmdb_changed()
    tmdb_ready = bool(cached.tmdb_status(cached.tmdb_store_path()))
    sources = ["embedded", "tmdb"] if tmdb_ready else ["embedded"]
    if ss.get("flt_source") not in sources:
        ss["flt_source"] = "embedded"
    facets = cached.source_facets(ss["flt_source"])
    _init_state(facets)
    _clamp_state(facets)
    with st.sidebar:
        st.caption("FILTERS")
        for name in _FILTER_KEYS:
            ss[f"w_flt_{name}"] = ss[f"flt_{name}"]
        st.selectbox("Source", sources, format_func=SOURCE_LABELS.get, key="w_flt_source",
                     on_change=_keep, args=("source",),
                     help=None if tmdb_ready else "Sync TMDB titles on the Data page to add the live source.")
        st.multiselect("Content type", facets["media_types"], key="w_flt_media", on_change=_keep,
                       args=("media",), help="Movies, TV or both, where the source has both.")
        st.multiselect("Genres", facets["genres"], key="w_flt_genres", on_change=_keep, args=("genres",),
                       placeholder="All genres")
        st.slider("Release years", facets["year_min"], facets["year_max"], key="w_flt_years",
                  on_change=_keep, args=("years",))
        st.number_input("Minimum votes", 0, 1_000_000, step=50, key="w_flt_min_votes", on_change=_keep,
                        args=("min_votes",), help="Titles with fewer votes are mostly obscure films and shorts.")
    flt = features.Filters(ss["flt_source"], tuple(ss["flt_media"]), tuple(ss["flt_genres"]),
                           tuple(int(y) for y in ss["flt_years"]), int(ss["flt_min_votes"]))
    _to_url(flt)
    return flt


def _to_url(flt: features.Filters) -> None:
    """Write the filters into the query string, keeping any page-specific parameters."""
    params = {"source": flt.source, "media": ",".join(flt.media_types), "genres": ",".join(flt.genres),
              "years": f"{flt.years[0]}-{flt.years[1]}", "min_votes": str(flt.min_votes)}
    for key, value in params.items():
        if value and st.query_params.get(key) != value:
            st.query_params[key] = value
        elif not value and key in st.query_params:
            del st.query_params[key]


def page_setup(title: str, question: str = "", filters: bool = True) -> features.Filters:
    """Configure the page, draw the grouped nav and global filters; return the active filters."""
    st.set_page_config(page_title=f"{title} | Marquee", page_icon=":material/movie_filter:", layout="wide")
    _nav()
    flt = _filters_sidebar() if filters else features.Filters()
    st.title(title)
    if question:
        st.caption(question)
    if flt.source == "tmdb":
        tmdb_attribution()
    return flt


def query_param(name: str, default: str = "") -> str:
    """A page-specific query parameter (e.g. the Head-to-Head pair)."""
    return st.query_params.get(name, default)


def set_query_param(name: str, value: str) -> None:
    """Set a page-specific query parameter so the view can be shared."""
    if st.query_params.get(name) != value:
        st.query_params[name] = value


def empty_state(message: str) -> None:
    """What the user sees when a filter leaves nothing."""
    st.info(f"{message} Widen the filters in the sidebar (genres, years, minimum votes).",
            icon=":material/filter_alt_off:")


def error_state(message: str) -> None:
    """A clear error without a traceback."""
    st.error(message, icon=":material/error:")


def configured_settings() -> dict:
    """TMDB settings from ``st.secrets`` (when a secrets file exists) over the environment.

    ``st.secrets`` raises even on ``.get`` when no secrets file exists, hence the guard.
    """
    names = ("TMDB_API_KEY", "TMDB_BEARER_TOKEN")
    out = {n: os.environ.get(n, "") for n in names}
    try:
        out.update({n: str(st.secrets[n]) for n in names if n in st.secrets})
    except Exception:  # no secrets file, or a malformed one: the environment stands
        pass
    return out


def tmdb_attribution() -> None:
    """TMDB's required notice wherever TMDB data is shown."""
    logo = config.ASSETS_DIR / "tmdb_logo.svg"
    cols = st.columns([1, 12])
    if logo.exists():
        cols[0].image(str(logo), width=60)
    cols[1].caption("This product uses the TMDB API but is not endorsed or certified by TMDB.")


def chart(fig: go.Figure, how_to_read: str, insights: list[str] | None = None, key: str = "") -> None:
    """A chart with its one-line reading guide above and its computed insights below."""
    st.caption(f":material/help: {how_to_read}")
    st.plotly_chart(fig, width="stretch", key=key or None)
    for line in insights or []:
        st.markdown(f"- {line}")


def download(df: pd.DataFrame, name: str, key: str, label: str = "Download CSV") -> None:
    """A CSV download of exactly the rows on screen (filters applied)."""
    st.download_button(label, df.to_csv(index=False).encode(), file_name=f"{name}.csv", mime="text/csv",
                       key=key, icon=":material/download:")


def filters_summary(flt: features.Filters, n: int) -> str:
    """One line that says what the current view holds."""
    genres = ", ".join(flt.genres) if flt.genres else "all genres"
    return (f"{n:,} titles · {SOURCE_LABELS[flt.source]} · {genres} · {flt.years[0]}-{flt.years[1]} · "
            f"{flt.min_votes:,}+ votes")
