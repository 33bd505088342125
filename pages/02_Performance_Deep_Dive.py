"""Performance Deep Dive: what drives success, when do titles do best, which stand apart, and what segments exist?"""
import streamlit as st

from core import cached, charts_explore as cx, deepdive, deepdive_models, ui, universe
from models import anomaly, segment

flt = ui.page_setup("Performance Deep Dive", "What drives success? Correlations, drivers, timing, outliers and "
                                             "segments, all computed on the titles in view.")
contamination = st.sidebar.slider("Anomaly share (contamination, %)", 0.5, 10.0, 100 * anomaly.CONTAMINATION, step=0.5,
                                  key="dd_contamination",
                                  help="Share of titles the Isolation Forest flags as unusual.")

view = cached.frame(flt)
if view.empty:
    ui.empty_state("No titles match these filters.")
    st.stop()
if len(view) < universe.MIN_TITLES:
    st.info(f"Only {len(view)} titles in view: too few for correlations, outliers or segments (at least "
            f"{universe.MIN_TITLES}). Widen the filters.", icon=":material/info:")
    st.stop()
args = (flt.source, flt.media_types, flt.genres, flt.years, flt.min_votes)
overview = cached.deepdive_overview(*args)
st.markdown(ui.filters_summary(flt, len(view)))

# Lazy tabs: only the open tab's models and charts run and are drawn. The contamination slider sits in the
# sidebar, so it keeps its value while the Outliers tab is closed; the Segments tab's k persists (persist_state).
drivers_tab, timing_tab, outliers_tab, segments_tab = st.tabs(["Drivers", "Timing", "Outliers", "Segments"],
                                                              key="dd_tab", on_change="rerun", bind="query-params")
if drivers_tab.open:
    with drivers_tab:
        st.subheader("What moves together")
        if overview["corr"].empty:
            st.info("Fewer than two metrics have enough known values in this view to correlate.",
                    icon=":material/info:")
        else:
            ui.chart(cx.correlations(overview["corr"]), cx.HOW_TO_READ["correlations"], overview["corr_insights"],
                     key="dd_corr")
        st.subheader("Engagement drivers")
        ui.chart(cx.drivers(overview["drivers"], overview["overall"]), cx.HOW_TO_READ["drivers"],
                 overview["driver_insights"], key="dd_drivers")
        if overview["driver_caveat"]:
            st.caption(overview["driver_caveat"])
        ui.download(overview["drivers"], "engagement_drivers", key="dd_dl_drivers", label="Download driver table")

if timing_tab.open:
    with timing_tab:
        st.subheader("Seasonal patterns")
        bases = overview["bases"]
        st.caption(overview["basis_note"])
        for col, basis in zip(st.columns(len(bases)) if bases else [], bases):
            with col:
                seasonal = cached.deepdive_seasonal(*args, basis)
                st.markdown(f"#### By {deepdive.BASIS_LABELS[basis]}")
                ui.chart(cx.seasonal(seasonal["profile"], basis), cx.HOW_TO_READ["seasonal"], seasonal["insights"],
                         key=f"dd_seasonal_{basis}")
                if seasonal["caveat"]:
                    st.caption(seasonal["caveat"])

if outliers_tab.open:
    with outliers_tab:
        st.subheader("Anomalies")
        anomalies = cached.deepdive_anomalies(*args, contamination / 100)
        if not anomalies:
            st.info(f"Anomaly detection needs at least {deepdive_models.MIN_ANOMALY_TITLES} titles in view.",
                    icon=":material/info:")
        else:
            st.caption(anomalies["method"])
            st.metric("Flagged titles", f"{len(anomalies['table']):,}",
                      help="At the contamination share in the sidebar.")
            ui.chart(cx.anomalies(anomalies["points"]), cx.HOW_TO_READ["anomalies"], anomalies["insights"],
                     key="dd_anomalies")
            if anomalies["caveat"]:
                st.caption(anomalies["caveat"])
            st.dataframe(anomalies["table"], width="stretch", hide_index=True,
                         column_config={"score": st.column_config.NumberColumn(format="%.3f"),
                                        "vote_count": st.column_config.NumberColumn("votes", format="localized")})
            ui.download(anomalies["table"], "anomalies", key="dd_dl_anomalies")

if segments_tab.open:
    with segments_tab:
        st.subheader("Title segments")
        with st.spinner("Segmenting titles..."):
            seg = cached.deepdive_segments(*args)
        if not seg:
            st.info(f"Segmentation needs at least {segment.MIN_TITLES} titles with every segment feature: "
                    f"{segment.feature_list()}.", icon=":material/info:")
            st.stop()
        best_k = seg["best_k"]
        k = st.selectbox("Number of segments", [0, *range(segment.K_MIN, segment.K_MAX + 1)],
                         format_func=lambda v: f"Best by silhouette (k = {best_k})" if v == 0 else f"k = {v}",
                         key="dd_k", persist_state="page",
                         help="The silhouette's pick by default; pick another k for finer or coarser segments. "
                              "The Investment Copilot always uses the best k.")
        if k and k != best_k:
            seg = cached.deepdive_segments(*args, k)
        ev = seg["evaluation"]
        cols = st.columns(3)
        cols[0].metric("Segments (k)", seg["k"])
        cols[1].metric("Held-out silhouette", f"{ev.get('holdout_silhouette', float('nan')):.2f}",
                       help=seg["holdout_note"])
        cols[2].metric("No-structure baseline", f"{ev.get('null_silhouette', float('nan')):.2f}",
                       help="Silhouette of the same k on data with each column shuffled independently.")
        st.caption(seg["method"])
        ui.chart(cx.segment_curves(seg["scores"], best_k, seg["k"]), cx.HOW_TO_READ["segment_curves"], seg["curve_insights"],
                 key="dd_seg_curves")
        ui.chart(cx.segments(seg["points"]), cx.HOW_TO_READ["segments"], seg["insights"], key="dd_segments")
        st.dataframe(seg["table"], width="stretch", hide_index=True,
                     column_config={"hit_rate": st.column_config.NumberColumn(format="percent"),
                                    "mean_rating": st.column_config.NumberColumn(format="%.1f"),
                                    "median_popularity": st.column_config.NumberColumn(format="%.1f"),
                                    "mean_engagement": st.column_config.NumberColumn(format="%.1f")})
        ui.download(seg["table"], "segments", key="dd_dl_segments")
