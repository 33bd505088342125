"""Audience tables of a source (ratings, subscribers) in the canonical shapes the audience pages read.

A source without its own table (live TMDB has no ratings or subscribers) uses the embedded one, and the page says
so. A platform's raters are sampled in the engine when its ratings are many: whole raters are kept or left out
(a rater's features need all of their ratings), and what was used is reported beside the totals.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.data import engine, ingest, platforms, queries, schema

#: Above this many ratings a platform's raters are sampled (whole raters) down to about this many ratings.
RATINGS_MAX = 400_000
#: ... and down to about this many raters (the rater forest scores each one with hundreds of trees).
RATERS_MAX = 50_000
#: The recommender's models hold a dense raters x titles residual matrix, so it caps the raters instead.
RECOMMENDER_RATERS = 10_000


@dataclass(frozen=True)
class Audience:
    """A ratings table in the canonical shape (integer ``user_id`` codes) with where it came from.

    Attributes:
        source: the source whose table this is ("embedded" when the asked source has none).
        ratings: ``schema.RATING_COLUMNS``; ``user_id`` is a code, ``user_labels[code]`` the source's own id.
        titles: canonical titles the ratings point at.
        user_labels: the source's user ids by code (empty: the codes are the source's ids).
        total_ratings / total_raters: in the whole table, before any sampling.
    """

    source: str
    ratings: pd.DataFrame
    titles: pd.DataFrame
    user_labels: pd.Series
    total_ratings: int
    total_raters: int

    @property
    def sampled(self) -> bool:
        return len(self.ratings) < self.total_ratings


def has_table(source: str, table: str, stored: pd.DataFrame | None = None) -> bool:
    """Whether ``source`` holds ``table`` itself (an upload: titles, and ratings or reviews once such a file is
    loaded; ``stored`` is ``ingest.stored_tables()`` when the caller has it, so a rerun does not open the store)."""
    if source == "embedded":
        return table in ("titles", "ratings", "subscribers")
    if source.startswith(platforms.PREFIX):
        return (platforms.platform_dir(source) / f"{table}.parquet").is_file()
    if source.startswith(ingest.UPLOADED_PREFIX) and table in ("ratings", "reviews"):
        stored = ingest.stored_tables() if stored is None else stored
        return bool(((stored["source"] == source.removeprefix(ingest.UPLOADED_PREFIX))
                     & (stored["table"] == table)).any())
    return table == "titles"  # TMDB and uploaded title catalogues


def resolve(source: str, table: str, stored: pd.DataFrame | None = None) -> str:
    """The source whose ``table`` a page shows for ``source``: its own, else the embedded one."""
    return source if has_table(source, table, stored) else "embedded"


def sample_share(total: int, limit: int = RATINGS_MAX) -> int:
    """Keep one rater in ``n`` (1 = everyone) so that about ``limit`` ratings remain."""
    return max(1, -(-total // limit))


def platform_ratings(source: str, limit: int = RATINGS_MAX, max_raters: int = RATERS_MAX, con=None,
                     titles: pd.DataFrame | None = None) -> Audience:
    """A platform's ratings, whole raters sampled in the engine down to about ``limit`` ratings and about
    ``max_raters`` raters; ``titles`` are its canonical titles when the caller has them already."""
    con = con or engine.connect()
    folder = platforms.platform_dir(source)
    ratings = engine.open_platform(con, folder, prefix="aud_")["ratings"]
    titles = platforms.titles_frame(folder, con) if titles is None else titles
    return _sampled(source, ratings, titles, limit, max_raters)


def uploaded_ratings(source: str, limit: int = RATINGS_MAX, max_raters: int = RATERS_MAX) -> Audience:
    """An upload's ratings (stored in ``uploads.duckdb``), sampled like a platform's, with its titles."""
    import ibis

    con = ibis.duckdb.connect(str(ingest.uploads_path()), read_only=True)
    ratings = con.table(f"{source.removeprefix(ingest.UPLOADED_PREFIX)}__ratings")
    return _sampled(source, ratings, ingest.uploaded_titles(source), limit, max_raters)


def _sampled(source: str, ratings, titles: pd.DataFrame, limit: int, max_raters: int) -> Audience:
    totals = queries.collect(queries.rating_totals(ratings)).iloc[0]
    every = max(sample_share(int(totals["n"]), limit), sample_share(int(totals["users"]), max_raters))
    frame = queries.collect(queries.sample_raters(ratings, every))
    codes, labels = pd.factorize(frame["user_id"].astype("string"), sort=True)
    out = frame.assign(user_id=codes.astype("int64"), title_id=frame["title_id"].astype("string"),
                       timestamp=pd.to_datetime(frame["timestamp"]))
    return Audience(source, schema.conform(out, schema.RATING_COLUMNS, extra=False), titles,
                    pd.Series(labels, name="user"), int(totals["n"]), int(totals["users"]))


def note(asked: str, used: str, table: str) -> str:
    """What a page says when ``asked`` has no ``table`` of its own and ``used``'s is shown ("" otherwise)."""
    if asked == used:
        return ""
    return (f"This source has no {table} table, so these are the embedded {table} "
            f"({'MovieLens' if table == 'ratings' else 'Telco'}). Upload yours on the Data page to use them.")
