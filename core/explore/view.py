"""The explore pages' bodies: Content Universe (``render_universe``), Performance Deep Dive
(``render_deepdive``) and Market Opportunities (``render_market``).

The model and network modules (scikit-learn, networkx) are imported inside the Deep Dive and Market
functions that use them, so the Content Universe page does not load them.
"""
from __future__ import annotations

from typing import Callable

import streamlit as st

from core import ui
from core.data import cache as data_cache
from core.data.features import Filters
from core.explore import cache, deepdive, universe
from core.explore import charts as cx

TOP_COLUMNS = {"vote_average": st.column_config.NumberColumn("rating", format="%.1f"),
               "engagement_score": st.column_config.NumberColumn("engagement", format="%.1f"),
               "popularity": st.column_config.NumberColumn(format="%.1f"),
               "vote_count": st.column_config.NumberColumn("votes", format="localized")}


def render_universe(flt: Filters) -> None:
    """Draw the Content Universe page for the active filters."""
    top_n = st.sidebar.slider("Top performers to list", 10, 100, 25, step=5, key="cu_top_n")
    n = len(data_cache.strategy_frame(flt))
    ui.stop_if_empty(n)
    overview = cache.universe_overview(flt)
    head = overview["headline"]
    st.markdown(ui.filters_summary(flt, n))
    cols = st.columns(4)
    cols[0].metric("Titles", f"{head['titles']:,}")
    cols[1].metric("Genres", head["genres"])
    cols[2].metric("Median rating", f"{head['median_rating']:.1f}")
    cols[3].metric("Median votes", f"{head['median_votes']:,.0f}")
    if n < universe.MIN_TITLES:
        st.info(f"Only {n} titles in view: too few to chart distributions (at least {universe.MIN_TITLES}). "
                "Here they are as a list.", icon=":material/info:")
        ui.table(cache.universe_titles(flt, "", top_n)["top"], "titles_in_view", key="cu_dl_small")
        return
    # Lazy tabs: only the open tab's charts are computed and drawn (the big scatter stays off the first view).
    genres_tab, quality_tab, top_tab, tv_tab = st.tabs(["Genres", "Quality vs popularity", "Top titles",
                                                        "TV audiences"], key="cu_tab", on_change="rerun",
                                                       bind="query-params")
    if genres_tab.open:
        with genres_tab:
            _genres(overview)
    if quality_tab.open:
        with quality_tab:
            _by_media(flt, overview["media"], "cu_media_quality", lambda m: _quality(flt, m, top_n))
    if top_tab.open:
        with top_tab:
            _by_media(flt, overview["media"], "cu_media_top", lambda m: _top(flt, m, top_n))
    if tv_tab.open:
        with tv_tab:
            _tv_audiences()


def _tv_audiences() -> None:
    """Episode audiences of the embedded TV series (independent of the title filters: it is its own table)."""
    tv = cache.episodes_overview(data_cache.source_version("embedded"))
    st.subheader("TV audiences: The Great British Bake Off, episode by episode")
    st.caption("Real UK audiences (BARB 7-day and 28-day viewers, millions) from the embedded `bakeoff` data; the "
               "title filters do not apply to this table. Catch-up = 28-day minus 7-day viewers.")
    if tv["series"].empty:
        st.info("No episode audiences in the embedded data.", icon=":material/tv:")
        return
    ui.chart(cx.episode_audience(tv["episodes"]), cx.HOW_TO_READ["episode_audience"], tv["insights"][:4],
             key="cu_tv_episodes")
    table = tv["series"][["series", "episodes", "first_aired", "mean_viewers", "premiere", "finale", "finale_lift",
                          "change", "catch_up"]]
    ui.table(table, "tv_series_audiences", key="cu_tv_dl", column_config={
        "first_aired": st.column_config.DateColumn("first aired"),
        "mean_viewers": st.column_config.NumberColumn("mean viewers (M)", format="%.2f"),
        "premiere": st.column_config.NumberColumn("premiere (M)", format="%.2f"),
        "finale": st.column_config.NumberColumn("finale (M)", format="%.2f"),
        "finale_lift": st.column_config.NumberColumn("finale vs mean", format="percent"),
        "change": st.column_config.NumberColumn("vs previous series", format="percent"),
        "catch_up": st.column_config.NumberColumn("catch-up (M)", format="%.2f")})


def _genres(overview: dict) -> None:
    st.subheader("Genre distribution")
    st.caption("A title counts once in each of its genres, so shares are of genre-title pairs and add up to 100%.")
    ui.chart(cx.genre_shares(overview["stats"]), cx.HOW_TO_READ["genre_shares"], overview["stats_insights"],
             key="cu_genres")
    ui.download(overview["stats"], "genre_distribution", key="cu_dl_genres", label="Download genre table")
    st.subheader("Performance matrix")
    ui.chart(cx.tier_matrix(overview["matrix"]), cx.HOW_TO_READ["tier_matrix"], overview["matrix_insights"],
             key="cu_matrix")


def _titles(flt: Filters, media: str, top_n: int) -> dict | None:
    """Points, top table and cards for one media type ("" = all); None (with a note) when there are none."""
    data = cache.universe_titles(flt, media, top_n)
    if data["titles"] == 0:
        ui.empty_state("No titles of this type match these filters.")
        return None
    return data


def _by_media(flt: Filters, media: list[str], key: str, section: Callable[[str], None]) -> None:
    """Draw ``section(media)`` in lazy Movies / TV tabs (only the open one runs; the choice carries over between
    the Quality and Top titles tabs), or once when the view holds a single media type."""
    if len(media) < 2:
        st.caption(universe.media_note(media, flt.source))
        section("")
        return
    labels = [universe.MEDIA_LABELS.get(m, m) for m in media]
    if st.session_state.get("cu_keep_media") in labels:
        st.session_state.setdefault(key, st.session_state["cu_keep_media"])
    for tab, label, m in zip(st.tabs(labels, key=key, on_change="rerun"), labels, media):
        if tab.open:
            st.session_state["cu_keep_media"] = label
            with tab:
                section(m)


def _quality(flt: Filters, media: str, top_n: int) -> None:
    """Rating against popularity for one media type."""
    data = _titles(flt, media, top_n)
    if data is None:
        return
    if len(data["points"]) >= 3:
        ui.chart(cx.quality_popularity(data["points"]), cx.HOW_TO_READ["quality_popularity"],
                 data["points_insights"], key=f"cu_scatter_{media or 'all'}")
    else:
        st.info("Too few titles with a popularity score to plot.", icon=":material/info:")


def _top(flt: Filters, media: str, top_n: int) -> None:
    """Top performers and title cards for one media type."""
    data = _titles(flt, media, top_n)
    if data is None:
        return
    st.markdown(f"#### Top {len(data['top'])} performers by engagement score")
    ui.table(data["top"], f"top_performers_{media or 'all'}", key=f"cu_dl_top_{media or 'all'}",
             column_config=TOP_COLUMNS)
    cards = data["cards"]
    with_posters = any(c["poster_url"] for c in cards)
    st.markdown("#### Poster wall" if with_posters else "#### Title cards")
    if not with_posters:
        st.caption("This source has no posters, so the leading titles are shown as cards.")
    grid = st.columns(4)
    for i, card in enumerate(cards):
        with grid[i % 4].container(border=True):
            if card["poster_url"]:
                st.image(card["poster_url"], width="stretch")
            st.markdown(f"**{ui.escape(card['title'])}** ({card['year']})")
            st.caption(f"{ui.escape(card['genre'])} · :material/star: {card['rating']:.1f} · {card['votes']:,} votes")


ANOMALY_COLUMNS = {"score": st.column_config.NumberColumn(format="%.3f"),
                   "vote_count": st.column_config.NumberColumn("votes", format="localized")}
SEGMENT_COLUMNS = {"hit_rate": st.column_config.NumberColumn(format="percent"),
                   "mean_rating": st.column_config.NumberColumn(format="%.1f"),
                   "median_popularity": st.column_config.NumberColumn(format="%.1f"),
                   "mean_engagement": st.column_config.NumberColumn(format="%.1f")}


def render_deepdive(flt: Filters) -> None:
    """Draw the Performance Deep Dive page for the active filters."""
    from models import anomaly

    contamination = st.sidebar.slider("Anomaly share (contamination, %)", 0.5, 10.0, 100 * anomaly.CONTAMINATION,
                                      step=0.5, key="dd_contamination",
                                      help="Share of titles the Isolation Forest flags as unusual.")
    n = len(data_cache.strategy_frame(flt))
    ui.stop_if_empty(n)
    ui.stop_if_too_few(n, universe.MIN_TITLES, "for correlations, outliers or segments")
    overview = cache.deepdive_overview(flt)
    st.markdown(ui.filters_summary(flt, n))
    # Lazy tabs: only the open tab's models and charts run and are drawn. The contamination slider sits in the
    # sidebar, so it keeps its value while the Outliers tab is closed; the Segments tab's k persists.
    ui.lazy_tabs({"Drivers": lambda: _drivers(overview), "Timing": lambda: _timing(flt, overview),
                  "Outliers": lambda: _outliers(flt, contamination / 100), "Segments": lambda: _segments(flt)},
                 key="dd_tab", bind="query-params")


def _drivers(overview: dict) -> None:
    st.subheader("What moves together")
    if overview["corr"].empty:
        st.info("Fewer than two metrics have enough known values in this view to correlate.", icon=":material/info:")
    else:
        ui.chart(cx.correlations(overview["corr"]), cx.HOW_TO_READ["correlations"], overview["corr_insights"],
                 key="dd_corr")
    st.subheader("Engagement drivers")
    ui.chart(cx.drivers(overview["drivers"], overview["overall"]), cx.HOW_TO_READ["drivers"],
             overview["driver_insights"], key="dd_drivers")
    if overview["driver_caveat"]:
        st.caption(overview["driver_caveat"])
    ui.download(overview["drivers"], "engagement_drivers", key="dd_dl_drivers", label="Download driver table")


def _timing(flt: Filters, overview: dict) -> None:
    st.subheader("Seasonal patterns")
    bases = overview["bases"]
    st.caption(overview["basis_note"])
    for col, basis in zip(st.columns(len(bases)) if bases else [], bases):
        with col:
            seasonal = cache.deepdive_seasonal(flt, basis)
            st.markdown(f"#### By {deepdive.BASIS_LABELS[basis]}")
            ui.chart(cx.seasonal(seasonal["profile"], basis), cx.HOW_TO_READ["seasonal"], seasonal["insights"],
                     key=f"dd_seasonal_{basis}")
            if seasonal["caveat"]:
                st.caption(seasonal["caveat"])


def _outliers(flt: Filters, contamination: float) -> None:
    from core.explore import deepdive_models

    st.subheader("Anomalies")
    anomalies = cache.deepdive_anomalies(flt, contamination)
    if not anomalies:
        st.info(f"Anomaly detection needs at least {deepdive_models.MIN_ANOMALY_TITLES} titles in view.",
                icon=":material/info:")
        return
    st.caption(anomalies["method"])
    st.metric("Flagged titles", f"{len(anomalies['table']):,}", help="At the contamination share in the sidebar.")
    ui.chart(cx.anomalies(anomalies["points"]), cx.HOW_TO_READ["anomalies"], anomalies["insights"],
             key="dd_anomalies")
    if anomalies["caveat"]:
        st.caption(anomalies["caveat"])
    ui.table(anomalies["table"], "anomalies", key="dd_dl_anomalies", column_config=ANOMALY_COLUMNS)


def _segments(flt: Filters) -> None:
    from models import segment

    st.subheader("Title segments")
    with st.spinner("Segmenting titles..."):
        seg = cache.deepdive_segments(flt)
    if not seg:
        st.info(f"Segmentation needs at least {segment.MIN_TITLES} titles with every segment feature: "
                f"{segment.feature_list()}.", icon=":material/info:")
        return
    best_k = seg["best_k"]
    k = st.selectbox("Number of segments", [0, *range(segment.K_MIN, segment.K_MAX + 1)],
                     format_func=lambda v: f"Best by silhouette (k = {best_k})" if v == 0 else f"k = {v}",
                     key="dd_k", persist_state="page",
                     help="The silhouette's pick by default; pick another k for finer or coarser segments. "
                          "The Investment Copilot always uses the best k.")
    if k and k != best_k:
        seg = cache.deepdive_segments(flt, k)
    ev = seg["evaluation"]
    cols = st.columns(3)
    cols[0].metric("Segments (k)", seg["k"])
    cols[1].metric("Held-out silhouette", f"{ev.get('holdout_silhouette', float('nan')):.2f}",
                   help=seg["holdout_note"])
    cols[2].metric("No-structure baseline", f"{ev.get('null_silhouette', float('nan')):.2f}",
                   help="Silhouette of the same k on data with each column shuffled independently.")
    st.caption(seg["method"])
    ui.chart(cx.segment_curves(seg["scores"], best_k, seg["k"]), cx.HOW_TO_READ["segment_curves"],
             seg["curve_insights"], key="dd_seg_curves")
    ui.chart(cx.segments(seg["points"]), cx.HOW_TO_READ["segments"], seg["insights"], key="dd_segments")
    ui.table(seg["table"], "segments", key="dd_dl_segments", column_config=SEGMENT_COLUMNS)


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


def render_market(flt: Filters) -> None:
    """Draw the Market Opportunities page for the active filters."""
    from core.explore import market

    measure = st.sidebar.radio("Concentration of", list(market.MEASURES), format_func=market.MEASURES.get,
                               key="mo_measure")
    n = len(data_cache.strategy_frame(flt))
    ui.stop_if_empty(n)
    ui.stop_if_too_few(n, universe.MIN_TITLES, "to size a market")
    overview = cache.market_overview(flt)
    st.markdown(ui.filters_summary(flt, n))
    # Lazy tabs, one per question: only the open tab's chart is computed and drawn. The release-window radio
    # lives in a tab, so its choice is kept in ``mo_keep_basis`` while that tab is closed.
    ui.lazy_tabs({"Saturation": lambda: _saturation(overview), "Concentration": lambda: _concentration(flt, measure),
                  "Release windows": lambda: _windows(flt, overview), "Pairings": lambda: _pairings(overview)},
                 key="mo_tab", bind="query-params")


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
    from core.explore import market

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
    from core.explore import market

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
