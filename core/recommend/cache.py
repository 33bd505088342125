"""The Recommender page's cache boundary.

The active source's own ratings (a platform's, raters sampled whole when many), else the embedded MovieLens
ratings: every function takes ``src`` = ``(source, version)`` (``core.data.cache.audience_source``). Fitted
models and the evaluation report are also persisted (``core.diskcache``) under ``key``: a fingerprint of the
ratings and the source of the model and evaluation modules, so only a machine's first run trains. The picker data
is keyed by that and the table helpers' source too, so editing a page helper does not retrain.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import diskcache
from core.data import cache as data_cache
from core.data import embedded

FRAME_ENTRIES = data_cache.FRAME_ENTRIES


def _ratings(src: tuple[str, str]):
    """The ratings the recommender trains on: raters capped (``audience.RECOMMENDER_RATERS``) on a platform."""
    from core.data import audience

    return data_cache.audience_ratings(*src, max_raters=audience.RECOMMENDER_RATERS)


MODEL_CODE = ("models.recommend", "models.recommend_content", "models.recommend_algos", "models.love", "models.ids",
              "core.recommend.evaluation")


@st.cache_data(max_entries=1, show_spinner="Loading the MovieLens ratings...")
def recommender_data(src: tuple[str, str]) -> dict:
    """Picker rows and the persistence key: ``key``, ``users``, ``default_user``, ``titles`` (picker rows of
    the content catalogue), ``default_title``, ``genres`` and the ``summary`` counts (persisted too)."""
    from core.recommend import tables as rp

    data = _ratings(src)
    stamp = str(data_cache.embedded_data().built_at) if src[0] == "embedded" else src[1]
    key = diskcache.fingerprint(data.ratings, stamp, embedded.BUILD_VERSION,
                                diskcache.code_version(*MODEL_CODE), rp.CATALOGUE_VERSION)
    page_key = diskcache.fingerprint(key, rp)
    sample = (f"Raters sampled whole: {len(data.ratings):,} of {data.total_ratings:,} ratings, by "
              f"{data.ratings['user_id'].nunique():,} of {data.total_raters:,} raters." if data.sampled else "")
    return {"key": key, "sample": sample, **diskcache.load_or_build("recommender_data", page_key,
                                                                    lambda: rp.page_data(data.ratings, data.titles))}


@st.cache_resource(max_entries=2, show_spinner=False)
def recommender_content(src: tuple[str, str], key: str) -> dict:
    """``{"model": ContentIndex, "seconds", "trained_at"}`` over the content catalogue (read-only)."""
    from core.recommend import tables as rp
    from models.recommend_content import ContentIndex

    data = _ratings(src)
    return diskcache.load_or_build("recommender_content", key, lambda: rp.fit_timed(
        ContentIndex, data.ratings, rp.content_catalogue(data.ratings, data.titles)))


@st.cache_resource(max_entries=6, show_spinner=False)
def recommender_model(src: tuple[str, str], key: str, part: str) -> dict:
    """``{"model", "seconds", "trained_at"}`` of one part fitted on all ratings and the rated titles (read-only):
    ``ranking`` (HybridRecommender EASE + content), ``rating`` (item kNN + MF) or ``love`` (LoveModel)."""
    from core.recommend import tables as rp
    from models.love import LoveModel
    from models.recommend import HybridRecommender

    make = {"ranking": lambda: HybridRecommender(parts="ranking"), "rating": lambda: HybridRecommender(parts="rating"),
            "love": LoveModel}[part]
    data = _ratings(src)
    return diskcache.load_or_build(f"recommender_{part}", key, lambda: rp.fit_timed(
        make, data.ratings, rp.rated_titles(data.ratings, data.titles)))


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def recommender_history(src: tuple[str, str], user_id: int) -> dict:
    """A user's rating history table, genre profile, overall mean and insights (empty table: unknown user)."""
    from core.recommend import insights as ri
    from core.recommend import tables as rp

    data = _ratings(src)
    history = rp.rating_history(data.ratings, data.titles, int(user_id))
    profile = rp.genre_profile(history)
    return {"table": rp.display_history(history), "profile": profile, "insights": ri.history_insights(history, profile),
            "mean": float(history["rating"].mean()) if len(history) else float("nan")}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def recommender_popular(src: tuple[str, str], key: str, genres: tuple) -> pd.DataFrame:
    """Cold start for a new user: the 10 most-rated titles in any of ``genres`` (all genres when empty)."""
    from core.recommend import tables as rp

    return rp.popular_table(recommender_content(src, key)["model"], genres, recommender_data(src)["titles"])


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def recommender_similar(src: tuple[str, str], key: str, title_id: str) -> dict:
    """Content neighbours ("more like this") of a title with the title's rating count and insights."""
    from core.recommend import insights as ri
    from core.recommend import tables as rp

    options = recommender_data(src)["titles"].set_index("title_id")
    table = rp.neighbour_table(recommender_content(src, key)["model"].similar_titles(title_id, 10),
                               options.reset_index())
    title, n = options.at[title_id, "title"], int(options.at[title_id, "ratings"])
    return {"table": table, "title": title, "ratings": n,
            "insights": ri.content_neighbour_insights(title, table, n)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def recommender_top(src: tuple[str, str], key: str, user_id: int, weight: float) -> dict:
    """A user's top 10 at content ``weight`` (blended at query time, no refit) with "because you rated",
    predicted ratings and love probabilities; the list at every blend weight; changes vs the default weight."""
    from core.recommend import insights as ri
    from core.recommend import tables as rp

    ranker, rater = recommender_model(src, key, "ranking")["model"], recommender_model(src, key, "rating")["model"]
    love, options = recommender_model(src, key, "love")["model"], recommender_data(src)["titles"]
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
def recommender_title(src: tuple[str, str], key: str, user_id: int, title_id: str) -> dict:
    """Rating-based neighbours of a title, and the user's predicted rating and love probability for it."""
    from core.recommend import insights as ri
    from core.recommend import tables as rp

    similar, options = recommender_similar(src, key, title_id), recommender_data(src)["titles"]
    rater, love = recommender_model(src, key, "rating")["model"], recommender_model(src, key, "love")["model"]
    rated = title_id in rater.item_index_
    collab = rp.neighbour_table(rater.rated_neighbours(title_id, 10), options) if rated else \
        pd.DataFrame(columns=["title_id", "title", "year", "genres", "similarity", "co_raters", "ratings"])
    pair = pd.DataFrame({"user_id": [int(user_id)], "title_id": [title_id]})
    return {"table": collab, "predicted": float(rater.predict_ratings(pair)[0]),
            "love": float(love.predict_proba(pair)[0, 1]),
            "insights": ri.collaborative_neighbour_insights(similar["title"], similar["table"], collab,
                                                            similar["ratings"])}


def recommender_report(src: tuple[str, str], key: str, run: bool = False) -> dict | None:
    """The evaluation report persisted for this data and code (None when it was never run here); ``run``
    computes and stores it first from every ``recommender_eval_step`` (steps already run are cached)."""

    stored = diskcache.load("recommender_report", key)
    return stored if stored is not None or not run else _recommender_report_build(src, key)


@st.cache_data(max_entries=16, show_spinner=False)
def recommender_eval_step(src: tuple[str, str], key: str, step: str) -> dict:
    """One step of the evaluation (``core.recommend.evaluation.report_step``) on all ratings, with its ``seconds``."""
    from core.recommend import evaluation as ev

    data = _ratings(src)
    return ev.report_step(data.ratings, data.titles, step)


@st.cache_data(max_entries=2, show_spinner=False)
def _recommender_report_build(src: tuple[str, str], key: str) -> dict:
    """The report assembled from every evaluation step, stored with its time and total compute seconds."""
    from core.recommend import evaluation as ev
    from core.recommend import report as rr

    def build() -> dict:
        parts = {step: recommender_eval_step(src, key, step) for step in rr.report_steps()}
        return {**ev.assemble_report(parts), "seconds": sum(part["seconds"] for part in parts.values()),
                "computed_at": pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")}

    return diskcache.load_or_build("recommender_report", key, build)
