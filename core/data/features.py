"""Derived title features: engagement score, percentiles, tiers, hit label, dates, velocity, budget level.

Every function takes a frame and returns a new one (``df.assign``); chain them with ``.pipe``. The definitions
here are the ones the Data page and ``data/README.md`` show users, so keep the three in step.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core import config
from core.data import queries, schema

TIERS = ("Low", "Niche", "Solid", "Hit")

#: User-facing definitions of every derived field (shown on the Data page and in tooltips).
DEFINITIONS: dict[str, str] = {
    "engagement_score": "log10(1 + vote count) x vote average (0-10). Rewards titles that many people rated "
                        "and rated well: 1,000 votes at 7.0 scores 21; 100,000 votes at 8.0 scores 40.",
    "popularity": "TMDB: TMDB's own popularity score. Embedded: IMDb votes per year on release, i.e. votes at "
                  "the 2005 snapshot divided by the years since release (at least 1). A platform (synthetic or "
                  f"yours): viewing sessions in the last {queries.RECENT_DAYS} days of its event log; its vote "
                  "count is the number of ratings and its vote average their mean in stars x 2 (0-10).",
    "hit": "A title in the top quartile (75th percentile and up) of engagement score among the titles in view.",
    "tier": "Engagement quartile among the titles in view: Low (bottom 25%), Niche, Solid, Hit (top 25%).",
    "engagement_pct": "Percentile rank of engagement score among the titles in view (0-100).",
    "popularity_pct": "Percentile rank of popularity among the titles in view (0-100).",
    "rating_pct": "Percentile rank of vote average among the titles in view (0-100).",
    "days_since_release": "Days from release (1 July of the release year where only the year is known) to the "
                          "source's snapshot date (2005-12-31 for the embedded IMDb data, today for TMDB).",
    "velocity": "Votes per day since release: vote count / days since release.",
    "budget_level": "Budget decile 1-10 among titles in view with a known budget (1 = cheapest tenth). The "
                    "Investment Copilot uses the deciles of its training titles, recomputed inside each "
                    "cross-validation fold from that fold's training budgets only.",
}


@dataclass(frozen=True)
class Filters:
    """The global filters every strategy page honours (hashable, so it can key a cache)."""

    source: str = "embedded"
    media_types: tuple[str, ...] = ("movie", "tv")
    genres: tuple[str, ...] = ()  # empty = all genres
    years: tuple[int, int] = (1970, 2005)
    min_votes: int = config.DEFAULT_MIN_VOTES
    #: The source's data version (``core.data.cache.source_version``): part of every cache key that takes a
    #: ``Filters``, so a new sync or a rebuilt embedded cache never serves results of the old data.
    version: str = ""

    def without_version(self) -> "Filters":
        """The same filters with no data version (what a URL or a snapshot key holds)."""
        return replace(self, version="")


#: The filter label of titles that carry no genre at all (the same label in every source).
UNCLASSIFIED = schema.NO_GENRE


def apply_filters(titles: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Titles with audience metrics that match the filters (a title matches a genre if it has it at all;
    ``UNCLASSIFIED`` matches titles with no genre)."""
    keep = (titles["vote_count"].notna() & (titles["vote_count"] >= filters.min_votes)
            & titles["media_type"].isin(filters.media_types)
            & titles["year"].between(*filters.years).fillna(False))
    if filters.genres:
        wanted = set(filters.genres)
        keep &= titles["genres"].map(lambda g: bool(wanted.intersection(g)) or (UNCLASSIFIED in wanted and
                                                                                 len(g) == 0))
    return titles.loc[keep.astype(bool)].copy()


def _pct(s: pd.Series) -> pd.Series:
    return (s.rank(pct=True) * 100).astype("float64")


def add_engagement(df: pd.DataFrame) -> pd.DataFrame:
    """Engagement score, its percentile, tier and hit label (see ``DEFINITIONS``)."""
    score = (np.log10(1 + df["vote_count"].astype("float64")) * df["vote_average"].astype("float64"))
    q25, q50, q75 = (score.quantile([0.25, 0.5, config.HIT_QUANTILE]).tolist() if len(score)
                     else [np.nan] * 3)
    level = (score >= q25).astype(int) + (score >= q50).astype(int) + (score >= q75).astype(int)
    tier = pd.Categorical.from_codes(level.to_numpy(), categories=list(TIERS), ordered=True)
    return df.assign(engagement_score=score, engagement_pct=_pct(score), tier=tier,
                     hit=(score >= q75).astype("int64"))


def add_percentiles(df: pd.DataFrame) -> pd.DataFrame:
    """Popularity and rating percentiles within the frame."""
    return df.assign(popularity_pct=_pct(df["popularity"].astype("float64")),
                     rating_pct=_pct(df["vote_average"].astype("float64")))


def snapshot_date(df: pd.DataFrame) -> pd.Series:
    """The date each title's counts were taken: end of 2005 for the IMDb extract, today for live and uploaded
    data."""
    today = pd.Timestamp.now().normalize()
    imdb = pd.Timestamp(f"{config.IMDB_SNAPSHOT_YEAR}-12-31")
    return pd.Series(np.where(df["source"] == "embedded", imdb, today), index=df.index).astype("datetime64[ns]")


def add_dates(df: pd.DataFrame) -> pd.DataFrame:
    """Release month/quarter where known, decade, days since release and velocity (votes per day)."""
    mid_year = pd.to_datetime(df["year"].astype("float64").astype("Int64").astype("string") + "-07-01",
                              errors="coerce")
    released = df["release_date"].fillna(mid_year)
    days = (snapshot_date(df) - released).dt.days.clip(lower=1).astype("float64")
    return df.assign(
        release_month=df["release_date"].dt.month.astype("Int64"),
        release_quarter=df["release_date"].dt.quarter.astype("Int64"),
        decade=(df["year"] // 10 * 10).astype("Int64"),
        days_since_release=days,
        velocity=df["vote_count"].astype("float64") / days,
    )


def add_budget_level(df: pd.DataFrame) -> pd.DataFrame:
    """Budget decile 1-10 among titles with a known budget; <NA> where the budget is unknown."""
    budget = df["budget"].astype("float64")
    known = budget.notna()
    level = pd.Series(pd.NA, index=df.index, dtype="Int64")
    if known.sum() >= 10:
        level[known] = pd.qcut(budget[known].rank(method="first"), 10, labels=False).astype("int64") + 1
    return df.assign(budget_level=level, log_budget=np.log10(budget),
                     log_votes=np.log10(1 + df["vote_count"].astype("float64")))


def engineer(titles: pd.DataFrame) -> pd.DataFrame:
    """All derived features for a filtered titles frame."""
    return (titles.pipe(add_engagement).pipe(add_percentiles).pipe(add_dates).pipe(add_budget_level)
            .reset_index(drop=True))


def genre_long(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (title, genre): a title with two genres counts in both (titles with none: 'Unclassified')."""
    genres = df["genres"].map(lambda g: list(g) if len(g) else [UNCLASSIFIED])
    return df.assign(genre=genres).explode("genre").assign(genre=lambda d: d["genre"].astype("string"))


def facets(titles: pd.DataFrame) -> dict:
    """Genres, media types and year span of the titles that have audience metrics (the filter choices)."""
    rated = titles[titles["vote_count"].notna()]
    genres = sorted({g for gs in rated["genres"] for g in gs} | ({UNCLASSIFIED} if
                    (rated["genres"].map(len) == 0).any() else set()))
    years = rated["year"].dropna()
    return {"genres": genres, "media_types": sorted(rated["media_type"].dropna().unique().tolist()),
            "year_min": int(years.min()) if len(years) else 1900,
            "year_max": int(years.max()) if len(years) else 2030, "titles": int(len(rated))}
