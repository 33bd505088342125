"""The Market Opportunities page body: saturation, concentration, release windows and genre pairings."""
from __future__ import annotations

import streamlit as st

from core import ui
from core.data import cache as data_cache
from core.data.features import Filters
from core.explore import cache, deepdive, market, universe
from core.explore import charts as cx

SATURATION_DEFINITION = (
    "- **Supply share**: a genre's share of genre-title pairs (a two-genre title counts in both).\n"
    "- **Hit share**: its share of all hits (hit = top engagement quartile in view).\n"
    "- **Saturation index** = supply share / hit share: 1.0 = hits in proportion to supply, above 1 = more titles "
    "than its hits justify (saturated), below 1 = under-supplied for its success.\n"
    "- **Zones**: supply above or below the median genre, hit rate above or below the average.")
SATURATION_COLUMNS = {**{c: st.column_config.NumberColumn(format="percent")
                         for c in ("title_share", "engagement_share", "hit_share", "hit_rate")},
                      "saturation_index": st.column_config.NumberColumn(format="%.2f"),
                      "engagement": st.column_config.NumberColumn(format="%.0f"),
                      "mean_engagement": st.column_config.NumberColumn(format="%.1f")}
PAIR_COLUMNS = {"hit_rate": st.column_config.NumberColumn(format="percent"),
                "best_single_hit_rate": st.column_config.NumberColumn("best single-genre hit rate", format="percent"),
                "lift": st.column_config.NumberColumn("lift (rate points)", format="percent"),
                "mean_engagement": st.column_config.NumberColumn(format="%.1f")}


def render(flt: Filters) -> None:
    """Draw the Market Opportunities page for the active filters."""
    measure = st.sidebar.radio("Concentration of", list(market.MEASURES), format_func=market.MEASURES.get,
                               key="mo_measure")
    n = len(data_cache.strategy_frame(flt))
    ui.stop_if_empty(n)
    ui.stop_if_too_few(n, universe.MIN_TITLES, "to size a market")
    overview = cache.market_overview(flt)
    st.markdown(ui.filters_summary(flt, n))
    # Lazy tabs, one per question: only the open tab's chart is computed and drawn. The release-window radio
    # lives in a tab, so its choice is kept in ``mo_keep_basis`` while that tab is closed.
    tabs = st.tabs(["Saturation", "Concentration", "Release windows", "Pairings"], key="mo_tab",
                   on_change="rerun", bind="query-params")
    sections = (lambda: _saturation(overview), lambda: _concentration(flt, measure),
                lambda: _windows(flt, overview), lambda: _pairings(overview))
    for tab, section in zip(tabs, sections):
        if tab.open:
            with tab:
                section()


def _saturation(overview: dict) -> None:
    sat = overview["saturation"]
    st.subheader("Market saturation")
    with st.expander("How the saturation index is defined"):
        st.markdown(SATURATION_DEFINITION)
    if len(sat) < 2:
        st.info("Saturation compares genres: this view holds only one genre. Clear the genre filter to compare.",
                icon=":material/info:")
    else:
        ui.chart(cx.saturation(sat), cx.HOW_TO_READ["saturation"], overview["saturation_insights"],
                 key="mo_saturation")
    ui.table(sat, "genre_saturation", key="mo_dl_saturation", column_config=SATURATION_COLUMNS)


def _concentration(flt: Filters, measure: str) -> None:
    st.subheader("Concentration (80/20)")
    pareto = cache.market_pareto(flt, measure)
    st.metric(f"Share of titles holding 80% of {market.MEASURES[measure]}", f"{pareto['summary']['titles_for_80']:.0%}")
    ui.chart(cx.pareto(pareto["curve"], pareto["summary"]["titles_for_80"]), cx.HOW_TO_READ["pareto"],
             pareto["insights"], key="mo_pareto")


def _windows(flt: Filters, overview: dict) -> None:
    st.subheader("Release windows")
    bases = overview["bases"]
    st.caption(overview["basis_note"])
    if not bases:
        return
    if st.session_state.get("mo_keep_basis") in bases:
        st.session_state.setdefault("mo_basis", st.session_state["mo_keep_basis"])
    basis = st.radio("Window", bases, format_func=lambda b: cx.sentence_case(deepdive.BASIS_LABELS[b]),
                     horizontal=True, key="mo_basis")
    st.session_state["mo_keep_basis"] = basis
    window = cache.market_release_window(flt, basis)
    ui.chart(cx.release_window(window["window"], basis), cx.HOW_TO_READ["release_window"], window["insights"],
             key="mo_window")


def _pairings(overview: dict) -> None:
    st.subheader("Genre pairings")
    if overview["nodes"].shape[0] < 2:
        st.info("The network needs at least two genres that share titles; this view has none.",
                icon=":material/info:")
        return
    ui.chart(cx.genre_network(overview["nodes"], overview["edges"]), cx.HOW_TO_READ["network"],
             overview["network_insights"], key="mo_network")
    st.markdown(f"#### Best-performing pairings ({market.MIN_CELL}+ shared titles)")
    st.dataframe(overview["best_pairs"], width="stretch", hide_index=True, column_config=PAIR_COLUMNS)
    ui.download(overview["pairs"], "genre_pairs", key="mo_dl_pairs", label="Download all pairs")
