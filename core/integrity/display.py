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
