"""Routes over the decision pages: Market Opportunities, the Investment Copilot, Head-to-Head and Forecasting."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query

import core.api.frames as frames
import core.api.schemas as schemas
from core.api.auth import require_token
from core.api.params import Pagination, applied, invalid, pagination, require_titles, title_filters
from core.data import cache as data_cache
from core.data.features import Filters
from core.decide import cache as decide_cache
from core.explore import cache as explore_cache
from core.explore import universe
from core.forecast import cache as forecast_cache

router = APIRouter(dependencies=[Depends(require_token)], responses={
    401: {"model": schemas.Problem}, 422: {"model": schemas.ValidationProblem}})
MARKET_MIN = universe.MIN_TITLES  # the Market page's guard
BACKTEST = {"model": "model", "MASE": "mase", "MAE": "mae", "80% band coverage": "band_coverage",
            "12-month total vs actual (%)": "total_vs_actual_pct",
            "MASE below seasonal naive (%)": "mase_below_naive_pct"}


@router.get("/opportunities/saturation", response_model=schemas.Saturation, tags=["opportunities"],
            summary="Market saturation by genre")
def saturation(flt: Filters = Depends(title_filters), page: Pagination = Depends(pagination)) -> dict:
    """Supply share against hit share per genre, with the opportunity zones (Market Opportunities)."""
    require_titles(flt, MARKET_MIN, "to size a market")
    overview = explore_cache.market_overview(flt)
    info, rows = frames.window(overview["saturation"], *page)
    return {"filters": applied(flt), "insights": overview["saturation_insights"], "page": info,
            "items": frames.records(rows)}


@router.get("/opportunities/concentration", response_model=schemas.Concentration, tags=["opportunities"],
            summary="Concentration (80/20) of engagement or votes")
def concentration(measure: Literal["engagement_score", "vote_count"] = "engagement_score",
                  flt: Filters = Depends(title_filters)) -> dict:
    """The concentration curve and how many titles hold 80% of the measure."""
    require_titles(flt, MARKET_MIN, "to size a market")
    pareto = explore_cache.market_pareto(flt, measure)
    return {"filters": applied(flt), "measure": measure, **pareto["summary"], "insights": pareto["insights"],
            "curve": frames.records(pareto["curve"])}


@router.get("/opportunities/release-windows", response_model=schemas.ReleaseWindows, tags=["opportunities"],
            summary="Hit rate by genre and release period")
def release_windows(basis: str | None = Query(None, description="A basis the view supports (default: the first)."),
                    flt: Filters = Depends(title_filters), page: Pagination = Depends(pagination)) -> dict:
    """The genre x period hit-rate grid on one basis (decade, MovieLens month, release month or quarter)."""
    require_titles(flt, MARKET_MIN, "to size a market")
    bases = explore_cache.market_overview(flt)["bases"]
    if not bases or (basis is not None and basis not in bases):
        raise invalid("basis", f"basis must be one of this view's: {', '.join(bases) or 'none'}")
    basis = basis or bases[0]
    window = explore_cache.market_release_window(flt, basis)
    info, rows = frames.window(window["window"], *page)
    return {"filters": applied(flt), "basis": basis, "bases": bases, "insights": window["insights"], "page": info,
            "items": frames.records(rows)}


@router.post("/copilot/predictions", response_model=schemas.Prediction, tags=["copilot"],
             summary="Predict a new title")
def copilot_prediction(concept: schemas.Concept = Body(), flt: Filters = Depends(title_filters)) -> dict:
    """Popularity, hit probability, risk and the call for a concept, from the copilot trained on the view."""
    from core.decide import advice, copilot

    status = decide_cache.copilot_status(flt)
    if status["reason"]:
        raise invalid("filters", status["reason"])
    scenario = copilot.Scenario(*_scenario_inputs(concept, status), concept.title.strip() or "Untitled project")
    evaluation = decide_cache.copilot_evaluation(flt, concept.booster)
    models = decide_cache.copilot_models(flt, concept.booster)
    adv = advice.advise(models, scenario)
    seg_model, _ = explore_cache.segment_model(flt)
    seg_table = explore_cache.deepdive_segments(flt).get("table") if seg_model is not None else None
    segment = advice.new_title_segment(models, scenario, seg_model, seg_table, adv.popularity)
    quality = advice.quality_summary(evaluation)
    return {"filters": applied(flt), "title": scenario.title, "recommendation": adv.recommendation,
            "risk": adv.risk, "popularity": adv.popularity, "popularity_pct_view": adv.popularity_pct_view,
            "hit_probability": adv.hit_probability, "support": adv.support, "reasons": adv.reasons,
            "segment": segment, "budget_curve": frames.records(adv.curve),
            "benchmarks": frames.records(adv.similar.assign(hit=adv.similar["hit"] == "Hit")),
            "quality": {**quality, "folds": evaluation["folds"], "trained_on": evaluation["n"]},
            "fallback": evaluation["fallback"] or ""}


def _scenario_inputs(concept: schemas.Concept, status: dict) -> tuple:
    """Genres, content type, budget level, runtime and quarter, checked against what the view's copilot offers."""
    unknown = [g for g in concept.genres if g not in status["genres"]]
    if unknown:
        raise invalid("genres", f"the copilot of this view has no genre {', '.join(unknown)}; it has "
                                f"{', '.join(status['genres'])}", "body")
    if concept.media_type not in status["media_types"]:
        raise invalid("media_type", f"media_type must be one of {', '.join(status['media_types'])}", "body")
    lo, hi = status["runtime_min"], status["runtime_max"]
    runtime = status["runtime_default"] if concept.runtime is None else concept.runtime
    if not lo <= runtime <= hi:
        raise invalid("runtime", f"runtime must be between {lo} and {hi} minutes for this view", "body")
    quarter = concept.quarter if status["has_quarter"] else None
    return tuple(dict.fromkeys(concept.genres)), concept.media_type, concept.budget_level, runtime, quarter


@router.get("/head-to-head", response_model=schemas.HeadToHead, tags=["head-to-head"],
            summary="Two genres or two titles side by side", responses={404: {"model": schemas.Problem}})
def head_to_head(a: str = Query(max_length=200, description="A genre, or in title mode a title id."),
                 b: str = Query(max_length=200), mode: Literal["genre", "title"] = "genre",
                 flt: Filters = Depends(title_filters)) -> dict:
    """Metrics, the scored verdict and the trend of two genres or two titles in view."""
    from core.decide import h2h

    require_titles(flt)
    if a == b:
        raise invalid("b", "a and b must differ")
    if mode == "genre":
        options = decide_cache.h2h_options(flt, "genre")
        names = (a, b)
        if any(n not in options for n in names):
            raise HTTPException(404, "No such genre in view: GET /api/v1/genres lists them.")
    else:
        labels = h2h.title_labels(data_cache.strategy_frame(flt)).set_index("title_id")["label"]
        if any(t not in labels.index for t in (a, b)):
            raise HTTPException(404, "No title with this id in view: check the ids, or widen the filters.")
        names = (labels[a], labels[b])
    result = decide_cache.h2h_comparison(flt, mode, *names)
    trend = result["trend"].rename(columns={"genre": "name", "title": "name"})
    return {"filters": applied(flt), "mode": mode, "a": names[0], "b": names[1], "verdict": result["verdict"],
            "metrics": frames.records(result["table"]), "insights": result["diff_insights"],
            "trend": frames.records(trend), "trend_insights": result["trend_insights"]}


@router.get("/forecasts", response_model=schemas.Forecasts, tags=["forecasts"],
            summary="12-month outlook of the top genres")
def forecasts(flt: Filters = Depends(title_filters)) -> dict:
    """Every forecast genre's last and next 12 months and backtest accuracy (fits, or loads, each genre)."""
    inputs = _inputs(flt)
    summary = forecast_cache.forecast_summary(flt)
    return {"filters": applied(flt), "measure": inputs["measure"], "note": inputs["note"],
            "data_through": f"{inputs['end']:%Y-%m}", "insights": summary["outlook_insights"],
            "accuracy_insights": summary["accuracy_insights"], "items": frames.records(summary["summary"])}


@router.get("/forecasts/{genre}", response_model=schemas.GenreForecast, tags=["forecasts"],
            summary="One genre's forecasts and backtest", responses={404: {"model": schemas.Problem}})
def genre_forecast(genre: str = Path(max_length=100, examples=["Drama"]),
                   flt: Filters = Depends(title_filters)) -> dict:
    """History, each model's 12-month forecast with its 80% band, the backtest and the verdict."""
    inputs = _inputs(flt)
    if genre not in inputs["genres"]["genre"].tolist():
        raise HTTPException(404, "No forecast for this genre: GET /api/v1/forecasts lists the forecast genres.")
    detail = forecast_cache.forecast_detail(flt, genre)
    out = {"filters": applied(flt), "genre": genre, "history": frames.records(frames.monthly(detail["history"]))}
    if detail["reason"]:
        return {**out, "reason": detail["reason"]}
    return {**out, "best": detail["best"], "verdict": detail["verdict"]["text"],
            "forecasts": [{"model": m, "points": frames.records(frames.monthly(f))}
                          for m, f in detail["forecasts"].items()],
            "backtest": frames.records(detail["table"], BACKTEST),
            "insights": detail["forecast_insights"] + detail["backtest_insights"]}


def _inputs(flt: Filters) -> dict:
    require_titles(flt)
    inputs = forecast_cache.forecast_inputs(flt)
    if inputs["series"].empty:
        raise invalid("filters", "no monthly series to forecast for these filters")
    return inputs
