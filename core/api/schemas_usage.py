"""The JSON API's models for the Usage page's figures (``/api/v1/usage``): how Marquee itself is used and how fast
its pages render on the server, from the usage store (``core.usage``)."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class PageViews(BaseModel):
    page: str
    views: int
    sessions: int


class DayViews(BaseModel):
    day: date = Field(description="A UTC day.")
    page: str
    views: int


class Move(BaseModel):
    """Moves from one page to the next within a session; ``from_page`` is ``(start)`` for a session's first page."""

    from_page: str
    to_page: str
    moves: int


class FilterUse(BaseModel):
    filter: str
    changes: int
    sessions: int


class FilterValue(BaseModel):
    filter: str
    value: str
    uses: int


class SearchTerm(BaseModel):
    term: str
    searches: int
    sessions: int


class WidgetUse(BaseModel):
    page: str
    widget: str = Field(description="The widget's key (its value is never recorded).")
    interactions: int


class Download(BaseModel):
    page: str
    download: str = Field(description="The download button's key.")
    downloads: int


class RenderTime(BaseModel):
    page: str
    runs: int
    p50_ms: float = Field(description="Median server render time of a run (ms).")
    p95_ms: float
    max_ms: float
    errors: int = Field(description="Runs that ended in an error.")


class UsageInsights(BaseModel):
    """The page's sentences per section (Markdown, as drawn on screen)."""

    pages: list[str]
    days: list[str]
    sessions: list[str]
    flow: list[str]
    filters: list[str]
    render: list[str]


class UsageFigures(BaseModel):
    """The Usage page's figures over the last ``days`` days (0: all time)."""

    recording: bool = Field(description="Whether the app records usage now (MARQUEE_USAGE is not off).")
    days: int
    events: int
    sessions: int
    page_views: int
    median_session_seconds: float = Field(description="First to last event of a session, median over sessions.")
    one_page_share: float = Field(description="Share of sessions that saw one page at most (0-1).")
    first: datetime | None = Field(description="The period's first event (UTC).")
    last: datetime | None
    views_by_page: list[PageViews]
    views_by_day: list[DayViews]
    flow: list[Move]
    filters: list[FilterUse]
    filter_values: list[FilterValue]
    searches: list[SearchTerm]
    widgets: list[WidgetUse]
    downloads: list[Download]
    render: list[RenderTime]
    insights: UsageInsights
