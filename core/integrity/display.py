"""Display tables of the Integrity page: readable headers, rounded values, the reason next to the name.

The same frames feed the on-screen tables and their CSV downloads, so what users download is what they saw.
"""
from __future__ import annotations

import pandas as pd

from core.integrity import sentiment as se

RATER_COLUMNS = {"user_id": "User", "priority": "Review priority", "why": "Why flagged", "ratings": "Ratings",
                 "active_days": "Active days", "per_day": "Ratings per active day", "burst": "Largest 1-minute burst",
                 "rating_sd": "Rating spread (sd)", "mean_rating": "Mean rating",
                 "extreme_share": "Extreme ratings (%)",
                 "consensus_gap": "Gap to other raters (stars)", "unique_share": "On titles nobody else rated (%)",
                 "score": "Isolation score (lower = more unusual)"}
VOTE_COLUMNS = {"title": "Title", "year": "Year", "primary_genre": "Genre", "pattern": "Pattern", "why": "Why flagged",
                "vote_count": "IMDb votes", "vote_average": "IMDb rating", "plain_mean": "Plain mean of votes",
                "gap": "Gap (stars)", "gap_score": "Gap score (sd)", "share_1": "Votes at 1 star (%)",
                "share_10": "Votes at 10 stars (%)", "ends": "Vote-share ends", "title_id": "Title id"}


def raters(table: pd.DataFrame) -> pd.DataFrame:
    """Flagged raters (``flagged_table`` plus ``priority``) for display."""
    out = table.reindex(columns=list(RATER_COLUMNS)).copy()
    for col in ("extreme_share", "unique_share"):
        out[col] = (out[col].astype("float64") * 100).round(1)
    out = out.round({"per_day": 1, "rating_sd": 2, "mean_rating": 2, "consensus_gap": 2, "score": 3})
    return out.rename(columns=RATER_COLUMNS)


def votes(table: pd.DataFrame) -> pd.DataFrame:
    """Flagged titles (``integrity_votes.suspicious_titles``) for display."""
    out = table.reindex(columns=list(VOTE_COLUMNS)).copy()
    for col in ("share_1", "share_10"):
        out[col] = (out[col].astype("float64") * 100).round(0)
    out = out.round({"plain_mean": 2, "gap": 2, "gap_score": 1})
    out["year"] = out["year"].astype("Int64")
    out["vote_count"] = out["vote_count"].astype("float64").round(0).astype("Int64")
    return out.rename(columns=VOTE_COLUMNS)


def sentiment(genres: pd.DataFrame, basis: str) -> pd.DataFrame:
    """Sentiment per genre (``genre_sentiment``) for display; without vote shares only the coarse columns."""
    out = genres.copy()
    out["votes"] = out["votes"].astype("float64").round(0).astype("Int64")
    if basis != se.SHARES:
        return out[["genre", "titles", "votes", "sentiment"]].round({"sentiment": 2}).rename(columns={
            "genre": "Genre", "titles": "Titles", "votes": "Votes", "sentiment": "Vote-weighted mean vote average"})
    out = out.round({"sentiment": 1, "positive": 1, "negative": 1, "polarisation": 1})
    return out[["genre", "titles", "votes", "sentiment", "positive", "negative", "polarisation"]].rename(columns={
        "genre": "Genre", "titles": "Titles", "votes": "Votes", "sentiment": "Net sentiment (points)",
        "positive": "Votes at 8-10 (%)", "negative": "Votes at 1-3 (%)", "polarisation": "Polarised titles (%)"})


REVIEW_TITLE_COLUMNS = {"title": "Title", "year": "Year", "reviews": "Reviews scored",
                        "sentiment": "Mean text sentiment (-1 to +1)", "positive": "Positive texts (%)",
                        "negative": "Negative texts (%)", "stars": "Mean rating (of 10)",
                        "disagree": "Text and stars disagree (% of rated)",
                        "volatility": "Volatility (rolling sd)", "title_id": "Title id"}
BURST_COLUMNS = {"title": "Title", "peak_start": "Window starts", "peak": "Reviews in 7 days",
                 "reviews": "Reviews in all", "p": "Chance if spread evenly", "near_share": "Near-duplicates (%)",
                 "fake": "Fake-engagement signal", "title_id": "Title id"}


def _percent(out: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
    return out.assign(**{c: (out[c].astype("float64") * 100).round(1) for c in cols})


def review_titles(titles: pd.DataFrame) -> pd.DataFrame:
    """Text sentiment per title (``core.integrity.reviews.by_title``) for display."""
    out = _percent(titles.reindex(columns=list(REVIEW_TITLE_COLUMNS)), ("positive", "negative", "disagree"))
    out = out.round({"sentiment": 3, "stars": 1, "volatility": 3}).astype({"year": "Int64"})
    return out.rename(columns=REVIEW_TITLE_COLUMNS)


def review_labels(titles: pd.DataFrame) -> dict[str, str]:
    """``title_id -> "Title (year) · N reviews"`` for the picker, most reviewed first."""
    years = titles["year"].astype("Int64").astype("string").fillna("n/a")
    names = titles["title"].astype("string").fillna(titles["title_id"].astype("string"))
    return dict(zip(titles["title_id"], names + " (" + years + ") · " + titles["reviews"].map("{:,}".format)
                    + " reviews"))


def review_disagreements(found: pd.DataFrame, titles: pd.DataFrame) -> pd.DataFrame:
    """Reviews whose text and stars disagree (``core.integrity.reviews.disagreements``) with their title."""
    names = titles[["title_id", "title"]].drop_duplicates("title_id").astype({"title_id": "string"})
    out = found.merge(names, on="title_id", how="left")
    return pd.DataFrame({"Title": out["title"], "Rating (of 10)": out["rating"], "Text sentiment":
                         out["sentiment"].round(3), "Text": out["text"], "Written": out["created_at"],
                         "Review id": out["review_id"]})


def review_bursts(near: pd.DataFrame, titles: pd.DataFrame) -> pd.DataFrame:
    """Burst titles with their near-duplicate share (``core.integrity.reviews.near_duplicates``) for display."""
    names = titles[["title_id", "title"]].drop_duplicates("title_id").astype({"title_id": "string"})
    out = near.astype({"title_id": "string"}).merge(names, on="title_id", how="left")
    out = _percent(out.reindex(columns=list(BURST_COLUMNS)), ("near_share",))
    return out.assign(p=out["p"].map("{:.1e}".format), peak_start=pd.to_datetime(out["peak_start"]).dt.strftime(
        "%Y-%m-%d")).rename(columns=BURST_COLUMNS)


def review_quotes(reviews: pd.DataFrame) -> list[dict[str, str]]:
    """Scored reviews as ``{"head": "+0.93 · 8/10 · 2024-03-01", "text": raw text}`` (the view escapes the text)."""
    out = []
    for r in reviews.itertuples():
        stars = "" if pd.isna(r.rating) else f" · {r.rating:g}/10"
        when = "" if pd.isna(r.created_at) else f" · {r.created_at:%Y-%m-%d}"
        out.append({"head": f"{r.sentiment:+.2f}{stars}{when}", "text": str(r.text)})
    return out


def volatility_note(value: float) -> str:
    """A volatility figure as the page states it."""
    return "n/a (too few reviews)" if pd.isna(value) else f"{value:.2f}"
