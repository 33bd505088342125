"""Platform sources: a folder of canonical Parquet tables (titles, subscribers, watch events, ratings, reviews),
such as a synthetic platform from ``python -m core generate``.

Platforms live in ``<cache dir>/platforms/<name>/`` with a ``manifest.json``; the source key is ``syn:<name>``.
Their raw tables can hold tens of millions of events, so nothing here reads one into pandas: the engine
(``core.data.engine``) runs the queries of ``core.data.queries`` and only per-title aggregates come back.

How a platform fills the fields the title pages read (also in ``core.data.features.DEFINITIONS``):
- vote count = the number of ratings of the title; vote average = their mean on 0-10 (stars x 2);
- popularity = viewing sessions in the last 90 days of the event log (the title's recent reach).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pandas as pd

from core import config
from core.data import engine, queries, schema

PREFIX = "syn:"
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def platforms_dir() -> Path:
    return config.cache_dir() / "platforms"


def platform_dir(source: str) -> Path:
    """The folder of ``syn:<name>`` (ValueError on a name that is not a plain folder name)."""
    name = source.removeprefix(PREFIX)
    if not _NAME.fullmatch(name):
        raise ValueError(f"Not a platform name: {name[:40]!r}")
    return platforms_dir() / name


def manifest(source: str) -> dict:
    """The platform's manifest (what was generated, with which seed and sizes); {} when unreadable."""
    try:
        return json.loads((platform_dir(source) / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def platform_sources() -> list[str]:
    """Source keys of the platforms with a manifest and a titles table, by name."""
    if not platforms_dir().is_dir():
        return []
    return [PREFIX + d.name for d in sorted(platforms_dir().iterdir())
            if _NAME.fullmatch(d.name) and (d / "manifest.json").is_file() and (d / "titles.parquet").is_file()]


def platform_stamp(source: str) -> str:
    """A version that changes when any of the platform's files is rewritten (names, sizes, modification times)."""
    folder = platform_dir(source)
    if not folder.is_dir():
        return ""
    parts = sorted(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in folder.iterdir() if p.is_file())
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def row_counts(source: str) -> dict[str, int]:
    """Rows per table of a platform, from the Parquet footers (no table is read)."""
    import pyarrow.parquet as pq

    folder = platform_dir(source)
    return {name: pq.ParquetFile(folder / f"{name}.parquet").metadata.num_rows for name in engine.PLATFORM_TABLES
            if (folder / f"{name}.parquet").is_file()}


def describe(source: str) -> str:
    """One line saying what a platform is, from its manifest: synthetic or not, preset, seed."""
    info = manifest(source)
    name = source.removeprefix(PREFIX)
    if not info.get("synthetic", True):
        return f"Platform {name}: your own tables."
    details = ", ".join(f"{k} {info[k]}" for k in ("preset", "seed") if k in info)
    return (f"Synthetic data: {name} is a generated platform ({details or 'no manifest details'}), not real "
            "audiences; what was planted in it is known and shown where it is scored.")


def truth(source: str) -> pd.DataFrame:
    """What was planted in a synthetic platform (``truth.parquet``: entity_type, entity_id, label, ...); empty when
    the platform has no truth file (real data never does)."""
    path = platform_dir(source) / "truth.parquet"
    if not path.is_file():
        return pd.DataFrame(columns=["entity_type", "entity_id", "label"])
    return pd.read_parquet(path)


def monthly_genre_sessions(source: str, view: pd.DataFrame, con=None) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """``(month, genre, sessions)`` of the titles in ``view`` and when the event log ends; the counting runs in
    the engine, with the view's (title, genre) pairs sent to it as a small table."""
    import ibis

    con = con or engine.connect()
    tables = engine.open_platform(con, platform_dir(source), prefix="fc_")
    if "watch_events" not in tables or view.empty:
        return pd.DataFrame(columns=["month", "genre", "sessions"]), None
    pairs = view[["title_id", "genres"]].explode("genres").dropna()
    pairs = pairs.rename(columns={"genres": "genre"}).astype({"title_id": "string", "genre": "string"})
    events = tables["watch_events"]
    out = queries.collect(queries.monthly_genre_sessions(events, ibis.memtable(pairs)))
    last = queries.collect(queries.event_window(events))["last"].iloc[0]
    return out, pd.Timestamp(last)


def _split_genres(text) -> list[str]:
    if not isinstance(text, str):
        return []
    return [g.strip() for g in text.replace("|", ",").split(",") if g.strip()]


def titles_frame(folder: Path, con=None) -> pd.DataFrame:
    """The platform's titles in the canonical titles shape, with votes, rating and popularity from its ratings
    and watch events, computed by the engine (``con``, DuckDB by default)."""
    con = con or engine.connect()
    tag = hashlib.sha256(str(folder).encode()).hexdigest()[:8]  # one connection may hold several platforms
    tables = engine.open_platform(con, folder, prefix=f"p{tag}_")
    raw = tables["titles"].to_pandas()
    stats = pd.DataFrame(columns=["title_id"])
    if "watch_events" in tables:
        last = queries.collect(queries.event_window(tables["watch_events"]))["last"].iloc[0]
        recent_from = (pd.Timestamp(last) - dt.timedelta(days=queries.RECENT_DAYS)).to_pydatetime()
        stats = queries.collect(queries.title_stats(tables["watch_events"], recent_from))
    if "ratings" in tables:
        stats = stats.merge(queries.collect(queries.title_ratings(tables["ratings"])), on="title_id", how="outer")
    return canonical_titles(raw, stats)


def canonical_titles(raw: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    """Contract-shaped titles plus per-title aggregates -> the canonical titles every page reads."""
    df = raw.merge(stats, on="title_id", how="left")
    genres = df["genres"].map(_split_genres) if "genres" in df else pd.Series([[]] * len(df), index=df.index)
    dates = pd.to_datetime(df["release_date"], errors="coerce") if "release_date" in df else pd.Series(
        pd.NaT, index=df.index)

    def column(name):
        return df[name] if name in df else pd.Series(pd.NA, index=df.index)

    out = pd.DataFrame({
        "title_id": df["title_id"], "title": df["title"], "media_type": df["kind"], "genres": genres,
        "primary_genre": genres.map(lambda g: g[0] if g else schema.NO_GENRE), "release_date": dates,
        "year": dates.dt.year, "runtime": column("runtime"), "budget": column("budget"),
        "revenue": column("revenue"),
        "vote_average": column("rating_mean") * 2, "vote_count": column("rating_count"),
        "popularity": column("recent_sessions").fillna(0) if "recent_sessions" in df else pd.NA,
        "language": pd.NA, "overview": column("overview"), "poster_url": pd.NA, "source": "synthetic",
        "sessions": column("sessions"), "viewers": column("viewers"), "minutes_watched": column("minutes"),
        "completion_rate": column("completion"),
    }, index=df.index)
    out["budget"] = out["budget"].where(out["budget"] > 0)
    out["revenue"] = out["revenue"].where(out["revenue"] > 0)
    return schema.conform(out, schema.TITLE_COLUMNS)
