"""The Usage page body: how Marquee itself is used (pages, days, sessions, flow, filters and searches) and how fast
each page renders on the server, read from the usage store."""
from __future__ import annotations

import streamlit as st

from core import config, ui
from core.ui.nav import PAGES
from core.usage import cache, store
from core.usage import charts as cu
from core.usage import insights as iu

PERIODS = {7: "Last 7 days", 30: "Last 30 days", 90: "Last 90 days", 0: "All time"}
TABS = ("Pages", "Flow", "Filters and searches", "Speed")
REASON_LABELS = {"queue_full": "queue full", "locked": "store locked by another process",
                 "read_only": "read-only folder", "disk_full": "disk full", "error": "other errors"}
RECORDED = """
**Recorded**, per anonymous session id (random, made when a browser session starts; it is not derived from
anything about the visitor):
- page views (opening a page) and each run's server render time (from the start of the page to the end of its
  body, in milliseconds);
- sidebar filter changes: which filter and its new value from the filter's own options (an uploaded or platform
  source is recorded as "uploaded" or "platform", not by its name);
- searches: the title picked in a title search box (Head-to-Head, Recommender), trimmed and cut to 80 characters;
- other widget interactions, by the widget's key only (never its value), and CSV downloads, by button.

**Never recorded**: IP addresses, user agents or browser details, API keys or tokens, file contents, and no text
anyone types (a key, a source name, a project title), except the search terms above.

Events go to `usage.duckdb` in the cache folder (`MARQUEE_CACHE_DIR`), written in batches off the page's path; the
store keeps the newest `MARQUEE_USAGE_MAX_ROWS` events (1,000,000 by default). `MARQUEE_USAGE=off` stops recording.
"""


def render() -> None:
    """Draw the Usage page from the configured usage store."""
    if not config.usage_enabled():
        st.info("Recording is off (`MARQUEE_USAGE=off`): nothing new is recorded. What was recorded before is "
                "shown below.", icon=":material/pause_circle:")
    with st.expander("What is recorded, and what never is", icon=":material/privacy_tip:"):
        st.markdown(RECORDED)
    days = st.segmented_control("Period", list(PERIODS), format_func=PERIODS.get, default=30, required=True,
                                key="us_days")
    days = 30 if days is None else days  # 0 is "all time"
    try:
        path = config.usage_store_path()
        figs = cache.usage_figures(str(path), days, store.stamp(path))
    except store.StoreUnavailable as exc:
        ui.error_state(_unavailable(exc.reason))
        return
    _health()
    if not figs["events"]:
        st.info("No usage recorded in this period yet. Open a few pages and come back: events reach the store "
                "within about a second.", icon=":material/hourglass_empty:")
        return
    _headline(figs)
    sections = (lambda: _pages(figs), lambda: _flow(figs), lambda: _filters(figs), lambda: _speed(figs))
    ui.lazy_tabs(dict(zip(TABS, sections)), key="us_tab")


def _unavailable(reason: str) -> str:
    if reason == "locked":
        return "The usage store is busy (another process holds it). Try again in a moment."
    if reason == "damaged":
        return "The usage store is damaged. Move `usage.duckdb` out of the cache folder to start a new one."
    return "The usage store cannot be read right now; the app itself is unaffected."


def _health() -> None:
    """What this server process wrote and dropped since it started."""
    counts = store.dropped()
    lost = {r: n for r, n in counts.items() if r != "written" and n}
    if lost:
        parts = ", ".join(f"{n:,} ({REASON_LABELS[r]})" for r, n in lost.items())
        st.warning(f"This server process dropped {sum(lost.values()):,} usage events so far: {parts}. Pages "
                   "rendered as usual; only these events are missing.", icon=":material/warning:")
    else:
        st.caption(f":material/check_circle: This server process has written {counts['written']:,} usage events "
                   "since it started and dropped none.")


def _headline(figs: dict) -> None:
    cols = st.columns(4)
    cols[0].metric("Sessions", f"{figs['sessions_n']:,}")
    cols[1].metric("Page views", f"{figs['views']:,}")
    cols[2].metric("Median session length", iu.duration(figs["median_session_s"]))
    cols[3].metric("Events", f"{figs['events']:,}")
    st.caption(f":material/schedule: {figs['first']:%Y-%m-%d %H:%M} to {figs['last']:%Y-%m-%d %H:%M} UTC.")
    ui.bullets(figs["insights"]["sessions"])


def _pages(figs: dict) -> None:
    colors = cu.page_colors([p.label for p in PAGES])
    left, right = st.columns(2)
    with left:
        ui.chart(cu.views_by_page(figs["views_by_page"], colors), cu.HOW_TO_READ["views_by_page"],
                 figs["insights"]["pages"], key="us_pages")
    with right:
        ui.chart(cu.views_by_day(figs["views_by_day"], colors), cu.HOW_TO_READ["views_by_day"],
                 figs["insights"]["days"], key="us_days_chart")
    ui.table(figs["views_by_page"], "usage_views_by_page", "us_views_dl")


def _flow(figs: dict) -> None:
    ui.chart(cu.flow(figs["transitions"], [p.label for p in PAGES]), cu.HOW_TO_READ["flow"],
             figs["insights"]["flow"], key="us_flow")
    ui.table(figs["transitions"], "usage_page_flow", "us_flow_dl")


def _filters(figs: dict) -> None:
    ui.chart(cu.filters(figs["filters"]), cu.HOW_TO_READ["filters"], figs["insights"]["filters"], key="us_filters")
    left, right = st.columns(2)
    with left:
        st.subheader("Most picked filter values")
        ui.table(figs["filter_values"], "usage_filter_values", "us_values_dl")
    with right:
        st.subheader("Top search terms")
        if figs["searches"].empty:
            st.caption("No title searches in this period.")
        else:
            ui.table(figs["searches"], "usage_search_terms", "us_search_dl")
    left, right = st.columns(2)
    with left:
        st.subheader("Most used widgets")
        ui.table(figs["widgets"], "usage_widgets", "us_widgets_dl")
    with right:
        st.subheader("Downloads")
        ui.table(figs["exports"], "usage_downloads", "us_exports_dl")


def _speed(figs: dict) -> None:
    st.caption(":material/speed: Self-monitoring: the server's time to run each page script, not the browser's "
               "drawing time.")
    ui.chart(cu.render_times(figs["render"]), cu.HOW_TO_READ["render"], figs["insights"]["render"], key="us_render")
    ui.table(iu.render_table(figs["render"]), "usage_render_times", "us_render_dl")
