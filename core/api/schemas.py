"""The JSON API's request and response models: sources, titles, genres, opportunities, the copilot, head-to-head
and forecasts (the audience pages' models are in ``core.api.schemas_audience``).

Field names follow the columns of the frames the pages show; ``insights`` are the pages' sentences (Markdown, as
drawn on screen). Missing values are ``null``; shares and probabilities are fractions (0-1), not percentages.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    """Any error: a plain sentence, never internals."""

    detail: str


class FieldProblem(BaseModel):
    """One request field that could not be used."""

    field: str = Field(description="The field, e.g. ``genres`` or ``subscribers.0.tenure``.")
    location: str = Field(description="Where it was sent: query, path or body.")
    message: str


class ValidationProblem(Problem):
    """A 422: which fields are wrong and why."""

    errors: list[FieldProblem]


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    api: str = "v1"


class AppliedFilters(BaseModel):
    """The global filters the answer was computed for (defaults filled in as the app's sidebar fills them)."""

    source: str
    media: list[str]
    genres: list[str]
    years: tuple[int, int]
    min_votes: int
    version: str = Field(description="The source's data version: it changes with every sync or rebuild.")


class PageInfo(BaseModel):
    """Pagination of a list: ``items`` holds rows ``offset`` to ``offset + limit`` of ``total``."""

    total: int
    limit: int
    offset: int


# ------------------------------------------------------------------ sources, titles, genres
class SourceInfo(BaseModel):
    source: str
    label: str
    version: str
    titles: int = Field(description="Titles with audience data.")
    genres: list[str]
    media_types: list[str]
    year_min: int
    year_max: int
    default_min_votes: int
    ratings: int
    subscribers: int
    note: str = Field(description="Where the data comes from and how fresh it is, as the home page says it.")
    fetched_at: str | None = Field(None, description="When the data was built or last fetched (ISO 8601, UTC).")


class Sources(BaseModel):
    sources: list[SourceInfo]


class TitleSummary(BaseModel):
    title_id: str
    title: str
    year: int | None = None
    media_type: str
    genres: list[str]
    primary_genre: str | None = None
    vote_average: float | None = None
    vote_count: int | None = None
    popularity: float | None = None
    engagement_score: float | None = None
    engagement_pct: float | None = Field(None, description="Percentile of the engagement score in view (0-100).")
    tier: str | None = None
    hit: bool = Field(description="In the top engagement quartile of the view.")


class TitleList(BaseModel):
    filters: AppliedFilters
    query: str
    page: PageInfo
    items: list[TitleSummary]


class TitleDetail(TitleSummary):
    release_date: str | None = None
    runtime: float | None = None
    budget: float | None = None
    revenue: float | None = None
    budget_level: int | None = None
    popularity_pct: float | None = None
    rating_pct: float | None = None
    decade: int | None = None
    language: str | None = None
    overview: str | None = None
    poster_url: str | None = None
    vote_shares: dict[str, float] | None = Field(None, description="Share of votes at each star, r1-r10 (%).")


class TitleOne(BaseModel):
    filters: AppliedFilters
    title: TitleDetail


class Headline(BaseModel):
    titles: int
    genres: int
    median_rating: float | None
    median_votes: float | None
    hit_cutoff: float | None = Field(description="Engagement score a title needs to count as a hit.")


class GenreStat(BaseModel):
    genre: str
    titles: int
    title_share: float
    engagement: float
    engagement_share: float
    mean_engagement: float | None
    hits: int
    hit_share: float | None
    hit_rate: float | None


class GenreStats(BaseModel):
    filters: AppliedFilters
    headline: Headline
    insights: list[str]
    page: PageInfo
    items: list[GenreStat]


# ------------------------------------------------------------------ opportunities
class SaturationRow(GenreStat):
    zone: str
    saturation_index: float | None = Field(description="Supply share / hit share: above 1 = saturated.")


class Saturation(BaseModel):
    filters: AppliedFilters
    insights: list[str]
    page: PageInfo
    items: list[SaturationRow]


class CurvePoint(BaseModel):
    title_share: float
    value_share: float


class Concentration(BaseModel):
    filters: AppliedFilters
    measure: Literal["engagement_score", "vote_count"]
    titles_for_80: float = Field(description="Share of titles (best first) that hold 80% of the measure.")
    top20_share: float = Field(description="Share of the measure held by the top 20% of titles.")
    titles: int
    insights: list[str]
    curve: list[CurvePoint]


class WindowCell(BaseModel):
    genre: str
    period: str
    titles: int | None
    hit_rate: float | None
    mean_engagement: float | None


class ReleaseWindows(BaseModel):
    filters: AppliedFilters
    basis: str
    bases: list[str] = Field(description="The bases this view supports (the page's radio options).")
    insights: list[str]
    page: PageInfo
    items: list[WindowCell]


# ------------------------------------------------------------------ copilot
class Concept(BaseModel):
    """A title not made yet, as the Investment Copilot's form takes it."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field("Untitled project", max_length=120)
    genres: list[str] = Field(min_length=1, max_length=10, examples=[["Drama"]])
    media_type: Literal["movie", "tv"] = "movie"
    budget_level: int = Field(5, ge=1, le=10, description="1 = cheapest tenth of known budgets, 10 = priciest.")
    runtime: float | None = Field(None, description="Minutes; default the view's median (within the page's range).")
    quarter: int | None = Field(None, ge=1, le=4, description="Release quarter, where the source has dates.")
    booster: Literal["lightgbm", "xgboost"] = "lightgbm"


class BudgetPoint(BaseModel):
    budget_level: int
    popularity: float
    hit_probability: float
    selected: bool


class Benchmark(BaseModel):
    title_id: str
    title: str
    year: int | None
    genres: str | None
    budget: float | None
    runtime: float | None
    popularity: float | None
    vote_average: float | None
    vote_count: float | None
    engagement_score: float | None
    hit: bool
    distance: float


class ModelQuality(BaseModel):
    r2: float
    r2_gain: float = Field(description="R2 above the genre-median baseline.")
    mae: float
    mae_gain: float
    auc: float
    auc_gain: float = Field(description="Hit ROC-AUC above the genre hit-rate baseline.")
    folds: int
    trained_on: int


class Segment(BaseModel):
    name: str
    detail: str
    method: str


class Prediction(BaseModel):
    filters: AppliedFilters
    title: str
    recommendation: str
    risk: Literal["Low", "Medium", "High"]
    popularity: float
    popularity_pct_view: float
    hit_probability: float
    support: int = Field(description="Training titles sharing a genre within one budget level.")
    reasons: list[str]
    segment: Segment
    budget_curve: list[BudgetPoint]
    benchmarks: list[Benchmark]
    quality: ModelQuality
    fallback: str = Field("", description="Set when XGBoost stood in for LightGBM.")


# ------------------------------------------------------------------ head-to-head
class Metric(BaseModel):
    metric: str
    a: float | None
    b: float | None
    kind: Literal["score", "pct", "info"] = Field(description="score/pct are scored; info is shown only.")
    diff: float | None = Field(description="Normalised difference, positive = A higher.")
    favours: str


class Verdict(BaseModel):
    wins_a: int
    wins_b: int
    ties: int
    winner: str
    text: str
    decided_by: str | None = None
    margin: float | None = None
    why: str


class TrendPoint(BaseModel):
    name: str
    year: int
    titles: int | None = None
    engagement: float | None = None
    mean_rating: float | None = None
    ratings: int | None = None


class HeadToHead(BaseModel):
    filters: AppliedFilters
    mode: Literal["genre", "title"]
    a: str = Field(description="The genre, or the title's label as the page shows it.")
    b: str
    verdict: Verdict
    metrics: list[Metric]
    insights: list[str]
    trend: list[TrendPoint]
    trend_insights: list[str]


# ------------------------------------------------------------------ forecasts
class GenreOutlook(BaseModel):
    genre: str
    months: int
    last_12: float
    next_12_prophet: float | None
    change_prophet_pct: float | None
    best: str
    next_12_best: float | None
    change_best_pct: float | None
    mase_prophet: float | None
    mase_ensemble: float | None
    mase_snaive: float | None
    mase_mean: float | None
    verdict: str


class Forecasts(BaseModel):
    filters: AppliedFilters
    measure: str
    note: str
    data_through: str
    insights: list[str]
    accuracy_insights: list[str]
    items: list[GenreOutlook]


class SeriesPoint(BaseModel):
    ds: str
    y: float


class ForecastPoint(BaseModel):
    ds: str
    yhat: float
    yhat_lower: float
    yhat_upper: float


class ModelForecast(BaseModel):
    model: str
    points: list[ForecastPoint]


class Backtest(BaseModel):
    model: str
    mase: float | None
    mae: float | None
    band_coverage: float | None = Field(description="Share of held-out months inside the 80% band.")
    total_vs_actual_pct: float | None
    mase_below_naive_pct: float | None


class GenreForecast(BaseModel):
    filters: AppliedFilters
    genre: str
    reason: str | None = Field(None, description="Why this genre has no forecast (then only history is set).")
    history: list[SeriesPoint]
    best: str | None = None
    verdict: str | None = None
    forecasts: list[ModelForecast] = []
    backtest: list[Backtest] = []
    insights: list[str] = []
