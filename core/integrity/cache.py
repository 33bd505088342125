"""The Integrity page's cache boundary.

The rater analysis reads the active source's own ratings (a platform's, sampled whole in the engine when
large), else the embedded MovieLens ratings; on a synthetic platform its detectors are scored against the planted
truth. The vote patterns and sentiment read the filtered title view. The rater forest is persisted
(``core.diskcache``) under a key of the ratings and the source of the modules that fit it, so only a machine's
first run fits it (about 5 s). Review text is the active source's own (``core.data.reviews``): a bounded sample
is scored once per data version and persisted, one title's reviews are scored when it is picked.
"""
from __future__ import annotations

import streamlit as st

from core import diskcache
from core.data import cache as data_cache
from core.data import embedded
from core.data.features import Filters

FRAME_ENTRIES = data_cache.FRAME_ENTRIES
RATER_CODE = ("core.integrity.raters", "models.anomaly")
REVIEW_CODE = ("core.integrity.reviews", "core.integrity.planted", "core.data.reviews", "core.data.queries",
               "models.text_sentiment")



@st.cache_data(max_entries=8, show_spinner=False)
def rating_span(source: str, version: str) -> str:
    """First to last month of a source's ratings, as the page states it."""
    from core.data import docs

    return docs.rating_span(data_cache.audience_ratings(source, version).ratings)


@st.cache_data(max_entries=4, show_spinner=False)
def integrity_rater_fit(source: str, version: str) -> dict:
    """Rater features, Isolation Forest scores, z-scores and per-seed scores (``core.integrity.raters.fit_raters``)."""
    from core.integrity import raters as integrity

    ratings = data_cache.audience_ratings(source, version).ratings
    key = diskcache.fingerprint(embedded.BUILD_VERSION, len(ratings), str(ratings["timestamp"].max()),
                                float(ratings["rating"].sum()), diskcache.code_version(*RATER_CODE))
    if source != "embedded":  # the embedded key stays as it was, so a machine's stored forest is still found
        key = diskcache.fingerprint(key, source, version)
    return diskcache.load_or_build("integrity_raters", key, lambda: integrity.fit_raters(ratings))


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def integrity_raters(source: str, version: str, contamination: float) -> dict:
    """Flagged raters at ``contamination`` (share 0-0.5) with reasons and priorities, scatter points, the effect
    on title ratings (``effect`` and ``effect_insights`` keyed by order: ``most_rated``, ``most_moved``),
    reliability figures and insights; ``{}`` when there are too few raters."""
    from core.data import docs
    from core.integrity import display
    from core.integrity import insights as ii
    from core.integrity import raters as ig
    from models import anomaly

    fit = integrity_rater_fit(source, version)
    if not fit:
        return {}
    data, feats, z = data_cache.audience_ratings(source, version), fit["features"], fit["z"]
    flagged = anomaly.flag_share(fit["scores"], contamination)
    table = ig.flagged_table(feats, fit["scores"], z, flagged)
    table.insert(1, "priority", ig.review_priority(z).loc[table["user_id"]].to_numpy())
    users = table["user_id"].tolist()
    summary = ig.shift_summary(data.ratings, users, data.titles)
    effect = {order: ig.rating_effect(data.ratings, users, data.titles, order=order)
              for order in ("most_rated", "most_moved")}
    agreement = ig.flag_agreement([anomaly.flag_share(s, contamination) for s in fit["seed_scores"]])
    rule = ig.rule_flags(z)
    shown = display.raters(table)
    if len(data.user_labels):  # a platform: show its own user ids, not the codes
        shown["User"] = data.user_labels.to_numpy()[table["user_id"].to_numpy()]
    return {"table": table, "display": shown, "points": ig.rater_points(feats, table),
            "span": docs.rating_span(data.ratings), "sample": _sample_note(data),
            "effect": effect, "summary": summary,
            "raters": len(feats), "ratings": len(data.ratings), "priorities": ii.priority_counts(table),
            "insights": ii.rater_insights(feats, table, contamination),
            "effect_insights": {order: ii.effect_insights(table, summary) for order, table in effect.items()},
            "reliability": ii.reliability_insights(agreement, flagged, rule)}


def _sample_note(data) -> str:
    if not data.sampled:
        return ""
    return (f"Raters sampled whole in the engine: {len(data.ratings):,} of {data.total_ratings:,} ratings, "
            f"{data.ratings['user_id'].nunique():,} of {data.total_raters:,} raters.")


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner="Scoring the detectors against what was planted...")
def integrity_planted(source: str, version: str, contamination: float) -> dict:
    """Precision and recall of the three detectors against a synthetic platform's planted truth
    (``core.integrity.planted``); ``{}`` when the source has no truth file."""
    import numpy as np

    from core.data import platforms
    from core.integrity import planted as pl
    from models import anomaly

    truth = platforms.truth(source) if source.startswith("syn:") else None
    if truth is None or truth.empty:
        return {}
    data, fit = data_cache.audience_ratings(source, version), integrity_rater_fit(source, version)
    labels = data.user_labels.to_numpy()
    raters = labels[fit["features"].index.to_numpy()] if fit else []
    flagged = set(labels[fit["features"].index[anomaly.flag_share(fit["scores"], contamination)]]) if fit else set()
    bots = truth.loc[truth["label"] == "bot_rater", "entity_id"]
    results = {"Suspicious raters": pl.precision_recall(flagged, bots, raters)}
    k = len(set(bots) & set(raters))
    if fit and k:  # independent of the slider: flag exactly as many as were planted among the raters looked at
        top = labels[fit["features"].index[np.argsort(fit["scores"], kind="stable")[:k]]]
        results[f"Suspicious raters, top {k}"] = pl.precision_recall(top, bots, raters)
    key = diskcache.fingerprint(version, diskcache.code_version("core.integrity.planted", "core.data.queries"))
    bursts, farms = diskcache.load_or_build("integrity_platform_checks", key, lambda: _platform_checks(source))
    review_bursts = review_burst_checks(source, version)
    results["Rating bursts"] = pl.precision_recall(
        bursts.loc[bursts["burst"], "title_id"], truth.loc[truth["label"] == "rating_burst", "entity_id"],
        bursts["title_id"])
    if farms is not None:
        results["Review farms"] = pl.precision_recall(
            farms.loc[farms["farm"], "review_id"], truth.loc[truth["entity_type"] == "review", "entity_id"],
            farms["review_id"])
    if (review_score := pl.review_burst_score(review_bursts, truth)) is not None:
        results["Review bursts"] = review_score
    card = pl.scorecard(results)
    return {"card": card, "insights": pl.insights(card), "bursts": bursts.head(200),
            "farms": None if farms is None else farms.sort_values("similarity", ascending=False).head(200),
            "planted": truth.groupby("label").size().to_dict()}


def _platform_checks(source: str):
    """Title burst scores of every title and near-duplicate scores of the top reviews (None: no reviews)."""
    from core.data import engine, platforms, queries
    from core.integrity import planted as pl

    con = engine.connect()
    tables = engine.open_platform(con, platforms.platform_dir(source), prefix="ig_")
    bursts = pl.burst_scores(queries.collect(queries.title_high_peaks(tables["ratings"])))
    if "reviews" not in tables:
        return bursts, None
    return bursts, pl.farm_reviews(queries.collect(queries.top_reviews(tables["reviews"])))


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


@st.cache_data(ttl=30, max_entries=8, show_spinner=False)
def review_available(source: str, version: str) -> bool:
    """Whether ``source`` holds review text at ``version``."""
    from core.data import reviews

    return reviews.has_reviews(source, data_cache.uploaded_tables() if source.startswith("up:") else None)


def _scored_sample(source: str, version: str) -> dict:
    """The scored review sample of a source (``scored``, ``total``, ``titles``), persisted per data version."""
    from core.data import reviews as dr
    from core.integrity import reviews as ir

    def build() -> dict:
        found = dr.sample(source)
        return {"scored": ir.score(found.reviews), "total": found.total, "titles": found.titles}

    key = diskcache.fingerprint(source, version, diskcache.code_version(*REVIEW_CODE))
    return diskcache.load_or_build("integrity_review_scores", key, build)


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner="Scoring the review texts (first run only)...")
def integrity_reviews(flt: Filters) -> dict:
    """Text sentiment of the reviews of the titles in view: headline, months, genres, titles, disagreements and
    insights; ``{"available": False}`` when the source has no review text."""
    from core.integrity import display
    from core.integrity import insights as ii
    from core.integrity import reviews as ir

    if not review_available(flt.source, flt.version):
        return {"available": False}
    sample = _scored_sample(flt.source, flt.version)
    view = data_cache.strategy_frame(flt)
    scored = sample["scored"][sample["scored"]["title_id"].isin(view["title_id"].astype("string"))]
    months, genres, titles = ir.by_month(scored), ir.by_genre(scored, view), ir.by_title(scored, view)
    ranked = titles[titles["reviews"] >= 1].head(200)
    return {"available": True, "total": sample["total"], "sampled": len(sample["scored"]),
            "source_titles": sample["titles"], "headline": ir.headline(scored), "months": months,
            "genres": genres, "titles": display.review_titles(titles), "disagreements":
            display.review_disagreements(ir.disagreements(scored), view),
            "labels": display.review_labels(ranked), "trend_insights": ii.review_trend_insights(months),
            "genre_insights": ii.review_genre_insights(genres)}


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner="Scoring this title's reviews...")
def integrity_title_reviews(flt: Filters, title_id: str) -> dict:
    """One title's newest reviews (up to ``core.data.reviews.TITLE_MAX``), scored: headline, its most positive and
    most negative reviews, and insights."""
    from core.data import reviews as dr
    from core.integrity import display
    from core.integrity import insights as ii
    from core.integrity import reviews as ir

    scored = ir.score(dr.of_title(flt.source, title_id))
    top, bottom = ir.extremes(scored)
    head = ir.headline(scored)
    return {"headline": head, "positive": display.review_quotes(top), "negative": display.review_quotes(bottom),
            "limit": dr.TITLE_MAX,
            "volatility": display.volatility_note(ir.volatility(scored)),
            "insights": ii.title_review_insights(head, top, bottom)}


@st.cache_data(max_entries=8, show_spinner="Looking for review bursts...")
def review_burst_checks(source: str, version: str) -> dict:
    """Review bursts over every review of a source: per-title peak ``windows`` and the burst titles' ``near``
    duplicates (``core.integrity.reviews``), persisted per data version."""
    from core.data import reviews as dr
    from core.integrity import reviews as ir

    def build() -> dict:
        windows = ir.burst_windows(dr.daily(source))
        checked = windows[windows["burst"]].head(ir.BURSTS_CHECKED)
        return {"windows": windows, "near": ir.near_duplicates(checked, dr.of_titles(source, checked["title_id"]))}

    key = diskcache.fingerprint(source, version, diskcache.code_version(*REVIEW_CODE))
    return diskcache.load_or_build("integrity_review_bursts", key, build)


@st.cache_data(max_entries=FRAME_ENTRIES, show_spinner=False)
def integrity_review_bursts(flt: Filters) -> dict:
    """The source's review bursts for display, with insights, and scored against its planted truth when it is a
    synthetic platform (``score``: precision and recall, else None)."""
    from core.data import platforms
    from core.integrity import display
    from core.integrity import insights as ii
    from core.integrity import planted as pl

    found = review_burst_checks(flt.source, flt.version)
    truth = platforms.truth(flt.source) if flt.source.startswith("syn:") else None
    score = pl.review_burst_score(found, truth)
    return {"titles": len(found["windows"]), "table": display.review_bursts(found["near"],
                                                                          data_cache.source_titles(flt)),
            "score": score, "insights": ii.review_burst_insights(found["windows"], found["near"], score)}


@st.cache_data(max_entries=1, show_spinner="Checking the scorer on real reviews (first run only)...")
def scorer_check() -> dict:
    """How well the text scorer matches real people's verdicts (``core.integrity.reviews.scorer_check`` on the
    reference reviews), persisted under the scorer's code."""
    from core.data import reviews as dr
    from core.integrity import insights as ii
    from core.integrity import reviews as ir

    key = diskcache.fingerprint(dr.REFERENCE, diskcache.code_version("core.integrity.reviews",
                                                                     "models.text_sentiment"))
    check = diskcache.load_or_build("integrity_scorer_check", key, lambda: ir.scorer_check(dr.reference()))
    return {**check, "insights": ii.scorer_insights(check)}
