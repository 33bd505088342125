"""Forecasting: what happens next? Where is each top genre's monthly activity heading over the next 12 months,
does a forecast beat a naive one, and which genres and titles are gaining speed?"""
import streamlit as st

from core import cached, forecasting, forecasting_dynamics, ui
from core import charts_forecast as cf

flt = ui.page_setup("Forecasting", "What happens next? 12-month Prophet forecasts for the top genres, checked "
                                   "against a naive forecast on the last 12 months, plus seasonality, momentum, "
                                   "velocity and rising stars.")
view = cached.frame(flt)
if view.empty:
    ui.empty_state("No titles match these filters.")
    st.stop()
args = (flt.source, flt.media_types, flt.genres, flt.years, flt.min_votes)
inputs = cached.forecast_inputs(*args)
genres = inputs["genres"]["genre"].tolist()
measure = forecasting.MEASURES[inputs["measure"]]

st.markdown(ui.filters_summary(flt, len(view)))
st.caption(f":material/timeline: {inputs['note']} Forecast genres: the {len(genres)} with the highest total "
           "engagement score in view" + (" among the genres you filtered on." if flt.genres else "."))
if inputs["series"].empty:
    missing = ("none of the titles in view has MovieLens ratings (only IMDb films matched to MovieLens do)"
               if inputs["measure"] == "ratings" else "no title in view has a full release date")
    st.info(f"No monthly series to forecast: {missing}.", icon=":material/timeline:")
    st.stop()

with st.status("Fitting forecasts...", expanded=False) as status:
    for i, genre in enumerate(genres, start=1):
        status.update(label=f"Backtesting and forecasting {genre} ({i} of {len(genres)})...")
        cached.forecast_genre(*args, genre)
    status.update(label=f"{len(genres)} genres forecast: Prophet, an ensemble, seasonal naive and the mean of the "
                        f"last 12 months, each backtested on the last {forecasting.HORIZON} months "
                        f"(data through {inputs['end']:%b %Y}).", state="complete")
summary = cached.forecast_summary(*args)

# Lazy tabs: only the open tab runs and draws its charts; the open tab is in the URL (?fc_tab=...) next to the
# filters, so a view can be shared.
tabs = st.tabs(["Outlook", "One genre", "Accuracy", "Seasonality", "Gaining speed"], key="fc_tab",
               on_change="rerun", bind="query-params")

if tabs[0].open:
    with tabs[0]:
        st.subheader("Next 12 months at a glance")
        ui.chart(cf.overview(inputs["series"], summary["forecast"], measure["label"]), cf.HOW_TO_READ["overview"],
                 summary["outlook_insights"], key="fc_overview")

if tabs[1].open:
    with tabs[1]:
        if st.session_state.get("fc_genre") not in genres:
            st.session_state["fc_genre"] = genres[0]
        genre = st.segmented_control("Genre", genres, key="fc_genre", required=True, persist_state="page") or genres[0]
        detail = cached.forecast_detail(*args, genre)
        if detail["reason"]:
            st.info(f"{genre}: {detail['reason']}", icon=":material/block:")
        else:
            verdict = detail["verdict"]
            st.markdown(f"**{verdict['text'][0].upper() + verdict['text'][1:]}**")
            left, right = st.columns(2)
            with left:
                ui.chart(cf.detail(detail["history"], detail["forecasts"], genre, detail["best"], measure["label"]),
                         cf.HOW_TO_READ["detail"], detail["forecast_insights"], key="fc_detail")
            with right:
                ui.chart(cf.backtest(detail["holdout"], genre, measure["label"]), cf.HOW_TO_READ["backtest"],
                         detail["backtest_insights"], key="fc_backtest")
            st.caption(detail["setup"])
            st.dataframe(detail["table"], width="stretch", hide_index=True)
            ui.download(detail["table"], f"forecast_backtest_{genre}", key="fc_dl_backtest", label="Download backtest")

if tabs[2].open:
    with tabs[2]:
        st.subheader("Does the forecast beat the naive one?")
        ui.chart(cf.mase(summary["summary"]), cf.HOW_TO_READ["mase"], summary["accuracy_insights"], key="fc_mase")
        st.dataframe(summary["table"], width="stretch", hide_index=True)
        ui.download(summary["table"], "forecast_summary", key="fc_dl_summary", label="Download summary")

if tabs[3].open:
    with tabs[3]:
        dynamics = cached.forecast_dynamics(*args)
        st.subheader("Seasonal profile")
        ui.chart(cf.seasonal(dynamics["profiles"]), cf.HOW_TO_READ["seasonal"], dynamics["seasonal_insights"],
                 key="fc_seasonal")

if tabs[4].open:
    with tabs[4]:
        dynamics = cached.forecast_dynamics(*args)
        st.subheader("Momentum and velocity")
        left, right = st.columns(2)
        with left:
            ui.chart(cf.momentum(dynamics["momentum"]), cf.HOW_TO_READ["momentum"], dynamics["momentum_insights"],
                     key="fc_momentum")
        with right:
            ui.chart(cf.velocity(dynamics["velocity"]), cf.HOW_TO_READ["velocity"], dynamics["velocity_insights"],
                     key="fc_velocity")
        st.caption(f"Velocity: {forecasting_dynamics.VELOCITY_NOTE}")
        st.subheader("Rising stars")
        st.caption(forecasting_dynamics.RISING_STARS_NOTE)
        st.dataframe(dynamics["stars"], width="stretch", hide_index=True)
        ui.download(dynamics["stars"], "rising_stars", key="fc_dl_stars", label="Download rising stars")
        for line in dynamics["star_insights"]:
            st.markdown(f"- {line}")
