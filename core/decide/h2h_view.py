"""The Head-to-Head page body: two genres or two titles side by side, with a scored winner; the pair is in the
URL so a comparison can be shared."""
from __future__ import annotations

import streamlit as st

from core import charts, ui
from core.data import cache as data_cache
from core.data.features import Filters
from core.decide import cache, h2h
from core.decide import charts as cd

MODE_LABELS = {"genre": "Genre vs genre", "title": "Title vs title"}


def render(flt: Filters) -> None:
    """Draw the Head-to-Head page for the active filters."""
    n = len(data_cache.strategy_frame(flt))
    ui.stop_if_empty(n)
    url_mode, note = ui.query_param("h2h_mode", "genre"), ""
    if url_mode not in h2h.MODES:
        note, url_mode = "Unknown comparison mode in the link; comparing genres.", "genre"
    mode = st.radio("Compare", h2h.MODES, index=h2h.MODES.index(url_mode), horizontal=True, key="hh_mode",
                    format_func=MODE_LABELS.get)
    a, b = _pickers(flt, mode, url_mode, note, n)
    result = cache.h2h_comparison(flt, mode, a, b)
    verdict, table = result["verdict"], result["table"]
    st.subheader(ui.inert(verdict["text"]))
    st.markdown(ui.inert(verdict["why"]))
    score = st.columns(3)
    score[0].metric(f"Metrics won by {ui.escape(a, 80)}", verdict["wins_a"])
    score[1].metric(f"Metrics won by {ui.escape(b, 80)}", verdict["wins_b"])
    score[2].metric("Ties", verdict["ties"], help=f"Within {h2h.TIE_TOLERANCE:.0f}% (or percentile point).")
    colors = (charts.genre_color(a), charts.genre_color(b)) if mode == "genre" else cd.SIDE_COLORS
    st.markdown("**Side by side**")
    st.dataframe(h2h.display_table(table, a, b), width="stretch", hide_index=True)
    ui.download(table, f"head_to_head_{mode}", key="hh_table_dl")
    st.caption("Scored metrics: higher is better. Counts, runtime, budget and year are shown but not scored.")
    ui.chart(cd.diff_bars(table, a, b, colors), cd.HOW_TO_READ["diff_bars"], result["diff_insights"], key="hh_diff")
    _trend(mode, result, a, b, colors)


def _pickers(flt: Filters, mode: str, url_mode: str, note: str, n: int) -> tuple[str, str]:
    """Options A and B (from the link when it names a valid pair), written back to the URL; stops the page when
    there is no pair to compare."""
    url_a, url_b = (ui.query_param("a"), ui.query_param("b")) if mode == url_mode else ("", "")
    options = cache.h2h_options(flt, mode, (url_a, url_b) if mode == "title" else ())
    pair, pair_note = h2h.resolve_pair(options, url_a, url_b)
    if pair is None:
        st.info(f"The view has fewer than two {mode}s to compare. "
                + ("Switch to title vs title, or widen the genre filter." if mode == "genre" else "Widen the filters."),
                icon=":material/compare_arrows:")
        st.stop()
    pick = st.columns(2)
    a = pick[0].selectbox("Option A", options, index=options.index(pair[0]), key=f"hh_a_{mode}")
    b = pick[1].selectbox("Option B", options, index=options.index(pair[1]), key=f"hh_b_{mode}")
    for name, value in (("h2h_mode", mode), ("a", a), ("b", b)):
        ui.set_query_param(name, value)
    for line in (note, pair_note):
        if line:
            st.caption(f":material/link_off: {ui.escape(line)}")
    if mode == "title" and len(options) >= h2h.TITLE_OPTIONS:
        st.caption(f"The pickers list the top {h2h.TITLE_OPTIONS:,} of {n:,} titles by engagement; type to search.")
    if a == b:
        st.warning("Pick two different options to compare.", icon=":material/compare_arrows:")
        st.stop()
    return a, b


def _trend(mode: str, result: dict, a: str, b: str, colors: tuple) -> None:
    st.subheader("Over time")
    if mode == "genre":
        ui.chart(cd.genre_trend(result["trend"]), cd.HOW_TO_READ["genre_trend"], result["trend_insights"],
                 key="hh_trend")
    elif result["trend"].empty:
        st.info("No time series for these titles: only the embedded films matched to MovieLens have dated user "
                "ratings (TMDB titles have none).", icon=":material/timeline:")
    else:
        ui.chart(cd.rating_trend(result["trend"], (a, b), colors), cd.HOW_TO_READ["rating_trend"],
                 result["trend_insights"], key="hh_trend")
