"""The Forecasting page body: the outlook, one genre's forecast and backtest, accuracy against baselines,
seasonality and what is gaining speed."""
from __future__ import annotations

import streamlit as st

from core import ui
from core.data import cache as data_cache
from core.data.features import Filters
from core.forecast import cache, dynamics, engine
from core.forecast import charts as cf

TABS = ("Outlook", "One genre", "Accuracy", "Seasonality", "Gaining speed", "TV season")


def question() -> str:
    """The page's question, with the horizon and backtest window taken from the engine's constants."""
    return (f"What happens next? {engine.HORIZON}-month Prophet forecasts for the top genres, checked against a "
            f"naive forecast on the last {engine.HORIZON} months, plus seasonality, momentum, velocity and rising "
            "stars.")


def render(flt: Filters) -> None:
    """Draw the Forecasting page for the active filters."""
    n = len(data_cache.strategy_frame(flt))
    ui.stop_if_empty(n)
    inputs = cache.forecast_inputs(flt)
    genres = inputs["genres"]["genre"].tolist()
    measure = engine.MEASURES[inputs["measure"]]
    st.markdown(ui.filters_summary(flt, n))
    st.caption(f":material/timeline: {inputs['note']} Forecast genres: the {len(genres)} with the highest total "
               "engagement score in view" + (" among the genres you filtered on." if flt.genres else "."))
    if inputs["series"].empty:
        missing = {"ratings": "none of the titles in view has MovieLens ratings (only IMDb films matched to "
                              "MovieLens do)",
                   "sessions": "no title in view was watched in a complete month of the event log"}.get(
            inputs["measure"], "no title in view has a full release date")
        st.info(f"No monthly series to forecast: {missing}.", icon=":material/timeline:")
        st.stop()
    _fit_all(flt, genres, inputs)
    # Lazy tabs: only the open tab runs and draws its charts; the open tab is in the URL (?fc_tab=...) next to the
    # filters, so a view can be shared.
    sections = (lambda: _outlook(flt, inputs, measure), lambda: _one_genre(flt, genres, measure),
                lambda: _accuracy(flt), lambda: _seasonality(flt), lambda: _speed(flt), _tv_season)
    ui.lazy_tabs(dict(zip(TABS, sections)), key="fc_tab", bind="query-params")


def _fit_all(flt: Filters, genres: list[str], inputs: dict) -> None:
    """Fit (or load) every genre's forecasts with visible progress."""
    with st.status("Fitting forecasts...", expanded=False) as status:
        for i, genre in enumerate(genres, start=1):
            status.update(label=f"Backtesting and forecasting {genre} ({i} of {len(genres)})...")
            cache.forecast_genre(flt, genre)
        models = ", ".join(engine.MODELS.values())
        status.update(label=f"{len(genres)} genres forecast: {models}, each backtested on the last "
                            f"{engine.HORIZON} months (data through {inputs['end']:%b %Y}).", state="complete")


def _outlook(flt: Filters, inputs: dict, measure: dict) -> None:
    summary = cache.forecast_summary(flt)
    st.subheader(f"Next {engine.HORIZON} months at a glance")
    ui.chart(cf.overview(inputs["series"], summary["forecast"], measure["label"]), cf.HOW_TO_READ["overview"],
             summary["outlook_insights"], key="fc_overview")


def _one_genre(flt: Filters, genres: list[str], measure: dict) -> None:
    if st.session_state.get("fc_genre") not in genres:
        st.session_state["fc_genre"] = genres[0]
    genre = st.segmented_control("Genre", genres, key="fc_genre", required=True, persist_state="page") or genres[0]
    detail = cache.forecast_detail(flt, genre)
    if detail["reason"]:
        st.info(f"{genre}: {detail['reason']}", icon=":material/block:")
        return
    verdict = detail["verdict"]
    st.markdown(f"**{ui.inert(verdict['text'][0].upper() + verdict['text'][1:])}**")
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


def _accuracy(flt: Filters) -> None:
    summary = cache.forecast_summary(flt)
    st.subheader("Does the forecast beat the naive one?")
    ui.chart(cf.mase(summary["summary"]), cf.HOW_TO_READ["mase"], summary["accuracy_insights"], key="fc_mase")
    st.dataframe(summary["table"], width="stretch", hide_index=True)
    ui.download(summary["table"], "forecast_summary", key="fc_dl_summary", label="Download summary")


def _seasonality(flt: Filters) -> None:
    found = cache.forecast_dynamics(flt)
    st.subheader("Seasonal profile")
    ui.chart(cf.seasonal(found["profiles"]), cf.HOW_TO_READ["seasonal"], found["seasonal_insights"], key="fc_seasonal")


def _speed(flt: Filters) -> None:
    found = cache.forecast_dynamics(flt)
    st.subheader("Momentum and velocity")
    left, right = st.columns(2)
    with left:
        ui.chart(cf.momentum(found["momentum"]), cf.HOW_TO_READ["momentum"], found["momentum_insights"],
                 key="fc_momentum")
    with right:
        ui.chart(cf.velocity(found["velocity"]), cf.HOW_TO_READ["velocity"], found["velocity_insights"],
                 key="fc_velocity")
    st.caption(f"Velocity: {dynamics.VELOCITY_NOTE}")
    st.subheader("Rising stars")
    st.caption(dynamics.RISING_STARS_NOTE)
    ui.table(found["stars"], "rising_stars", key="fc_dl_stars")
    ui.bullets(found["star_insights"])


def _tv_season() -> None:
    """Next series' audience of the embedded TV show, backtested on the series already aired."""
    from core.explore import cache as explore_cache
    from core.explore import charts as cx

    tv = explore_cache.episodes_overview(data_cache.source_version("embedded"))
    st.subheader("Next TV series: The Great British Bake Off")
    st.caption("Each series' average 7-day audience (real BARB figures, embedded `bakeoff` data; the title filters "
               "do not apply). The forecast uses whichever of a linear trend or the last series had the smaller "
               "error when each earlier series was forecast from the ones before it.")
    fc = tv["forecast"]
    if not fc:
        st.info("Too few series aired to forecast the next one.", icon=":material/tv:")
        return
    ui.chart(cx.series_audience(tv["series"], fc), cx.HOW_TO_READ["series_audience"], tv["insights"][-1:],
             key="fc_tv_series")
    ui.table(fc["backtest"], "tv_season_backtest", key="fc_tv_dl", column_config={
        c: st.column_config.NumberColumn(format="%.2f") for c in ("actual", "trend", "naive", "trend_error",
                                                                   "naive_error")})
