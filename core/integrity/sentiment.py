"""Audience sentiment from ratings, by genre and release decade. There is no review text in this data.

With per-star vote shares (embedded IMDb films) sentiment is rating-based: net sentiment is the share of votes
at 8-10 stars minus the share at 1-3 (vote-weighted, so it describes the audience, not the average title), and
polarisation is the share of titles whose votes pile up at both ends at once. Without shares (live TMDB titles)
only a coarse reading is possible, the vote-weighted mean vote average, and polarisation is unavailable.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.data import features
from core.integrity.votes import has_shares, shares
from models import anomaly

SHARES, AVERAGE, NONE = "shares", "average", "none"
TOP_GENRES = 6
MIN_GENRE_TITLES = 5
ALL = "All titles"

DEFINITIONS = {
    "net": "Net sentiment: share of votes at 8-10 stars minus share at 1-3 stars (-100 to +100 points), from "
           "IMDb's per-star shares, vote-weighted over titles.",
    "polarisation": "Polarised titles: share of titles with at least 20% of their votes at 1 star and at least 20% "
                    "at 10 stars (the two-sided class of models.anomaly.vote_shape).",
    "rounding": "IMDb rounds each star's share to a 10-point band and the data keeps its mid-point, so a star "
                "with 0-10% of votes counts as 4.5%: that lifts both the 1-3 and the 8-10 shares by a few points. "
                "Compare genres and decades with each other rather than reading the levels literally.",
    "coarse": "Coarse sentiment (no per-star shares): the vote-weighted mean vote average (0-10).",
}


def basis(df: pd.DataFrame) -> str:
    """What sentiment the frame supports: ``"shares"``, ``"average"`` (vote averages only) or ``"none"``."""
    if df.empty:
        return NONE
    if has_shares(df):
        return SHARES
    return AVERAGE if df["vote_average"].notna().any() else NONE


def title_sentiment(df: pd.DataFrame) -> pd.DataFrame:
    """Per title: ``votes``, ``positive``, ``negative`` and ``net`` (points, 0-100 scale), ``polarisation``
    (100 for a two-sided title, else 0) and ``sentiment`` (= ``net``); without shares only ``votes`` and
    ``sentiment`` (= the vote average) are known."""
    votes = df["vote_count"].astype("float64")
    if basis(df) == SHARES:
        s = shares(df)
        pos = s[["s8", "s9", "s10"]].sum(axis=1, min_count=3) * 100
        neg = s[["s1", "s2", "s3"]].sum(axis=1, min_count=3) * 100
        two = anomaly.vote_shape(df["r1"], df["r10"]) == anomaly.SHAPES[2]
        out = pd.DataFrame({"votes": votes, "positive": pos, "negative": neg, "net": pos - neg,
                            "polarisation": two.astype("float64").to_numpy() * 100}, index=df.index)
        return out.assign(sentiment=out["net"])
    return pd.DataFrame({"votes": votes, "positive": np.nan, "negative": np.nan, "net": np.nan,
                         "polarisation": np.nan, "sentiment": df["vote_average"].astype("float64")}, index=df.index)


def _weighted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    cols = ["sentiment", "positive", "negative", "polarisation"]
    frame = frame.dropna(subset=["sentiment", "votes"])
    if frame.empty:
        return pd.DataFrame(columns=[*by, "titles", "votes", *cols])
    # sentiment and shares are vote-weighted (the audience); polarisation counts titles
    w = frame[cols[:3]].mul(frame["votes"], axis=0).assign(votes=frame["votes"], titles=1,
                                                           polarisation=frame["polarisation"])
    g = pd.concat([frame[by], w], axis=1).groupby(by, observed=True).sum(min_count=1)
    for c in cols[:3]:
        g[c] = g[c] / g["votes"]
    g["polarisation"] = g["polarisation"] / g["titles"]
    return g.reset_index()[[*by, "titles", "votes", *cols]].astype({"titles": "int64"})


def genre_sentiment(df: pd.DataFrame) -> pd.DataFrame:
    """Vote-weighted sentiment per genre (a title counts in each of its genres), most positive first.

    Returns:
        ``genre, titles, votes, sentiment, positive, negative, polarisation``; genres with fewer than
        ``MIN_GENRE_TITLES`` titles are left out.
    """
    if basis(df) == NONE:
        return _weighted(pd.DataFrame(columns=["genre", "sentiment", "votes"]), ["genre"])
    long = features.genre_long(df[["genres", "vote_count", "vote_average", *_share_cols(df)]])
    out = _weighted(pd.concat([long[["genre"]], title_sentiment(long)], axis=1), ["genre"])
    out = out[out["titles"] >= MIN_GENRE_TITLES]
    return out.sort_values("sentiment", ascending=False, ignore_index=True)


def _share_cols(df: pd.DataFrame) -> list[str]:
    return [c for c in (f"r{i}" for i in range(1, 11)) if c in df.columns]


def decade_sentiment(df: pd.DataFrame, top: int = TOP_GENRES) -> pd.DataFrame:
    """Vote-weighted sentiment per release decade for all titles (``genre`` = ``ALL``) and the ``top`` genres
    with the most votes. Columns: ``decade, genre, titles, votes, sentiment, positive, negative, polarisation``."""
    if basis(df) == NONE or "decade" not in df.columns:
        return _weighted(pd.DataFrame(columns=["decade", "genre", "sentiment", "votes"]), ["decade", "genre"])
    base = df[["genres", "decade", "vote_count", "vote_average", *_share_cols(df)]].dropna(subset=["decade"])
    overall = pd.concat([base[["decade"]].assign(genre=ALL), title_sentiment(base)], axis=1)
    long = features.genre_long(base)
    keep = long.groupby("genre")["vote_count"].sum().nlargest(top).index
    long = long[long["genre"].isin(keep)]
    by_genre = pd.concat([long[["decade", "genre"]], title_sentiment(long)], axis=1)
    out = _weighted(pd.concat([overall, by_genre], ignore_index=True), ["decade", "genre"])
    out = out[out["titles"] >= MIN_GENRE_TITLES]
    return out.astype({"decade": "int64", "genre": "string"}).sort_values(["genre", "decade"], ignore_index=True)


def headline(df: pd.DataFrame) -> dict:
    """Vote-weighted figures of the whole view: ``basis``, ``titles``, ``votes``, ``sentiment``, ``positive``,
    ``negative``, ``polarisation`` (NaN where the basis does not support them)."""
    b = basis(df)
    if b == NONE:
        return {"basis": b, "titles": int(len(df)), "votes": 0.0, "sentiment": np.nan, "positive": np.nan,
                "negative": np.nan, "polarisation": np.nan}
    row = _weighted(title_sentiment(df).assign(one=1), ["one"])
    rec = row.iloc[0].to_dict() if len(row) else {}
    return {"basis": b, "titles": int(rec.get("titles", 0)), "votes": float(rec.get("votes", 0.0)),
            **{k: float(rec.get(k, np.nan)) for k in ("sentiment", "positive", "negative", "polarisation")}}
