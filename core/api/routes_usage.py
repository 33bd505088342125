"""The route over the Usage page: its figures, from the same cached function the page calls
(``core.usage.cache.usage_figures``)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query

import core.api.frames as frames
import core.api.schemas as schemas
import core.api.schemas_usage as su
from core import config
from core.api.auth import require_token
from core.usage import cache as usage_cache
from core.usage import store

router = APIRouter(dependencies=[Depends(require_token)], responses={
    401: {"model": schemas.Problem}, 422: {"model": schemas.ValidationProblem}})
UNAVAILABLE = {503: {"model": schemas.Problem}}


@router.get("/usage", response_model=su.UsageFigures, tags=["usage"], responses=UNAVAILABLE,
            summary="How Marquee itself is used, and how fast its pages render")
def usage(days: int = Query(30, ge=0, le=3650, description="The last N days (UTC); 0 for all time.")) -> dict:
    """Page views per page and day, sessions and their median length, the page-to-page flow, the most used filters,
    values and search terms, widgets and downloads, and p50/p95 server render time per page: the Usage page's
    figures. A 503 when the store is locked by another process or damaged."""
    path = config.usage_store_path()
    try:
        figs = usage_cache.usage_figures(str(path), days, store.stamp(path))
    except store.StoreUnavailable as exc:
        raise HTTPException(503, f"The usage store cannot be read now ({exc.reason.replace('_', ' ')}).") from exc
    return {"recording": config.usage_enabled(), "days": days, "events": figs["events"],
            "sessions": figs["sessions_n"], "page_views": figs["views"],
            "median_session_seconds": figs["median_session_s"], "one_page_share": figs["one_page_share"],
            "first": figs["first"], "last": figs["last"],
            "views_by_page": frames.records(figs["views_by_page"]),
            "views_by_day": frames.records(figs["views_by_day"].assign(
                day=figs["views_by_day"]["day"].dt.strftime("%Y-%m-%d"))),
            "flow": frames.records(figs["transitions"], {"from": "from_page", "to": "to_page", "moves": "moves"}),
            "filters": frames.records(figs["filters"]), "filter_values": frames.records(figs["filter_values"]),
            "searches": frames.records(figs["searches"]), "widgets": frames.records(figs["widgets"]),
            "downloads": frames.records(figs["exports"]), "render": frames.records(figs["render"]),
            "insights": figs["insights"]}
