"""The Integrity page's cache boundary.

The rater analysis always reads the embedded MovieLens ratings (no ``Filters``); the vote patterns and
sentiment read the filtered title view. The rater forest is persisted (``core.diskcache``) under a key of the
ratings and the source of the modules that fit it, so only a machine's first run fits it (about 5 s).
"""
from __future__ import annotations

import streamlit as st

from core import diskcache
from core.data import cache as data_cache
from core.data import embedded
from core.data.features import Filters

FRAME_ENTRIES = data_cache.FRAME_ENTRIES
RATER_CODE = ("core.integrity.raters", "models.anomaly")



@st.cache_data(max_entries=1, show_spinner=False)
def rating_span() -> str:
    """First to last month of the embedded MovieLens ratings, as the page states it."""
    from core.data import docs

    return docs.rating_span(data_cache.embedded_data().ratings)


@st.cache_data(max_entries=1, show_spinner=False)
def integrity_rater_fit() -> dict:
    """Rater features, Isolation Forest scores, z-scores and per-seed scores (``core.integrity.raters.fit_raters``)."""
    from core.integrity import raters as integrity

    ratings = data_cache.embedded_data().ratings
    key = diskcache.fingerprint(embedded.BUILD_VERSION, len(ratings), str(ratings["timestamp"].max()),
                                float(ratings["rating"].sum()), diskcache.code_version(*RATER_CODE))
    return diskcache.load_or_build("integrity_raters", key, lambda: integrity.fit_raters(ratings))


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def integrity_raters(contamination: float) -> dict:
    """Flagged raters at ``contamination`` (share 0-0.5) with reasons and priorities, scatter points, the effect
    on title ratings (``effect`` and ``effect_insights`` keyed by order: ``most_rated``, ``most_moved``),
    reliability figures and insights; ``{}`` when there are too few raters."""
    from core.data import docs
    from core.integrity import display
    from core.integrity import insights as ii
    from core.integrity import raters as ig
    from models import anomaly

    fit = integrity_rater_fit()
    if not fit:
        return {}
    data, feats, z = data_cache.embedded_data(), fit["features"], fit["z"]
    flagged = anomaly.flag_share(fit["scores"], contamination)
    table = ig.flagged_table(feats, fit["scores"], z, flagged)
    table.insert(1, "priority", ig.review_priority(z).loc[table["user_id"]].to_numpy())
    users = table["user_id"].tolist()
    summary = ig.shift_summary(data.ratings, users, data.titles)
    effect = {order: ig.rating_effect(data.ratings, users, data.titles, order=order)
              for order in ("most_rated", "most_moved")}
    agreement = ig.flag_agreement([anomaly.flag_share(s, contamination) for s in fit["seed_scores"]])
    rule = ig.rule_flags(z)
    return {"table": table, "display": display.raters(table), "points": ig.rater_points(feats, table),
            "span": docs.rating_span(data.ratings),
            "effect": effect, "summary": summary,
            "raters": len(feats), "ratings": len(data.ratings), "priorities": ii.priority_counts(table),
            "insights": ii.rater_insights(feats, table, contamination),
            "effect_insights": {order: ii.effect_insights(table, summary) for order, table in effect.items()},
            "reliability": ii.reliability_insights(agreement, flagged, rule)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def integrity_votes(flt: Filters, threshold: float) -> dict:
    """Titles whose published rating disagrees with their vote shares (``core.integrity.votes``): table,
    scatter points and insights; ``{"available": False}`` when the source has no per-star vote shares."""
    from core.integrity import display
    from core.integrity import insights as ii
    from core.integrity import votes as iv

    view = data_cache.strategy_frame(flt)
    if not iv.has_shares(view):
        return {"available": False, "titles": len(view)}
    table = iv.suspicious_titles(view, threshold)
    points = iv.points(view, threshold)
    return {"available": True, "titles": len(points), "table": table, "display": display.votes(table),
            "points": points,
            "labels": iv.title_labels(table), "insights": ii.vote_insights(table, points, threshold)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def integrity_title_shape(flt: Filters, title_id: str, title: str) -> dict:
    """One title's vote shares against titles of a similar vote count, with insights."""
    from core.integrity import insights as ii
    from core.integrity import votes as iv

    shape = iv.title_shape(data_cache.strategy_frame(flt), title_id)
    return {"shape": shape, "insights": ii.shape_insights(shape, title)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def integrity_sentiment(flt: Filters) -> dict:
    """Rating-based audience sentiment of the view: basis, headline, by genre and by decade, with insights."""
    from core.integrity import display
    from core.integrity import insights as ii
    from core.integrity import sentiment as se

    view = data_cache.strategy_frame(flt)
    basis = se.basis(view)
    by_genre, by_decade = se.genre_sentiment(view), se.decade_sentiment(view)
    return {"basis": basis, "headline": se.headline(view), "genres": by_genre, "decades": by_decade,
            "display": display.sentiment(by_genre, basis),
            "genre_insights": ii.genre_sentiment_insights(by_genre, basis),
            "decade_insights": ii.decade_sentiment_insights(by_decade, basis)}
