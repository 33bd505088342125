"""The Forecasting page's cache boundary.

Model runs are persisted on disk (``core.diskcache``) keyed by the series content and the code that fits them,
so a restart does not refit Prophet; the 6-hour ttl lets TMDB views move on to new months.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import diskcache
from core.data import cache as data_cache
from core.data.features import Filters
from core.forecast import engine, report
from models import forecast as model_forecast

FRAME_ENTRIES = data_cache.FRAME_ENTRIES
TTL = 6 * 3600


@st.cache_data(ttl=TTL, max_entries=FRAME_ENTRIES, show_spinner=False)
def forecast_inputs(flt: Filters) -> dict:
    """Genres to forecast, the measure and each genre's monthly series (see ``core.forecast.engine.build_inputs``)."""
    view = data_cache.strategy_frame(flt)
    if flt.source.startswith("syn:"):
        from core.data import platforms

        # persisted per filters: a restart does not rescan the event log (about 6 s for 20 million events)
        key = diskcache.fingerprint(repr(flt), diskcache.code_version("core.data.platforms", "core.data.queries"))
        sessions, last = diskcache.load_or_build("platform_sessions", key,
                                                 lambda: platforms.monthly_genre_sessions(flt.source, view))
        return engine.build_inputs(view, flt.source, flt.genres, today=last, sessions=sessions)
    ratings = data_cache.embedded_data().ratings if flt.source == "embedded" else None
    synced = None  # TMDB: the series stops before the month of the last sync
    if flt.source == "tmdb":
        status = data_cache.tmdb_status(data_cache.tmdb_store_path())
        stamp = pd.to_datetime(status.get("fetched_at") or status.get("last_sync"), errors="coerce", utc=True)
        synced = None if pd.isna(stamp) else stamp.tz_localize(None)
    return engine.build_inputs(view, flt.source, flt.genres, ratings, synced)


@st.cache_data(ttl=TTL, max_entries=FRAME_ENTRIES * 6, show_spinner=False)
def forecast_genre(flt: Filters, genre: str) -> dict:
    """Backtests and 12-month forecasts for one genre (``core.forecast.engine.fit_models``, persisted on disk, then
    ``core.forecast.report.genre_report``)."""
    history = engine.history_of(forecast_inputs(flt)["series"], genre)
    key = diskcache.fingerprint(engine, model_forecast, history, engine.HORIZON)
    fitted = diskcache.load_or_build("forecast_genre", key, lambda: engine.fit_models(history))
    return report.genre_report(history, fitted)


@st.cache_data(ttl=TTL, max_entries=FRAME_ENTRIES * 6, show_spinner=False)
def forecast_detail(flt: Filters, genre: str) -> dict:
    """One genre's chart inputs, display table and insights (labels as shown on the page)."""
    res = forecast_genre(flt, genre)
    measure = engine.MEASURES[forecast_inputs(flt)["measure"]]
    if res.get("reason"):
        return {"reason": res["reason"], "history": res["history"]}
    return {"reason": None, "history": res["history"], "holdout": res["holdout"],
            "setup": engine.prophet_setup(res["history"]),
            "forecasts": {engine.MODELS[k]: f for k, f in res["forecasts"].items()},
            "best": engine.MODELS[res["verdict"]["winner"]], "verdict": res["verdict"],
            "table": report.backtest_display(res, genre),
            "forecast_insights": report.forecast_insights(res, genre, measure["noun"]),
            "backtest_insights": report.backtest_insights(res)}


@st.cache_data(ttl=TTL, max_entries=FRAME_ENTRIES, show_spinner=False)
def forecast_summary(flt: Filters) -> dict:
    """Every forecast genre: summary table, Prophet forecasts (long) and insights."""
    inputs = forecast_inputs(flt)
    results = {g: forecast_genre(flt, g) for g in inputs["genres"]["genre"]}
    summary = report.summary_table(results)
    measure = engine.MEASURES[inputs["measure"]]
    return {"summary": summary, "table": report.summary_display(summary, measure["noun"]),
            "outlook_insights": report.outlook_insights(summary),
            "accuracy_insights": report.accuracy_insights(summary),
            "forecast": report.prophet_forecasts(results)}


@st.cache_data(ttl=TTL, max_entries=FRAME_ENTRIES, show_spinner=False)
def forecast_dynamics(flt: Filters) -> dict:
    """Seasonal profiles, momentum, velocity and rising stars of the forecast genres, with insights."""
    from core.forecast import dynamics  # lazy: only the dynamics tabs need it

    inputs = forecast_inputs(flt)
    view = data_cache.strategy_frame(flt)
    measure = engine.MEASURES[inputs["measure"]]
    profiles = dynamics.seasonal_profiles(inputs["series"])
    moment = dynamics.momentum_table(inputs["series"])
    velocity = dynamics.velocity_table(view, inputs["genres"]["genre"].tolist())
    stars = dynamics.rising_stars(view)
    return {"profiles": profiles, "seasonal_insights": dynamics.seasonal_insights(profiles),
            "momentum": moment, "momentum_insights": dynamics.momentum_insights(moment, measure["noun"]),
            "velocity": velocity, "velocity_insights": dynamics.velocity_insights(velocity),
            "stars": dynamics.rising_stars_display(stars), "star_insights": dynamics.rising_star_insights(stars),
            "unit": measure["label"]}
