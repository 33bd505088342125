"""The queries that scan raw platform tables, written once as Ibis expressions.

Each function takes Ibis tables (``core.data.engine.open_platform``) and returns an expression; nothing runs
until ``collect`` is called, and then the engine (DuckDB, Spark, ...) does the scan and returns only the
aggregate. Column names are the data contract's (``core.data.contract``). No engine-specific SQL here: the
tests run every function on DuckDB and on Spark and compare the results.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

#: Sessions in the last this many days of the event log are a title's recent reach (its platform popularity).
RECENT_DAYS = 90


def collect(expr) -> pd.DataFrame:
    """Run ``expr`` on its engine and return the aggregate as pandas, in the same dtypes whatever the engine
    (Spark returns 32-bit integers and DuckDB 64-bit, for one)."""
    out = expr.to_pandas()
    for column in out.columns:
        if pd.api.types.is_integer_dtype(out[column]):
            out[column] = out[column].astype("int64")
        elif pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = pd.to_datetime(out[column]).dt.tz_localize(None).astype("datetime64[us]")
    return out


def event_window(events):
    """One row: the first and the last session start (no distinct counts: over 20 million events they cost
    seconds that the callers, which need only the log's end, would waste)."""
    return events.aggregate(first=events.started_at.min(), last=events.started_at.max())


def title_stats(events, recent_from: dt.datetime):
    """Per title: sessions, distinct viewers, minutes watched, completion rate, and sessions since
    ``recent_from`` (the title's recent reach)."""
    recent = (events.started_at >= recent_from).cast("int64")
    return events.group_by("title_id").aggregate(
        sessions=events.count(), viewers=events.user_id.nunique(), minutes=events.minutes_watched.sum(),
        completion=events.completed.cast("float64").mean(), recent_sessions=recent.sum())


def title_ratings(ratings):
    """Per title: number of ratings and their mean (on the ratings' own scale)."""
    return ratings.group_by("title_id").aggregate(rating_count=ratings.count(), rating_mean=ratings.rating.mean())


def monthly_genre_sessions(events, title_genres):
    """Sessions per calendar month and genre, a session counting toward every genre of its title.

    Args:
        title_genres: an Ibis table ``title_id, genre`` (one row per title and genre: the titles to count).
    """
    joined = events.join(title_genres, "title_id")
    return joined.group_by(month=joined.started_at.truncate("M"), genre=joined.genre).aggregate(
        sessions=joined.count())


def title_high_peaks(ratings, high: float = 4.5):
    """Per title: ratings at ``high`` stars or more, the days they fall on, and the most on one day (a burst
    of top ratings on one day is what bought or brigaded ratings look like)."""
    top = ratings.filter(ratings.rating >= high)
    daily = top.group_by("title_id", day=top.timestamp.date()).aggregate(n=top.count())
    return daily.group_by("title_id").aggregate(high_ratings=daily.n.sum(), high_days=daily.count(),
                                                peak_day=daily.n.max())


def rating_totals(ratings):
    """One row: ratings (``n``) and distinct raters (``users``)."""
    return ratings.aggregate(n=ratings.count(), users=ratings.user_id.nunique())


def sample_raters(ratings, every: int):
    """The ratings of about one rater in ``every``, each kept whole (by a hash of the user id)."""
    import ibis

    kept = ratings if every == 1 else ratings.filter(ratings.user_id.hash().abs() % every == ibis.literal(0))
    return kept.select("user_id", "title_id", "rating", "timestamp")


def top_reviews(reviews, low: float = 9):
    """The reviews rated ``low`` (of 10) or more: ``review_id, user_id, title_id, text, created_at``."""
    return reviews.filter(reviews.rating >= low).select("review_id", "user_id", "title_id", "text", "created_at")


#: The reviews table's columns (``core.data.contract``); an upload may lack the optional ``user_id`` and ``rating``.
REVIEW_COLUMNS = ("review_id", "title_id", "user_id", "text", "created_at", "rating")


def _review_columns(reviews) -> list[str]:
    return [c for c in REVIEW_COLUMNS if c in reviews.columns]


def review_totals(reviews):
    """One row: reviews (``n``), titles reviewed and the mean text length in characters (``chars``: what scoring
    them costs)."""
    return reviews.aggregate(n=reviews.count(), titles=reviews.title_id.nunique(),
                             chars=reviews.text.length().mean())


def sample_reviews(reviews, every: int):
    """About one review in ``every`` (by a hash of its id), with the reviews table's columns."""
    import ibis

    kept = reviews if every == 1 else reviews.filter(reviews.review_id.hash().abs() % every == ibis.literal(0))
    return kept.select(*_review_columns(reviews))


def title_reviews(reviews, title_id: str, limit: int):
    """A title's ``limit`` newest reviews, with the reviews table's columns."""
    one = reviews.filter(reviews.title_id == title_id)
    return one.order_by([one.created_at.desc(), one.review_id]).limit(limit).select(*_review_columns(reviews))


def reviews_of(reviews, title_ids: list[str]):
    """Every review of the given titles, with the reviews table's columns."""
    return reviews.filter(reviews.title_id.isin(list(title_ids))).select(*_review_columns(reviews))


def review_days(reviews):
    """Reviews per title and day (``title_id, day, n``): what review bursts are found from."""
    return reviews.group_by("title_id", day=reviews.created_at.date()).aggregate(n=reviews.count())
