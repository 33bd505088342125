"""The explore pages' cache boundary (Content Universe, Performance Deep Dive, Market Opportunities).

Every function takes the view's ``Filters`` (carrying its data version) plus its own small parameters, and
delegates to the pure modules of this package.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.data import cache as data_cache
from core.data import features
from core.data.features import Filters
from core.explore import deepdive, universe

FRAME_ENTRIES = data_cache.FRAME_ENTRIES
MODEL_ENTRIES = 16  # fitted models kept per function


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def universe_overview(flt: Filters) -> dict:
    """Genre shares and the genre x tier matrix with their insights, plus the media types in view."""
    view = data_cache.strategy_frame(flt)
    stats, matrix = universe.genre_stats(view), universe.performance_matrix(view)
    return {"stats": stats, "stats_insights": universe.genre_insights(stats), "matrix": matrix,
            "matrix_insights": universe.matrix_insights(matrix), "media": universe.media_types(view),
            "headline": universe.headline(view)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def universe_titles(flt: Filters, media: str, n: int) -> dict:
    """Quality/popularity points, top-``n`` table and cards for one media type (``""`` = all)."""
    view = universe.media_view(data_cache.strategy_frame(flt), media)
    view = features.engineer(view[[c for c in view.columns if c not in _DERIVED]]) if media else view
    return {"titles": len(view), "points": universe.quality_popularity(view),
            "points_insights": universe.quality_popularity_insights(view), "top": universe.top_titles(view, n),
            "cards": universe.title_cards(view, 12)}


_DERIVED = ("engagement_score", "engagement_pct", "tier", "hit", "popularity_pct", "rating_pct", "release_month",
            "release_quarter", "decade", "days_since_release", "velocity", "budget_level", "log_budget", "log_votes")


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def deepdive_overview(flt: Filters) -> dict:
    """Correlations, engagement drivers and the seasonal bases the view supports, with insights."""
    view = data_cache.strategy_frame(flt)
    corr, drivers = deepdive.correlations(view), deepdive.driver_table(view)
    return {"corr": corr, "corr_insights": deepdive.correlation_insights(corr, flt.source), "drivers": drivers,
            "driver_insights": deepdive.driver_insights(drivers), "driver_caveat": deepdive.driver_caveat(drivers),
            "bases": deepdive.seasonal_bases(view), "basis_note": deepdive.basis_note(view, flt.source),
            "overall": float(view["engagement_score"].mean()) if len(view) else float("nan")}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def deepdive_seasonal(flt: Filters, basis: str) -> dict:
    """Mean engagement and hit rate per period of ``basis`` with insights."""
    view = data_cache.strategy_frame(flt)
    profile = deepdive.seasonal_profile(view, basis)
    return {"profile": profile, "insights": deepdive.seasonal_insights(profile, basis),
            "caveat": deepdive.seasonal_caveat(basis, flt.source, deepdive.rating_span(view))}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner="Scoring titles with an Isolation Forest...")
def anomaly_scores(flt: Filters) -> dict:
    """Isolation Forest scores and per-feature z-scores for every title (threshold applied later)."""
    from core.explore import deepdive_models

    return deepdive_models.fit_anomalies(data_cache.strategy_frame(flt))


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def deepdive_anomalies(flt: Filters, contamination: float) -> dict:
    """Flagged titles at ``contamination`` (share 0-0.5): points, table with reasons, insights."""
    from core.explore import deepdive_models
    from models import anomaly

    fit = anomaly_scores(flt)
    if not fit:
        return {}
    view = data_cache.strategy_frame(flt)
    flagged = anomaly.flag_share(fit["scores"], contamination)
    table = deepdive_models.anomaly_table(view, fit["X"], fit["scores"], fit["explained"], flagged)
    shape = (anomaly.vote_shape(view["r1"], view["r10"]) if "r1" in fit["X"]
             else pd.Series("No vote shares", index=view.index))
    points = view[["title", "year", "log_votes", "vote_average"]].assign(flagged=flagged, pattern=shape)
    return {"points": points, "table": table, "features": fit["features"],
            "method": deepdive_models.anomaly_method(fit["features"], fit["settings"]),
            "caveat": deepdive_models.anomaly_caveat(fit["features"]),
            "insights": deepdive_models.anomaly_insights(table, len(view), contamination)}


@st.cache_resource(max_entries=MODEL_ENTRIES, show_spinner="Segmenting titles (K-Means, k by silhouette)...")
def segment_model(flt: Filters):
    """``(SegmentModel, evaluation)`` from ``core.explore.deepdive_models.fit_segments`` (fitted on a share of the view,
    evaluated on the rest); ``(None, {})`` when the view has too few titles. Read-only: the Investment Copilot
    uses ``model.assign_new(log_popularity=...)``."""
    from core.explore import deepdive_models

    X = deepdive_models.segment_input(data_cache.strategy_frame(flt))
    return deepdive_models.fit_segments(X)


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def deepdive_segments(flt: Filters, k: int | None = None) -> dict:
    """Segment curves, profiles with hit rates, points and insights at ``k`` segments (None/0 = the best k by
    silhouette, ``best_k``), read from the cached sweep without refitting it; ``{}`` when too few titles."""
    from core.explore import deepdive_models

    model, evaluation = segment_model(flt)
    if model is None:
        return {}
    view = data_cache.strategy_frame(flt)
    if k and k != model.best_k_:
        model, evaluation = deepdive_models.segments_at_k(model, deepdive_models.segment_input(view), k)
    labels = model.predict(deepdive_models.segment_input(view))
    table = deepdive_models.segment_table(view, labels, model.names_)
    points = deepdive_models.segment_points(view, labels, model.names_)
    return {"scores": model.scores_, "k": model.k_, "best_k": model.best_k_, "table": table, "points": points,
            "evaluation": evaluation,
            "method": deepdive_models.segment_method(model.scores_),
            "holdout_note": deepdive_models.segment_holdout_note(evaluation),
            "insights": deepdive_models.segment_profile_insights(table),
            "curve_insights": deepdive_models.segment_quality_insights(model.scores_, evaluation)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def market_overview(flt: Filters) -> dict:
    """Saturation by genre, genre pairings and the co-occurrence network, with insights."""
    from core.explore import market

    view = data_cache.strategy_frame(flt)
    sat, pairs = market.saturation(view), market.cooccurrence(view)
    nodes, edges = market.genre_network(view, pairs)
    return {"saturation": sat, "saturation_insights": market.saturation_insights(sat), "pairs": pairs,
            "best_pairs": market.best_pairings(pairs), "nodes": nodes, "edges": edges,
            "network_insights": market.network_insights(view, pairs), "bases": deepdive.seasonal_bases(view),
            "basis_note": deepdive.basis_note(view, flt.source)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def market_pareto(flt: Filters, measure: str) -> dict:
    """Concentration curve of ``measure`` (engagement_score or vote_count), its 80/20 summary and insights."""
    from core.explore import market

    view = data_cache.strategy_frame(flt)
    summary = market.pareto_summary(view, measure)
    other = market.pareto_summary(view, next(m for m in market.MEASURES if m != measure))
    return {"curve": market.pareto(view, measure), "summary": summary,
            "insights": market.pareto_insights(summary, measure, other)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def market_release_window(flt: Filters, basis: str) -> dict:
    """Genre x period hit-rate grid on ``basis`` with insights."""
    from core.explore import market

    window = market.release_window(data_cache.strategy_frame(flt), basis)
    return {"window": window, "insights": market.release_window_insights(window, basis)}


@st.cache_data(max_entries=2, show_spinner=False)
def episodes_overview(stamp: str) -> dict:
    """The TV audiences section (embedded Bake Off episodes); ``stamp`` is the embedded cache's version."""
    from core.explore import episodes

    return episodes.overview(data_cache.embedded_data().episodes)
