"""TMDB reviews: what a review page holds, which pages a sync still needs, and how they are kept.

``/movie/{id}/reviews`` and ``/tv/{id}/reviews`` are paged (20 a page). A title's reviews are complete once every
page its first page announces is stored, so a sync asks only for the pages still missing: an interrupted or
partial run resumes where it stopped, titles already fetched cost no request, and a page that failed is asked
for again by the next run, never lost. ``ReviewPages`` is mixed into ``TmdbStore``: the raw pages are kept (like
list pages) and mapped to the data contract's reviews table when read.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from core.tmdb.walk import MAX_PAGES

REVIEW_DDL = """
CREATE TABLE IF NOT EXISTS review_pages (title_key VARCHAR, page INTEGER, total_pages INTEGER, reviews INTEGER,
    malformed INTEGER, status VARCHAR, payload VARCHAR, fetched_at TIMESTAMP, PRIMARY KEY (title_key, page));
"""
#: The data contract's reviews columns (``core.data.contract``), in its order.
COLUMNS = ("review_id", "title_id", "user_id", "text", "created_at", "rating")


def path(key: str) -> str:
    """The reviews endpoint of a title key: ``"movie:550"`` -> ``"/movie/550/reviews"``."""
    media, tmdb_id = key.split(":", 1)
    return f"/{media}/{tmdb_id}/reviews"


@dataclass(frozen=True)
class StoredReviews:
    """A title's stored review pages: how many its first page announced, and which are stored."""

    total_pages: int
    pages: frozenset[int]


def wanted(total_pages: int) -> range:
    """The pages a title's reviews span (page 1 even when it has none), at most TMDB's 500."""
    return range(1, min(max(total_pages, 1), MAX_PAGES) + 1)


def missing(index: dict[str, StoredReviews], keys: list[str]) -> list[tuple[str, int]]:
    """``(title key, page)`` still to fetch: page 1 of titles never fetched, and the pages a stored first page
    announced that are not stored; titles whose reviews are complete are skipped."""
    out = []
    for key in keys:
        have = index.get(key)
        pages = [1] if have is None else [p for p in wanted(have.total_pages) if p not in have.pages]
        out += [(key, p) for p in pages]
    return out


def total_pages(payload: dict | None) -> int:
    """The page count a reviews page announces (0 for a title TMDB does not know)."""
    value = (payload or {}).get("total_pages")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def records(key: str, payload: dict | None) -> tuple[list[dict], int]:
    """A page's reviews as contract records, and how many results could not be one (no id or no text)."""
    media, tmdb_id = key.split(":", 1)
    results = (payload or {}).get("results")
    out, malformed = [], 0
    for item in results if isinstance(results, list) else []:
        if not (isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("content"), str)):
            malformed += 1
            continue
        author = item.get("author_details") if isinstance(item.get("author_details"), dict) else {}
        rating = author.get("rating")
        out.append({"review_id": item["id"], "title_id": f"tmdb:{media}:{tmdb_id}",
                    "user_id": author.get("username") or item.get("author") or None, "text": item["content"],
                    "created_at": item.get("created_at"),
                    "rating": float(rating) if isinstance(rating, (int, float)) and 0 <= rating <= 10 else None})
    return out, malformed


def frame(rows: list[dict]) -> pd.DataFrame:
    """Contract records as the reviews frame: naive-UTC times, one row per review id (the newest page wins)."""
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["created_at"] = pd.to_datetime(out["created_at"], errors="coerce", utc=True).dt.tz_localize(None)
    out["rating"] = pd.to_numeric(out["rating"], errors="coerce").astype("float64")
    for name in ("review_id", "title_id", "user_id", "text"):
        out[name] = out[name].astype("string")
    return out.drop_duplicates("review_id", keep="last", ignore_index=True)


class ReviewPages:
    """Review pages in the TMDB store (mixed into ``TmdbStore``; uses its ``_cursor`` and ``_transaction``)."""

    def save_review_pages(self, rows: list[tuple[str, int, dict | None, datetime]]) -> None:
        """Upsert review pages: (title key, page, payload or None for a title TMDB does not know, fetch time)."""
        if not rows:
            return
        table = []
        for key, page, payload, fetched_at in rows:
            found, malformed = records(key, payload)
            table.append((key, page, total_pages(payload), len(found), malformed,
                          "ok" if payload is not None else "not_found", json.dumps(payload or {}), fetched_at))
        df = pd.DataFrame(table, columns=["title_key", "page", "total_pages", "reviews", "malformed", "status",
                                          "payload", "fetched_at"]).drop_duplicates(["title_key", "page"], keep="last")
        with self._transaction() as cur:
            cur.register("review_batch", df)
            cur.execute("INSERT OR REPLACE INTO review_pages BY NAME SELECT * FROM review_batch")

    def review_index(self) -> dict[str, StoredReviews]:
        """Per title key with stored review pages: the page count page 1 announced and the pages stored."""
        with self._cursor() as cur:
            rows = cur.execute("SELECT title_key, max(CASE WHEN page = 1 THEN total_pages END), list(page) "
                               "FROM review_pages GROUP BY title_key").fetchall()
        return {k: StoredReviews(int(t or 0), frozenset(p)) for k, t, p in rows}

    def review_title_keys(self) -> list[str]:
        """Every stored title key, in first-seen order (the titles whose reviews a sync fetches)."""
        with self._cursor() as cur:
            return [k for (k,) in cur.execute("SELECT title_key FROM titles ORDER BY seq").fetchall()]

    def stale_review_pages(self, before: datetime) -> list[tuple[str, int]]:
        """Review pages fetched before ``before``."""
        with self._cursor() as cur:
            return [tuple(r) for r in cur.execute("SELECT title_key, page FROM review_pages WHERE fetched_at < ? "
                                                  "ORDER BY title_key, page", [before]).fetchall()]

    def review_count(self) -> int:
        """Reviews stored (over every page)."""
        with self._cursor() as cur:
            return int(cur.execute("SELECT coalesce(sum(reviews), 0) FROM review_pages").fetchall()[0][0])

    def reviews(self) -> pd.DataFrame:
        """Every stored review as the contract's reviews frame (``COLUMNS``)."""
        with self._cursor() as cur:
            pages = cur.execute("SELECT title_key, payload FROM review_pages WHERE reviews > 0 "
                                "ORDER BY title_key, page").fetchall()
        return frame([r for key, payload in pages for r in records(key, json.loads(payload))[0]])
