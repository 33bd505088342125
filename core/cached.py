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


# ---------------------------------------------------------------- recommender
# (Recommender page: appended below by its engineer.)
# Recommender page. Always the embedded MovieLens ratings, whatever the title source, so no filter fields.
# Fitted models and the evaluation report are also persisted to disk (core.diskcache) under a key of the data
# content and the model/evaluation source code, so only a machine's first run trains; ``key`` is that
# fingerprint (the picker data also hashes core/recommend_page.py, so editing page helpers does not retrain).
RECOMMENDER_CODE = ("models/recommend.py", "models/recommend_content.py", "models/recommend_algos.py",
                    "models/love.py", "core/recommend_eval.py")


@st.cache_data(max_entries=1, show_spinner="Loading the MovieLens ratings...")
def recommender_data() -> dict:
    """Picker rows and the persistence key: ``key``, ``users``, ``default_user``, ``titles`` (picker rows of
    the content catalogue), ``default_title``, ``genres`` and the ``summary`` counts (persisted too)."""
    from core import diskcache
    from core import recommend_page as rp

    data = embedded_data()
    code = tuple((config.ROOT / path).read_text() for path in RECOMMENDER_CODE)
    key = diskcache.fingerprint(data.ratings, str(data.built_at), embedded.BUILD_VERSION, code, rp.CATALOGUE_VERSION)
    page_key = diskcache.fingerprint(key, (config.ROOT / "core/recommend_page.py").read_text())
    return {"key": key, **diskcache.load_or_build("recommender_data", page_key,
                                                lambda: rp.page_data(data.ratings, data.titles))}


@st.cache_resource(max_entries=2, show_spinner=False)
def recommender_content(key: str) -> dict:
    """``{"model": ContentIndex, "seconds", "trained_at"}`` over the content catalogue (read-only)."""
    from core import diskcache
    from core import recommend_page as rp
    from models.recommend_content import ContentIndex

    data = embedded_data()
    return diskcache.load_or_build("recommender_content", key, lambda: rp.fit_timed(
        ContentIndex, data.ratings, rp.content_catalogue(data.ratings, data.titles)))


@st.cache_resource(max_entries=6, show_spinner=False)
def recommender_model(key: str, part: str) -> dict:
    """``{"model", "seconds", "trained_at"}`` of one part fitted on all ratings and the rated titles (read-only):
    ``ranking`` (HybridRecommender EASE + content), ``rating`` (item kNN + MF) or ``love`` (LoveModel)."""
    from core import diskcache
    from core import recommend_page as rp
    from models.love import LoveModel
    from models.recommend import HybridRecommender

    make = {"ranking": lambda: HybridRecommender(parts="ranking"), "rating": lambda: HybridRecommender(parts="rating"),
            "love": LoveModel}[part]
    data = embedded_data()
    return diskcache.load_or_build(f"recommender_{part}", key, lambda: rp.fit_timed(
        make, data.ratings, rp.rated_titles(data.ratings, data.titles)))


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def recommender_history(user_id: int) -> dict:
    """A user's rating history table, genre profile, overall mean and insights (empty table: unknown user)."""
    from core import recommend_insights as ri
    from core import recommend_page as rp

    data = embedded_data()
    history = rp.rating_history(data.ratings, data.titles, int(user_id))
    profile = rp.genre_profile(history)
    return {"table": rp.display_history(history), "profile": profile, "insights": ri.history_insights(history, profile),
            "mean": float(history["rating"].mean()) if len(history) else float("nan")}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def recommender_popular(key: str, genres: tuple) -> pd.DataFrame:
    """Cold start for a new user: the 10 most-rated titles in any of ``genres`` (all genres when empty)."""
    from core import recommend_page as rp

    return rp.popular_table(recommender_content(key)["model"], genres, recommender_data()["titles"])


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def recommender_similar(key: str, title_id: str) -> dict:
    """Content neighbours ("more like this") of a title with the title's rating count and insights."""
    from core import recommend_insights as ri
    from core import recommend_page as rp

    options = recommender_data()["titles"].set_index("title_id")
    table = rp.neighbour_table(recommender_content(key)["model"].similar_titles(title_id, 10),
                               options.reset_index())
    title, n = options.at[title_id, "title"], int(options.at[title_id, "ratings"])
    return {"table": table, "title": title, "ratings": n,
            "insights": ri.content_neighbour_insights(title, table, n)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def recommender_top(key: str, user_id: int, weight: float) -> dict:
    """A user's top 10 at content ``weight`` (blended at query time, no refit) with "because you rated",
    predicted ratings and love probabilities; the list at every blend weight; changes vs the default weight."""
    from core import recommend_insights as ri
    from core import recommend_page as rp

    ranker, rater = recommender_model(key, "ranking")["model"], recommender_model(key, "rating")["model"]
    love, options = recommender_model(key, "love")["model"], recommender_data()["titles"]
    explained = ranker.recommend_explained(int(user_id), 10, content_weight=float(weight))
    pairs = explained[["title_id"]].assign(user_id=int(user_id))
    top = rp.top_table(explained, options, float(weight), rater.predict_ratings(pairs),
                       love.predict_proba(pairs)[:, 1] if len(pairs) else [])
    ranks = rp.blend_ranks(ranker, int(user_id), (*rp.BLEND_WEIGHTS, float(weight)))
    changes = rp.list_changes(ranks[ranks["weight"] == rp.DEFAULT_WEIGHT], top)
    return {"table": rp.display_top(top), "top": top, "ranks": ranks, "changes": changes,
            "insights": ri.top_insights(top),
            "blend_insights": ri.blend_insights(ranks, changes, float(weight), rp.DEFAULT_WEIGHT)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def recommender_title(key: str, user_id: int, title_id: str) -> dict:
    """Rating-based neighbours of a title, and the user's predicted rating and love probability for it."""
    from core import recommend_insights as ri
    from core import recommend_page as rp

    similar, options = recommender_similar(key, title_id), recommender_data()["titles"]
    rater, love = recommender_model(key, "rating")["model"], recommender_model(key, "love")["model"]
    rated = title_id in rater.item_index_
    collab = rp.neighbour_table(rater.rated_neighbours(title_id, 10), options) if rated else \
        pd.DataFrame(columns=["title_id", "title", "year", "genres", "similarity", "co_raters", "ratings"])
    pair = pd.DataFrame({"user_id": [int(user_id)], "title_id": [title_id]})
    return {"table": collab, "predicted": float(rater.predict_ratings(pair)[0]),
            "love": float(love.predict_proba(pair)[0, 1]),
            "insights": ri.collaborative_neighbour_insights(similar["title"], similar["table"], collab,
                                                            similar["ratings"])}


def recommender_report(key: str, run: bool = False) -> dict | None:
    """The evaluation report persisted for this data and code (None when it was never run here); ``run``
    computes and stores it first from every ``recommender_eval_step`` (steps already run are cached)."""
    from core import diskcache

    stored = diskcache.load("recommender_report", key)
    return stored if stored is not None or not run else _recommender_report_build(key)


@st.cache_data(max_entries=16, show_spinner=False)
def recommender_eval_step(key: str, step: str) -> dict:
    """One step of the evaluation (``core.recommend_eval.report_step``) on all ratings, with its ``seconds``."""
    from core import recommend_eval as ev

    data = embedded_data()
    return ev.report_step(data.ratings, data.titles, step)


@st.cache_data(max_entries=2, show_spinner=False)
def _recommender_report_build(key: str) -> dict:
    """The report assembled from every evaluation step, stored with its time and total compute seconds."""
    from core import diskcache
    from core import recommend_eval as ev
    from core import recommend_report as rr

    def build() -> dict:
        parts = {step: recommender_eval_step(key, step) for step in rr.report_steps()}
        return {**ev.assemble_report(parts), "seconds": sum(part["seconds"] for part in parts.values()),
                "computed_at": pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")}

    return diskcache.load_or_build("recommender_report", key, build)


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

