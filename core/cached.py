"""The cache boundary: the ONLY module with ``@st.cache_data`` / ``@st.cache_resource``.

Pages call these functions; each one delegates to pure ``core``/``models`` code. Arguments are small and
hashable (str, int, float, tuple) and include everything that changes the result, the data source included.

Design note: the raw embedded tables (62,801 titles with list columns) and the filtered, featured strategy
frames are held with ``cache_resource`` and treated as read-only, because ``cache_data`` would unpickle a
20 MB copy (0.2-0.3 s) on every call; every smaller derived result (aggregates, tables, model outputs) goes
through ``cache_data`` and is copied per caller as usual.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import config
from core.data import embedded
from core.data import features

MODEL_ENTRIES = 16  # fitted models kept per function
FRAME_ENTRIES = 64


# ---------------------------------------------------------------- transitional: the data layer's cache
from core.data.cache import embedded_data, tmdb_status, tmdb_store_path  # noqa: E402,F401


def strategy_frame(source: str, media_types: tuple, genres: tuple, years: tuple, min_votes: int) -> pd.DataFrame:
    """The strategy frame of these filter fields at the source's current data version."""
    from core.data import cache as data_cache

    return data_cache.strategy_frame(features.Filters(source, tuple(media_types), tuple(genres), tuple(years),
                                                      int(min_votes), data_cache.source_version(source)))


# ---------------------------------------------------------------- integrity
# Integrity page. The rater analysis always reads the embedded MovieLens ratings (no filter fields); the vote
# patterns and sentiment read the filtered title view. The rater forest is persisted (core.diskcache) under a key
# of the ratings and the integrity code, so only a machine's first run fits it (about 5 s: 5 seeds x 500 trees).
INTEGRITY_CODE = ("core/integrity.py", "models/anomaly.py")


@st.cache_data(max_entries=1, show_spinner=False)
def integrity_rater_fit() -> dict:
    """Rater features, Isolation Forest scores, z-scores and per-seed scores (``core.integrity.fit_raters``)."""
    from core import integrity, diskcache

    ratings = embedded_data().ratings
    code = tuple((config.ROOT / path).read_text() for path in INTEGRITY_CODE)
    key = diskcache.fingerprint(embedded.BUILD_VERSION, len(ratings), str(ratings["timestamp"].max()),
                              float(ratings["rating"].sum()), code)
    return diskcache.load_or_build("integrity_raters", key, lambda: integrity.fit_raters(ratings))


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def integrity_raters(contamination: float) -> dict:
    """Flagged raters at ``contamination`` (share 0-0.5) with reasons and priorities, scatter points, the effect
    on title ratings (``effect`` and ``effect_insights`` keyed by order: ``most_rated``, ``most_moved``),
    reliability figures and insights; ``{}`` when there are too few raters."""
    from core import integrity as ig
    from core import integrity_display as display
    from core import integrity_insights as ii
    from models import anomaly

    fit = integrity_rater_fit()
    if not fit:
        return {}
    data, feats, z = embedded_data(), fit["features"], fit["z"]
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
            "effect": effect, "summary": summary,
            "raters": len(feats), "ratings": len(data.ratings), "priorities": ii.priority_counts(table),
            "insights": ii.rater_insights(feats, table, contamination),
            "effect_insights": {order: ii.effect_insights(table, summary) for order, table in effect.items()},
            "reliability": ii.reliability_insights(agreement, flagged, rule)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def integrity_votes(source: str, media_types: tuple, genres: tuple, years: tuple, min_votes: int,
                    threshold: float) -> dict:
    """Titles whose published rating disagrees with their vote shares (``core.integrity_votes``): table,
    scatter points and insights; ``{"available": False}`` when the source has no per-star vote shares."""
    from core import integrity_display as display
    from core import integrity_insights as ii
    from core import integrity_votes as iv

    view = strategy_frame(source, media_types, genres, years, min_votes)
    if not iv.has_shares(view):
        return {"available": False, "titles": len(view)}
    table = iv.suspicious_titles(view, threshold)
    points = iv.points(view, threshold)
    return {"available": True, "titles": len(points), "table": table, "display": display.votes(table),
            "points": points,
            "labels": iv.title_labels(table), "insights": ii.vote_insights(table, points, threshold)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def integrity_title_shape(source: str, media_types: tuple, genres: tuple, years: tuple, min_votes: int,
                          title_id: str, title: str) -> dict:
    """One title's vote shares against titles of a similar vote count, with insights."""
    from core import integrity_insights as ii
    from core import integrity_votes as iv

    shape = iv.title_shape(strategy_frame(source, media_types, genres, years, min_votes), title_id)
    return {"shape": shape, "insights": ii.shape_insights(shape, title)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def integrity_sentiment(source: str, media_types: tuple, genres: tuple, years: tuple, min_votes: int) -> dict:
    """Rating-based audience sentiment of the view: basis, headline, by genre and by decade, with insights."""
    from core import integrity_display as display
    from core import integrity_insights as ii
    from core import integrity_sentiment as se

    view = strategy_frame(source, media_types, genres, years, min_votes)
    basis = se.basis(view)
    by_genre, by_decade = se.genre_sentiment(view), se.decade_sentiment(view)
    return {"basis": basis, "headline": se.headline(view), "genres": by_genre, "decades": by_decade,
            "display": display.sentiment(by_genre, basis),
            "genre_insights": ii.genre_sentiment_insights(by_genre, basis),
            "decade_insights": ii.decade_sentiment_insights(by_decade, basis)}


def frame(flt: features.Filters) -> pd.DataFrame:
    """Transitional shorthand: the strategy frame for a ``Filters`` value."""
    from core.data import cache as data_cache

    return data_cache.strategy_frame(flt)

