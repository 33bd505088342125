"""The JSON API's models for the audience pages: churn, recommendations and integrity.

The posted subscriber takes the fields, levels and ranges of the Churn page's what-if form, read from the churn
scoring module itself (``core.churn.scoring``, ``models.churn``), so the API accepts exactly what the page does.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from core.api.schemas import AppliedFilters, PageInfo
from core.churn.scoring import NUMERIC_RANGES
from models.churn import CATEGORY_LEVELS, FLAGS

MAX_SUBSCRIBERS = 100  # per POST: each is scored and explained one at a time (about 20 ms each)


class AudienceSource(BaseModel):
    """Whose audience data answered: the active source's own, else the embedded one (``note`` says so)."""

    source: str
    version: str
    note: str = ""


# ------------------------------------------------------------------ churn
_NOTES = {"tenure": "Months subscribed.", "total_charges": "Dollars billed to date; default tenure x monthly charge."}


def _subscriber_fields() -> dict:
    flags = {f: (int | None, Field(None, ge=0, le=1, description="0 or 1.")) for f in FLAGS}
    numbers = {f: (int | None if f == "tenure" else float | None,
                   Field(None, ge=low, le=high, description=_NOTES.get(f, "Dollars per month.")))
               for f, (low, high) in NUMERIC_RANGES.items()}
    levels = {f: (Literal[tuple(values)] | None, None) for f, values in CATEGORY_LEVELS.items()}  # type: ignore
    return {**flags, **numbers, **levels}


#: One what-if subscriber: any field left out takes the typical subscriber's value, as on the Churn page.
Subscriber = create_model("Subscriber", __config__=ConfigDict(extra="forbid"), **_subscriber_fields())


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscribers: list[Subscriber] = Field(min_length=1, max_length=MAX_SUBSCRIBERS)  # type: ignore[valid-type]


class Factor(BaseModel):
    """One input's contribution: churn probability minus that with the input set to its typical value."""

    feature: str
    value: Any
    reference: Any
    contribution: float


class Score(BaseModel):
    probability: float
    band: str = Field(description="Risk band against the base rate (Low, Moderate, High, Very high).")
    note: str
    insights: list[str]
    factors: list[Factor]


class Scores(BaseModel):
    subscribers: Literal["embedded Telco"] = "embedded Telco"
    base_rate: float
    items: list[Score]


class Explained(Score):
    subscriber_id: int


class Driver(BaseModel):
    feature: str
    importance: float = Field(description="Held-out ROC-AUC lost when the feature is shuffled.")
    std: float


class Drivers(BaseModel):
    subscribers: str = Field(description="'embedded Telco' or the platform source modelled.")
    roc_auc: float
    rows: int = Field(description="Held-out subscribers the importance is measured on.")
    insights: list[str]
    items: list[Driver]


class AtRisk(BaseModel):
    rank: int
    subscriber: str
    churn_probability: float
    risk: str
    tenure_months: float
    monthly_charge: float
    expected_revenue_at_risk: float = Field(description="Probability x monthly charge x 12 months.")
    contract: str | None = None
    plan: str | None = None
    main_risk_factor: str | None = None
    next_factor: str | None = None
    scored_by: str | None = None


class AtRiskList(BaseModel):
    subscribers: str
    threshold: float
    flagged: int = Field(description="Current subscribers at or above the threshold.")
    current: int
    page: PageInfo
    items: list[AtRisk]


# ------------------------------------------------------------------ recommendations
class Recommendation(BaseModel):
    rank: int
    title_id: str
    title: str
    year: int | None
    genres: str
    match: float
    content_part: float
    collaborative_part: float
    because_you_rated: str | None
    predicted_rating: float | None
    love_probability: float | None = Field(description="P(4+ stars) from the love model.")


class Recommendations(BaseModel):
    ratings: AudienceSource
    user_id: int
    content_weight: float
    insights: list[str]
    items: list[Recommendation]


class Popular(BaseModel):
    rank: int
    title: str
    year: int | None
    genres: str
    ratings: int
    mean_rating: float


class PopularList(BaseModel):
    ratings: AudienceSource
    genres: list[str]
    items: list[Popular]


class Neighbour(BaseModel):
    title_id: str
    title: str
    year: int | None
    genres: str
    similarity: float
    co_raters: int | None = None
    ratings: int


class Neighbours(BaseModel):
    ratings: AudienceSource
    title_id: str
    title: str
    title_ratings: int
    user_id: int = Field(description="The viewer the predictions are for (0 = a new viewer).")
    predicted_rating: float
    love_probability: float
    content: list[Neighbour] = Field(description="More like this: content neighbours.")
    collaborative: list[Neighbour] = Field(description="Viewers who rated it also rated.")
    insights: list[str]


# ------------------------------------------------------------------ integrity
class RaterFlag(BaseModel):
    user: str
    priority: str
    ratings: int
    active_days: int
    per_day: float
    burst: int
    rating_sd: float | None
    mean_rating: float
    extreme_share: float
    consensus_gap: float | None
    unique_share: float
    score: float = Field(description="Isolation Forest score (lower = more unusual).")
    why: str


class RaterFlags(BaseModel):
    ratings: AudienceSource
    contamination: float
    raters: int
    rated: int = Field(description="Ratings looked at.")
    flagged_share: float = Field(description="Share of all ratings given by the flagged raters.")
    titles_moved: int = Field(description="Titles whose mean moves 0.1+ star without the flagged raters.")
    priorities: dict[str, int]
    insights: list[str]
    page: PageInfo
    items: list[RaterFlag]


class VoteFlag(BaseModel):
    title_id: str
    title: str
    year: int | None
    primary_genre: str | None
    vote_count: float
    vote_average: float
    plain_mean: float
    gap: float
    gap_score: float
    share_1: float
    share_10: float
    pattern: str
    ends: str
    why: str


class VoteFlags(BaseModel):
    filters: AppliedFilters
    available: bool = Field(description="False when the source has no per-star vote shares (TMDB).")
    threshold: float
    titles: int
    insights: list[str]
    page: PageInfo
    items: list[VoteFlag]


class ReviewQuote(BaseModel):
    head: str = Field(description="Text sentiment, rating and date, e.g. '+0.93 · 8/10 · 2024-03-01'.")
    text: str


class ReviewSentiment(BaseModel):
    reviews: int
    titles: int
    sentiment: float | None = Field(description="Mean VADER compound score of the texts (-1 .. +1).")
    positive: float | None = Field(description="Share of texts scoring +0.05 or more.")
    negative: float | None = Field(description="Share of texts scoring -0.05 or less.")
    rated: int = Field(description="Reviews that carry a rating.")
    disagree: float | None = Field(description="Share of the rated reviews whose text says the opposite of the stars.")


class TitleReviews(BaseModel):
    title_id: str
    headline: ReviewSentiment
    volatility: str = Field(description="Rolling sd of sentiment over 5 consecutive reviews ('n/a' with fewer).")
    most_positive: list[ReviewQuote]
    most_negative: list[ReviewQuote]
    insights: list[str]


class ReviewText(BaseModel):
    filters: AppliedFilters
    available: bool = Field(description="False when the source has no review text (``note`` says why).")
    note: str = ""
    total: int = Field(0, description="Reviews the source holds.")
    scored: int = Field(0, description="Reviews scored: all of them, or a sample drawn by review id.")
    headline: ReviewSentiment | None = Field(None, description="Over the scored reviews of the titles in view.")
    title: TitleReviews | None = Field(None, description="The title asked for with ``title_id``.")
    insights: list[str] = []
