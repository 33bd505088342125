"""The Performance Deep Dive page body: drivers, timing, outliers and segments of the titles in view."""
from __future__ import annotations

import streamlit as st

from core import ui
from core.data import cache as data_cache
from core.data.features import Filters
from core.explore import cache, deepdive, deepdive_models, universe
from core.explore import charts as cx
from models import anomaly, segment

ANOMALY_COLUMNS = {"score": st.column_config.NumberColumn(format="%.3f"),
                   "vote_count": st.column_config.NumberColumn("votes", format="localized")}
SEGMENT_COLUMNS = {"hit_rate": st.column_config.NumberColumn(format="percent"),
                   "mean_rating": st.column_config.NumberColumn(format="%.1f"),
                   "median_popularity": st.column_config.NumberColumn(format="%.1f"),
                   "mean_engagement": st.column_config.NumberColumn(format="%.1f")}


def render(flt: Filters) -> None:
    """Draw the Performance Deep Dive page for the active filters."""
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
    tabs = st.tabs(["Drivers", "Timing", "Outliers", "Segments"], key="dd_tab", on_change="rerun",
                   bind="query-params")
    sections = (lambda: _drivers(overview), lambda: _timing(flt, overview),
                lambda: _outliers(flt, contamination / 100), lambda: _segments(flt))
    for tab, section in zip(tabs, sections):
        if tab.open:
            with tab:
                section()


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
