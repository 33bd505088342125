"""Market Opportunities: where are the gaps? Which genres are under-supplied for their success, how concentrated
is engagement, which release windows work, and which genre pairings perform?"""
import streamlit as st

from core import cached, charts_explore as cx, deepdive, market, ui, universe

flt = ui.page_setup("Market Opportunities", "Where are the gaps? Saturation, concentration, release windows and "
                                            "genre pairings.")
measure = st.sidebar.radio("Concentration of", list(market.MEASURES), format_func=market.MEASURES.get,
                           key="mo_measure")

view = cached.frame(flt)
if view.empty:
    ui.empty_state("No titles match these filters.")
    st.stop()
if len(view) < universe.MIN_TITLES:
    st.info(f"Only {len(view)} titles in view: too few to size a market (at least {universe.MIN_TITLES}). "
            "Widen the filters.", icon=":material/info:")
    st.stop()
args = (flt.source, flt.media_types, flt.genres, flt.years, flt.min_votes)
overview = cached.market_overview(*args)
sat = overview["saturation"]
st.markdown(ui.filters_summary(flt, len(view)))

# Lazy tabs, one per question: only the open tab's chart is computed and drawn. The release-window radio lives in
# a tab, so its choice is kept in ``mo_keep_basis`` while that tab is closed.
sat_tab, conc_tab, window_tab, pairs_tab = st.tabs(["Saturation", "Concentration", "Release windows", "Pairings"],
                                                   key="mo_tab", on_change="rerun", bind="query-params")
if sat_tab.open:
    with sat_tab:
        st.subheader("Market saturation")
        with st.expander("How the saturation index is defined"):
            st.markdown("- **Supply share**: a genre's share of genre-title pairs (a two-genre title counts in "
                        "both).\n"
                        "- **Hit share**: its share of all hits (hit = top engagement quartile in view).\n"
                        "- **Saturation index** = supply share / hit share: 1.0 = hits in proportion to supply, "
                        "above 1 = more titles than its hits justify (saturated), below 1 = under-supplied for its "
                        "success.\n"
                        "- **Zones**: supply above or below the median genre, hit rate above or below the average.")
        if len(sat) < 2:
            st.info("Saturation compares genres: this view holds only one genre. Clear the genre filter to "
                    "compare.", icon=":material/info:")
        else:
            ui.chart(cx.saturation(sat), cx.HOW_TO_READ["saturation"], overview["saturation_insights"],
                     key="mo_saturation")
        st.dataframe(sat, width="stretch", hide_index=True,
                     column_config={**{c: st.column_config.NumberColumn(format="percent")
                                       for c in ("title_share", "engagement_share", "hit_share", "hit_rate")},
                                    "saturation_index": st.column_config.NumberColumn(format="%.2f"),
                                    "engagement": st.column_config.NumberColumn(format="%.0f"),
                                    "mean_engagement": st.column_config.NumberColumn(format="%.1f")})
        ui.download(sat, "genre_saturation", key="mo_dl_saturation")

if conc_tab.open:
    with conc_tab:
        st.subheader("Concentration (80/20)")
        pareto = cached.market_pareto(*args, measure)
        st.metric(f"Share of titles holding 80% of {market.MEASURES[measure]}",
                  f"{pareto['summary']['titles_for_80']:.0%}")
        ui.chart(cx.pareto(pareto["curve"], pareto["summary"]["titles_for_80"]), cx.HOW_TO_READ["pareto"],
                 pareto["insights"], key="mo_pareto")

if window_tab.open:
    with window_tab:
        st.subheader("Release windows")
        bases = overview["bases"]
        st.caption(overview["basis_note"])
        if bases:
            if st.session_state.get("mo_keep_basis") in bases:
                st.session_state.setdefault("mo_basis", st.session_state["mo_keep_basis"])
            basis = st.radio("Window", bases, format_func=lambda b: cx.sentence_case(deepdive.BASIS_LABELS[b]),
                             horizontal=True, key="mo_basis")
            st.session_state["mo_keep_basis"] = basis
            window = cached.market_release_window(*args, basis)
            ui.chart(cx.release_window(window["window"], basis), cx.HOW_TO_READ["release_window"],
                     window["insights"], key="mo_window")

if pairs_tab.open:
    with pairs_tab:
        st.subheader("Genre pairings")
        if overview["nodes"].shape[0] < 2:
            st.info("The network needs at least two genres that share titles; this view has none.",
                    icon=":material/info:")
        else:
            ui.chart(cx.genre_network(overview["nodes"], overview["edges"]), cx.HOW_TO_READ["network"],
                     overview["network_insights"], key="mo_network")
            st.markdown(f"#### Best-performing pairings ({market.MIN_CELL}+ shared titles)")
            st.dataframe(overview["best_pairs"], width="stretch", hide_index=True,
                         column_config={"hit_rate": st.column_config.NumberColumn(format="percent"),
                                        "best_single_hit_rate": st.column_config.NumberColumn(
                                            "best single-genre hit rate", format="percent"),
                                        "lift": st.column_config.NumberColumn("lift (rate points)",
                                                                              format="percent"),
                                        "mean_engagement": st.column_config.NumberColumn(format="%.1f")})
            ui.download(overview["pairs"], "genre_pairs", key="mo_dl_pairs", label="Download all pairs")
