"""Routes over the data layer and the Content Universe: health, sources and their freshness, titles, genres."""
from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Path, Query

import core.api.frames as frames
import core.api.schemas as schemas
from core.api.auth import require_token
from core.api.params import Pagination, applied, available_sources, pagination, require_titles, title_filters
from core.data import cache as data_cache
from core.data.features import Filters
from core.explore import cache as explore_cache
from core.home import cache as home_cache
from core.ui.filters import source_label

open_router = APIRouter(tags=["health"])
router = APIRouter(dependencies=[Depends(require_token)])
SUMMARY_FIELDS = list(schemas.TitleSummary.model_fields)
DETAIL_FIELDS = [f for f in schemas.TitleDetail.model_fields if f != "vote_shares"]
SHARES = tuple(f"r{i}" for i in range(1, 11))


@open_router.get("/health", response_model=schemas.Health, summary="Is the API up (no token needed)")
def health() -> dict:
    """Answers ``{"status": "ok"}`` while the server runs; loads no data."""
    return {}


@router.get("/sources", response_model=schemas.Sources, tags=["data"], summary="Sources and their freshness")
def sources() -> dict:
    """Every source the app can show, with its data version, headline counts and how fresh it is."""
    return {"sources": [_source(s) for s in available_sources()]}


def _source(source: str) -> dict:
    version = data_cache.source_version(source)
    facets, summary = data_cache.source_facets(source, version), home_cache.home_summary(source, version)
    if source == "tmdb":
        fetched = data_cache.tmdb_status(data_cache.tmdb_store_path()).get("fetched_at") or None
    elif source == "embedded":
        fetched = pd.Timestamp(data_cache.embedded_data().built_at).isoformat()
    else:
        fetched = None
    return {"source": source, "label": source_label(source), "version": version, "titles": facets["titles"],
            "genres": facets["genres"], "media_types": facets["media_types"], "year_min": facets["year_min"],
            "year_max": facets["year_max"], "default_min_votes": facets["min_votes"], "ratings": summary["ratings"],
            "subscribers": summary["subscribers"], "note": summary["source_note"], "fetched_at": fetched}


@router.get("/titles", response_model=schemas.TitleList, tags=["titles"], summary="Search the titles in view")
def titles(q: str = Query("", max_length=200, description="Part of the title, any case; empty lists all."),
           flt: Filters = Depends(title_filters), page: Pagination = Depends(pagination)) -> dict:
    """Titles in view whose name contains ``q``, best engagement first."""
    view = data_cache.strategy_frame(flt)
    if q.strip():
        view = view[view["title"].str.contains(q.strip(), case=False, regex=False, na=False)]
    view = view.sort_values(["engagement_score", "title_id"], ascending=[False, True])
    info, rows = frames.window(view, *page)
    return {"filters": applied(flt), "query": q, "page": info, "items": frames.records(rows[SUMMARY_FIELDS])}


@router.get("/titles/{title_id}", response_model=schemas.TitleOne, tags=["titles"], summary="One title",
            responses={404: {"model": schemas.Problem}})
def title(title_id: str = Path(max_length=200, examples=["gm:46269"]), flt: Filters = Depends(title_filters)) -> dict:
    """One title in view with its derived features (percentiles are within the view)."""
    view = data_cache.strategy_frame(flt)
    match = view[view["title_id"] == title_id]
    if match.empty:
        raise HTTPException(404, "No title with this id in view: check the id, or widen the filters.")
    row = frames.records(match[DETAIL_FIELDS].assign(
        release_date=match["release_date"].dt.strftime("%Y-%m-%d")))[0]
    shares = [c for c in SHARES if c in match.columns]
    values = match[shares].iloc[0] if shares else pd.Series(dtype="float64")
    row["vote_shares"] = None if values.isna().all() else {c: float(values[c]) for c in shares}
    return {"filters": applied(flt), "title": row}


@router.get("/genres", response_model=schemas.GenreStats, tags=["genres"], summary="Genre statistics")
def genres(flt: Filters = Depends(title_filters), page: Pagination = Depends(pagination)) -> dict:
    """Genre shares, engagement and hit rates of the view (the Content Universe's genre table), largest first."""
    require_titles(flt)
    overview = explore_cache.universe_overview(flt)
    info, rows = frames.window(overview["stats"], *page)
    return {"filters": applied(flt), "headline": overview["headline"], "insights": overview["stats_insights"],
            "page": info, "items": frames.records(rows)}
