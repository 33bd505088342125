"""Routes over the audience pages: Churn, the Recommender and Integrity.

Churn models the active platform's own subscribers, else the embedded Telco ones (``core.churn.cache.subject``);
scoring posted subscribers and explaining one by id are Telco-only, as the page's What-if and Drivers tabs are.
The Recommender and the rater checks read the active source's own ratings, else the embedded MovieLens ones.
"""
from __future__ import annotations

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query

import core.api.frames as frames
import core.api.schemas as schemas
import core.api.schemas_audience as sa
from core.api.auth import require_token
from core.api.params import Pagination, applied, invalid, pagination, require_titles, source_filter, title_filters
from core.churn import cache as churn_cache
from core.churn import display as churn_display
from core.data import audience
from core.data import cache as data_cache
from core.data.features import Filters
from core.integrity import cache as integrity_cache
from core.integrity import raters
from core.recommend import cache as recommend_cache
from core.recommend import tables as rp

router = APIRouter(dependencies=[Depends(require_token)], responses={
    401: {"model": schemas.Problem}, 422: {"model": schemas.ValidationProblem}})
NOT_FOUND = {404: {"model": schemas.Problem}}
AT_RISK = {"Rank": "rank", "Subscriber": "subscriber", "Churn probability": "churn_probability", "Risk": "risk",
           "Tenure (months)": "tenure_months", "Monthly charge ($)": "monthly_charge",
           f"Expected revenue at risk, {churn_display.VALUE_MONTHS} months ($)": "expected_revenue_at_risk",
           "Contract": "contract", "Plan": "plan", "Main risk factor": "main_risk_factor",
           "Next factor": "next_factor", "Scored by": "scored_by"}
FACTORS = {"feature": "feature", "value": "value", "reference": "reference", "contribution": "contribution"}


# ------------------------------------------------------------------ churn
def _subscribers(flt: Filters) -> tuple[Filters, dict]:
    """Whose subscribers are modelled and their overview; a 422 on ``source`` when they cannot be modelled."""
    data = churn_cache.subject(flt)
    try:
        overview = churn_cache.churn_overview(data)
    except ValueError as exc:  # a platform's subscribers table without a contract column
        raise invalid("source", f"cannot model this platform's subscribers: {exc}") from None
    problem = churn_display.data_problem({"subscribers": overview.get("modelled", overview["subscribers"]),
                                          "base_rate": overview["base_rate"]})
    if problem:
        raise invalid("source", problem)
    return data, overview


def _whose(data: Filters) -> str:
    return data.source if churn_cache.is_platform(data) else "embedded Telco"


@router.get("/churn/drivers", response_model=sa.Drivers, tags=["churn"], summary="What drives churn")
def churn_drivers(flt: Filters = Depends(source_filter)) -> dict:
    """Permutation importance of each input on held-out subscribers."""
    data, _ = _subscribers(flt)
    found = (churn_cache.platform_importance(data) if churn_cache.is_platform(data)
             else churn_cache.churn_importance())
    return {"subscribers": _whose(data), "roc_auc": found["roc_auc"], "rows": found["rows"],
            "insights": found["insights"], "items": frames.records(found["importance"])}


@router.get("/churn/at-risk", response_model=sa.AtRiskList, tags=["churn"], summary="Subscribers most at risk")
def churn_at_risk(threshold: float | None = Query(None, ge=0, le=1, description="Default: the campaign's best."),
                  flt: Filters = Depends(source_filter), page: Pagination = Depends(pagination)) -> dict:
    """Current subscribers ranked by honest churn probability (at most the page's 500), with their main factors."""
    data, _ = _subscribers(flt)
    threshold = churn_cache.churn_evaluation(data)["default_threshold"] if threshold is None else threshold
    top_n = min(page.offset + page.limit, churn_cache.AT_RISK_MAX)
    risk = churn_cache.churn_at_risk(data, top_n, threshold)
    table = risk["table"].assign(Subscriber=risk["table"]["Subscriber"].astype(str))
    rows = table.iloc[page.offset:top_n]
    info = {"total": min(risk["current"], churn_cache.AT_RISK_MAX), "limit": page.limit, "offset": page.offset}
    return {"subscribers": _whose(data), "threshold": threshold, "flagged": risk["flagged"],
            "current": risk["current"], "page": info, "items": frames.records(rows, AT_RISK)}


@router.get("/churn/subscribers/{subscriber_id}", response_model=sa.Explained, tags=["churn"],
            summary="Why one Telco subscriber scores what they score", responses=NOT_FOUND)
def churn_subscriber(subscriber_id: int = Path(ge=0, examples=[5475])) -> dict:
    """One embedded Telco subscriber's out-of-fold churn probability and the factors behind it."""
    found = churn_cache.churn_explanation(subscriber_id)
    if not found:
        raise HTTPException(404, "No Telco subscriber with this id: GET /api/v1/churn/at-risk lists some.")
    return {"subscriber_id": subscriber_id, **_score(found)}


def _score(result: dict) -> dict:
    return {"probability": result["probability"], "band": result["band"], "note": result["note"],
            "insights": result["insights"], "factors": frames.records(result["explanation"], FACTORS)}


@router.post("/churn/scores", response_model=sa.Scores, tags=["churn"], summary="Score posted subscribers")
def churn_scores(request: sa.ScoreRequest = Body()) -> dict:
    """Churn probability, risk band and factors of each posted subscriber, by the Telco model refitted on every
    subscriber (the page's What-if); a field left out takes the typical subscriber's value."""
    results = []
    for i, subscriber in enumerate(request.subscribers):
        record, problems = churn_display.parse_record(subscriber.model_dump(exclude_none=True))
        result = ({"error": " ".join(problems)} if problems
                  else churn_cache.churn_what_if(tuple(sorted(record.items()))))
        if "error" in result:
            raise invalid(f"subscribers.{i}", result["error"], "body")
        results.append(_score(result))
    return {"base_rate": churn_cache.churn_overview(churn_cache.telco())["base_rate"], "items": results}


# ------------------------------------------------------------------ recommendations
def _ratings(flt: Filters) -> tuple[tuple[str, str], dict, dict]:
    """``(src, recommender data, the ratings source as a response states it)``."""
    src = data_cache.audience_source(flt, "ratings")
    return src, recommend_cache.recommender_data(src), {"source": src[0], "version": src[1],
                                                        "note": audience.note(flt.source, src[0], "ratings")}


@router.get("/recommendations/users/{user_id}", response_model=sa.Recommendations, tags=["recommendations"],
            summary="A viewer's top 10", responses=NOT_FOUND)
def recommendations(user_id: int = Path(ge=1, examples=[1]),
                    content_weight: float = Query(rp.DEFAULT_WEIGHT, ge=0, le=1,
                                                  description="Content share of the blend (0 = collaborative only)."),
                    flt: Filters = Depends(source_filter)) -> dict:
    """The viewer's top 10 with why (because you rated), predicted ratings and love probabilities."""
    src, data, whose = _ratings(flt)
    if user_id not in set(data["users"]["user_id"]):
        raise HTTPException(404, "No viewer with this id in these ratings.")
    top = recommend_cache.recommender_top(src, data["key"], user_id, content_weight)
    return {"ratings": whose, "user_id": user_id, "content_weight": content_weight, "insights": top["insights"],
            "items": frames.records(top["top"])}


@router.get("/recommendations/popular", response_model=sa.PopularList, tags=["recommendations"],
            summary="Cold start: most rated in some genres")
def popular(genres: str | None = Query(None, description="Comma-separated genres of the ratings (default: all)."),
            flt: Filters = Depends(source_filter)) -> dict:
    """What a new viewer gets: the 10 most-rated titles in any of the genres."""
    src, data, whose = _ratings(flt)
    picked = [g for g in (genres or "").split(",") if g]
    if set(picked) - set(data["genres"]):
        raise invalid("genres", f"genres must be among these ratings' genres: {', '.join(data['genres'])}")
    table = recommend_cache.recommender_popular(src, data["key"], tuple(picked))
    return {"ratings": whose, "genres": picked, "items": frames.records(table)}


@router.get("/recommendations/titles/{title_id}/neighbours", response_model=sa.Neighbours,
            tags=["recommendations"], summary="More like this title", responses=NOT_FOUND)
def neighbours(title_id: str = Path(max_length=200, examples=["gm:18642"]),
               user_id: int = Query(rp.NEW_USER, ge=0, description="Predict for this viewer (0 = a new viewer)."),
               flt: Filters = Depends(source_filter)) -> dict:
    """Content neighbours, rating neighbours, and the viewer's predicted rating and love probability."""
    src, data, whose = _ratings(flt)
    if title_id not in set(data["titles"]["title_id"]):
        raise HTTPException(404, "No title with this id in the recommender's catalogue.")
    if user_id != rp.NEW_USER and user_id not in set(data["users"]["user_id"]):
        raise HTTPException(404, "No viewer with this id in these ratings.")
    similar = recommend_cache.recommender_similar(src, data["key"], title_id)
    rated = recommend_cache.recommender_title(src, data["key"], user_id, title_id)
    return {"ratings": whose, "title_id": title_id, "title": similar["title"], "title_ratings": similar["ratings"],
            "user_id": user_id, "predicted_rating": rated["predicted"], "love_probability": rated["love"],
            "content": frames.records(similar["table"]), "collaborative": frames.records(rated["table"]),
            "insights": similar["insights"] + rated["insights"]}


# ------------------------------------------------------------------ integrity
@router.get("/integrity/raters", response_model=sa.RaterFlags, tags=["integrity"], summary="Suspicious raters")
def integrity_raters(contamination: float = Query(0.02, gt=0, le=0.5, description="Share of raters to flag."),
                     flt: Filters = Depends(source_filter), page: Pagination = Depends(pagination)) -> dict:
    """Raters an Isolation Forest flags as unusual, most unusual first, with the reasons."""
    src = data_cache.audience_source(flt, "ratings")
    found = integrity_cache.integrity_raters(*src, contamination)
    if not found:
        raise invalid("source", f"rater analysis needs at least {raters.MIN_RATERS} raters in the ratings table")
    table = found["table"].assign(user=found["display"]["User"].astype(str).to_numpy())
    info, rows = frames.window(table, *page)
    return {"ratings": {"source": src[0], "version": src[1], "note": audience.note(flt.source, src[0], "ratings")},
            "contamination": contamination, "raters": found["raters"], "rated": found["ratings"],
            "flagged_share": found["summary"]["flagged_share"], "titles_moved": found["summary"]["moved"],
            "priorities": found["priorities"], "insights": found["insights"], "page": info,
            "items": frames.records(rows)}


@router.get("/integrity/titles", response_model=sa.VoteFlags, tags=["integrity"],
            summary="Titles whose rating disagrees with their votes")
def integrity_titles(threshold: float = Query(3.0, ge=2, le=6, description="Gap score (sd) to flag at."),
                     flt: Filters = Depends(title_filters), page: Pagination = Depends(pagination)) -> dict:
    """Titles whose published rating is far from the mean of their vote shares (stuffed or bombed votes)."""
    from core.integrity import votes

    require_titles(flt, votes.MIN_TITLES, "to compare vote patterns")
    found = integrity_cache.integrity_votes(flt, threshold)
    out = {"filters": applied(flt), "available": found["available"], "threshold": threshold, "titles": found["titles"]}
    if not found["available"]:  # no per-star vote shares (TMDB): nothing can be flagged
        return {**out, "insights": [], "page": {"total": 0, **page._asdict()}, "items": []}
    info, rows = frames.window(found["table"], *page)
    return {**out, "insights": found["insights"], "page": info, "items": frames.records(rows)}


def _finite(figures: dict) -> dict:
    """A headline with NaN (nothing to average) as null."""
    return {k: None if isinstance(v, float) and v != v else v for k, v in figures.items()}


@router.get("/integrity/reviews", response_model=sa.ReviewText, tags=["integrity"],
            summary="Sentiment of review text", responses=NOT_FOUND)
def integrity_reviews(title_id: str | None = Query(None, description="Also score this title's newest reviews."),
                      flt: Filters = Depends(title_filters)) -> dict:
    """Text sentiment (VADER) of the source's own reviews of the titles in view; with ``title_id`` that title's
    figures and its highest- and lowest-scoring reviews. The same cached functions as the Integrity page."""
    from core.data import reviews

    found = integrity_cache.integrity_reviews(flt)
    out = {"filters": applied(flt), "available": found["available"]}
    if not found["available"]:
        return {**out, "note": reviews.missing_note(flt.source)}
    title = None
    if title_id:
        one = integrity_cache.integrity_title_reviews(flt, title_id)
        if not one["headline"]["reviews"]:
            raise HTTPException(404, "No review of a title with this id in this source.")
        title = {"title_id": title_id, "headline": _finite(one["headline"]), "volatility": one["volatility"],
                 "most_positive": one["positive"], "most_negative": one["negative"], "insights": one["insights"]}
    return {**out, "total": found["total"], "scored": found["sampled"], "headline": _finite(found["headline"]),
            "title": title, "insights": found["trend_insights"] + found["genre_insights"]}
